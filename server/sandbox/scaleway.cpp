#include "sandbox/scaleway.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <charconv>

namespace cmcp::sandbox::scw {

namespace json = boost::json;

namespace {

// The API's ceiling for page_size (stated for IAM, and Scaleway's usual limit elsewhere).
constexpr std::size_t kMaxPageSize = 100;
constexpr std::size_t kDefaultPageSize = 20;
constexpr std::size_t kMaxPage = 10000;

Reply error(int status, std::string_view type, std::string_view message, json::object fields) {
    json::object body;
    body["message"] = message;
    body["type"] = type;
    for (auto& [key, value] : fields) {
        body[key] = std::move(value);
    }
    return json_reply(status, body);
}

std::optional<std::size_t> parse_count(std::string_view text) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

Reply invalid_arguments(std::initializer_list<ArgumentProblem> problems) {
    json::array details;
    for (const auto& problem : problems) {
        json::object detail;
        detail["argument_name"] = problem.argument_name;
        detail["reason"] = problem.reason;
        detail["help_message"] = problem.help_message;
        details.push_back(std::move(detail));
    }
    return error(400, "invalid_arguments", "invalid argument(s)", {{"details", details}});
}

Reply invalid_argument(std::string_view argument, std::string_view reason, std::string_view help) {
    return invalid_arguments(
        {ArgumentProblem{std::string(argument), std::string(reason), std::string(help)}});
}

Reply denied_authentication(std::string_view reason) {
    return error(401, "denied_authentication", "authentication is denied",
                 {{"method", "api_key"}, {"reason", reason}});
}

Reply not_found(std::string_view resource, std::string_view resource_id) {
    return error(404, "not_found", "resource is not found",
                 {{"resource", resource}, {"resource_id", resource_id}});
}

Reply already_exists(std::string_view resource, std::string_view resource_id,
                     std::string_view help) {
    return error(409, "already_exists", "resource already exists",
                 {{"resource", resource}, {"resource_id", resource_id}, {"help_message", help}});
}

// 400, as in the SDKs' own test fixtures for this type; the precondition enum has no value that
// names the situations the sandbox reports, hence unknown_precondition.
Reply precondition_failed(std::string_view message, std::string_view help) {
    return error(400, "precondition_failed", message,
                 {{"precondition", "unknown_precondition"}, {"help_message", help}});
}

// 403 with one detail per quota, as the SDKs parse it (scaleway-sdk-go QuotasExceededError,
// @scaleway/sdk-client, which also reads an organization_id or project_id scope from a detail).
Reply quotas_exceeded(std::string_view resource, std::size_t quota, std::size_t current) {
    json::object detail;
    detail["resource"] = resource;
    detail["quota"] = quota;
    detail["current"] = current;
    detail["organization_id"] = kOrganizationId;
    return error(403, "quotas_exceeded", "quota(s) exceeded for this resource",
                 {{"details", json::array{std::move(detail)}}});
}

// not_found needs resource fields, so an unknown route is described as a missing "route".
Reply unknown_route(std::string_view method, std::string_view path) {
    std::string route(method);
    route.push_back(' ');
    route.append(path);
    return not_found("route", route);
}

void require_region(const std::string& region) {
    if (region != "fr-par" && region != "nl-ams" && region != "pl-waw") {
        reject(invalid_argument("region", "constraint", "must be one of fr-par, nl-ams, pl-waw"));
    }
}

void require_uuid(std::string_view argument, std::string_view value) {
    if (!is_uuid(value)) {
        reject(invalid_argument(argument, "constraint", "must be a valid UUID"));
    }
}

json::object require_body(const Call& call) {
    auto body = parse_object_body(call.request.body);
    if (!body) {
        reject(invalid_argument("body", "format", "the request body must be a JSON object"));
    }
    return std::move(*body);
}

void require_types(const FieldReader& fields) {
    if (!fields.mistyped().empty()) {
        reject(invalid_argument(fields.mistyped(), "format", "has the wrong JSON type"));
    }
}

Paging paging(const Call& call) {
    Paging result;
    result.page_size = kDefaultPageSize;
    if (const auto page = call.query("page")) {
        const auto value = parse_count(*page);
        if (!value || *value > kMaxPage) {
            reject(invalid_argument("page", value ? "constraint" : "format",
                                    "must be an integer between 1 and 10000"));
        }
        result.page = *value == 0 ? 1 : *value;
    }
    if (const auto size = call.query("page_size")) {
        const auto value = parse_count(*size);
        if (!value || *value > kMaxPageSize) {
            reject(invalid_argument("page_size", value ? "constraint" : "format",
                                    "must be an integer between 1 and 100"));
        }
        result.page_size = *value == 0 ? kDefaultPageSize : *value;
    }
    return result;
}

std::optional<bool> bool_query(const Call& call, std::string_view key) {
    const auto text = call.query(key);
    if (!text || text->empty()) {
        return std::nullopt;
    }
    // The spellings Go's strconv.ParseBool accepts, since the gateway is written in Go.
    for (const std::string_view yes : {"true", "True", "TRUE", "t", "T", "1"}) {
        if (*text == yes) {
            return true;
        }
    }
    for (const std::string_view no : {"false", "False", "FALSE", "f", "F", "0"}) {
        if (*text == no) {
            return false;
        }
    }
    reject(invalid_argument(key, "format", "must be true or false"));
}

std::string enum_query(const Call& call, std::string_view key,
                       std::initializer_list<std::string_view> allowed, std::string_view fallback) {
    const auto text = call.query(key);
    if (!text || text->empty()) {
        return std::string(fallback);
    }
    if (std::find(allowed.begin(), allowed.end(), *text) == allowed.end()) {
        std::string help = "must be one of";
        for (const auto value : allowed) {
            help += ' ';
            help += value;
        }
        reject(invalid_argument(key, "constraint", help));
    }
    return *text;
}

std::optional<std::string> uuid_query(const Call& call, std::string_view key) {
    auto text = call.query(key);
    if (!text || text->empty()) {
        return std::nullopt;
    }
    require_uuid(key, *text);
    return text;
}

}  // namespace cmcp::sandbox::scw
