#include "upstream/http_upstream.hpp"

#include <httplib.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "upstream/connect_diagnosis.hpp"
#include "upstream/connection_pool.hpp"
#include "upstream/in_flight.hpp"

namespace cmcp::upstream {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The connect that explains a failed connect must not double a long connect timeout.
constexpr milliseconds kMaxDiagnosis{1000};

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

bool is_header_value(std::string_view value) {
    return std::none_of(value.begin(), value.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\t') || byte == 0x7F;
    });
}

std::optional<std::uint64_t> parse_length(const std::string& text) {
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [next, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || next != end) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

struct HttpUpstream::Attempt {
    Outcome outcome;
    bool final = false;  // repeating cannot help: certificate, size limit, cancellation
    milliseconds latency{0};
};

HttpUpstream::HttpUpstream(HttpUpstreamOptions options, Credentials credentials, Logger logger,
                           UpstreamObserver observer)
    : options_(std::move(options)),
      credentials_(std::move(credentials)),
      redactor_(credentials_),
      logger_(logger ? std::move(logger) : make_null_logger()),
      observer_(std::move(observer)),
      random_(std::random_device{}()) {
    // Header values go onto the wire verbatim; a line break would start a header of its own.
    for (const auto* value :
         {&credentials_.scaleway_secret_key, &credentials_.planetscale_authorization}) {
        if (*value && !is_header_value(**value)) {
            throw std::invalid_argument(std::string(value == &credentials_.scaleway_secret_key
                                                        ? "The Scaleway"
                                                        : "The PlanetScale") +
                                        " credential contains control characters.");
        }
    }
    if (!is_header_value(options_.user_agent)) {
        throw std::invalid_argument("The user agent contains control characters.");
    }
    if (!options_.ca_bundle_path.empty() && !std::ifstream(options_.ca_bundle_path)) {
        throw std::invalid_argument("The CA bundle \"" + options_.ca_bundle_path +
                                    "\" cannot be read.");
    }
    scaleway_.url = parse_or_throw(Provider::scaleway, options_.scaleway_base_url);
    planetscale_.url = parse_or_throw(Provider::planetscale, options_.planetscale_base_url);
    ConnectionSettings settings;
    settings.connect_timeout = options_.connect_timeout;
    settings.read_timeout = options_.read_timeout;
    settings.write_timeout = options_.write_timeout;
    settings.ca_bundle_path = options_.ca_bundle_path;
    settings.max_idle = options_.max_idle_connections_per_host;
    settings.origin = scaleway_.url;
    scaleway_.pool = std::make_shared<ConnectionPool>(settings);
    if (planetscale_.url.same_origin(scaleway_.url)) {
        planetscale_.pool = scaleway_.pool;
    } else {
        settings.origin = planetscale_.url;
        planetscale_.pool = std::make_shared<ConnectionPool>(settings);
    }
    aborter_ = std::make_unique<Aborter>();
}

HttpUpstream::~HttpUpstream() = default;

const HttpUpstream::Endpoint& HttpUpstream::endpoint(Provider provider) const {
    return provider == Provider::scaleway ? scaleway_ : planetscale_;
}

std::size_t HttpUpstream::idle_connections(Provider provider) const {
    return endpoint(provider).pool->idle_count();
}

double HttpUpstream::random_fraction() {
    std::lock_guard lock(random_mutex_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
}

Outcome HttpUpstream::send(const Request& request, CallControl& control) {
    try {
        return send_with_retries(request, control);
    } catch (const std::exception& error) {
        // Nothing on this path is expected to throw (bad_alloc aside); callers get a result.
        logger_->error("upstream {} unexpected error for tool {}: {}", to_string(request.provider),
                       request.tool, redactor_.redact(error.what()));
        return Failure{FailureKind::connection,
                       "Unexpected internal error while calling " +
                           std::string(display_name(request.provider)) + ": " +
                           redactor_.redact(error.what()),
                       0};
    }
}

Outcome HttpUpstream::send_with_retries(const Request& request, CallControl& control) {
    const auto start = Clock::now();
    const std::string_view provider = to_string(request.provider);
    const std::string_view name = display_name(request.provider);
    const Endpoint& target_endpoint = endpoint(request.provider);
    // Logs carry the path without the query: compact, and enough to find the operation.
    const std::string log_path = redactor_.redact(target_endpoint.url.path_prefix + request.path);

    if (!credential_for(credentials_, request.provider)) {
        logger_->info("upstream {} {} {} not sent: no credentials configured", provider,
                      request.method, log_path);
        return Failure{FailureKind::missing_credentials,
                       missing_credentials_message(request.provider), 0};
    }
    const std::string target = target_endpoint.url.path_prefix + request.target();
    if (!is_token(request.method) || !is_request_target(target)) {
        logger_->error("upstream {} refusing a malformed request line for tool {}", provider,
                       request.tool);
        return Failure{FailureKind::connection,
                       "Refusing to send a malformed request to " + std::string(name) +
                           ": its method or path holds characters not allowed on an HTTP request "
                           "line. Nothing was sent.",
                       0};
    }

    const int max_attempts = std::max(1, options_.retry.max_attempts);
    int attempts = 0;
    while (true) {
        if (control.cancelled()) {
            return Failure{FailureKind::cancelled,
                           attempts == 0 ? "The call was cancelled before it was sent."
                                         : "The call was cancelled.",
                           attempts};
        }
        ++attempts;
        Attempt result = attempt(request, target_endpoint, target, control);
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
                          attempts, max_attempts, redactor_.redact(failure.message));
        }

        if (!result.final && !control.cancelled()) {
            const RetryInput input{request, result.outcome, attempts, since(start),
                                   std::chrono::system_clock::now()};
            const RetryDecision decision =
                decide_retry(options_.retry, input, [this] { return random_fraction(); });
            if (decision.retry) {
                const std::string what =
                    response != nullptr
                        ? std::string(name) + " answered HTTP " + std::to_string(status)
                        : first_sentence(std::get<Failure>(result.outcome).message);
                const std::string note = redactor_.redact(
                    what + "; retrying in " + format_seconds(decision.delay) + " (attempt " +
                    std::to_string(attempts + 1) + " of " + std::to_string(max_attempts) + ")");
                // Strictly increasing and below 1, whatever the number of attempts.
                const double progress = 1.0 - 1.0 / static_cast<double>(attempts + 1);
                control.report_progress({progress, 1.0, note});
                control.log(LogLevel::warning, note);
                if (!control.sleep_for(decision.delay)) {
                    return Failure{FailureKind::cancelled,
                                   redactor_.redact("The call was cancelled while waiting to "
                                                    "retry; the last attempt ended with: " +
                                                    what + "."),
                                   attempts};
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
            redactor_.redact_in_place(final_response->body);
            redactor_.redact_in_place(final_response->content_type);
            if (final_response->retry_after) {
                redactor_.redact_in_place(*final_response->retry_after);
            }
            return std::move(result.outcome);
        }
        auto& failure = std::get<Failure>(result.outcome);
        failure.attempts = attempts;
        if (attempts > 1 && failure.kind != FailureKind::cancelled) {
            failure.message = with_note(failure.message,
                                        "gave up after " + std::to_string(attempts) + " attempts");
        }
        redactor_.redact_in_place(failure.message);
        return std::move(result.outcome);
    }
}

HttpUpstream::Attempt HttpUpstream::attempt(const Request& request, const Endpoint& endpoint,
                                            const std::string& target, CallControl& control) {
    Attempt result;
    auto lease = endpoint.pool->acquire();
    auto exchange = std::make_shared<InFlight>(lease.client());
    auto registration = control.on_cancel([this, exchange] { aborter_->post(exchange); });

    httplib::Request http;
    http.method = request.method;
    http.path = target;
    http.headers.emplace("Accept", "application/json");
    http.headers.emplace("User-Agent", options_.user_agent);
    const std::string& credential = *credential_for(credentials_, request.provider);
    http.headers.emplace(request.provider == Provider::scaleway ? "X-Auth-Token" : "Authorization",
                         credential);
    if (request.body) {
        http.body = boost::json::serialize(*request.body);
        http.headers.emplace("Content-Type", "application/json");
    }

    const std::size_t limit = options_.max_response_bytes;
    std::string body;
    bool too_large = false;
    http.response_handler = [&](const httplib::Response& response) {
        if (control.cancelled()) {
            return false;
        }
        // Refuse a body announced too large before reading any of it.
        const auto declared = parse_length(response.get_header_value("Content-Length"));
        if (declared && *declared > limit) {
            too_large = true;
            return false;
        }
        return true;
    };
    http.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
        if (size > limit - body.size()) {
            too_large = true;
            return false;
        }
        if (control.cancelled()) {
            return false;
        }
        body.append(data, size);
        return true;
    };

    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    const auto started = Clock::now();
    const bool exchanged = !control.cancelled() && lease.client().send(http, response, error);
    const auto duration = Clock::now() - started;
    result.latency = std::chrono::duration_cast<milliseconds>(duration);
    long verify_result = X509_V_OK;
    if (error == httplib::Error::SSLServerVerification) {
        if (const auto* tls = dynamic_cast<const httplib::SSLClient*>(&lease.client())) {
            verify_result = tls->get_openssl_verify_result();
        }
    }
    const bool aborted = exchange->finish();
    registration = {};
    if (!exchanged || aborted) {
        lease.discard();
    }

    if (exchanged) {
        Response out;
        out.status = response.status;
        out.content_type = response.get_header_value("Content-Type");
        if (response.has_header("Retry-After")) {
            out.retry_after = response.get_header_value("Retry-After");
        }
        out.body = std::move(body);
        result.outcome = std::move(out);
        return result;
    }

    const std::string name(display_name(request.provider));
    const std::string where = name + " at " + endpoint.url.host_and_port();
    // After a partial exchange a change may have been made; a model must not blindly repeat it.
    const std::string maybe_applied =
        request.idempotent
            ? ""
            : " The request may already have been applied: check before repeating it.";
    const auto fail = [&result](FailureKind kind, std::string message, bool final) {
        result.outcome = Failure{kind, std::move(message), 1};
        result.final = final;
        return result;
    };

    if (too_large) {
        return fail(FailureKind::response_too_large,
                    "The " + name + " response was larger than the limit of " +
                        std::to_string(limit) +
                        " bytes and was discarded; ask for less data, for example a smaller "
                        "page size.",
                    true);
    }
    if (control.cancelled() || error == httplib::Error::Canceled) {
        return fail(FailureKind::cancelled,
                    "The call was cancelled while waiting for " + name + "." + maybe_applied, true);
    }
    switch (error) {
        case httplib::Error::ConnectionTimeout:
            return fail(FailureKind::timeout,
                        "Could not connect to " + where +
                            ": no connection within the connect timeout of " +
                            ms_text(options_.connect_timeout) + ".",
                        false);
        case httplib::Error::Connection: {
            std::string detail =
                diagnose_connect(endpoint.url.host, endpoint.url.port,
                                 std::min(options_.connect_timeout, kMaxDiagnosis));
            if (detail.empty()) {
                detail = "the connection failed, though a second try just worked";
            }
            return fail(FailureKind::connection,
                        "Could not connect to " + where + ": " + detail + ".", false);
        }
        case httplib::Error::SSLConnection:
            if (duration >= options_.connect_timeout) {
                return fail(FailureKind::timeout,
                            "Could not connect to " + where +
                                ": the TLS handshake did not complete within the connect timeout "
                                "of " +
                                ms_text(options_.connect_timeout) + ".",
                            false);
            }
            return fail(FailureKind::connection,
                        "Could not connect to " + where + ": the TLS handshake failed.", false);
        case httplib::Error::SSLServerVerification: {
            const std::string reason =
                verify_result != X509_V_OK
                    ? X509_verify_cert_error_string(verify_result)
                    : "the certificate does not match the host name " + endpoint.url.host;
            const std::string store = options_.ca_bundle_path.empty()
                                          ? "the system CA store"
                                          : "the CA bundle " + options_.ca_bundle_path;
            return fail(FailureKind::connection,
                        "Could not connect to " + where +
                            ": TLS certificate verification failed (" + reason +
                            "); the server is not trusted by " + store + ". Nothing was sent.",
                        true);
        }
        case httplib::Error::SSLLoadingCerts:
            return fail(FailureKind::connection,
                        "Could not load the CA certificates from " +
                            (options_.ca_bundle_path.empty() ? std::string("the system store")
                                                             : options_.ca_bundle_path) +
                            "; nothing was sent to " + name + ".",
                        true);
        case httplib::Error::Read:
            if (duration >= options_.read_timeout) {
                return fail(FailureKind::timeout,
                            name + " sent no response within the read timeout of " +
                                ms_text(options_.read_timeout) + " (" +
                                endpoint.url.host_and_port() + ")." + maybe_applied,
                            false);
            }
            return fail(FailureKind::connection,
                        "The connection to " + where +
                            " was closed before a complete response arrived." + maybe_applied,
                        false);
        case httplib::Error::Write:
            if (duration >= options_.write_timeout) {
                return fail(FailureKind::timeout,
                            "Could not send the request to " + where +
                                " within the write timeout of " + ms_text(options_.write_timeout) +
                                "." + maybe_applied,
                            false);
            }
            return fail(
                FailureKind::connection,
                "The connection to " + where + " failed while sending the request." + maybe_applied,
                false);
        case httplib::Error::Compression:
            return fail(FailureKind::connection,
                        "The response from " + where + " could not be decompressed.", true);
        default:
            return fail(FailureKind::connection,
                        "The request to " + where + " failed (" + httplib::to_string(error) + ")." +
                            maybe_applied,
                        false);
    }
}

}  // namespace cmcp::upstream
