#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "support/logging.hpp"
#include "upstream/base_url.hpp"
#include "upstream/credentials.hpp"
#include "upstream/retry_policy.hpp"
#include "upstream/upstream.hpp"
#include "upstream/upstream_connection.hpp"

namespace cmcp::upstream {

struct HttpUpstreamOptions {
    std::string scaleway_base_url = "https://api.scaleway.com";        // SCALEWAY_API_URL
    std::string planetscale_base_url = "https://api.planetscale.com";  // PLANETSCALE_API_URL;
                                                                       // tool paths start /v1
    std::chrono::milliseconds connect_timeout{5000};  // resolve, TCP connect and TLS handshake
    std::chrono::milliseconds read_timeout{30000};    // longest wait for a whole response
    std::chrono::milliseconds write_timeout{30000};   // longest wait to send a request
    // Everything one call does (every attempt and every wait between them) ends by this.
    std::chrono::milliseconds call_timeout{60000};
    std::size_t max_response_bytes = 8 * 1024 * 1024;
    std::size_t max_idle_connections_per_host = 8;
    RetryPolicy retry;  // its max_total is bounded by call_timeout
    std::string user_agent = "credentials-mcp";
    std::string ca_bundle_path;  // "" = system default store
};

// Called once per attempt, on the calling coroutine's executor (so possibly concurrently), e.g.
// for a latency histogram. status is 0 when no response arrived.
using UpstreamObserver = std::function<void(Provider, std::string_view tool, int status,
                                            std::chrono::milliseconds latency)>;

// Sends tool calls to Scaleway and PlanetScale over HTTP(S) with keep-alive, retries idempotent
// calls on transient failures, and keeps credentials out of everything it returns or logs.
// Asynchronous on the caller's executor, on Beast's streams: nothing blocks or spins, one
// deadline bounds each call, and the caller's cancellation slot stops it anywhere.
class HttpUpstream final : public Upstream {
  public:
    // Throws std::invalid_argument for a malformed base URL, an unreadable CA bundle, or a
    // credential or user agent that cannot be a header value (the message never holds secrets).
    HttpUpstream(HttpUpstreamOptions options, Credentials credentials, Logger logger,
                 UpstreamObserver observer = {});
    ~HttpUpstream() override;
    HttpUpstream(const HttpUpstream&) = delete;
    HttpUpstream& operator=(const HttpUpstream&) = delete;

    // Thread-safe. Never throws for I/O problems: they come back as a Failure.
    boost::asio::awaitable<Outcome> send(const Request& request, CallControl& control) override;

    // Idle keep-alive connections currently held for the provider's host on the io_context
    // `context` (connections belong to the io_context they were opened on).
    std::size_t idle_connections(Provider provider, boost::asio::execution_context& context) const;

  private:
    struct Endpoint {
        BaseUrl url;
        std::string origin;  // which pool: scheme, host, port and how TLS is verified
    };
    struct Attempt;

    const Endpoint& endpoint(Provider provider) const;
    boost::asio::awaitable<Outcome> send_with_retries(const Request& request, CallControl& control);
    // `wire` is the request as wire_request() built it.
    boost::asio::awaitable<Attempt> attempt(const Request& request, const Endpoint& endpoint,
                                            WireRequest& wire, CallControl& control,
                                            Clock::time_point deadline);
    // Makes `result` a failure of one attempt and returns it.
    static Attempt failed(Attempt& result, FailureKind kind, std::string message, bool final);
    Attempt connect_failure(ConnectError error, const std::string& detail, const std::string& name,
                            const std::string& where, Attempt& result) const;
    // The request as it goes on the wire (it holds the credential).
    WireRequest wire_request(const Request& request, const Credentials& credentials,
                             const BaseUrl& url, const std::string& target) const;
    // The request's own credentials (a principal's), else the server's.
    const CredentialSet& credentials_of(const Request& request) const;
    double random_fraction();
    // Built on first use: loading the system store takes milliseconds that a process that
    // never calls a vendor over TLS should not pay at start. Null with `problem` if it fails.
    boost::asio::ssl::context* tls_context(std::string& problem);

    HttpUpstreamOptions options_;
    std::shared_ptr<const CredentialSet> own_credentials_;
    Logger logger_;
    UpstreamObserver observer_;
    Endpoint scaleway_;
    Endpoint planetscale_;
    std::mutex tls_mutex_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
    std::mutex random_mutex_;
    std::mt19937_64 random_;
};

}  // namespace cmcp::upstream
