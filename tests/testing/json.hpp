#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <string_view>
#include <vector>

namespace cmcp::testing {

// Parses test literals; a malformed literal is a bug in the test, so it throws.
boost::json::value parse_json(std::string_view text);
boost::json::object parse_object(std::string_view text);
// Every line of a JSON-lines file (an audit log), parsed; none when it does not exist.
std::vector<boost::json::object> json_lines(const std::filesystem::path& path);

}  // namespace cmcp::testing
