#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace cmcp::upstream {

// Where one vendor's API lives: https://api.scaleway.com, or a sandbox or proxy such as
// http://127.0.0.1:8080/prefix.
struct BaseUrl {
    bool https = true;
    std::string host;  // without the brackets of an IPv6 literal
    int port = 443;
    std::string path_prefix;  // "" or "/something" without a trailing '/'

    std::string host_and_port() const;  // "api.scaleway.com:443", "[::1]:8080"
    // As the Host header carries it: the port only when it is not the scheme's default.
    std::string host_header() const;  // "api.scaleway.com", "[::1]:8080"
    bool same_origin(const BaseUrl& other) const;
};

// The parsed URL, or what is wrong with it (the message never repeats user information).
std::variant<BaseUrl, std::string> parse_base_url(std::string_view url);

}  // namespace cmcp::upstream
