#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "support/log_level.hpp"

// MCP 2026-07-28, the "modern" era: no initialize, every request carries its version and the
// client's capabilities in params._meta, and is served on its own (no protocol session).
namespace cmcp::protocol::modern {

inline constexpr std::string_view kVersion = "2026-07-28";

// The envelope's keys in params._meta, and the one this server puts in every result's _meta.
inline constexpr std::string_view kProtocolVersionKey = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kClientCapabilitiesKey =
    "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view kClientInfoKey = "io.modelcontextprotocol/clientInfo";
inline constexpr std::string_view kLogLevelKey = "io.modelcontextprotocol/logLevel";
inline constexpr std::string_view kServerInfoKey = "io.modelcontextprotocol/serverInfo";

// A request claims the modern era by carrying params._meta[kProtocolVersionKey], whatever its
// value (a claim with a bad value is a malformed modern request, not a legacy one).
bool claims_modern(const boost::json::value& message);
// The claimed version when it is a string.
std::optional<std::string_view> claimed_version(const boost::json::value& message);

// What a valid envelope says.
struct Envelope {
    std::string version;
    // Absent: the request asked for no notifications/message (the revision forbids sending any).
    std::optional<LogLevel> log_level;
    std::string client;  // "name version" from clientInfo, for logs; "unknown client" without
};

// Why a modern request cannot be served, as the revision's JSON-RPC error.
struct Refusal {
    int code;
    std::string message;
    std::optional<boost::json::value> data;
};

// Checks params._meta (-32602 when malformed) and that its version is one this server speaks
// in this era (-32022, listing every supported version of both eras).
std::variant<Envelope, Refusal> read_envelope(const boost::json::object& params);

// The methods a 2026-07-28 server answers; anything else is -32601 (ping, logging/setLevel and
// initialize among them: the revision removed them).
bool is_known_method(std::string_view method);

// How long, and for whom, a client may cache a cacheable result (tools/list, server/discover).
struct CacheHint {
    long long ttl_ms = 0;
    bool shared = false;  // cacheScope "public" (the same for every caller) or "private"
};

// Adds what every modern result carries: resultType, and _meta[serverInfo]. With `cache`, also
// ttlMs and cacheScope.
void stamp_result(boost::json::object& result, const boost::json::object& server_info,
                  std::optional<CacheHint> cache = std::nullopt);
// The same fields as JSON text, to append inside a result object that was serialised ahead of
// time: starts with a comma.
std::string stamp_text(const boost::json::object& server_info, std::optional<CacheHint> cache);

}  // namespace cmcp::protocol::modern
