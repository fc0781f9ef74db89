#pragma once

#include <span>
#include <string_view>

namespace cmcp::catalog {

// A file from tools/ or schemas/, compiled into the binary by cmake/embed_assets.cmake.
struct EmbeddedAsset {
    std::string_view path;  // relative to the repository root, e.g. "tools/scaleway-iam.json"
    std::string_view content;
};

std::span<const EmbeddedAsset> embedded_assets();

}  // namespace cmcp::catalog
