#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cmcp {

// Without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view text);

// "a, b,,c" -> {"a", "b", "c"}: comma- (or newline-) separated, items trimmed, empty ones dropped.
std::vector<std::string> split_list(std::string_view text);

// ASCII letters in lower case; other bytes as they are.
std::string ascii_lower(std::string_view text);
// Equal but for the case of ASCII letters.
bool iequals(std::string_view a, std::string_view b);

// true/false in the spellings people use for switches: 1/0, true/false, yes/no, on/off (any case).
std::optional<bool> parse_switch(std::string_view text);

// The pieces one after another, in one allocation. Also sidesteps GCC 12's false -Wrestrict
// on `"literal" + std::string(...)` at -O3 (GCC bug 105329).
std::string concat(std::initializer_list<std::string_view> pieces);

// The value of a hexadecimal digit (either case), or -1.
int hex_digit_value(char c);

// The longest prefix of `text` of at most `max_bytes` that does not split a UTF-8 character.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// Client-supplied text made safe for one log line or a JSON string: control characters
// (newlines included) and bytes that are not valid UTF-8 become '?', and anything beyond
// `max_bytes` is cut on a character boundary with "…".
std::string printable(std::string_view text, std::size_t max_bytes = 128);

}  // namespace cmcp
