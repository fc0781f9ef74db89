#include "upstream/http_upstream.hpp"

#include <algorithm>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "support/loopback.hpp"
#include "upstream/connection_pool.hpp"

namespace cmcp::upstream {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using std::chrono::milliseconds;

std::string_view display_name(Provider provider) {
    return provider == Provider::scaleway ? "Scaleway" : "PlanetScale";
}

std::string_view url_variable(Provider provider) {
    return provider == Provider::scaleway ? "SCALEWAY_API_URL" : "PLANETSCALE_API_URL";
}

BaseUrl parse_or_throw(Provider provider, const std::string& url) {
    auto parsed = parse_base_url(url);
    if (const auto* problem = std::get_if<std::string>(&parsed)) {
        // The value is repeated only when it cannot hold a password.
        const std::string shown = url.find('@') == std::string::npos ? " \"" + url + "\"" : "";
        throw std::invalid_argument("The " + std::string(display_name(provider)) + " base URL (" +
                                    std::string(url_variable(provider)) + ")" + shown +
                                    " is not valid: " + *problem + ".");
    }
    return std::get<BaseUrl>(std::move(parsed));
}

milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

std::string format_seconds(milliseconds duration) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << static_cast<double>(duration.count()) / 1000.0
        << " s";
    return out.str();
}

std::string ms_text(milliseconds duration) {
    return std::to_string(duration.count()) + " ms";
}

