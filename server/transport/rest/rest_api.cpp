#include "transport/rest/rest_api.hpp"

#include <boost/json.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/segments_view.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <set>

#include "catalog/call_result.hpp"
#include "support/text.hpp"
#include "upstream/vendor_error.hpp"

namespace cmcp::transport::rest {

namespace json = boost::json;
namespace urls = boost::urls;

namespace {

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t start = path.starts_with('/') ? 1 : 0;
    while (start <= path.size()) {
        const auto end = path.find('/', start);
        const auto piece = path.substr(start, end == std::string_view::npos ? end : end - start);
        segments.emplace_back(piece);
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    return segments;
}

bool is_placeholder(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

const json::object* property_schema(const catalog::ToolDefinition& tool, std::string_view name) {
    const auto* properties = tool.input_schema.if_contains("properties");
    const auto* schema = properties != nullptr && properties->is_object()
                             ? properties->get_object().if_contains(name)
                             : nullptr;
    return schema != nullptr ? schema->if_object() : nullptr;
}

std::string_view schema_type(const json::object* schema) {
    const auto* type = schema != nullptr ? schema->if_contains("type") : nullptr;
    return type != nullptr && type->is_string() ? std::string_view(type->get_string())
                                                : std::string_view();
}

// A query value as the schema's type wants it; left a string when it does not parse, so that
// argument validation explains what was expected.
json::value typed(std::string_view text, std::string_view type) {
    if (type == "integer") {
        std::int64_t number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (error == std::errc() && end == text.data() + text.size()) {
            return number;
        }
    } else if (type == "number") {
        double number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (error == std::errc() && end == text.data() + text.size()) {
            return number;
        }
    } else if (type == "boolean") {
        if (text == "true") {
            return true;
        }
        if (text == "false") {
            return false;
        }
    }
    return json::string(text);
}

// The status a vendor's refusal becomes. The vendor judged this server's credentials, not
// the REST client's: a 401/403 upstream is the server's problem (502), as are 5xx.
unsigned status_for_vendor(int upstream) {
    if (upstream == 401 || upstream == 403 || upstream >= 500 || upstream < 400) {
        return 502;
    }
    return static_cast<unsigned>(upstream);
}

// The text blocks of a CallToolResult, one per line.
std::string text_of(const json::object& result) {
    std::string text;
    if (const auto* content = result.if_contains("content"); content && content->is_array()) {
        for (const auto& block : content->get_array()) {
            const auto* object = block.if_object();
            const auto* piece = object != nullptr ? object->if_contains("text") : nullptr;
            if (piece != nullptr && piece->is_string()) {
                text.append(text.empty() ? "" : "\n").append(piece->get_string());
            }
        }
    }
    return text;
}

}  // namespace

std::string resource_path(std::string_view path_template) {
    const std::string prefix = std::string(kPrefix) + "/";
    return path_template.starts_with(prefix) ? std::string(path_template)
                                             : std::string(kPrefix) + std::string(path_template);
}

RestApi::RestApi(std::shared_ptr<const catalog::Definitions> definitions)
    : definitions_(std::move(definitions)) {
    for (const auto& tool : definitions_->tools) {
        Route route{&tool, split_path(resource_path(tool.path_template)), 0};
        for (const auto& segment : route.segments) {
            route.literals += is_placeholder(segment) ? 0 : 1;
        }
        routes_.push_back(std::move(route));
    }
}

Match RestApi::match(std::string_view method, std::string_view path) const {
    const auto parsed = urls::parse_origin_form(path);
    if (!parsed) {
        return NoResource{};
    }
    std::vector<std::string> segments;
    for (const auto segment : parsed->segments()) {  // percent-decoded
        segments.emplace_back(segment);
    }
    const Route* best = nullptr;
    std::set<std::string> methods;
    for (const auto& route : routes_) {
        if (route.segments.size() != segments.size()) {
            continue;
        }
        bool fits = true;
        for (std::size_t i = 0; i < segments.size() && fits; ++i) {
            const auto& expected = route.segments[i];
            fits = is_placeholder(expected) ? !segments[i].empty() : expected == segments[i];
        }
        if (!fits) {
            continue;
        }
        methods.insert(route.tool->method);
        if (route.tool->method == method && (best == nullptr || route.literals > best->literals)) {
            best = &route;
        }
    }
    if (methods.empty()) {
        return NoResource{};
    }
    if (best == nullptr) {
        std::string allow;
        for (const auto& name : methods) {
            allow += (allow.empty() ? "" : ", ") + name;
        }
        return WrongMethod{allow};
    }
    Matched matched{best->tool, {}};
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& expected = best->segments[i];
        if (is_placeholder(expected)) {
            matched.path_values[expected.substr(1, expected.size() - 2)] = segments[i];
        }
    }
    return matched;
}

std::variant<json::object, std::string> RestApi::arguments(const Matched& matched,
                                                           std::string_view query,
                                                           std::string_view body) const {
    const auto& tool = *matched.tool;
    json::object arguments;
    for (const auto& [name, value] : matched.path_values) {
        arguments[name] = typed(value, schema_type(property_schema(tool, name)));
    }
    if (!query.empty()) {
        // The view refers to this text, which must outlive it.
        const std::string target = "/?" + std::string(query);
        const auto parsed = urls::parse_origin_form(target);
        if (!parsed) {
            return std::string("the query string is not valid: ") + parsed.error().message();
        }
        for (const auto param : parsed->params()) {  // decoded, '+' as space
            const std::string name(param.key);
            if (matched.path_values.contains(name)) {
                return concat({"\"", printable(name, 64), "\" is given in the path and the query"});
            }
            const auto* schema = property_schema(tool, name);
            if (schema_type(schema) == "array") {
                const auto* items = schema->if_contains("items");
                auto& list = arguments[name];
                if (!list.is_array()) {
                    list = json::array();
                }
                list.get_array().push_back(typed(
                    param.value, schema_type(items != nullptr ? items->if_object() : nullptr)));
            } else if (arguments.contains(name)) {
                return concat(
                    {"\"", printable(name, 64), "\" is given more than once in the query"});
            } else {
                arguments[name] = typed(param.value, schema_type(schema));
            }
        }
    }
    if (body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        json::error_code ec;
        auto parsed = json::parse(body, ec);
        if (ec || !parsed.is_object()) {
            return std::string("the request body must be a JSON object");
        }
        for (auto& [key, value] : parsed.get_object()) {
            if (arguments.contains(key)) {
                return concat(
                    {"\"", printable(key, 64), "\" is given in the body and in the path or query"});
            }
            arguments[key] = std::move(value);
        }
    }
    return arguments;
}

Answer problem(unsigned status, std::string_view kind, std::string_view title,
               std::string_view detail, std::string_view instance, json::object extra) {
    json::object document{{"type", "urn:credentials-mcp:problem:" + std::string(kind)},
                          {"title", !title.empty() ? title
                                    : upstream::http_reason(static_cast<int>(status)).empty()
                                        ? std::string_view("Error")
                                        : upstream::http_reason(static_cast<int>(status))},
                          {"status", status},
                          {"detail", detail},
                          {"instance", instance}};
    for (auto& [key, value] : extra) {
        document[key] = std::move(value);
    }
    return Answer{status, json::serialize(document), std::string(kProblemType)};
}

Answer answer_of(const json::value& reply, std::string_view tool, std::string_view instance) {
    const auto* message = reply.if_object();
    if (message == nullptr) {
        return problem(500, "internal", "", "no answer was produced for the call", instance);
    }
    if (const auto* error = message->if_contains("error"); error != nullptr && error->is_object()) {
        const auto* text = error->get_object().if_contains("message");
        const std::string detail = text != nullptr && text->is_string()
                                       ? std::string(text->get_string())
                                       : std::string("the call failed");
        // The session's answer to a tool the caller cannot see is the one error that lists
        // the tools it can (error.data.available): read that, not the message's wording.
        const auto* data = error->get_object().if_contains("data");
        if (data != nullptr && data->is_object() && data->get_object().contains("available")) {
            return problem(403, "not-available", "Tool not available",
                           "the tool " + std::string(tool) +
                               " is not available to this caller on this server (read-only "
                               "mode, tool selection, the caller's ceiling or scopes)",
                           instance, {{"tool", tool}});
        }
        return problem(500, "internal", "", detail, instance, {{"tool", tool}});
    }
    const auto* result_value = message->if_contains("result");
    const auto* result = result_value != nullptr ? result_value->if_object() : nullptr;
    if (result == nullptr) {
        return problem(500, "internal", "", "the call produced no result", instance);
    }
    std::string outcome = "ok";
    std::optional<int> upstream_status;
    if (const auto* meta = result->if_contains("_meta"); meta != nullptr && meta->is_object()) {
        if (const auto* facts = meta->get_object().if_contains(catalog::kOutcomeMetaKey);
            facts != nullptr && facts->is_object()) {
            if (const auto* name = facts->get_object().if_contains("outcome");
                name != nullptr && name->is_string()) {
                outcome = name->get_string();
            }
            if (const auto* status = facts->get_object().if_contains("upstream_status");
                status != nullptr && status->is_int64()) {
                upstream_status = static_cast<int>(status->get_int64());
            }
        }
    }
    const bool is_error = result->contains("isError");
    if (!is_error) {
        const unsigned status = upstream_status ? static_cast<unsigned>(*upstream_status) : 200U;
        if (status == 204) {
            return Answer{204, "", ""};
        }
        if (const auto* structured = result->if_contains("structuredContent")) {
            return Answer{status, json::serialize(*structured), "application/json"};
        }
        const auto text = text_of(*result);
        json::error_code ec;
        auto parsed = json::parse(text, ec);
        return Answer{status,
                      ec ? json::serialize(json::object{{"text", text}}) : json::serialize(parsed),
                      "application/json"};
    }
    json::object extra{{"tool", tool}, {"outcome", outcome}};
    if (upstream_status) {
        extra["upstream_status"] = *upstream_status;
    }
    const auto detail = text_of(*result);
    if (outcome == "invalid_arguments") {
        return problem(400, "invalid-arguments", "Invalid arguments", detail, instance,
                       std::move(extra));
    }
    if (outcome == "busy" || outcome == "refused" || outcome == "missing_credentials") {
        return problem(503, outcome, "", detail, instance, std::move(extra));
    }
    if (outcome == "vendor_error" && upstream_status) {
        return problem(status_for_vendor(*upstream_status), "vendor-error", "The vendor refused",
                       detail, instance, std::move(extra));
    }
    if (outcome == "timeout") {
        return problem(504, "timeout", "", detail, instance, std::move(extra));
    }
    return problem(502, outcome, "", detail, instance, std::move(extra));
}

}  // namespace cmcp::transport::rest
