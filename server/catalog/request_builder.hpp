#pragma once

#include <boost/json/object.hpp>

#include "catalog/tool.hpp"
#include "upstream/request.hpp"

namespace cmcp::catalog {

// Turns valid arguments into the vendor request: path placeholders percent-encoded, query
// parameters in argument order with arrays as repeated keys, body arguments in a JSON object
// (always sent, possibly empty, for POST, PUT and PATCH). Arguments marked sendDefault are
// sent with their schema default when left out.
upstream::Request build_request(const ToolDefinition& tool, const boost::json::object& arguments);

// How a scalar goes into a URL: strings as they are, numbers in decimal, booleans as true/false.
std::string url_text(const boost::json::value& value);

}  // namespace cmcp::catalog
