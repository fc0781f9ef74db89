#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "catalog/catalog.hpp"

namespace cmcp::catalog {

// Checks tools/call arguments against the tool's input schema and definition rules.
// Returns nothing when they are valid, else one message for a model listing each problem:
// which argument, what was expected, what was given.
std::optional<std::string> check_arguments(const Tool& tool, const boost::json::object& arguments);
// The same, for arguments already passed through normalize_integral_numbers.
std::optional<std::string> check_normalized_arguments(const Tool& tool,
                                                      const boost::json::object& arguments);

// Plain-language description of what a schema accepts, e.g. "an integer from 1 to 100".
std::string describe_schema(const boost::json::object& schema);

}  // namespace cmcp::catalog
