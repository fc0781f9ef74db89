#include "catalog/request_builder.hpp"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

#include "catalog/definition_loader.hpp"

namespace cmcp::catalog {
namespace json = boost::json;

std::string url_text(const json::value& value) {
    switch (value.kind()) {
        case json::kind::string:
            return std::string(value.get_string());
        case json::kind::bool_:
            return value.get_bool() ? "true" : "false";
        case json::kind::int64:
            return std::to_string(value.get_int64());
        case json::kind::uint64:
            return std::to_string(value.get_uint64());
        case json::kind::double_: {
            // Shortest round-trip form: 50 for 50.0, 0.5 for 5E-1.
            char buffer[64];
            const double number = value.get_double();
            const auto result =
                std::trunc(number) == number && std::abs(number) < 1e15
                    ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(number))
                    : std::to_chars(buffer, buffer + sizeof buffer, number);
            return std::string(buffer, result.ptr);
        }
        default:
            return json::serialize(value);
    }
}

upstream::Request build_request(const ToolDefinition& tool, const json::object& arguments) {
    upstream::Request request;
    request.provider = tool.provider;
    request.method = tool.method;
    request.idempotent = tool.annotations.idempotent;
    request.tool = tool.name;

    std::string path;
    std::size_t position = 0;
    while (position < tool.path_template.size()) {
        const auto open = tool.path_template.find('{', position);
        if (open == std::string::npos) {
            path += tool.path_template.substr(position);
            break;
        }
        const auto close = tool.path_template.find('}', open);
        path += tool.path_template.substr(position, open - position);
        const auto name = tool.path_template.substr(open + 1, close - open - 1);
        if (const auto* value = arguments.if_contains(name)) {
            path += upstream::percent_encode(url_text(*value));
        }
        position = close + 1;
    }
    request.path = std::move(path);

    const bool sends_body = tool.method == "POST" || tool.method == "PUT" || tool.method == "PATCH";
    if (sends_body) {
        request.body.emplace();
    }
    for (const auto& argument : tool.arguments) {
        const json::value* value = arguments.if_contains(argument.name);
        if (value == nullptr && argument.send_default && argument.schema_default) {
            value = &*argument.schema_default;
        }
        if (value == nullptr) {
            continue;
        }
        switch (argument.location) {
            case ArgumentLocation::path:
                break;
            case ArgumentLocation::query:
                if (value->is_array()) {
                    for (const auto& item : value->get_array()) {
                        request.query.push_back({argument.name, url_text(item)});
                    }
                } else {
                    request.query.push_back({argument.name, url_text(*value)});
                }
                break;
            case ArgumentLocation::body:
                if (request.body) {
                    (*request.body)[argument.name] = *value;
                }
                break;
        }
    }
    return request;
}

}  // namespace cmcp::catalog
