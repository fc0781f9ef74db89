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
// What a session is bound to when its caller is not a static token: a principal (by name, so
// that its sessions survive reloads and token rotation) or an OAuth subject. `kind` keeps the
// two apart.
Digest owner_digest(std::string_view kind, std::string_view name);

}  // namespace cmcp::identity
