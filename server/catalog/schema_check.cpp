#include "catalog/schema_check.hpp"

#include <stdexcept>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace cmcp::catalog {
namespace json = boost::json;

namespace {

json::value for_valijson(const json::value& schema);

json::object map_of_schemas(const json::object& map) {
    json::object out;
    for (const auto& [name, subschema] : map) {
        out[name] = for_valijson(subschema);
    }
    return out;
}

// valijson applies "format" to values of every type, so {"type": ["string", "null"],
// "format": "date-time"} rejects null. JSON Schema applies format to strings only; this
// rewrites such schemas into an equivalent anyOf that valijson evaluates correctly.
json::value for_valijson(const json::value& schema) {
    const auto* object = schema.if_object();
    if (object == nullptr) {
        return schema;
    }
    json::object out;
    for (const auto& [key, value] : *object) {
        if ((key == "properties" || key == "definitions" || key == "$defs" ||
             key == "patternProperties") &&
            value.is_object()) {
            out[key] = map_of_schemas(value.get_object());
        } else if ((key == "anyOf" || key == "oneOf" || key == "allOf" || key == "items") &&
                   value.is_array()) {
            json::array items;
            for (const auto& item : value.get_array()) {
                items.push_back(for_valijson(item));
            }
            out[key] = std::move(items);
        } else if (key == "items" || key == "additionalProperties" || key == "not" ||
                   key == "additionalItems" || key == "contains" || key == "propertyNames") {
            out[key] = for_valijson(value);
        } else {
            out[key] = value;
        }
    }
    const auto* format = out.if_contains("format");
    const auto* type = out.if_contains("type");
    if (format == nullptr || type == nullptr || !type->is_array()) {
        return out;
    }
    json::array other_types;
    bool has_string = false;
    for (const auto& entry : type->get_array()) {
        if (entry.is_string() && entry.get_string() == "string") {
            has_string = true;
        } else {
            other_types.push_back(entry);
        }
    }
    if (!has_string || other_types.empty()) {
        return out;
    }
    json::array choices{json::object{{"type", "string"}, {"format", *format}},
                        json::object{{"type", std::move(other_types)}}};
    out.erase("format");
    out.erase("type");
    if (const auto* existing = out.if_contains("anyOf")) {
        out["allOf"] = json::array{json::object{{"anyOf", *existing}},
                                   json::object{{"anyOf", std::move(choices)}}};
        out.erase("anyOf");
    } else {
        out["anyOf"] = std::move(choices);
    }
    return out;
}

}  // namespace

struct CompiledSchema::Impl {
    boost::json::value source;  // valijson's adapter keeps references into it
    valijson::Schema schema;
};

CompiledSchema::CompiledSchema(const boost::json::value& schema) : impl_(std::make_unique<Impl>()) {
    impl_->source = for_valijson(schema);
    try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::BoostJsonAdapter adapter(impl_->source);
        parser.populateSchema(adapter, impl_->schema);
    } catch (const std::exception& error) {
        throw std::runtime_error(std::string("not a usable JSON Schema: ") + error.what());
    }
}

CompiledSchema::~CompiledSchema() = default;

std::vector<SchemaViolation> CompiledSchema::check(const boost::json::value& document) const {
    // A Validator caches compiled regexes, so each check gets its own to stay thread-safe.
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::ValidationResults results;
    valijson::adapters::BoostJsonAdapter adapter(document);
    std::vector<SchemaViolation> violations;
    if (validator.validate(impl_->schema, adapter, &results)) {
        return violations;
    }
    for (const auto& error : results) {
        violations.push_back({context_to_pointer(error.context), error.description});
    }
    return violations;
}

std::string context_to_pointer(const std::vector<std::string>& context) {
    std::string pointer;
    for (const auto& part : context) {
        if (part == "<root>") {
            continue;
        }
        std::string token = part;
        if (token.size() >= 2 && token.front() == '[' && token.back() == ']') {
            token = token.substr(1, token.size() - 2);
        }
        if (token.size() >= 2 && token.front() == '"' && token.back() == '"') {
            token = token.substr(1, token.size() - 2);
        }
        pointer += '/';
        pointer += token;
    }
    return pointer;
}

}  // namespace cmcp::catalog
