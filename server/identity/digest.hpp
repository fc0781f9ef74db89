#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace cmcp::identity {

// A SHA-256 digest: how bearer tokens are known (the token itself is never kept).
using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view text);
// True if both are the same digest; constant time.
bool same_digest(const Digest& a, const Digest& b);
// 64 hex digits (either case) as a digest; nullopt if it is not one.
std::optional<Digest> parse_hex_digest(std::string_view hex);
std::string to_hex(const Digest& digest);

}  // namespace cmcp::identity
