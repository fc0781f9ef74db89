#include "catalog/argument_check.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <string_view>

#include "support/json_text.hpp"
#include "support/text.hpp"

namespace cmcp::catalog {
namespace json = boost::json;

namespace {

// std::regex recurses per character; strings checked by a pattern or format are bounded first
// so untrusted input cannot exhaust the stack.
constexpr std::size_t kDefaultPatternLengthLimit = 256;
constexpr std::size_t kMaxSuggestionDistance = 3;
constexpr std::size_t kMaxEchoedName = 64;
// An array of a million wrong items would otherwise make a message of a hundred megabytes.
constexpr std::size_t kMaxReportedProblems = 20;

std::string quote_name(std::string_view name) {
    return concat({"`", name, "`"});
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

const json::object* properties_of(const json::object& schema) {
    const auto* properties = schema.if_contains("properties");
    return properties == nullptr ? nullptr : properties->if_object();
}

std::string number_text(const json::value& value) {
    if (value.is_int64()) {
        return std::to_string(value.get_int64());
    }
    if (value.is_uint64()) {
        return std::to_string(value.get_uint64());
    }
    return json::serialize(value);
}

std::string type_phrase(const json::object& schema) {
    const auto* type = schema.if_contains("type");
    if (type == nullptr) {
        return "a value";
    }
    auto one = [](std::string_view name) -> std::string {
        if (name == "string")
            return "a string";
        if (name == "integer")
            return "an integer";
        if (name == "number")
            return "a number";
        if (name == "boolean")
            return "a boolean (true or false)";
        if (name == "array")
            return "an array";
        if (name == "object")
            return "an object";
        if (name == "null")
            return "null";
        return std::string(name);
    };
    if (type->is_string()) {
        return one(type->get_string());
    }
    std::string phrase;
    if (type->is_array()) {
        for (const auto& entry : type->get_array()) {
            if (entry.is_string()) {
                phrase += (phrase.empty() ? "" : " or ") + one(entry.get_string());
            }
        }
    }
    return phrase.empty() ? "a value" : phrase;
}

// Walks a JSON Pointer through a schema's properties/items to the subschema it names.
const json::object* subschema_at(const json::object& root, std::string_view pointer) {
    const json::object* schema = &root;
    std::size_t start = 1;
    while (start <= pointer.size() && !pointer.empty()) {
        const auto end = std::min(pointer.find('/', start), pointer.size());
        const std::string token(pointer.substr(start, end - start));
        const json::object* next = nullptr;
        if (const auto* properties = properties_of(*schema)) {
            if (const auto* property = properties->if_contains(token)) {
                next = property->if_object();
            }
        }
        if (next == nullptr) {
            if (const auto* items = schema->if_contains("items")) {
                next = items->if_object();
            }
        }
        if (next == nullptr) {
            return schema;
        }
        schema = next;
        start = end + 1;
    }
    return schema;
}

const json::value* value_at(const json::value& root, std::string_view pointer) {
    if (pointer.empty()) {
        return &root;
    }
    boost::system::error_code ec;
    return root.find_pointer(pointer, ec);
}

std::string argument_label(std::string_view pointer) {
    // "/tags/2" -> `tags[2]`, "/ephemeral_policy/action" -> `ephemeral_policy.action`
    std::string label;
    std::size_t start = 1;
    while (start <= pointer.size() && !pointer.empty()) {
        const auto end = std::min(pointer.find('/', start), pointer.size());
        const auto token = pointer.substr(start, end - start);
        const bool index = !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        if (index) {
            label += concat({"[", token, "]"});
        } else {
            label += concat({label.empty() ? "" : ".", token});
        }
        start = end + 1;
    }
    return quote_name(label.empty() ? "arguments" : label);
}

class ProblemList {
  public:
    void add(std::string line) { lines_.push_back(std::move(line)); }
    void append(const ProblemList& other) {
        lines_.insert(lines_.end(), other.lines_.begin(), other.lines_.end());
    }
    bool empty() const { return lines_.empty(); }
    std::string render(const ToolDefinition& tool) const {
        std::string text = "Invalid arguments for tool " + quote_name(tool.name) + ":";
        const auto shown = std::min(lines_.size(), kMaxReportedProblems);
        for (std::size_t i = 0; i < shown; ++i) {
            text += "\n- " + lines_[i];
        }
        if (shown < lines_.size()) {
            text += "\n- … and " + std::to_string(lines_.size() - shown) + " more problems.";
        }
        text += "\nNothing was sent upstream. Correct the arguments and call the tool again.";
        return text;
    }

  private:
    std::vector<std::string> lines_;
};

void check_unknown(const Tool& tool, const json::object& arguments, ProblemList& problems) {
    const auto* properties = properties_of(tool.definition.input_schema);
    std::string valid;
    for (const auto& argument : tool.definition.arguments) {
        valid += (valid.empty() ? "" : ", ") + argument.name;
    }
    for (const auto& [name, _] : arguments) {
        if (properties != nullptr && properties->contains(name)) {
            continue;
        }
        // The name comes from the caller and may be huge; echo only its start.
        std::string line =
            "unknown argument " + quote_name(utf8_truncate(name, kMaxEchoedName)) + ".";
        std::string best;
        std::size_t best_distance = kMaxSuggestionDistance + 1;
        for (const auto& argument : tool.definition.arguments) {
            const auto distance = edit_distance(name, argument.name);
            if (distance < best_distance) {
                best_distance = distance;
                best = argument.name;
            }
        }
        if (!best.empty()) {
            line += " Did you mean " + quote_name(best) + "?";
        }
        line +=
            valid.empty() ? " This tool takes no arguments." : " Valid arguments: " + valid + ".";
        problems.add(std::move(line));
    }
}

void check_required(const Tool& tool, const json::object& arguments, ProblemList& problems) {
    const auto& schema = tool.definition.input_schema;
    const auto* required = schema.if_contains("required");
    if (required == nullptr || !required->is_array()) {
        return;
    }
    for (const auto& entry : required->get_array()) {
        const std::string_view name = entry.get_string();
        if (arguments.contains(name)) {
            continue;
        }
        std::string line = "missing required argument " + quote_name(name);
        if (const auto* property = subschema_at(schema, concat({"/", name}))) {
            line += ": " + describe_schema(*property);
            if (const auto* description = property->if_contains("description");
                description != nullptr && description->is_string()) {
                line += ". " + std::string(description->get_string());
            }
        }
        problems.add(std::move(line));
    }
}

void check_exactly_one_of(const Tool& tool, const json::object& arguments, ProblemList& problems) {
    for (const auto& group : tool.definition.exactly_one_of) {
        std::vector<std::string> given;
        std::string names;
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (arguments.contains(group[i])) {
                given.push_back(quote_name(group[i]));
            }
            names += (i == 0 ? "" : (i + 1 == group.size() ? " or " : ", ")) + quote_name(group[i]);
        }
        if (given.size() == 1) {
            continue;
        }
        std::string line = "give exactly one of " + names + "; ";
        if (given.empty()) {
            line += "none was given.";
        } else {
            line += "got ";
            for (std::size_t i = 0; i < given.size(); ++i) {
                line += (i == 0 ? "" : " and ") + given[i];
            }
            line += ".";
        }
        problems.add(std::move(line));
    }
}

void check_path_values(const Tool& tool, const json::object& arguments, ProblemList& problems) {
    for (const auto& argument : tool.definition.arguments) {
        if (argument.location != ArgumentLocation::path) {
            continue;
        }
        const auto* value = arguments.if_contains(argument.name);
        if (value == nullptr || !value->is_string()) {
            continue;
        }
        const std::string_view text = value->get_string();
        if (text.empty() || text == "." || text == "..") {
            problems.add(quote_name(argument.name) + ": " + json_excerpt(*value) +
                         " is not a valid identifier.");
        }
    }
}

// Pattern and format checks use std::regex; cap the input length before they run.
void check_lengths(const json::value& value, const json::object& schema, const std::string& pointer,
                   ProblemList& problems) {
    if (value.is_string()) {
        const bool regex_checked = schema.contains("pattern") || schema.contains("format");
        std::size_t limit = regex_checked ? kDefaultPatternLengthLimit : 0;
        if (const auto* max = schema.if_contains("maxLength"); max != nullptr && max->is_number()) {
            limit = static_cast<std::size_t>(max->to_number<double>());
        }
        const auto length = utf8_length(value.get_string());
        if (limit != 0 && length > limit) {
            problems.add(argument_label(pointer) + ": expected " + describe_schema(schema) +
                         "; got a string of " + std::to_string(length) + " characters.");
        }
        return;
    }
    if (const auto* object = value.if_object()) {
        if (const auto* properties = properties_of(schema)) {
            for (const auto& [key, child] : *object) {
                if (const auto* property = properties->if_contains(key)) {
                    if (const auto* child_schema = property->if_object()) {
                        check_lengths(child, *child_schema, pointer + "/" + std::string(key),
                                      problems);
                    }
                }
            }
        }
        return;
    }
    if (const auto* array = value.if_array()) {
        const auto* items = schema.if_contains("items");
        if (items == nullptr || !items->is_object()) {
            return;
        }
        for (std::size_t i = 0; i < array->size(); ++i) {
            check_lengths((*array)[i], items->get_object(), pointer + "/" + std::to_string(i),
                          problems);
        }
    }
}

// valijson reports each failure at several levels ("failed to validate property x" and then
// the reason); keep one line per failing location, preferring the innermost reason.
void check_schema(const Tool& tool, const json::object& arguments, ProblemList& problems) {
    const json::value document(arguments);
    const auto violations = tool.input_check->check(document);
    // Sorted, the pointers below "/a/" follow "/a/" directly: one lookup per violation instead
    // of a scan of all of them, which is quadratic when an argument fails thousands of times.
    std::set<std::string_view> pointers;
    for (const auto& violation : violations) {
        pointers.insert(violation.pointer);
    }
    std::map<std::string, std::string> reasons;
    for (const auto& violation : violations) {
        if (violation.pointer.empty()) {
            continue;  // the root-level summary; the specific failures follow
        }
        const auto prefix = violation.pointer + "/";
        const auto next = pointers.lower_bound(prefix);
        if (next != pointers.end() && next->starts_with(prefix)) {
            continue;  // a deeper failure says more
        }
        auto& reason = reasons[violation.pointer];
        const bool generic = violation.message.starts_with("Failed to validate");
        if (reason.empty() || (!generic && reason.starts_with("Failed to validate"))) {
            reason = violation.message;
        }
    }
    for (const auto& [pointer, reason] : reasons) {
        const auto* schema = subschema_at(tool.definition.input_schema, pointer);
        const auto* given = value_at(document, pointer);
        std::string line = argument_label(pointer) + ": expected " + describe_schema(*schema);
        line += given != nullptr ? "; got " + json_excerpt(*given) : std::string();
        // For scalars "expected ...; got ..." says it all; for objects and arrays the failure
        // can be structural (an unknown nested key), which only valijson's reason names.
        const auto type = type_phrase(*schema);
        const bool structural = type == "an object" || type == "an array";
        if (structural && !reason.starts_with("Failed to validate")) {
            line += " (" + reason + ")";
        }
        problems.add(line + ".");
    }
}

}  // namespace

std::string describe_schema(const json::object& schema) {
    std::string text;
    if (const auto* constant = schema.if_contains("const")) {
        return "exactly " + json_excerpt(*constant);
    }
    if (const auto* values = schema.if_contains("enum"); values != nullptr && values->is_array()) {
        text = "one of ";
        const auto& list = values->get_array();
        for (std::size_t i = 0; i < list.size(); ++i) {
            text += (i == 0 ? "" : ", ") + json_excerpt(list[i]);
        }
        return text;
    }
    text = type_phrase(schema);
    if (const auto* properties = properties_of(schema);
        properties != nullptr && !properties->empty()) {
        std::string keys;
        for (const auto& [key, _] : *properties) {
            keys += (keys.empty() ? "" : ", ") + std::string(key);
        }
        const auto* additional = schema.if_contains("additionalProperties");
        const bool closed =
            additional != nullptr && additional->is_bool() && !additional->get_bool();
        text += (closed ? " with only the keys " : " with the keys ") + keys;
    }
    const auto* format = schema.if_contains("format");
    if (format != nullptr && format->is_string()) {
        const std::string_view name = format->get_string();
        if (name == "uuid") {
            text = "a UUID string such as \"6170692e-7363-616c-6577-61792e636f6d\"";
        } else if (name == "date-time") {
            text = "an RFC 3339 date-time string such as \"2026-12-31T23:59:59Z\"";
        } else {
            text += " in format " + std::string(name);
        }
    } else if (const auto* pattern = schema.if_contains("pattern");
               pattern != nullptr && pattern->is_string()) {
        text += " matching " + std::string(pattern->get_string());
    }
    const auto* minimum = schema.if_contains("minimum");
    const auto* maximum = schema.if_contains("maximum");
    if (minimum != nullptr && maximum != nullptr) {
        text += " from " + number_text(*minimum) + " to " + number_text(*maximum);
    } else if (minimum != nullptr) {
        text += " of at least " + number_text(*minimum);
    } else if (maximum != nullptr) {
        text += " of at most " + number_text(*maximum);
    }
    const auto* min_length = schema.if_contains("minLength");
    const auto* max_length = schema.if_contains("maxLength");
    if (min_length != nullptr && max_length != nullptr) {
        text +=
            " of " + number_text(*min_length) + " to " + number_text(*max_length) + " characters";
    } else if (max_length != nullptr) {
        text += " of at most " + number_text(*max_length) + " characters";
    } else if (min_length != nullptr && min_length->is_number() &&
               min_length->to_number<double>() > 0) {
        text += " of at least " + number_text(*min_length) + " characters";
    }
    if (const auto* items = schema.if_contains("items"); items != nullptr && items->is_object()) {
        const auto* min_items = schema.if_contains("minItems");
        const auto* max_items = schema.if_contains("maxItems");
        if (min_items != nullptr && max_items != nullptr) {
            text += " of " + number_text(*min_items) + " to " + number_text(*max_items) + " items";
        } else if (min_items != nullptr) {
            text += " of at least " + number_text(*min_items) + " item(s)";
        } else if (max_items != nullptr) {
            text += " of at most " + number_text(*max_items) + " items";
        }
        if (const auto* unique = schema.if_contains("uniqueItems");
            unique != nullptr && unique->is_bool() && unique->get_bool()) {
            text += " without duplicates";
        }
        text += ", each " + describe_schema(items->get_object());
    }
    return text;
}

std::optional<std::string> check_arguments(const Tool& tool, const json::object& given) {
    json::value normalized(given);
    normalize_integral_numbers(normalized);
    return check_normalized_arguments(tool, normalized.as_object());
}

std::optional<std::string> check_normalized_arguments(const Tool& tool,
                                                      const json::object& arguments) {
    ProblemList problems;
    check_unknown(tool, arguments, problems);
    check_required(tool, arguments, problems);
    check_exactly_one_of(tool, arguments, problems);
    check_path_values(tool, arguments, problems);
    ProblemList length_problems;
    check_lengths(json::value(arguments), tool.definition.input_schema, "", length_problems);
    if (length_problems.empty()) {
        check_schema(tool, arguments, problems);
    } else {
        problems.append(length_problems);
    }
    if (problems.empty()) {
        return std::nullopt;
    }
    return problems.render(tool.definition);
}

}  // namespace cmcp::catalog
