#pragma once

#include <boost/json/parse_options.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace cmcp {

// Parses one JSON text; on failure fills `error` with what went wrong and where (line:column).
// A number beyond a double's range (1e999) is an error too: it has no JSON spelling to echo.
std::optional<boost::json::value> parse_json_text(std::string_view text, std::string& error,
                                                  const boost::json::parse_options& options = {});

// The value of a string member; empty when it is absent or not a string.
std::string string_member(const boost::json::object& object, std::string_view key);

// Short human-readable rendering of a value for error messages; long values are elided.
// Numbers appear as a person would write them (50.5, not 5.05E1).
std::string json_excerpt(const boost::json::value& value, std::size_t max_chars = 80);

// Cuts `text` to at most `max_bytes` on a UTF-8 character boundary, adding "…" when cut.
std::string utf8_truncate(std::string_view text, std::size_t max_bytes);

// Number of Unicode code points in UTF-8 text (what JSON Schema's maxLength counts).
std::size_t utf8_length(std::string_view text);

// Doubles that hold a whole number (50.0) become integers, recursively: JSON Schema treats
// them as integers, and a URL should say page_size=50, not 5E1.
void normalize_integral_numbers(boost::json::value& value);

}  // namespace cmcp