// The first sentence without its full stop: "Could not connect to X: connection refused".
std::string first_sentence(const std::string& message) {
    const auto end = message.find(". ");
    std::string out = message.substr(0, end);
    if (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    return out;
}

// "A: b. More." + "note" -> "A: b (note). More."
std::string with_note(const std::string& message, const std::string& note) {
    const std::string first = first_sentence(message);
    return first + " (" + note + ")" + message.substr(std::min(message.size(), first.size()));
}

bool is_token(std::string_view method) {
    return !method.empty() &&
           std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Nothing that could end the request line early or start a header.
bool is_request_target(std::string_view target) {
    return !target.empty() && target.front() == '/' &&
           std::all_of(target.begin(), target.end(), [](char c) {
               const auto byte = static_cast<unsigned char>(c);
               return byte > 0x20 && byte < 0x7F;
           });
}

bool method_expects_body(std::string_view method) {
    return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

struct HttpUpstream::Attempt {
    Outcome outcome;
    bool final = false;  // repeating cannot help: certificate, size limit, cancellation
    milliseconds latency{0};
};

HttpUpstream::Attempt HttpUpstream::failed(Attempt& result, FailureKind kind, std::string message,
                                           bool final) {
    result.outcome = Failure{kind, std::move(message), 1};
    result.final = final;
    return result;
}

HttpUpstream::HttpUpstream(HttpUpstreamOptions options, Credentials credentials, Logger logger,
                           UpstreamObserver observer)
    : options_(std::move(options)),
      own_credentials_(std::make_shared<const CredentialSet>(
          CredentialSet{"", credentials, std::make_shared<const Redactor>(credentials)})),
      logger_(logger ? std::move(logger) : make_null_logger()),
      observer_(std::move(observer)),
      random_(std::random_device{}()) {
    check_header_values(credentials);
    if (!is_header_value(options_.user_agent)) {
        throw std::invalid_argument("The user agent contains control characters.");
    }
    if (!options_.ca_bundle_path.empty() && !std::ifstream(options_.ca_bundle_path)) {
        throw std::invalid_argument("The CA bundle \"" + options_.ca_bundle_path +
                                    "\" cannot be read.");
    }
    scaleway_.url = parse_or_throw(Provider::scaleway, options_.scaleway_base_url);
    planetscale_.url = parse_or_throw(Provider::planetscale, options_.planetscale_base_url);
    for (const auto provider : {Provider::scaleway, Provider::planetscale}) {
        const auto& url = endpoint(provider).url;
        if (!url.https && !is_loopback_host(url.host)) {
            logger_->warn(
                "the {} base URL ({}) is plain http:// to {}, which is not this machine: "
                "credentials and results will cross the network unencrypted",
                display_name(provider), url_variable(provider), url.host_and_port());
        }
    }
    for (auto* endpoint : {&scaleway_, &planetscale_}) {
        // Connections are interchangeable between clients only where they were verified the
        // same way.
        endpoint->origin = (endpoint->url.https ? "https://" : "http://") +
                           endpoint->url.host_and_port() + " " + options_.ca_bundle_path;
    }
}

HttpUpstream::~HttpUpstream() = default;

const CredentialSet& HttpUpstream::credentials_of(const Request& request) const {
    return request.credentials ? *request.credentials : *own_credentials_;
}

const HttpUpstream::Endpoint& HttpUpstream::endpoint(Provider provider) const {
    return provider == Provider::scaleway ? scaleway_ : planetscale_;
}

std::size_t HttpUpstream::idle_connections(Provider provider,
                                           net::execution_context& context) const {
    return net::use_service<ConnectionPools>(context).idle_count(endpoint(provider).origin);
}

net::ssl::context* HttpUpstream::tls_context(std::string& problem) {
    std::lock_guard lock(tls_mutex_);
    if (!tls_) {
        try {
            tls_ = make_tls_context(options_.ca_bundle_path);
        } catch (const std::invalid_argument& error) {
            problem = error.what();
            return nullptr;
        }
    }
    return tls_.get();
}

double HttpUpstream::random_fraction() {
    std::lock_guard lock(random_mutex_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
}

net::awaitable<Outcome> HttpUpstream::send(const Request& request, CallControl& control) {
    // Cancellation is handled where it happens, with error codes: a terminal cancellation of
    // the caller ends this coroutine with an outcome that says how far the call got.
    co_await net::this_coro::throw_if_cancelled(false);
    try {
        co_return co_await send_with_retries(request, control);
    } catch (const std::exception& error) {
        // Nothing on this path is expected to throw (bad_alloc aside); callers get a result.
        logger_->error("upstream {} unexpected error for tool {}: {}", to_string(request.provider),
                       request.tool, credentials_of(request).redactor->redact(error.what()));
        co_return Failure{FailureKind::connection,
                          "Unexpected internal error while calling " +
                              std::string(display_name(request.provider)) + ": " +
                              credentials_of(request).redactor->redact(error.what()),
                          0, control.request_sent()};
    }
}

net::awaitable<Outcome> HttpUpstream::send_with_retries(const Request& request,
                                                        CallControl& control) {
    const auto start = Clock::now();
    const auto deadline = start + options_.call_timeout;
    const std::string_view provider = to_string(request.provider);
    const std::string_view name = display_name(request.provider);
    const Endpoint& target_endpoint = endpoint(request.provider);
    // Logs carry the path without the query: compact, and enough to find the operation.
    const CredentialSet& credentials = credentials_of(request);
    const Redactor& redactor = *credentials.redactor;
    const std::string log_path = redactor.redact(target_endpoint.url.path_prefix + request.path);

    if (!credential_for(credentials.credentials, request.provider)) {
        logger_->info("upstream {} {} {} not sent: no credentials configured{}", provider,
                      request.method, log_path,
                      credentials.owner.empty() ? "" : " for principal " + credentials.owner);
        co_return Failure{FailureKind::missing_credentials,
                          credentials.owner.empty()
                              ? missing_credentials_message(request.provider)
                              : "No " + std::string(name) +
                                    " credentials are configured for this principal (" +
                                    credentials.owner +
                                    "); the server's operator can add them in the principals "
                                    "file. Nothing was sent.",
                          0};
    }
    const std::string target = target_endpoint.url.path_prefix + request.target();
    if (!is_token(request.method) || !is_request_target(target)) {
        logger_->error("upstream {} refusing a malformed request line for tool {}", provider,
                       request.tool);
        co_return Failure{
            FailureKind::connection,
            "Refusing to send a malformed request to " + std::string(name) +
                ": its method or path holds characters not allowed on an HTTP request "
                "line. Nothing was sent.",
            0};
    }

    // Built once: every attempt sends the same message.
    WireRequest wire = wire_request(request, credentials.credentials, target_endpoint.url, target);
    const int max_attempts = std::max(1, options_.retry.max_attempts);
    const auto executor = co_await net::this_coro::executor;
    int attempts = 0;
    while (true) {
        if (control.cancelled()) {
            co_return Failure{FailureKind::cancelled,
                              attempts == 0 ? "The call was cancelled before it was sent."
                                            : "The call was cancelled.",
                              attempts, control.request_sent()};
        }
        ++attempts;
        Attempt result = co_await attempt(request, target_endpoint, wire, control, deadline);
        const auto* response = std::get_if<Response>(&result.outcome);
        const int status = response != nullptr ? response->status : 0;
        if (observer_) {
            observer_(request.provider, request.tool, status, result.latency);
        }
        // The session logs one info line per tool call; attempts are detail unless they fail.
        if (response != nullptr && status < 400) {
            logger_->debug("upstream {} {} {} -> {} in {} ms (attempt {}/{})", provider,
                           request.method, log_path, status, result.latency.count(), attempts,
                           max_attempts);
        } else if (response != nullptr) {
            logger_->info("upstream {} {} {} -> {} in {} ms (attempt {}/{})", provider,
                          request.method, log_path, status, result.latency.count(), attempts,
                          max_attempts);
        } else {
            const auto& failure = std::get<Failure>(result.outcome);
            logger_->info("upstream {} {} {} -> {} in {} ms (attempt {}/{}): {}", provider,
                          request.method, log_path, to_string(failure.kind), result.latency.count(),
                          attempts, max_attempts, redactor.redact(failure.message));
        }

        if (!result.final && !control.cancelled()) {
            RetryPolicy policy = options_.retry;
            // The call's one deadline bounds the retries and their waits too.
            policy.max_total = std::min(policy.max_total, options_.call_timeout);
            const RetryInput input{request, result.outcome, attempts, since(start),
                                   std::chrono::system_clock::now()};
            const RetryDecision decision =
                decide_retry(policy, input, [this] { return random_fraction(); });
            if (decision.retry) {
                const std::string what =
                    response != nullptr
                        ? std::string(name) + " answered HTTP " + std::to_string(status)
                        : first_sentence(std::get<Failure>(result.outcome).message);
                const std::string note = redactor.redact(
                    what + "; retrying in " + format_seconds(decision.delay) + " (attempt " +
                    std::to_string(attempts + 1) + " of " + std::to_string(max_attempts) + ")");
                // Strictly increasing and below 1, whatever the number of attempts.
                const double progress = 1.0 - 1.0 / static_cast<double>(attempts + 1);
                control.report_progress({progress, 1.0, note});
                control.log(LogLevel::warning, note);
                // A timer, not a sleeping thread; the caller's cancellation ends the wait.
                net::steady_timer backoff(executor, decision.delay);
                boost::system::error_code waited;
                co_await backoff.async_wait(net::redirect_error(net::use_awaitable, waited));
                if (waited || control.cancelled()) {
                    co_return Failure{FailureKind::cancelled,
                                      redactor.redact("The call was cancelled while waiting to "
                                                      "retry; the last attempt ended with: " +
                                                      what + "."),
                                      attempts, control.request_sent()};
                }
                continue;
            }
            if (decision.stop != RetryStop::not_retryable) {
                logger_->debug("upstream {} {} {} not retried: {}", provider, request.method,
                               log_path, to_string(decision.stop));
            }
        }

        if (auto* final_response = std::get_if<Response>(&result.outcome)) {
            final_response->attempts = attempts;
            final_response->elapsed = since(start);
            redactor.redact_in_place(final_response->body);
            redactor.redact_in_place(final_response->content_type);
            if (final_response->retry_after) {
                redactor.redact_in_place(*final_response->retry_after);
            }
            co_return std::move(result.outcome);
        }
        auto& failure = std::get<Failure>(result.outcome);
        failure.attempts = attempts;
        failure.request_sent = control.request_sent();
        if (attempts > 1 && failure.kind != FailureKind::cancelled) {
            failure.message = with_note(failure.message,
                                        "gave up after " + std::to_string(attempts) + " attempts");
        }
        redactor.redact_in_place(failure.message);
        co_return std::move(result.outcome);
    }
}

WireRequest HttpUpstream::wire_request(const Request& request, const Credentials& credentials,
                                       const BaseUrl& url, const std::string& target) const {
    WireRequest wire(http::string_to_verb(request.method), target, 11);
    wire.set(http::field::host, url.host_header());
    wire.set(http::field::accept, "application/json");
    wire.set(http::field::user_agent, options_.user_agent);
    const std::string& credential = *credential_for(credentials, request.provider);
    wire.set(request.provider == Provider::scaleway ? "X-Auth-Token" : "Authorization", credential);
    wire.keep_alive(true);
    if (request.body) {
        wire.set(http::field::content_type, "application/json");
        wire.body() = boost::json::serialize(*request.body);
        wire.prepare_payload();
    } else if (method_expects_body(request.method)) {
        wire.content_length(0);  // some proxies refuse a POST without a length
    }
    return wire;
}

net::awaitable<HttpUpstream::Attempt> HttpUpstream::attempt(const Request& request,
                                                            const Endpoint& endpoint,
                                                            WireRequest& wire, CallControl& control,
                                                            Clock::time_point deadline) {
    Attempt result;
    const std::string name(display_name(request.provider));
    const std::string where = name + " at " + endpoint.url.host_and_port();
    // After a partial exchange a change may have been made; a model must know, even for an
    // idempotent change (a delete) that is safe to repeat.
    const std::string maybe_applied =
        request.safe()
            ? ""
            : " The request was sent and may already have been applied: check before repeating "
              "it.";
    const auto started = Clock::now();
    const auto executor = co_await net::this_coro::executor;
    auto& pool = net::use_service<ConnectionPools>(net::query(executor, net::execution::context))
                     .pool(endpoint.origin, options_.max_idle_connections_per_host);
    auto lease = pool.acquire();
    if (lease.connection() == nullptr) {
        net::ssl::context* tls = nullptr;
        if (endpoint.url.https) {
            std::string problem;
            tls = tls_context(problem);
            if (tls == nullptr) {
                result.latency = since(started);
                co_return failed(result, FailureKind::connection,
                                 problem + "; nothing was sent to " + name + ".", true);
            }
        }
        auto opened = co_await UpstreamConnection::open(endpoint.url, tls, options_.connect_timeout,
                                                        deadline);
        if (opened.error != ConnectError::none) {
            result.latency = since(started);
            co_return connect_failure(opened.error, opened.detail, name, where, result);
        }
        lease.set(std::move(opened.connection));
    }
    if (!control.begin_sending()) {
        result.latency = since(started);
        co_return failed(result, FailureKind::cancelled,
                         "The call was cancelled before it was sent; nothing reached " + name + ".",
                         true);
    }
    const ExchangeLimits limits{options_.read_timeout, options_.write_timeout,
                                options_.max_response_bytes};
    ExchangeResult exchanged = co_await lease.connection()->exchange(wire, limits, deadline);
    result.latency = since(started);
    if (exchanged.error != ExchangeError::none) {
        lease.discard();  // its state is unknown: never reused
    }

    switch (exchanged.error) {
        case ExchangeError::none: {
            Response out;
            out.status = exchanged.status;
            out.content_type = std::move(exchanged.content_type);
            out.retry_after = std::move(exchanged.retry_after);
            out.body = std::move(exchanged.body);
            result.outcome = std::move(out);
            co_return result;
        }
        case ExchangeError::too_large:
            co_return failed(
                result, FailureKind::response_too_large,
                "The " + name + " response was larger than the limit of " +
                    std::to_string(options_.max_response_bytes) +
                    " bytes and was discarded; ask for less data, for example a smaller "
                    "page size.",
                true);
        case ExchangeError::cancelled:
            co_return failed(
                result, FailureKind::cancelled,
                "The call was cancelled while waiting for " + name + "." + maybe_applied, true);
        case ExchangeError::deadline:
            co_return failed(result, FailureKind::timeout,
                             "The call did not finish within its time limit of " +
                                 ms_text(options_.call_timeout) + " (" +
                                 endpoint.url.host_and_port() + ")." + maybe_applied,
                             true);
        case ExchangeError::read_timeout:
            co_return failed(result, FailureKind::timeout,
                             name + " sent no complete response within the read timeout of " +
                                 ms_text(options_.read_timeout) + " (" +
                                 endpoint.url.host_and_port() + ")." + maybe_applied,
                             false);
        case ExchangeError::closed_early:
            co_return failed(result, FailureKind::connection,
                             "The connection to " + where +
                                 " was closed before a complete response arrived." + maybe_applied,
                             false);
        case ExchangeError::write_timeout:
            co_return failed(result, FailureKind::timeout,
                             "Could not send the request to " + where +
                                 " within the write timeout of " + ms_text(options_.write_timeout) +
                                 "." + maybe_applied,
                             false);
        case ExchangeError::write_failed:
            co_return failed(
                result, FailureKind::connection,
                "The connection to " + where + " failed while sending the request." + maybe_applied,
                false);
        case ExchangeError::malformed:
            co_return failed(result, FailureKind::connection,
                             "The response from " + where + " is not valid HTTP (" +
                                 exchanged.detail + ")." + maybe_applied,
                             false);
    }
    co_return result;
}

HttpUpstream::Attempt HttpUpstream::connect_failure(ConnectError error, const std::string& detail,
                                                    const std::string& name,
                                                    const std::string& where,
                                                    Attempt& result) const {
    switch (error) {
        case ConnectError::timeout:
            return failed(result, FailureKind::timeout,
                          "Could not connect to " + where +
                              ": no connection within the connect timeout of " +
                              ms_text(options_.connect_timeout) +
                              (detail.starts_with("resolving") ? " (" + detail + ")" : "") +
                              ". Nothing was sent.",
                          false);
        case ConnectError::unreachable:
            return failed(result, FailureKind::connection,
                          "Could not connect to " + where + ": " + detail + ".", false);
        case ConnectError::tls_timeout:
            return failed(
                result, FailureKind::timeout,
                "Could not connect to " + where +
                    ": the TLS handshake did not complete within the connect timeout of " +
                    ms_text(options_.connect_timeout) + ".",
                false);
        case ConnectError::tls_failed:
            return failed(result, FailureKind::connection,
                          "Could not connect to " + where + ": the TLS handshake failed" +
                              (detail.empty() ? "" : " (" + detail + ")") + ".",
                          false);
        case ConnectError::tls_untrusted: {
            const std::string store = options_.ca_bundle_path.empty()
                                          ? "the system CA store"
                                          : "the CA bundle " + options_.ca_bundle_path;
            return failed(result, FailureKind::connection,
                          "Could not connect to " + where +
                              ": TLS certificate verification failed (" + detail +
                              "); the server is not trusted by " + store + ". Nothing was sent.",
                          true);
        }
        case ConnectError::cancelled:
        case ConnectError::none:
            break;
    }
    return failed(result, FailureKind::cancelled,
                  "The call was cancelled while connecting to " + name + "; nothing was sent.",
                  true);
}

}  // namespace cmcp::upstream
