#include "catalog/schema_check.hpp"

#include <mutex>
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

// valijson compiles a std::regex for every date-time it checks (about 1.5 M instructions, most
// of a tool call). A pattern it compiles once per Validator and caches, so a value this
// pattern accepts skips the format check; it accepts only values the format check accepts
// (stricter on day-of-month), and anything else still gets that check and its message.
constexpr std::string_view kValidDateTime =
    R"(^[0-9]+-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-9]))[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$)";

json::object format_check(const json::value& format) {
    if (format.is_string() && format.get_string() == "date-time") {
        return {{"if", json::object{{"pattern", kValidDateTime}}},
                {"else", json::object{{"format", format}}}};
    }
    return {{"format", format}};
}

json::object map_of_schemas(const json::object& map) {
    json::object out;
    for (const auto& [name, subschema] : map) {
        out[name] = for_valijson(subschema);
    }
    return out;
}

// valijson applies "format" to values of every type: it rejects null for {"type": ["string",
// "null"], "format": "date-time"}, and it aborts the whole process (asString() on a non-empty
// array or object, without exceptions) when an argument of the wrong type meets a format. JSON
// Schema applies format to strings only, so every format moves under {"if": {"type": "string"}},
// which valijson evaluates before looking at the value.
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
                   key == "additionalItems" || key == "contains" || key == "propertyNames" ||
                   key == "if" || key == "then" || key == "else") {
            out[key] = for_valijson(value);
        } else {
            out[key] = value;
        }
    }
    const auto format = out.find("format");
    if (format == out.end()) {
        return out;
    }
    json::object only_strings{{"if", json::object{{"type", "string"}}},
                              {"then", format_check(format->value())}};
    out.erase(format);
    if (auto* all_of = out.if_contains("allOf"); all_of != nullptr && all_of->is_array()) {
        all_of->get_array().push_back(std::move(only_strings));
    } else {
        out["allOf"] = json::array{std::move(only_strings)};
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

// valijson compares every pair of items for uniqueItems and records one error per equal pair,
// so an argument of a few thousand equal strings takes seconds and gigabytes. Documents holding
// longer arrays are refused instead of checked when the schema asks for unique items; the one
// tool that does takes a list of a few dozen access names.
constexpr std::size_t kMaxUniqueCheckedItems = 256;

bool mentions_unique_items(const json::value& schema) {
    if (const auto* object = schema.if_object()) {
        for (const auto& [key, value] : *object) {
            if (key == "uniqueItems" || mentions_unique_items(value)) {
                return true;
            }
        }
    } else if (const auto* array = schema.if_array()) {
        for (const auto& item : *array) {
            if (mentions_unique_items(item)) {
                return true;
            }
        }
    }
    return false;
}

void find_long_arrays(const json::value& value, const std::string& pointer,
                      std::vector<SchemaViolation>& found) {
    if (const auto* object = value.if_object()) {
        for (const auto& [key, item] : *object) {
            find_long_arrays(item, pointer + "/" + std::string(key), found);
        }
    } else if (const auto* array = value.if_array()) {
        if (array->size() > kMaxUniqueCheckedItems) {
            found.push_back({pointer, "array of " + std::to_string(array->size()) +
                                          " items is too long to check (limit " +
                                          std::to_string(kMaxUniqueCheckedItems) + ")"});
            return;
        }
        for (std::size_t i = 0; i < array->size(); ++i) {
            find_long_arrays((*array)[i], pointer + "/" + std::to_string(i), found);
        }
    }
}

}  // namespace

namespace {

// A Validator caches the std::regex of every pattern it met, and compiling one costs hundreds
// of times more than matching it; but a Validator is not thread-safe. Checks borrow one from a
// pool (which never holds more than there were concurrent checks) and give it back.
struct ValidatorPool {
    std::mutex mutex;
    std::vector<std::unique_ptr<valijson::Validator>> idle;
};

class BorrowedValidator {
  public:
    explicit BorrowedValidator(ValidatorPool& pool) : pool_(pool) {
        {
            std::lock_guard lock(pool_.mutex);
            if (!pool_.idle.empty()) {
                validator_ = std::move(pool_.idle.back());
                pool_.idle.pop_back();
            }
        }
        if (!validator_) {
            validator_ = std::make_unique<valijson::Validator>(valijson::Validator::kStrongTypes);
        }
    }
    ~BorrowedValidator() {
        std::lock_guard lock(pool_.mutex);
        pool_.idle.push_back(std::move(validator_));
    }
    BorrowedValidator(const BorrowedValidator&) = delete;
    BorrowedValidator& operator=(const BorrowedValidator&) = delete;
    valijson::Validator* operator->() const { return validator_.get(); }

  private:
    ValidatorPool& pool_;
    std::unique_ptr<valijson::Validator> validator_;
};

}  // namespace

struct CompiledSchema::Impl {
    boost::json::value source;  // valijson's adapter keeps references into it
    valijson::Schema schema;
    ValidatorPool validators;
    bool uses_regex = false;
    bool uses_unique_items = false;
};

CompiledSchema::CompiledSchema(const boost::json::value& schema) : impl_(std::make_unique<Impl>()) {
    impl_->source = for_valijson(schema);
    impl_->uses_regex = mentions_regex(impl_->source);
    impl_->uses_unique_items = mentions_unique_items(impl_->source);
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
    }
    if (impl_->uses_unique_items) {
        find_long_arrays(document, "", too_long);
    }
    if (!too_long.empty()) {
        return too_long;
    }
    const BorrowedValidator validator(impl_->validators);
    valijson::ValidationResults results;
    valijson::adapters::BoostJsonAdapter adapter(document);
    std::vector<SchemaViolation> violations;
    if (validator->validate(impl_->schema, adapter, &results)) {
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
