#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cmcp::upstream {

struct CredentialSet;

// Which vendor a request goes to, and so whose credentials it carries.
enum class Provider { scaleway, planetscale };

std::string_view to_string(Provider provider);
std::optional<Provider> parse_provider(std::string_view name);

struct QueryParam {
    std::string name;
    std::string value;  // not yet percent-encoded
    bool operator==(const QueryParam&) const = default;
};

// Everything needed to make one vendor call, independent of how it is sent.
struct Request {
    Provider provider = Provider::scaleway;
    std::string method;             // GET, POST, PATCH, DELETE
    std::string path;               // starts with '/', path parameters already percent-encoded
    std::vector<QueryParam> query;  // arrays appear as repeated names, in order
    std::optional<boost::json::object> body;  // sent as JSON when present
    bool idempotent = false;                  // only idempotent requests are retried
    std::string tool;                         // for logs and metrics
    // Whose credentials to send: a principal's; null for the upstream client's own.
    std::shared_ptr<const CredentialSet> credentials;

    // path + "?" + percent-encoded query, as it goes on the request line.
    std::string target() const;
    // GET and HEAD: sending it cannot change anything (RFC 9110 §9.2.1).
    bool safe() const { return method == "GET" || method == "HEAD"; }
};

struct Response {
    int status = 0;
    std::string content_type;
    std::string body;
    std::optional<std::string> retry_after;  // the Retry-After header, if any
    int attempts = 1;
    std::chrono::milliseconds elapsed{0};
};

enum class FailureKind {
    missing_credentials,  // nothing configured for the provider
    connection,           // refused, reset, DNS, TLS handshake
    timeout,              // connect or read timeout
    response_too_large,
    cancelled,
};

std::string_view to_string(FailureKind kind);

// The call did not produce an HTTP response.
struct Failure {
    FailureKind kind = FailureKind::connection;
    std::string message;  // safe to show a model: never contains credentials
    int attempts = 1;
    // A request went out (this attempt or an earlier one) though no answer came back: the
    // vendor may have applied it.
    bool request_sent = false;
};

using Outcome = std::variant<Response, Failure>;

// Percent-encodes everything except RFC 3986 unreserved characters, so a value can never
// change the shape of a path or a query.
std::string percent_encode(std::string_view value);

}  // namespace cmcp::upstream
