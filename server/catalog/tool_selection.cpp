#include "catalog/tool_selection.hpp"

#include <algorithm>

#include "support/text.hpp"

namespace cmcp::catalog {

namespace {

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string joined(const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) {
        text += (text.empty() ? "" : ", ") + name;
    }
    return text;
}

}  // namespace

bool selects(const ToolSelection& selection, const ToolDefinition& tool) {
    if (selection.read_only && !tool.annotations.read_only) {
        return false;
    }
    if (contains(selection.exclude_tools, tool.name)) {
        return false;
    }
    if (selection.toolsets.empty() && selection.tools.empty()) {
        return true;
    }
    return contains(selection.toolsets, tool.toolset) || contains(selection.tools, tool.name);
}

bool admits(const Narrowing& narrowing, const ToolDefinition& tool) {
    return std::all_of(narrowing.layers.begin(), narrowing.layers.end(),
                       [&tool](const ToolSelection& layer) { return selects(layer, tool); });
}

KnownNames known_names(const Definitions& definitions) {
    KnownNames known;
    for (const auto& toolset : definitions.toolsets) {
        known.toolsets.push_back(toolset.name);
    }
    for (const auto& tool : definitions.tools) {
        known.tools.push_back(tool.name);
    }
    return known;
}

std::optional<std::string> unknown_name(const ToolSelection& selection, const KnownNames& known) {
    for (const auto& name : selection.toolsets) {
        if (!contains(known.toolsets, name)) {
            // Names come from HTTP headers, which may hold any byte; the message is JSON.
            return "unknown toolset '" + printable(name, 64) +
                   "'; valid toolsets: " + joined(known.toolsets);
        }
    }
    for (const auto* list : {&selection.tools, &selection.exclude_tools}) {
        for (const auto& name : *list) {
            if (!contains(known.tools, name)) {
                return "unknown tool '" + printable(name, 64) +
                       "'; valid tools: " + joined(known.tools);
            }
        }
    }
    return std::nullopt;
}

std::optional<std::string> unknown_name(const Narrowing& narrowing, const KnownNames& known) {
    for (const auto& layer : narrowing.layers) {
        if (auto problem = unknown_name(layer, known)) {
            return problem;
        }
    }
    return std::nullopt;
}

}  // namespace cmcp::catalog
