#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/definition_loader.hpp"
#include "catalog/tool.hpp"

namespace cmcp::catalog {

// Which tools are offered. Included: the tools of the named toolsets plus the named tools (all
// tools when neither list is given). Then exclude_tools removes, and read_only keeps only tools
// with readOnlyHint: read-only wins over everything, exclude wins over include.
struct ToolSelection {
    std::vector<std::string> toolsets;
    std::vector<std::string> tools;
    std::vector<std::string> exclude_tools;
    bool read_only = false;

    bool restricts() const {
        return !toolsets.empty() || !tools.empty() || !exclude_tools.empty() || read_only;
    }
};

bool selects(const ToolSelection& selection, const ToolDefinition& tool);

// How far one client is narrowed below what the server offers: layers that each follow the
// rules above, and a tool must pass every layer. Adding a layer can only hide tools, so a
// narrowing built from several sources (request headers sent twice, a session's, a request's)
// is never wider than any of them. No layers: nothing is hidden.
struct Narrowing {
    std::vector<ToolSelection> layers;

    bool empty() const { return layers.empty(); }
    void add(ToolSelection layer) { layers.push_back(std::move(layer)); }
    void add(const Narrowing& other) {
        layers.insert(layers.end(), other.layers.begin(), other.layers.end());
    }
};

bool admits(const Narrowing& narrowing, const ToolDefinition& tool);

// The names a selection may use.
struct KnownNames {
    std::vector<std::string> toolsets;
    std::vector<std::string> tools;
};
KnownNames known_names(const Definitions& definitions);

// One line naming the first unknown toolset or tool and listing the valid ones, or nothing.
std::optional<std::string> unknown_name(const ToolSelection& selection, const KnownNames& known);
std::optional<std::string> unknown_name(const Narrowing& narrowing, const KnownNames& known);

}  // namespace cmcp::catalog
