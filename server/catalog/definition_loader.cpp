#include "catalog/definition_loader.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "catalog/schema_check.hpp"
#include "support/json_text.hpp"

namespace cmcp::catalog {
namespace json = boost::json;

namespace {

constexpr std::string_view kDefinitionSchemaPath = "schemas/tool-definitions.schema.json";
// $ref chains deeper than this are a cycle or a mistake.
constexpr std::size_t kMaxRefDepth = 16;

class Problems {
  public:
    void add(std::string_view file, std::string_view pointer, std::string_view message) {
        lines_.push_back(std::string(file) + ": " + (pointer.empty() ? "/" : std::string(pointer)) +
                         ": " + std::string(message));
    }
    bool empty() const { return lines_.empty(); }
    std::size_t size() const { return lines_.size(); }
    [[noreturn]] void raise() const {
        std::string text = "invalid tool definitions (" + std::to_string(lines_.size()) +
                           (lines_.size() == 1 ? " problem" : " problems") + "):";
        for (const auto& line : lines_) {
            text += "\n  " + line;
        }
        throw DefinitionError(text);
    }

  private:
    std::vector<std::string> lines_;
};

std::string join_pointer(std::string_view base, std::string_view token) {
    std::string escaped;
    for (const char c : token) {
        if (c == '~') {
            escaped += "~0";
        } else if (c == '/') {
            escaped += "~1";
        } else {
            escaped += c;
        }
    }
    return std::string(base) + "/" + escaped;
}

std::string directory_of(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

// Resolves "a/b" + "../c/d.json" to "a/c/d.json"; nullopt when it climbs above the root.
std::optional<std::string> resolve_relative(std::string_view directory, std::string_view ref) {
    std::vector<std::string> parts;
    auto push_all = [&parts](std::string_view text) -> bool {
        std::size_t start = 0;
        while (start <= text.size()) {
            const auto end = std::min(text.find('/', start), text.size());
            const auto part = text.substr(start, end - start);
            if (part == "..") {
                if (parts.empty()) {
                    return false;
                }
                parts.pop_back();
            } else if (!part.empty() && part != ".") {
                parts.emplace_back(part);
            }
            start = end + 1;
        }
        return true;
    };
    if (!push_all(directory) || !push_all(ref)) {
        return std::nullopt;
    }
    std::string joined;
    for (const auto& part : parts) {
        joined += (joined.empty() ? "" : "/") + part;
    }
    return joined;
}

class DefinitionReader {
  public:
    explicit DefinitionReader(std::span<const EmbeddedAsset> assets) {
        for (const auto& asset : assets) {
            files_.emplace(std::string(asset.path), asset.content);
        }
    }

    Definitions read() {
        const auto definition_schema = load_definition_schema();
        Definitions result;
        for (const auto& [path, content] : files_) {
            if (path.starts_with("tools/") && path.ends_with(".json")) {
                read_tools_file(path, content, definition_schema.get(), result);
            }
        }
        if (result.tools.empty() && problems_.empty()) {
            problems_.add("tools/", "", "no tool definitions were embedded");
        }
        if (!problems_.empty()) {
            problems_.raise();
        }
        return result;
    }

  private:
    std::shared_ptr<const CompiledSchema> load_definition_schema() {
        const auto document = parse_file(std::string(kDefinitionSchemaPath));
        if (!document) {
            problems_.raise();
        }
        try {
            return std::make_shared<const CompiledSchema>(*document);
        } catch (const std::exception& error) {
            problems_.add(kDefinitionSchemaPath, "", error.what());
            problems_.raise();
        }
    }

    std::optional<json::value> parse_file(const std::string& path) {
        const auto found = files_.find(path);
        if (found == files_.end()) {
            problems_.add(path, "", "file not found among the embedded assets");
            return std::nullopt;
        }
        std::string error;
        auto value = parse_json_text(found->second, error);
        if (!value) {
            problems_.add(path, "", "invalid JSON: " + error);
        }
        return value;
    }

    // Replaces every {"$ref": "<relative file>"} by that file's content (recursively),
    // with the sibling keys of $ref applied on top.
    std::optional<json::value> inline_refs(const json::value& node, const std::string& file,
                                           const std::string& pointer,
                                           std::vector<std::string>& chain) {
        if (node.is_array()) {
            json::array out;
            const auto& items = node.get_array();
            for (std::size_t i = 0; i < items.size(); ++i) {
                auto item =
                    inline_refs(items[i], file, join_pointer(pointer, std::to_string(i)), chain);
                if (!item) {
                    return std::nullopt;
                }
                out.push_back(std::move(*item));
            }
            return json::value(std::move(out));
        }
        if (!node.is_object()) {
            return node;
        }
        const auto& object = node.get_object();
        json::object out;
        const auto* ref = object.if_contains("$ref");
        if (ref != nullptr) {
            const auto ref_pointer = join_pointer(pointer, "$ref");
            if (!ref->is_string() || ref->get_string().empty()) {
                problems_.add(file, ref_pointer, "$ref must be a relative file path");
                return std::nullopt;
            }
            const std::string_view target_text = ref->get_string();
            if (target_text.find('#') != std::string_view::npos) {
                problems_.add(file, ref_pointer,
                              "$ref must name a whole file; fragments (#...) are not supported");
                return std::nullopt;
            }
            const auto target = resolve_relative(directory_of(file), target_text);
            if (!target) {
                problems_.add(file, ref_pointer,
                              "$ref '" + std::string(target_text) + "' leaves the repository");
                return std::nullopt;
            }
            if (std::find(chain.begin(), chain.end(), *target) != chain.end() ||
                chain.size() >= kMaxRefDepth) {
                problems_.add(file, ref_pointer, "$ref cycle through " + *target);
                return std::nullopt;
            }
            const auto referenced = parse_file(*target);
            if (!referenced) {
                problems_.add(file, ref_pointer,
                              "cannot resolve $ref '" + std::string(target_text) + "'");
                return std::nullopt;
            }
            chain.push_back(*target);
            auto resolved = inline_refs(*referenced, *target, "", chain);
            chain.pop_back();
            if (!resolved) {
                return std::nullopt;
            }
            if (!resolved->is_object()) {
                problems_.add(*target, "", "a referenced schema must be a JSON object");
                return std::nullopt;
            }
            out = std::move(resolved->get_object());
        }
        for (const auto& [key, value] : object) {
            if (key == "$ref") {
                continue;
            }
            auto child = inline_refs(value, file, join_pointer(pointer, key), chain);
            if (!child) {
                return std::nullopt;
            }
            out[key] = std::move(*child);
        }
        return json::value(std::move(out));
    }

    std::optional<json::object> load_schema(const std::string& path, const std::string& tools_file,
                                            const std::string& field_pointer,
                                            std::shared_ptr<const CompiledSchema>& compiled) {
        const auto document = parse_file(path);
        if (!document) {
            problems_.add(tools_file, field_pointer, "cannot load " + path);
            return std::nullopt;
        }
        std::vector<std::string> chain{path};
        auto resolved = inline_refs(*document, path, "", chain);
        if (!resolved) {
            problems_.add(tools_file, field_pointer, "cannot resolve the $refs of " + path);
            return std::nullopt;
        }
        const auto* object = resolved->if_object();
        const auto* type = object == nullptr ? nullptr : object->if_contains("type");
        if (type == nullptr || !type->is_string() || type->get_string() != "object") {
            problems_.add(path, "/type", "a tool schema must have \"type\": \"object\"");
            return std::nullopt;
        }
        try {
            compiled = std::make_shared<const CompiledSchema>(*resolved);
        } catch (const std::exception& error) {
            problems_.add(path, "", error.what());
            return std::nullopt;
        }
        return std::move(resolved->get_object());
    }

    void read_tools_file(const std::string& path, std::string_view content,
                         const CompiledSchema* definition_schema, Definitions& result) {
        std::string parse_error;
        const auto document = parse_json_text(content, parse_error);
        if (!document) {
            problems_.add(path, "", "invalid JSON: " + parse_error);
            return;
        }
        const auto violations = definition_schema->check(*document);
        if (!violations.empty()) {
            for (const auto& violation : violations) {
                problems_.add(path, violation.pointer, violation.message);
            }
            return;
        }
        const auto& root = document->get_object();
        Toolset toolset;
        toolset.name = root.at("toolset").get_string();
        toolset.title = root.at("title").get_string();
        toolset.description = root.at("description").get_string();
        toolset.provider = *upstream::parse_provider(root.at("provider").get_string());
        toolset.source_file = path;
        for (const auto& existing : result.toolsets) {
            if (existing.name == toolset.name) {
                problems_.add(
                    path, "/toolset",
                    "toolset '" + toolset.name + "' is also defined in " + existing.source_file);
            }
        }
        const auto& tools = root.at("tools").get_array();
        for (std::size_t i = 0; i < tools.size(); ++i) {
            auto tool =
                read_tool(path, "/tools/" + std::to_string(i), tools[i].get_object(), toolset);
            if (!tool) {
                continue;
            }
            for (const auto& existing : result.tools) {
                if (existing.name == tool->name) {
                    problems_.add(path, "/tools/" + std::to_string(i) + "/name",
                                  "duplicate tool name '" + tool->name + "' (also in " +
                                      existing.source_file + ")");
                }
            }
            result.tools.push_back(std::move(*tool));
        }
        result.toolsets.push_back(std::move(toolset));
    }

    std::optional<ToolDefinition> read_tool(const std::string& file, const std::string& pointer,
                                            const json::object& spec, const Toolset& toolset) {
        const std::size_t problems_before = problems_.size();
        ToolDefinition tool;
        tool.name = spec.at("name").get_string();
        tool.title = spec.at("title").get_string();
        tool.description = spec.at("description").get_string();
        tool.toolset = toolset.name;
        tool.provider = toolset.provider;
        tool.source_file = file;
        const auto& hints = spec.at("annotations").get_object();
        tool.annotations = {
            hints.at("readOnlyHint").get_bool(), hints.at("destructiveHint").get_bool(),
            hints.at("idempotentHint").get_bool(), hints.at("openWorldHint").get_bool()};
        const auto& request = spec.at("request").get_object();
        tool.method = request.at("method").get_string();
        tool.path_template = request.at("path").get_string();

        auto input = load_schema(std::string(spec.at("inputSchema").get_string()), file,
                                 pointer + "/inputSchema", tool.compiled_input_schema);
        if (!input) {
            return std::nullopt;
        }
        tool.input_schema = std::move(*input);
        if (const auto* output = spec.if_contains("outputSchema")) {
            auto schema = load_schema(std::string(output->get_string()), file,
                                      pointer + "/outputSchema", tool.compiled_output_schema);
            if (!schema) {
                return std::nullopt;
            }
            tool.output_schema = std::move(*schema);
        }
        const std::string schema_file(spec.at("inputSchema").get_string());
        check_input_schema(schema_file, tool.input_schema);
        read_arguments(file, pointer, spec.at("arguments").get_object(), schema_file, tool);
        if (const auto* groups = spec.if_contains("exactlyOneOf")) {
            read_exactly_one_of(file, pointer + "/exactlyOneOf", groups->get_array(), tool);
        }
        if (const auto* empty = spec.if_contains("emptyResponse")) {
            tool.empty_response = empty->get_object();
            check_placeholders(file, pointer + "/emptyResponse", *empty, tool);
        }
        if (const auto* paging = spec.if_contains("pagination")) {
            const auto* output = spec.if_contains("outputSchema");
            read_pagination(file, pointer + "/pagination", paging->get_object(),
                            output == nullptr ? std::string() : std::string(output->get_string()),
                            tool);
        }
        if (problems_.size() != problems_before) {
            return std::nullopt;
        }
        return tool;
    }

    void check_input_schema(const std::string& file, const json::object& schema) {
        const auto* additional = schema.if_contains("additionalProperties");
        if (additional == nullptr || !additional->is_bool() || additional->get_bool()) {
            problems_.add(file, "/additionalProperties",
                          "input schemas must set \"additionalProperties\": false");
        }
        for (const char* forbidden : {"oneOf", "anyOf", "allOf", "not"}) {
            if (schema.contains(forbidden)) {
                problems_.add(
                    file, std::string("/") + forbidden,
                    "hosts refuse a top-level " + std::string(forbidden) +
                        " in tool input schemas; use exactlyOneOf in the tool definition");
            }
        }
        const auto* properties = schema.if_contains("properties");
        if (properties == nullptr || !properties->is_object()) {
            problems_.add(file, "/properties", "input schemas must have a properties object");
            return;
        }
        for (const auto& [name, property] : properties->get_object()) {
            const auto* object = property.if_object();
            const auto* description =
                object == nullptr ? nullptr : object->if_contains("description");
            if (description == nullptr || !description->is_string() ||
                description->get_string().empty()) {
                problems_.add(file, join_pointer("/properties", name),
                              "every argument needs a description");
            }
        }
        if (const auto* required = schema.if_contains("required")) {
            const auto* list = required->if_array();
            if (list == nullptr) {
                problems_.add(file, "/required", "must be an array of property names");
                return;
            }
            for (std::size_t i = 0; i < list->size(); ++i) {
                const auto& entry = (*list)[i];
                if (!entry.is_string() || !properties->get_object().contains(entry.get_string())) {
                    problems_.add(file, "/required/" + std::to_string(i),
                                  "names no property of this schema");
                }
            }
        }
    }

    static bool is_required(const json::object& schema, std::string_view name) {
        const auto* required = schema.if_contains("required");
        if (required == nullptr || !required->is_array()) {
            return false;
        }
        const auto& list = required->get_array();
        return std::any_of(list.begin(), list.end(), [name](const json::value& entry) {
            return entry.is_string() && entry.get_string() == name;
        });
    }

    static std::set<std::string> types_of(const json::object& property) {
        std::set<std::string> types;
        const auto* type = property.if_contains("type");
        if (type == nullptr) {
            return types;
        }
        if (type->is_string()) {
            types.emplace(type->get_string());
        } else if (type->is_array()) {
            for (const auto& entry : type->get_array()) {
                if (entry.is_string()) {
                    types.emplace(entry.get_string());
                }
            }
        }
        return types;
    }

    void read_arguments(const std::string& file, const std::string& pointer,
                        const json::object& arguments, const std::string& schema_file,
                        ToolDefinition& tool) {
        const auto* properties_value = tool.input_schema.if_contains("properties");
        if (properties_value == nullptr || !properties_value->is_object()) {
            return;  // already reported by check_input_schema
        }
        const auto& properties = properties_value->get_object();
        const auto arguments_pointer = pointer + "/arguments";
        for (const auto& [name, _] : properties) {
            if (!arguments.contains(name)) {
                problems_.add(file, arguments_pointer,
                              "no placement for inputSchema property '" + std::string(name) +
                                  "' (" + schema_file + ")");
            }
        }
        const auto placeholders = path_placeholders(tool.path_template);
        const bool has_body =
            tool.method == "POST" || tool.method == "PUT" || tool.method == "PATCH";
        for (const auto& [name, spec_value] : arguments) {
            const auto argument_pointer = join_pointer(arguments_pointer, name);
            const auto* property_value = properties.if_contains(name);
            if (property_value == nullptr || !property_value->is_object()) {
                problems_.add(file, argument_pointer, "not a property of " + schema_file);
                continue;
            }
            const auto& property = property_value->get_object();
            const auto& spec = spec_value.get_object();
            Argument argument;
            argument.name = name;
            const std::string_view location = spec.at("in").get_string();
            argument.location = location == "path"    ? ArgumentLocation::path
                                : location == "query" ? ArgumentLocation::query
                                                      : ArgumentLocation::body;
            if (const auto* from = spec.if_contains("defaultFrom")) {
                argument.default_from = std::string(from->get_string());
            }
            if (const auto* send = spec.if_contains("sendDefault")) {
                argument.send_default = send->get_bool();
            }
            if (const auto* fallback = property.if_contains("default")) {
                argument.schema_default = *fallback;
            }
            const auto types = types_of(property);
            switch (argument.location) {
                case ArgumentLocation::path:
                    if (std::find(placeholders.begin(), placeholders.end(), argument.name) ==
                        placeholders.end()) {
                        problems_.add(file, join_pointer(argument_pointer, "in"),
                                      "path argument, but the path has no {" + argument.name + "}");
                    }
                    if (!is_required(tool.input_schema, argument.name)) {
                        problems_.add(file, argument_pointer,
                                      "path arguments must be required in " + schema_file);
                    }
                    if (types != std::set<std::string>{"string"} &&
                        types != std::set<std::string>{"integer"}) {
                        problems_.add(file, argument_pointer,
                                      "path arguments must be of type string or integer");
                    }
                    break;
                case ArgumentLocation::query: {
                    const bool scalar =
                        !types.empty() && !types.contains("object") && !types.contains("array");
                    bool scalar_array = false;
                    if (types == std::set<std::string>{"array"}) {
                        const auto* items = property.if_contains("items");
                        scalar_array = items != nullptr && items->is_object() &&
                                       !types_of(items->get_object()).empty() &&
                                       !types_of(items->get_object()).contains("object") &&
                                       !types_of(items->get_object()).contains("array");
                    }
                    if (!scalar && !scalar_array) {
                        problems_.add(file, argument_pointer,
                                      "query arguments must be scalars or arrays of scalars");
                    }
                    break;
                }
                case ArgumentLocation::body:
                    if (!has_body) {
                        problems_.add(
                            file, join_pointer(argument_pointer, "in"),
                            "body arguments need method POST, PUT or PATCH, not " + tool.method);
                    }
                    break;
            }
            if (argument.send_default && !argument.schema_default) {
                problems_.add(file, join_pointer(argument_pointer, "sendDefault"),
                              "the inputSchema property has no default to send");
            }
            if (argument.default_from && types != std::set<std::string>{"string"}) {
                problems_.add(
                    file, join_pointer(argument_pointer, "defaultFrom"),
                    "configuration defaults are strings; the property must be of type string");
            }
            tool.arguments.push_back(std::move(argument));
        }
        for (const auto& placeholder : placeholders) {
            const auto* argument = tool.find_argument(placeholder);
            if (argument == nullptr || argument->location != ArgumentLocation::path) {
                problems_.add(
                    file, pointer + "/request/path",
                    "placeholder {" + placeholder + "} has no argument with \"in\": \"path\"");
            }
        }
    }

    void read_exactly_one_of(const std::string& file, const std::string& pointer,
                             const json::array& groups, ToolDefinition& tool) {
        for (std::size_t i = 0; i < groups.size(); ++i) {
            std::vector<std::string> group;
            for (const auto& member : groups[i].get_array()) {
                const std::string name(member.get_string());
                if (tool.find_argument(name) == nullptr) {
                    problems_.add(file, pointer + "/" + std::to_string(i),
                                  "'" + name + "' is not an argument of this tool");
                } else if (is_required(tool.input_schema, name)) {
                    problems_.add(
                        file, pointer + "/" + std::to_string(i),
                        "'" + name + "' is required, so it cannot be one of several choices");
                }
                group.push_back(name);
            }
            tool.exactly_one_of.push_back(std::move(group));
        }
    }

    // pagination: the argument names must be integer query arguments, and the response keys
    // must be what the output schema (when there is one) says they are.
    void read_pagination(const std::string& file, const std::string& pointer,
                         const json::object& spec, const std::string& output_file,
                         ToolDefinition& tool) {
        Pagination paging;
        paging.items = spec.at("items").get_string();
        paging.page_argument = spec.at("page").get_string();
        paging.page_size_argument = spec.at("pageSize").get_string();
        if (const auto* total = spec.if_contains("total")) {
            paging.total = std::string(total->get_string());
        }
        if (const auto* next = spec.if_contains("nextPage")) {
            paging.next_page = std::string(next->get_string());
        }
        if (!paging.total && !paging.next_page) {
            problems_.add(file, pointer,
                          "give \"total\" or \"nextPage\" (or both): without either, results "
                          "cannot say whether more pages exist");
        }
        check_paging_argument(file, join_pointer(pointer, "page"), paging.page_argument, tool);
        check_paging_argument(file, join_pointer(pointer, "pageSize"), paging.page_size_argument,
                              tool);
        if (paging.page_argument == paging.page_size_argument) {
            problems_.add(file, join_pointer(pointer, "pageSize"),
                          "the page and page size arguments must differ");
        }
        if (tool.output_schema) {
            const auto* properties_value = tool.output_schema->if_contains("properties");
            const auto* properties =
                properties_value == nullptr ? nullptr : properties_value->if_object();
            auto check_key = [&](std::string_view field, const std::string& key,
                                 std::string_view type, std::string_view what) {
                const auto* property =
                    properties == nullptr ? nullptr : properties->if_contains(key);
                if (property == nullptr || !property->is_object() ||
                    !types_of(property->get_object()).contains(std::string(type))) {
                    problems_.add(file, join_pointer(pointer, field),
                                  "'" + key + "' must be " + std::string(what) + " property of " +
                                      output_file);
                }
            };
            check_key("items", paging.items, "array", "an array");
            if (paging.total) {
                check_key("total", *paging.total, "integer", "an integer");
            }
            if (paging.next_page) {
                check_key("nextPage", *paging.next_page, "integer", "an integer (or null)");
            }
        }
        tool.pagination = std::move(paging);
    }

    void check_paging_argument(const std::string& file, const std::string& pointer,
                               const std::string& name, const ToolDefinition& tool) {
        const auto* argument = tool.find_argument(name);
        if (argument == nullptr) {
            problems_.add(file, pointer, "'" + name + "' is not an argument of this tool");
            return;
        }
        if (argument->location != ArgumentLocation::query) {
            problems_.add(file, pointer, "'" + name + "' must be a query argument");
            return;
        }
        const auto* properties = tool.input_schema.if_contains("properties");
        const auto* property = properties == nullptr || !properties->is_object()
                                   ? nullptr
                                   : properties->get_object().if_contains(name);
        if (property == nullptr || !property->is_object() ||
            types_of(property->get_object()) != std::set<std::string>{"integer"}) {
            problems_.add(file, pointer, "'" + name + "' must be of type integer");
        }
    }

    void check_placeholders(const std::string& file, const std::string& pointer,
                            const json::value& node, const ToolDefinition& tool) {
        if (node.is_string()) {
            for (const auto& name : path_placeholders(node.get_string())) {
                if (tool.find_argument(name) == nullptr) {
                    problems_.add(file, pointer, "{" + name + "} is not an argument of this tool");
                }
            }
        } else if (node.is_object()) {
            for (const auto& [key, value] : node.get_object()) {
                check_placeholders(file, join_pointer(pointer, key), value, tool);
            }
        } else if (node.is_array()) {
            const auto& items = node.get_array();
            for (std::size_t i = 0; i < items.size(); ++i) {
                check_placeholders(file, pointer + "/" + std::to_string(i), items[i], tool);
            }
        }
    }

    std::map<std::string, std::string_view> files_;
    Problems problems_;
};

}  // namespace

const Argument* ToolDefinition::find_argument(std::string_view argument_name) const {
    for (const auto& argument : arguments) {
        if (argument.name == argument_name) {
            return &argument;
        }
    }
    return nullptr;
}

std::vector<std::string> path_placeholders(std::string_view path_template) {
    std::vector<std::string> names;
    std::size_t position = 0;
    while ((position = path_template.find('{', position)) != std::string_view::npos) {
        const auto close = path_template.find('}', position);
        if (close == std::string_view::npos) {
            break;
        }
        names.emplace_back(path_template.substr(position + 1, close - position - 1));
        position = close + 1;
    }
    return names;
}

Definitions load_definitions(std::span<const EmbeddedAsset> assets) {
    return DefinitionReader(assets).read();
}

}  // namespace cmcp::catalog
