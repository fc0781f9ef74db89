#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "catalog/definition_loader.hpp"
#include "catalog/schema_check.hpp"
#include "catalog/tool.hpp"
#include "catalog/tool_selection.hpp"
#include "upstream/request.hpp"

namespace cmcp::catalog {

struct CatalogOptions {
    // Operator-configured values for arguments with defaultFrom, e.g. "scaleway.region" ->
    // "fr-par".
    std::map<std::string, std::string> defaults;
    ToolSelection selection;  // which tools this server offers at all
    // Narrows the selection further (a principal's tool ceiling); no layers: nothing more.
    Narrowing ceiling;
    // Largest tool result (its JSON text) a model is given; list results beyond it are cut to
    // fewer items with a note on how to page, other results become an error that says so.
    std::size_t max_result_bytes = 64 * 1024;
};

// Which Tool fields the negotiated protocol version defines.
struct ToolFields {
    bool annotations = true;              // 2025-03-26 and later
    bool title_and_output_schema = true;  // 2025-06-18 and later
};

// A served tool: its definition plus what start-up derived from it.
struct Tool {
    ToolDefinition definition;
    boost::json::object served_input_schema;  // configuration defaults applied
    std::shared_ptr<const CompiledSchema> input_check;
    std::shared_ptr<const CompiledSchema> output_check;  // null without an output schema
};

// A tools/call that passed validation: the vendor request and the arguments it was built from
// (configuration defaults filled in).
struct PreparedCall {
    upstream::Request request;
    boost::json::object arguments;
};

class Catalog {
  public:
    // Throws std::invalid_argument when the selection names a toolset or tool that does not
    // exist (the message lists the valid names).
    Catalog(Definitions definitions, CatalogOptions options);
    // The definitions compiled into this binary. Throws DefinitionError or std::invalid_argument.
    static Catalog from_embedded(CatalogOptions options);

    std::span<const Tool> tools() const { return tools_; }
    const std::vector<Toolset>& toolsets() const { return toolsets_; }
    const Tool* find(std::string_view name) const;

    // The tools/list `tools` array for a protocol version, built once per field set.
    const boost::json::array& list(ToolFields fields) const;
    // list(fields) serialised, built once: what a client without narrowing gets. Shared, so
    // that a transport can send it without copying it.
    const std::shared_ptr<const std::string>& list_text(ToolFields fields) const;
    // The same, narrowed for one client (HTTP X-MCP-* headers); never wider than list().
    boost::json::array list(ToolFields fields, const Narrowing& narrowing) const;
    // Whether a served tool is visible to a client with this narrowing.
    static bool visible(const Tool& tool, const Narrowing& narrowing);
    // Checks names in a client's narrowing against every defined toolset and tool.
    std::optional<std::string> unknown_name(const Narrowing& narrowing) const;
    const CatalogOptions& options() const { return options_; }

    // Validates arguments and builds the upstream request. On invalid arguments, returns a
    // message a model can act on: which argument, what was expected, what was given.
    std::variant<PreparedCall, std::string> prepare(const Tool& tool,
                                                    const boost::json::object& arguments) const;

  private:
    std::vector<Toolset> toolsets_;
    std::vector<Tool> tools_;
    KnownNames known_;
    CatalogOptions options_;
    std::map<int, boost::json::array> lists_;                       // keyed by ToolFields bits
    std::map<int, std::shared_ptr<const std::string>> list_texts_;  // the same, serialised
};

}  // namespace cmcp::catalog
