#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace cmcp::protocol {

// JSON-RPC 2.0 error codes, and those MCP 2026-07-28 defines in the range it reserves
// (-32020..-32099); legacy answers never use the latter, so that a dual-era client can tell.
namespace error_code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int header_mismatch = -32020;
inline constexpr int missing_required_client_capability = -32021;
inline constexpr int unsupported_protocol_version = -32022;
}  // namespace error_code

// MCP request ids are strings or numbers, never null.
bool is_valid_id(const boost::json::value& id);
// A map key that keeps "1" and 1 apart.
std::string id_key(const boost::json::value& id);

// The deepest nesting a client message may have: enough for any real MCP message, shallow
// enough that hostile nesting is refused early.
inline constexpr unsigned kMaxJsonDepth = 64;

// Parses one client message (an object, or a batch array). A number id that a double cannot
// hold exactly as written (12345678901234567890123, 1e3) is kept as its text, so that replies
// echo it byte for byte: such an id is an object no client can send (its key is not valid
// UTF-8), which is_valid_id() accepts and serialize_message() writes back as the number text.
std::optional<boost::json::value> parse_message(std::string_view text, std::string& error);
// The text of an id kept that way, if it is one.
std::optional<std::string_view> number_text_of(const boost::json::value& id);
// A message (or a batch of them, or an id on its own) as JSON text, with ids kept as text
// written as they came.
std::string serialize_message(const boost::json::value& message);

boost::json::object make_result(const boost::json::value& id, boost::json::value result);
boost::json::object make_error(const boost::json::value& id, int code, std::string_view message);
boost::json::object make_error(const boost::json::value& id, int code, std::string_view message,
                               boost::json::value data);
boost::json::object make_notification(std::string_view method, boost::json::object params);

}  // namespace cmcp::protocol
