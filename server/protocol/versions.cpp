#include "protocol/versions.hpp"

#include <algorithm>

namespace cmcp::protocol {

bool is_supported_version(std::string_view version) {
    return std::find(kSupportedVersions.begin(), kSupportedVersions.end(), version) !=
           kSupportedVersions.end();
}

boost::json::array supported_versions() {
    boost::json::array versions{boost::json::value(kModernVersion)};
    for (const auto version : kSupportedVersions) {
        versions.emplace_back(version);
    }
    return versions;
}

std::string supported_versions_text() {
    std::string text(kModernVersion);
    for (const auto version : kSupportedVersions) {
        text.append(", ").append(version);
    }
    return text;
}

std::string_view negotiate_version(std::string_view requested) {
    for (const auto version : kSupportedVersions) {
        if (version == requested) {
            return version;
        }
    }
    return kLatestVersion;
}

VersionFeatures features_of(std::string_view version) {
    // Dates in ISO form compare correctly as strings.
    VersionFeatures features;
    features.tool_fields.annotations = version >= "2025-03-26";
    features.tool_fields.title_and_output_schema = version >= "2025-06-18";
    features.structured_content = version >= "2025-06-18";
    features.batches = version == "2025-03-26";
    features.modern = version >= kModernVersion;
    return features;
}

}  // namespace cmcp::protocol
