#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "upstream/base_url.hpp"
#include "upstream/socket.hpp"

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;

namespace cmcp::upstream {

class InFlight;

struct SslDeleter {
    void operator()(SSL* ssl) const;
    void operator()(SSL_CTX* context) const;
};

// The client side of TLS: TLS 1.2 or later, the peer's certificate verified against the system
// store or a CA bundle. Shared by every connection; thread-safe once built.
class TlsContext {
  public:
    // Throws std::invalid_argument ("Could not load the CA certificates from ...") if the
    // certificates cannot be loaded.
    explicit TlsContext(const std::string& ca_bundle_path);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    SSL_CTX* get() const { return context_.get(); }

  private:
    std::unique_ptr<SSL_CTX, SslDeleter> context_;
};

enum class ConnectError {
    none,
    timeout,        // TCP connect did not complete in time
    unreachable,    // refused, unresolvable, ... (detail says which)
    tls_timeout,    // the handshake did not complete in time
    tls_failed,     // the handshake failed (not TLS, protocol mismatch, reset)
    tls_untrusted,  // certificate verification failed (detail says why)
    cancelled,
};

struct ExchangeLimits {
    std::chrono::milliseconds read_timeout{30000};   // longest wait for the next bytes
    std::chrono::milliseconds write_timeout{30000};  // longest wait to send the next bytes
    std::size_t max_response_bytes = 8 * 1024 * 1024;
    SpinBudget* spin = nullptr;  // for waits on the answer
};

enum class ExchangeError {
    none,
    write_timeout,
    write_failed,
    read_timeout,
    closed_early,  // the peer closed or reset before the response was complete
    too_large,     // body above max_response_bytes (announced or received)
    malformed,     // not a valid HTTP/1.1 response (detail says why)
    cancelled,
};

struct ExchangeResult {
    ExchangeError error = ExchangeError::none;
    std::string detail;
    int status = 0;
    std::string content_type;
    std::optional<std::string> retry_after;
    std::string body;
};

// One keep-alive HTTP/1.1 connection, plain or TLS, on a non-blocking socket. Used by one
// thread at a time; an InFlight lets another thread abort a blocked operation.
class HttpConnection {
  public:
    struct Opened {
        std::unique_ptr<HttpConnection> connection;  // null on failure
        ConnectError error = ConnectError::none;
        std::string detail;
    };

    // Connects (and with `tls`, completes the handshake) before `deadline`.
    static Opened open(const BaseUrl& origin, const TlsContext* tls,
                       SteadyClock::time_point deadline, InFlight& exchange);
    // `socket` is connected; `tls`, if given, is bound to it and not yet shaken hands.
    HttpConnection(UniqueFd socket, std::unique_ptr<SSL, SslDeleter> tls);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    // Sends `request` (a complete HTTP/1.1 request) and reads the response to it.
    ExchangeResult exchange(std::string_view request, bool head_request,
                            const ExchangeLimits& limits, InFlight& exchange);

    // The last exchange completed and the peer allows keep-alive.
    bool reusable() const { return reusable_; }
    // Nothing arrived while the connection sat idle: the peer has not closed it.
    bool still_open();

    // Beast's SyncReadStream sees these through a small adapter (see the .cpp).
    enum class IoStatus { ok, closed, timed_out, failed };
    std::size_t read_some(void* data, std::size_t size, SteadyClock::duration timeout,
                          SpinBudget* spin, IoStatus& status);

  private:
    ConnectError handshake(SteadyClock::time_point deadline, std::string& detail,
                           const std::string& host);
    IoStatus write_all(std::string_view data, SteadyClock::duration timeout);
    std::size_t pending_tls_bytes() const;
    // One read or write, repeated after waiting as the socket or OpenSSL asks, until some bytes
    // moved or the wait failed.
    std::size_t transfer(bool reading, char* data, std::size_t size, SteadyClock::duration timeout,
                         SpinBudget* spin, IoStatus& status);

    UniqueFd socket_;
    std::unique_ptr<SSL, SslDeleter> tls_;  // null for plain HTTP
    bool reusable_ = false;
};

}  // namespace cmcp::upstream
