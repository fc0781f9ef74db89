#include "transport/http/media_type.hpp"

#include <algorithm>
#include <cctype>

#include "support/text.hpp"

namespace cmcp::transport::http {

namespace {

// "q=0", "q=0.0", "q=0.000" refuse a range; anything else (or no q) accepts it.
bool refused_by_quality(std::string_view parameters) {
    while (!parameters.empty()) {
        const auto semicolon = parameters.find(';');
        const auto parameter = trim(parameters.substr(0, semicolon));
        parameters = semicolon == std::string_view::npos ? std::string_view()
                                                         : parameters.substr(semicolon + 1);
        const auto equals = parameter.find('=');
        if (equals == std::string_view::npos || !iequals(trim(parameter.substr(0, equals)), "q")) {
            continue;
        }
        const auto value = trim(parameter.substr(equals + 1));
        return !value.empty() && value.find_first_not_of("0.") == std::string_view::npos;
    }
    return false;
}

}  // namespace

bool accepts(std::string_view accept_header, std::string_view media_type) {
    const auto slash = media_type.find('/');
    const auto type = media_type.substr(0, slash);
    while (!accept_header.empty()) {
        const auto comma = accept_header.find(',');
        const auto range = accept_header.substr(0, comma);
        accept_header =
            comma == std::string_view::npos ? std::string_view() : accept_header.substr(comma + 1);
        const auto semicolon = range.find(';');
        const auto name = trim(range.substr(0, semicolon));
        const auto parameters =
            semicolon == std::string_view::npos ? std::string_view() : range.substr(semicolon + 1);
        const bool matches =
            iequals(name, media_type) || iequals(name, "*/*") ||
            (name.size() == type.size() + 2 && iequals(name.substr(0, type.size()), type) &&
             name.substr(type.size()) == "/*");
        if (matches && !refused_by_quality(parameters)) {
            return true;
        }
    }
    return false;
}

bool is_json_content_type(std::string_view content_type) {
    return iequals(trim(content_type.substr(0, content_type.find(';'))), "application/json");
}

}  // namespace cmcp::transport::http
