#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "identity/key_set.hpp"
#include "support/logging.hpp"
#include "upstream/base_url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace cmcp::identity {

struct IssuerOptions {
    std::string issuer;  // https://..., or http:// on a loopback address
    // Keys older than this are fetched again when a token next needs them.
    std::chrono::seconds max_age{300};
    // An unknown kid fetches the keys again, at most this often: rotated keys are picked up at
    // once, while tokens with made-up kids cannot make the server hammer the issuer.
    std::chrono::seconds unknown_key_cooldown{30};
    // After a failed fetch, requests are refused (503) rather than each retrying the issuer.
    std::chrono::seconds retry_after_failure{5};
    std::chrono::milliseconds fetch_timeout{5000};  // each of discovery and the key set
    std::size_t max_document_bytes = 1024 * 1024;
};

// The issuer's signing keys: found from its metadata (RFC 8414
// /.well-known/oauth-authorization-server, else OpenID Connect discovery), fetched from its
// jwks_uri when first needed, cached, and fetched again when old or when a token names an
// unknown key (with a cooldown). One fetch at a time; requests that need it wait for it without
// holding a thread. Thread-safe.
class IssuerKeys {
  public:
    using Clock = std::chrono::steady_clock;

    // Throws std::invalid_argument for an issuer URL that is not https (or http on loopback).
    IssuerKeys(IssuerOptions options, Logger logger);
    ~IssuerKeys();
    IssuerKeys(const IssuerKeys&) = delete;
    IssuerKeys& operator=(const IssuerKeys&) = delete;

    const std::string& issuer() const { return options_.issuer; }
    // The keys fetched last; null before the first successful fetch.
    std::shared_ptr<const KeySet> keys() const;
    // Whether a token should wait for a fetch: there are no keys yet, they are old, or (when
    // `unknown_key`) the cooldown has passed; never right after a failed fetch.
    bool should_fetch(bool unknown_key) const;
    // Why the last fetch failed; empty if it did not.
    std::string last_failure() const;
    // Fetches the keys unless a fetch is already running, and calls `done` (through
    // `executor`) when the fetch ends, successful or not.
    void fetch(boost::asio::any_io_executor executor, std::function<void()> done);

  private:
    boost::asio::awaitable<void> run_fetch();
    // The body of a GET, or why not (in `problem`).
    boost::asio::awaitable<std::optional<std::string>> get(const std::string& url,
                                                           std::string& problem);
    boost::asio::awaitable<std::optional<std::string>> discover_key_set_url(std::string& problem);
    boost::asio::ssl::context* tls_context(std::string& problem);
    void finish(std::shared_ptr<const KeySet> keys, std::string failure);

    const IssuerOptions options_;
    // Where the issuer's metadata may be: RFC 8414's location, then OpenID Connect's.
    const std::array<std::string, 2> discovery_urls_;
    Logger logger_;
    mutable std::mutex mutex_;
    std::shared_ptr<const KeySet> keys_;
    std::optional<std::string> key_set_url_;
    Clock::time_point fetched_at_{};
    Clock::time_point failed_at_{};
    Clock::time_point last_attempt_{};
    std::string last_failure_;
    bool fetching_ = false;
    std::vector<std::pair<boost::asio::any_io_executor, std::function<void()>>> waiting_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
};

// Where RFC 8414 puts an issuer's metadata: the well-known path between the host and the
// issuer's path ("https://a.example/tenant" -> "https://a.example/.well-known/
// oauth-authorization-server/tenant").
std::string authorization_server_metadata_url(const std::string& issuer);
std::string openid_configuration_url(const std::string& issuer);

}  // namespace cmcp::identity
