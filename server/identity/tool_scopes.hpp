#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/tool.hpp"

namespace cmcp::identity {

// What a tool can do, as OAuth scopes grant it: read (readOnlyHint), write (changes without
// destroying), delete (destructiveHint). A bit set.
enum ToolClass : unsigned { kReadTools = 1U, kWriteTools = 2U, kDeleteTools = 4U };
inline constexpr unsigned kAllToolClasses = kReadTools | kWriteTools | kDeleteTools;

inline constexpr std::string_view kReadScope = "credentials:read";
inline constexpr std::string_view kWriteScope = "credentials:write";
inline constexpr std::string_view kDeleteScope = "credentials:delete";
inline constexpr std::array<std::string_view, 3> kScopes{kReadScope, kWriteScope, kDeleteScope};

ToolClass tool_class(const catalog::Annotations& annotations);
// The classes a token's scopes allow (unknown scopes allow nothing).
unsigned classes_granted(const std::vector<std::string>& scopes);
// The scopes that grant these classes, space-separated, in kScopes order.
std::string scopes_for(unsigned classes);

}  // namespace cmcp::identity
