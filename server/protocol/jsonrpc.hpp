#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace cmcp::protocol {

// JSON-RPC 2.0 error codes. Nothing here uses -32020..-32099, which newer MCP revisions
// reserve, so that dual-era clients read our errors as "legacy server" and fall back.
namespace error_code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
}  // namespace error_code

// MCP request ids are strings or numbers, never null.
bool is_valid_id(const boost::json::value& id);
// A map key that keeps "1" and 1 apart.
std::string id_key(const boost::json::value& id);

boost::json::object make_result(const boost::json::value& id, boost::json::value result);
boost::json::object make_error(const boost::json::value& id, int code, std::string_view message);
boost::json::object make_error(const boost::json::value& id, int code, std::string_view message,
                               boost::json::value data);
boost::json::object make_notification(std::string_view method, boost::json::object params);

}  // namespace cmcp::protocol
