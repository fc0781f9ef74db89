#pragma once

#include <boost/json.hpp>
#include <string_view>

namespace cmcp::testing {

// Parses test literals; a malformed literal is a bug in the test, so it throws.
boost::json::value parse_json(std::string_view text);
boost::json::object parse_object(std::string_view text);

}  // namespace cmcp::testing
