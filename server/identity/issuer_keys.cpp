#include "identity/issuer_keys.hpp"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <stdexcept>

#include "support/json_text.hpp"
#include "support/loopback.hpp"
#include "upstream/upstream_connection.hpp"

namespace cmcp::identity {

namespace net = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

upstream::BaseUrl checked_issuer(const std::string& issuer) {
    auto parsed = upstream::parse_base_url(issuer);
    if (const auto* problem = std::get_if<std::string>(&parsed)) {
        throw std::invalid_argument("--oauth-issuer " + issuer + ": " + *problem);
    }
    auto url = std::get<upstream::BaseUrl>(std::move(parsed));
    if (!url.https && !is_loopback_host(url.host)) {
        throw std::invalid_argument(
            "--oauth-issuer must be an https:// URL (http:// only on a "
            "loopback address, for local identity providers and tests)");
    }
    return url;
}

std::string origin_of(const upstream::BaseUrl& url) {
    return std::string(url.https ? "https://" : "http://") + url.host_header();
}

}  // namespace

std::string authorization_server_metadata_url(const std::string& issuer) {
    const auto url = checked_issuer(issuer);
    return origin_of(url) + "/.well-known/oauth-authorization-server" + url.path_prefix;
}

std::string openid_configuration_url(const std::string& issuer) {
    std::string base = issuer;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    return base + "/.well-known/openid-configuration";
}

IssuerKeys::IssuerKeys(IssuerOptions options, Logger logger)
    : options_(std::move(options)),
      discovery_urls_{authorization_server_metadata_url(options_.issuer),
                      openid_configuration_url(options_.issuer)},
      logger_(logger ? std::move(logger) : make_null_logger()) {}

IssuerKeys::~IssuerKeys() = default;

std::shared_ptr<const KeySet> IssuerKeys::keys() const {
    std::lock_guard lock(mutex_);
    return keys_;
}

std::string IssuerKeys::last_failure() const {
    std::lock_guard lock(mutex_);
    return last_failure_;
}

bool IssuerKeys::should_fetch(bool unknown_key) const {
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    if (fetching_) {
        return true;  // a fetch is running anyway: waiting for it costs nothing extra
    }
    if (!last_failure_.empty() && now - failed_at_ < options_.retry_after_failure) {
        return false;
    }
    if (!keys_) {
        return true;
    }
    if (now - fetched_at_ >= options_.max_age) {
        return true;
    }
    return unknown_key && now - last_attempt_ >= options_.unknown_key_cooldown;
}

void IssuerKeys::fetch(net::any_io_executor executor, std::function<void()> done) {
    {
        std::lock_guard lock(mutex_);
        waiting_.emplace_back(executor, std::move(done));
        if (fetching_) {
            return;
        }
        fetching_ = true;
        last_attempt_ = Clock::now();
    }
    net::co_spawn(executor, run_fetch(), net::detached);
}

net::ssl::context* IssuerKeys::tls_context(std::string& problem) {
    // Only the fetching coroutine gets here, one at a time.
    if (!tls_) {
        try {
            tls_ = upstream::make_tls_context("");
        } catch (const std::exception& error) {
            problem = error.what();
            return nullptr;
        }
    }
    return tls_.get();
}

