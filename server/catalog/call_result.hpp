#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog.hpp"
#include "support/logging.hpp"
#include "upstream/request.hpp"

namespace cmcp::catalog {

// Turns what the upstream answered into an MCP CallToolResult:
// 2xx JSON -> structuredContent (when `structured`) plus the same JSON as text (content[0]);
// 2xx without a body -> the tool's emptyResponse, filled from the arguments;
// anything else -> isError with the vendor's status, code, message and details, and a hint.
// For a tool with `pagination`, content[1] says in plain words whether more pages exist and
// how to get the next one. A JSON text over `max_result_bytes` is re-serialised compactly; if
// still too large, a list page keeps only its leading items that fit (content[1] then says so
// and which page_size and page give the rest), and any other result becomes an isError saying
// the result is over the limit.
boost::json::object make_call_result(const Tool& tool, const PreparedCall& call,
                                     const upstream::Outcome& outcome, bool structured,
                                     std::size_t max_result_bytes, const Logger& logger);

// Where a CallToolResult's _meta says what became of the call, for faces that answer in other
// terms than MCP (the REST face's status codes): {"outcome": ok | vendor_error |
// result_unusable | invalid_arguments | busy | refused | <upstream failure kind>,
// "upstream_status": the vendor's HTTP status when it answered}.
inline constexpr std::string_view kOutcomeMetaKey = "credentials-mcp/call";
void mark_outcome(boost::json::object& result, std::string_view outcome,
                  std::optional<int> upstream_status = std::nullopt);

// A CallToolResult with isError true and one text block.
boost::json::object error_result(std::string text);

// emptyResponse templates: "{name}" alone becomes the argument's JSON value; inside a longer
// string it is interpolated.
boost::json::value render_template(const boost::json::value& node,
                                   const boost::json::object& arguments);

std::string_view provider_display_name(upstream::Provider provider);

}  // namespace cmcp::catalog
