#include "catalog/catalog.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "catalog/argument_check.hpp"
#include "catalog/request_builder.hpp"
#include "support/json_text.hpp"

namespace cmcp::catalog {
namespace json = boost::json;

namespace {

int field_bits(ToolFields fields) {
    return (fields.annotations ? 1 : 0) | (fields.title_and_output_schema ? 2 : 0);
}

// The schema a client sees: an argument the operator configured a default for becomes
// optional and shows that default.
json::object serve_input_schema(const ToolDefinition& definition,
                                const std::map<std::string, std::string>& defaults) {
    json::object schema = definition.input_schema;
    for (const auto& argument : definition.arguments) {
        if (!argument.default_from) {
            continue;
        }
        const auto configured = defaults.find(*argument.default_from);
        if (configured == defaults.end()) {
            continue;
        }
        auto& property = schema["properties"].as_object()[argument.name].as_object();
        property["default"] = configured->second;
        if (auto* required = schema.if_contains("required"); required != nullptr) {
            auto& list = required->as_array();
            list.erase(std::remove_if(list.begin(), list.end(),
                                      [&argument](const json::value& entry) {
                                          return entry.is_string() &&
                                                 entry.get_string() == argument.name;
                                      }),
                       list.end());
            if (list.empty()) {
                schema.erase("required");
            }
        }
    }
    return schema;
}

json::object tool_entry(const Tool& tool, ToolFields fields) {
    const auto& definition = tool.definition;
    json::object entry;
    entry["name"] = definition.name;
    if (fields.title_and_output_schema) {
        entry["title"] = definition.title;
    }
    entry["description"] = definition.description;
    entry["inputSchema"] = tool.served_input_schema;
    if (fields.title_and_output_schema && definition.output_schema) {
        entry["outputSchema"] = *definition.output_schema;
    }
    if (fields.annotations) {
        entry["annotations"] = {{"title", definition.title},
                                {"readOnlyHint", definition.annotations.read_only},
                                {"destructiveHint", definition.annotations.destructive},
                                {"idempotentHint", definition.annotations.idempotent},
                                {"openWorldHint", definition.annotations.open_world}};
    }
    return entry;
}

}  // namespace

Catalog::Catalog(Definitions definitions, CatalogOptions options)
    : known_(known_names(definitions)), options_(std::move(options)) {
    if (auto problem = catalog::unknown_name(options_.selection, known_)) {
        throw std::invalid_argument(*problem);
    }
    if (auto problem = catalog::unknown_name(options_.ceiling, known_)) {
        throw std::invalid_argument(*problem);
    }
    toolsets_ = std::move(definitions.toolsets);
    for (auto& definition : definitions.tools) {
        if (!selects(options_.selection, definition) || !admits(options_.ceiling, definition)) {
            continue;
        }
        Tool tool;
        tool.served_input_schema = serve_input_schema(definition, options_.defaults);
        tool.input_check = definition.compiled_input_schema
                               ? definition.compiled_input_schema
                               : std::make_shared<const CompiledSchema>(definition.input_schema);
        if (definition.output_schema) {
            tool.output_check =
                definition.compiled_output_schema
                    ? definition.compiled_output_schema
                    : std::make_shared<const CompiledSchema>(*definition.output_schema);
        }
        tool.definition = std::move(definition);
        tools_.push_back(std::move(tool));
    }
    for (const bool annotations : {false, true}) {
        for (const bool titles : {false, true}) {
            const ToolFields fields{annotations, titles};
            json::array list;
            for (const auto& tool : tools_) {
                list.push_back(tool_entry(tool, fields));
            }
            list_texts_.emplace(field_bits(fields),
                                std::make_shared<const std::string>(json::serialize(list)));
            lists_.emplace(field_bits(fields), std::move(list));
        }
    }
}

Catalog Catalog::from_embedded(CatalogOptions options) {
    return Catalog(load_definitions(embedded_assets()), std::move(options));
}

const Tool* Catalog::find(std::string_view name) const {
    for (const auto& tool : tools_) {
        if (tool.definition.name == name) {
            return &tool;
        }
    }
    return nullptr;
}

const json::array& Catalog::list(ToolFields fields) const {
    return lists_.at(field_bits(fields));
}

const std::shared_ptr<const std::string>& Catalog::list_text(ToolFields fields) const {
    return list_texts_.at(field_bits(fields));
}

json::array Catalog::list(ToolFields fields, const Narrowing& narrowing) const {
    const auto& all = list(fields);
    json::array narrowed;
    for (std::size_t i = 0; i < tools_.size(); ++i) {
        if (visible(tools_[i], narrowing)) {
            narrowed.push_back(all[i]);
        }
    }
    return narrowed;
}

bool Catalog::visible(const Tool& tool, const Narrowing& narrowing) {
    return admits(narrowing, tool.definition);
}

std::optional<std::string> Catalog::unknown_name(const Narrowing& narrowing) const {
    return catalog::unknown_name(narrowing, known_);
}

std::variant<PreparedCall, std::string> Catalog::prepare(const Tool& tool,
                                                         const json::object& arguments) const {
    json::value normalized(arguments);
    normalize_integral_numbers(normalized);
    json::object effective = std::move(normalized.as_object());
    for (const auto& argument : tool.definition.arguments) {
        if (argument.default_from && !effective.contains(argument.name)) {
            const auto configured = options_.defaults.find(*argument.default_from);
            if (configured != options_.defaults.end()) {
                effective[argument.name] = configured->second;
            }
        }
    }
    if (auto problem = check_normalized_arguments(tool, effective)) {
        return std::move(*problem);
    }
    return PreparedCall{build_request(tool.definition, effective), std::move(effective)};
}

}  // namespace cmcp::catalog
