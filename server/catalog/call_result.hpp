#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "catalog/catalog.hpp"
#include "support/logging.hpp"
#include "upstream/request.hpp"

namespace cmcp::catalog {

// Turns what the upstream answered into an MCP CallToolResult:
// 2xx JSON -> structuredContent (when `structured`) plus the same JSON as text;
// 2xx without a body -> the tool's emptyResponse, filled from the arguments;
// anything else -> isError with the vendor's status, code, message and details, and a hint.
boost::json::object make_call_result(const Tool& tool, const PreparedCall& call,
                                     const upstream::Outcome& outcome, bool structured,
                                     const Logger& logger);

// A CallToolResult with isError true and one text block.
boost::json::object error_result(std::string text);

// emptyResponse templates: "{name}" alone becomes the argument's JSON value; inside a longer
// string it is interpolated.
boost::json::value render_template(const boost::json::value& node,
                                   const boost::json::object& arguments);

std::string_view provider_display_name(upstream::Provider provider);

}  // namespace cmcp::catalog
