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

// libstdc++'s std::regex recurses once per character, so valijson's pattern and format checks
// can exhaust a thread's stack on a long enough string (100k characters crash). Documents
// holding longer strings are refused instead of checked, whoever sent them.
constexpr std::size_t kMaxRegexCheckedLength = 4096;

bool mentions_regex(const json::value& schema) {
    if (const auto* object = schema.if_object()) {
        for (const auto& [key, value] : *object) {
            if (key == "pattern" || key == "format" || key == "patternProperties" ||
                mentions_regex(value)) {
                return true;
            }
        }
    } else if (const auto* array = schema.if_array()) {
        for (const auto& item : *array) {
            if (mentions_regex(item)) {
                return true;
            }
        }
    }
    return false;
}

void find_long_strings(const json::value& value, const std::string& pointer,
                       std::vector<SchemaViolation>& found) {
    if (const auto* text = value.if_string()) {
        if (text->size() > kMaxRegexCheckedLength) {
            found.push_back({pointer, "string of " + std::to_string(text->size()) +
                                          " bytes is too long to check (limit " +
                                          std::to_string(kMaxRegexCheckedLength) + ")"});
        }
    } else if (const auto* object = value.if_object()) {
        for (const auto& [key, item] : *object) {
            find_long_strings(item, pointer + "/" + std::string(key), found);
        }
    } else if (const auto* array = value.if_array()) {
        for (std::size_t i = 0; i < array->size(); ++i) {
            find_long_strings((*array)[i], pointer + "/" + std::to_string(i), found);
        }
    }
}

}  // namespace

struct CompiledSchema::Impl {
    boost::json::value source;  // valijson's adapter keeps references into it
    valijson::Schema schema;
    bool uses_regex = false;
};

CompiledSchema::CompiledSchema(const boost::json::value& schema) : impl_(std::make_unique<Impl>()) {
    impl_->source = for_valijson(schema);
    impl_->uses_regex = mentions_regex(impl_->source);
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
    std::vector<SchemaViolation> too_long;
    if (impl_->uses_regex) {
        find_long_strings(document, "", too_long);
        if (!too_long.empty()) {
            return too_long;
        }
    }
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
