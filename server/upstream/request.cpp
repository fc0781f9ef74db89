#include "upstream/request.hpp"

#include <array>

namespace cmcp::upstream {

std::string_view to_string(Provider provider) {
    switch (provider) {
        case Provider::scaleway:
            return "scaleway";
        case Provider::planetscale:
            return "planetscale";
    }
    return "unknown";
}

std::optional<Provider> parse_provider(std::string_view name) {
    if (name == "scaleway") {
        return Provider::scaleway;
    }
    if (name == "planetscale") {
        return Provider::planetscale;
    }
    return std::nullopt;
}

std::string_view to_string(FailureKind kind) {
    switch (kind) {
        case FailureKind::missing_credentials:
            return "missing_credentials";
        case FailureKind::connection:
            return "connection";
        case FailureKind::timeout:
            return "timeout";
        case FailureKind::response_too_large:
            return "response_too_large";
        case FailureKind::cancelled:
            return "cancelled";
    }
    return "unknown";
}

std::string percent_encode(std::string_view value) {
    static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                  '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                                (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' ||
                                byte == '_' || byte == '~';
        if (unreserved) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 0x0F]);
        }
    }
    return out;
}

std::string Request::target() const {
    std::string out = path;
    char separator = '?';
    for (const auto& param : query) {
        out.push_back(separator);
        out += percent_encode(param.name);
        out.push_back('=');
        out += percent_encode(param.value);
        separator = '&';
    }
    return out;
}

}  // namespace cmcp::upstream
