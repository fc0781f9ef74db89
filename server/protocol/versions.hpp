#pragma once

#include <array>
#include <boost/json/array.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog.hpp"

namespace cmcp::protocol {

// Newest first; negotiation falls back to the first.
inline constexpr std::array<std::string_view, 4> kSupportedVersions = {"2025-11-25", "2025-06-18",
                                                                       "2025-03-26", "2024-11-05"};
inline constexpr std::string_view kLatestVersion = kSupportedVersions.front();
// What Streamable HTTP assumes when a request carries no MCP-Protocol-Version header.
inline constexpr std::string_view kDefaultHttpVersion = "2025-03-26";

// The modern era's one version (protocol/modern.hpp), newest of all.
inline constexpr std::string_view kModernVersion = "2026-07-28";

// Legacy versions (negotiated by initialize).
bool is_supported_version(std::string_view version);
// Every version this server speaks, both eras, newest first: what server/discover and the
// unsupported-version errors list.
boost::json::array supported_versions();
std::string supported_versions_text();  // "2026-07-28, 2025-11-25, ..."
// The client's version if supported, else the latest this server speaks.
std::string_view negotiate_version(std::string_view requested);

// What a protocol version defines, for shaping messages.
struct VersionFeatures {
    catalog::ToolFields tool_fields;
    bool structured_content = false;  // CallToolResult.structuredContent (2025-06-18+)
    bool batches = false;             // JSON-RPC batches (2025-03-26 only)
    bool modern = false;              // 2026-07-28: per-request envelope, resultType, _meta
};

VersionFeatures features_of(std::string_view version);

}  // namespace cmcp::protocol
