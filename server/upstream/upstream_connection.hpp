#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "upstream/base_url.hpp"

namespace cmcp::upstream {

using Clock = std::chrono::steady_clock;
using WireRequest = boost::beast::http::request<boost::beast::http::string_body>;

// The client side of TLS: TLS 1.2 or later, the peer's certificate verified against the system
// store or a CA bundle. Throws std::invalid_argument ("Could not load the CA certificates from
// ...") if the certificates cannot be loaded.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_bundle_path);

enum class ConnectError {
    none,
    timeout,        // resolving or the TCP connect did not complete in time
    unreachable,    // refused, unresolvable, ... (detail says which)
    tls_timeout,    // the handshake did not complete in time
    tls_failed,     // the handshake failed (not TLS, protocol mismatch, reset)
    tls_untrusted,  // certificate verification failed (detail says why)
    cancelled,
};

struct ExchangeLimits {
    std::chrono::milliseconds read_timeout{30000};   // longest wait for the whole response
    std::chrono::milliseconds write_timeout{30000};  // longest wait to send the request
    std::size_t max_response_bytes = 8 * 1024 * 1024;
};

enum class ExchangeError {
    none,
    write_timeout,
    write_failed,
    read_timeout,
    deadline,      // the call's own deadline came first
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

// One keep-alive HTTP/1.1 connection to an upstream, plain or TLS, on Beast's streams. Used by
// one coroutine at a time (connections are leased from a pool); every operation completes on
// that coroutine's executor and honours its cancellation slot.
class UpstreamConnection {
  public:
    using Plain = boost::beast::tcp_stream;
    using Tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    struct Opened {
        std::unique_ptr<UpstreamConnection> connection;  // null on failure
        ConnectError error = ConnectError::none;
        std::string detail;
    };

    // Resolves (asynchronously, bounded), connects and, with `tls`, completes the handshake
    // (SNI, host name verification): each step before `step_deadline` and all before
    // `deadline`.
    static boost::asio::awaitable<Opened> open(const BaseUrl& origin,
                                               boost::asio::ssl::context* tls,
                                               std::chrono::milliseconds connect_timeout,
                                               Clock::time_point deadline);

    explicit UpstreamConnection(std::variant<Plain, Tls> stream);
    UpstreamConnection(const UpstreamConnection&) = delete;
    UpstreamConnection& operator=(const UpstreamConnection&) = delete;

    // Sends `request` and reads the response to it (skipping interim 1xx answers), within the
    // limits and before `deadline`.
    boost::asio::awaitable<ExchangeResult> exchange(WireRequest& request,
                                                    const ExchangeLimits& limits,
                                                    Clock::time_point deadline);

    // The last exchange completed, the peer allows keep-alive, and nothing beyond the response
    // arrived: the connection may carry another request.
    bool reusable() const { return reusable_; }
    // Nothing arrived while the connection sat idle (the peer has not closed it, and sent no
    // bytes nobody asked for).
    bool still_open();

  private:
    template <typename Stream>
    boost::asio::awaitable<ExchangeResult> exchange_on(Stream& stream, WireRequest& request,
                                                       const ExchangeLimits& limits,
                                                       Clock::time_point deadline);
    Plain& lowest_layer();

    std::variant<Plain, Tls> stream_;
    boost::beast::flat_buffer buffer_;
    bool reusable_ = false;
};

}  // namespace cmcp::upstream
