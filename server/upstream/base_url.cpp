#include "upstream/base_url.hpp"

#include <algorithm>
#include <cctype>

#include "support/text.hpp"

namespace cmcp::upstream {

namespace {

constexpr int kMaxPort = 65535;

bool is_host_char(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_';
}

bool is_path_char(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7F && c != '?' && c != '#' && c != '\\';
}

// An IPv6 literal goes in brackets wherever a port may follow it.
std::string bracketed(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

std::string BaseUrl::host_and_port() const {
    return bracketed(host) + ":" + std::to_string(port);
}

std::string BaseUrl::host_header() const {
    return port == (https ? 443 : 80) ? bracketed(host) : host_and_port();
}

bool BaseUrl::same_origin(const BaseUrl& other) const {
    return https == other.https && host == other.host && port == other.port;
}

std::variant<BaseUrl, std::string> parse_base_url(std::string_view url) {
    BaseUrl out;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return std::string("it must start with http:// or https://");
    }
    const std::string scheme = ascii_lower(url.substr(0, scheme_end));
    if (scheme == "https") {
        out.https = true;
        out.port = 443;
    } else if (scheme == "http") {
        out.https = false;
        out.port = 80;
    } else {
        return std::string("the scheme must be http or https");
    }
    std::string_view rest = url.substr(scheme_end + 3);
    const auto path_start = rest.find('/');
    std::string_view authority = rest.substr(0, path_start);
    std::string_view path =
        path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
    if (authority.find('@') != std::string_view::npos) {
        return std::string("it must not contain a user name or password");
    }
    if (authority.find_first_of("?#") != std::string_view::npos ||
        path.find_first_of("?#") != std::string_view::npos) {
        return std::string("it must not contain a query or a fragment");
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return std::string("the IPv6 address is missing its closing ']'");
        }
        const std::string_view literal = authority.substr(1, close - 1);
        const bool valid =
            !literal.empty() && std::all_of(literal.begin(), literal.end(), [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
            });
        if (!valid) {
            return std::string("the IPv6 address is not valid");
        }
        out.host = ascii_lower(literal);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return std::string("unexpected text after the IPv6 address");
            }
            port_text = after.substr(1);
            if (port_text.empty()) {
                return std::string("the port is empty");
            }
        }
    } else {
        const auto colon = authority.find(':');
        const std::string_view host = authority.substr(0, colon);
        if (host.empty()) {
            return std::string("the host name is empty");
        }
        if (!std::all_of(host.begin(), host.end(), is_host_char)) {
            return std::string("the host name contains characters that are not allowed");
        }
        out.host = ascii_lower(host);
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) {
                return std::string("the port is empty");
            }
        }
    }
    if (!port_text.empty()) {
        constexpr std::size_t kMaxPortDigits = 5;
        if (port_text.size() > kMaxPortDigits ||
            !std::all_of(port_text.begin(), port_text.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
            return std::string("the port must be a number from 1 to 65535");
        }
        const int port = std::stoi(std::string(port_text));
        if (port < 1 || port > kMaxPort) {
            return std::string("the port must be a number from 1 to 65535");
        }
        out.port = port;
    }
    if (!std::all_of(path.begin(), path.end(), is_path_char)) {
        return std::string("the path contains spaces or characters that must be percent-encoded");
    }
    while (!path.empty() && path.back() == '/') {
        path.remove_suffix(1);
    }
    out.path_prefix = std::string(path);
    return out;
}

}  // namespace cmcp::upstream
