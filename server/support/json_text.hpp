#pragma once

#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace cmcp {

// Parses one JSON text; on failure fills `error` with what went wrong and where (line:column).
std::optional<boost::json::value> parse_json_text(std::string_view text, std::string& error,
                                                  const boost::json::parse_options& options = {});

// Short human-readable rendering of a value for error messages; long values are elided.
std::string json_excerpt(const boost::json::value& value, std::size_t max_chars = 80);

}  // namespace cmcp
