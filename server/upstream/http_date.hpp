#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace cmcp::upstream {

// "2022-03-22T12:34:56.123456Z" or with a "+02:00" offset, as Scaleway writes reset_at.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the only HTTP-date form senders may produce
// (RFC 9110 §5.6.7); the obsolete forms are not accepted.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

}  // namespace cmcp::upstream