net::awaitable<std::optional<std::string>> IssuerKeys::get(const std::string& url,
                                                           std::string& problem) {
    auto parsed = upstream::parse_base_url(url);
    if (const auto* invalid = std::get_if<std::string>(&parsed)) {
        problem = url + ": " + *invalid;
        co_return std::nullopt;
    }
    const auto target = std::get<upstream::BaseUrl>(parsed);
    if (!target.https && !is_loopback_host(target.host)) {
        problem = url + " is not https";
        co_return std::nullopt;
    }
    net::ssl::context* tls = nullptr;
    if (target.https) {
        tls = tls_context(problem);
        if (tls == nullptr) {
            co_return std::nullopt;
        }
    }
    const auto deadline = upstream::Clock::now() + options_.fetch_timeout;
    auto opened =
        co_await upstream::UpstreamConnection::open(target, tls, options_.fetch_timeout, deadline);
    if (!opened.connection) {
        problem = "cannot connect to " + url + (opened.detail.empty() ? "" : ": " + opened.detail);
        co_return std::nullopt;
    }
    upstream::WireRequest request(http::verb::get,
                                  target.path_prefix.empty() ? "/" : target.path_prefix, 11);
    request.set(http::field::host, target.host_header());
    request.set(http::field::accept, "application/json");
    request.set(http::field::user_agent, "credentials-mcp");
    upstream::ExchangeLimits limits;
    limits.read_timeout = options_.fetch_timeout;
    limits.write_timeout = options_.fetch_timeout;
    limits.max_response_bytes = options_.max_document_bytes;
    auto answer = co_await opened.connection->exchange(request, limits, deadline);
    if (answer.error != upstream::ExchangeError::none) {
        problem = "no answer from " + url + (answer.detail.empty() ? "" : ": " + answer.detail);
        co_return std::nullopt;
    }
    if (answer.status != 200) {
        problem = url + " answered HTTP " + std::to_string(answer.status);
        co_return std::nullopt;
    }
    co_return std::move(answer.body);
}

net::awaitable<std::optional<std::string>> IssuerKeys::discover_key_set_url(std::string& problem) {
    for (const auto& url : discovery_urls_) {
        std::string failure;
        auto body = co_await get(url, failure);
        if (!body) {
            problem = failure;
            continue;
        }
        boost::system::error_code ec;
        const auto metadata = json::parse(*body, ec);
        if (ec) {
            problem = url + " is not JSON";
            continue;
        }
        static const json::object kNoFields;
        const auto& fields = metadata.is_object() ? metadata.get_object() : kNoFields;
        // RFC 8414 §3.3: the metadata must be the issuer's own.
        const auto issuer = string_member(fields, "issuer");
        if (issuer != options_.issuer) {
            problem = url + " describes another issuer (" + issuer.substr(0, 200) + ")";
            continue;
        }
        const auto key_set_url = string_member(fields, "jwks_uri");
        if (key_set_url.empty()) {
            problem = url + " names no jwks_uri";
            continue;
        }
        co_return key_set_url;
    }
    co_return std::nullopt;
}

net::awaitable<void> IssuerKeys::run_fetch() {
    std::string problem;
    std::optional<std::string> key_set_url;
    {
        std::lock_guard lock(mutex_);
        key_set_url = key_set_url_;
    }
    if (!key_set_url) {
        key_set_url = co_await discover_key_set_url(problem);
    }
    if (!key_set_url) {
        finish(nullptr, "the issuer's metadata is unavailable: " + problem);
        co_return;
    }
    {
        std::lock_guard lock(mutex_);
        key_set_url_ = key_set_url;
    }
    auto body = co_await get(*key_set_url, problem);
    if (!body) {
        finish(nullptr, "the issuer's keys are unavailable: " + problem);
        co_return;
    }
    auto parsed = KeySet::parse(*body);
    if (auto* invalid = std::get_if<std::string>(&parsed)) {
        finish(nullptr, "the issuer's keys are unusable: " + *invalid);
        co_return;
    }
    finish(std::make_shared<const KeySet>(std::get<KeySet>(std::move(parsed))), "");
}

void IssuerKeys::finish(std::shared_ptr<const KeySet> keys, std::string failure) {
    std::vector<std::pair<net::any_io_executor, std::function<void()>>> waiting;
    {
        std::lock_guard lock(mutex_);
        const auto now = Clock::now();
        if (keys) {
            logger_->info("oauth: {} signing keys from {}", keys->size(), options_.issuer);
            keys_ = std::move(keys);
            fetched_at_ = now;
            last_failure_.clear();
        } else {
            logger_->warn("oauth: {}", failure);
            last_failure_ = std::move(failure);
            failed_at_ = now;
            key_set_url_.reset();  // the metadata may have changed: discover again next time
        }
        fetching_ = false;
        waiting.swap(waiting_);
    }
    for (auto& [executor, done] : waiting) {
        net::post(executor, std::move(done));
    }
}

}  // namespace cmcp::identity
