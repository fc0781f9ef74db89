#pragma once

#include <map>
#include <string>

#include "catalog/catalog.hpp"

namespace cmcp::protocol {

// The initialize `instructions`: what this server offers (the tools actually served, by
// toolset) and how regions, projects and organizations are chosen, with the operator's
// configured defaults. A non-empty `sandbox_note` marks sandbox mode and is included as is.
std::string build_instructions(const catalog::Catalog& catalog,
                               const std::map<std::string, std::string>& defaults,
                               std::string_view sandbox_note = {});

}  // namespace cmcp::protocol
