#include "transport/rest/openapi.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "support/text.hpp"
#include "transport/rest/rest_api.hpp"

namespace cmcp::transport::rest {

namespace json = boost::json;

namespace {

bool is_required(const json::object& schema, std::string_view name) {
    const auto* required = schema.if_contains("required");
    if (required == nullptr || !required->is_array()) {
        return false;
    }
    const auto& names = required->get_array();
    return std::any_of(names.begin(), names.end(), [name](const json::value& entry) {
        return entry.is_string() && entry.get_string() == name;
    });
}

json::object property(const json::object& schema, std::string_view name) {
    const auto* properties = schema.if_contains("properties");
    const auto* found = properties != nullptr && properties->is_object()
                            ? properties->get_object().if_contains(name)
                            : nullptr;
    return found != nullptr && found->is_object() ? found->get_object() : json::object();
}

json::object problem_schema() {
    return {{"type", "object"},
            {"description",
             "An RFC 9457 problem. `detail` holds what the MCP tool's error result "
             "says: the argument problems with their paths, or the vendor's "
             "status, code and message, and a hint."},
            {"required", json::array{"type", "title", "status"}},
            {"properties",
             {{"type", {{"type", "string"}, {"format", "uri-reference"}}},
              {"title", {{"type", "string"}}},
              {"status", {{"type", "integer"}}},
              {"detail", {{"type", "string"}}},
              {"instance", {{"type", "string"}}},
              {"tool", {{"type", "string"}}},
              {"outcome", {{"type", "string"}}},
              {"upstream_status", {{"type", "integer"}}}}}};
}

json::object problem_response(std::string_view description) {
    return {
        {"description", description},
        {"content", {{kProblemType, {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

json::object operation(const catalog::Tool& tool) {
    const auto& definition = tool.definition;
    const auto& schema = tool.served_input_schema;
    json::array parameters;
    json::object body_properties;
    json::array body_required;
    for (const auto& argument : definition.arguments) {
        auto described = property(schema, argument.name);
        if (argument.location == catalog::ArgumentLocation::body) {
            if (is_required(schema, argument.name)) {
                body_required.emplace_back(argument.name);
            }
            body_properties[argument.name] = std::move(described);
            continue;
        }
        const bool in_path = argument.location == catalog::ArgumentLocation::path;
        json::object parameter{{"name", argument.name},
                               {"in", in_path ? "path" : "query"},
                               {"required", in_path || is_required(schema, argument.name)}};
        if (const auto* text = described.if_contains("description");
            text != nullptr && text->is_string()) {
            parameter["description"] = *text;
            described.erase("description");
        }
        if (described.contains("type") && described.at("type") == "array") {
            parameter["style"] = "form";
            parameter["explode"] = true;
        }
        parameter["schema"] = std::move(described);
        parameters.push_back(std::move(parameter));
    }
    json::object success{{"description", "The vendor's answer, as it gave it."}};
    if (definition.output_schema) {
        success["content"] = {{"application/json", {{"schema", *definition.output_schema}}}};
    }
    json::object responses{{"200", success},
                           {"201", success},
                           {"204", {{"description", "Done; the vendor answered without a body."}}},
                           {"400", problem_response("Invalid arguments (nothing was sent), or "
                                                    "the vendor's 400.")},
                           {"403", problem_response("The tool is not available to this caller.")},
                           {"404", problem_response("No such object at the vendor.")},
                           {"default", problem_response("Any other failure.")}};
    json::object entry{{"operationId", definition.name},
                       {"summary", definition.title},
                       {"description", definition.description},
                       {"tags", json::array{json::value(definition.toolset)}},
                       {"parameters", std::move(parameters)},
                       {"responses", std::move(responses)}};
    if (!body_properties.empty()) {
        json::object body_schema{{"type", "object"}, {"properties", std::move(body_properties)}};
        if (!body_required.empty()) {
            body_schema["required"] = std::move(body_required);
        }
        entry["requestBody"] = {
            {"required", body_schema.contains("required")},
            {"content", {{"application/json", {{"schema", std::move(body_schema)}}}}}};
    }
    return entry;
}

}  // namespace

json::object openapi_document(const catalog::Catalog& catalog, const DocumentOptions& options) {
    json::object paths;
    json::array tags;
    for (const auto& toolset : catalog.toolsets()) {
        tags.push_back(json::object{{"name", toolset.name}, {"description", toolset.title}});
    }
    for (const auto& tool : catalog.tools()) {
        auto& item = paths[resource_path(tool.definition.path_template)];
        if (!item.is_object()) {
            item = json::object();
        }
        item.get_object()[ascii_lower(tool.definition.method)] = operation(tool);
    }
    json::object document{
        {"openapi", "3.1.0"},
        {"info",
         {{"title", "credentials-mcp REST API"},
          {"version", options.version},
          {"description",
           "The tools of credentials-mcp as plain REST: one resource per tool, /v1 followed by "
           "the vendor's path, with the vendor's method. Arguments are validated and defaulted "
           "exactly as the MCP tools do, and the same request is sent upstream."}}},
        {"servers", json::array{json::object{{"url", options.server_url}}}},
        {"tags", std::move(tags)},
        {"paths", std::move(paths)},
        {"components", {{"schemas", {{"Problem", problem_schema()}}}}}};
    if (options.bearer) {
        json::object scheme{{"type", "http"}, {"scheme", "bearer"}};
        if (!options.oauth_issuer.empty()) {
            scheme["bearerFormat"] = "JWT";
            scheme["description"] = "An OAuth 2.1 access token from " + options.oauth_issuer +
                                    " for this server's resource URL.";
        }
        document["components"].get_object()["securitySchemes"] = {{"bearer", std::move(scheme)}};
        document["security"] = json::array{json::object{{"bearer", json::array()}}};
    }
    return document;
}

}  // namespace cmcp::transport::rest
