#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "catalog/embedded_assets.hpp"
#include "catalog/tool.hpp"

namespace cmcp::catalog {

// Start-up must stop on this: the message lists every problem found, one per line, each as
// "<file>: <JSON pointer of the field>: <what is wrong>".
class DefinitionError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct Toolset {
    std::string name;
    std::string title;
    std::string description;
    upstream::Provider provider = upstream::Provider::scaleway;
    std::string source_file;
};

struct Definitions {
    std::vector<Toolset> toolsets;
    std::vector<ToolDefinition> tools;  // in file order, files sorted by path
};

// Reads tools/*.json and the schemas they name from `assets`, checks them against
// schemas/tool-definitions.schema.json and the rules the schema cannot express, and
// inlines every $ref. Throws DefinitionError.
Definitions load_definitions(std::span<const EmbeddedAsset> assets);

// Every placeholder name in a path template, in order: "/a/{x}/b/{y}" gives {"x", "y"}.
std::vector<std::string> path_placeholders(std::string_view path_template);

}  // namespace cmcp::catalog
