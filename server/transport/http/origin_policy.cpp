#include "transport/http/origin_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "support/text.hpp"

namespace cmcp::transport::http {

namespace {

constexpr std::array<std::string_view, 3> kLoopbackNames = {"localhost", "127.0.0.1", "[::1]"};

struct Authority {
    std::string name;  // lower case; IPv6 literals keep their brackets
    std::optional<std::string> port;
};

// "name", "name:port", "[v6]" or "[v6]:port"; nullopt when malformed.
std::optional<Authority> parse_authority(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::string_view name = text;
    std::optional<std::string> port;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        name = text.substr(0, close + 1);
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return std::nullopt;
            }
            port = std::string(rest.substr(1));
        }
    } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
        name = text.substr(0, colon);
        port = std::string(text.substr(colon + 1));
    }
    if (name.empty() || (port && (port->empty() || port->size() > 5 ||
                                  port->find_first_not_of("0123456789") != std::string::npos))) {
        return std::nullopt;
    }
    return Authority{ascii_lower(name), std::move(port)};
}

bool is_loopback(const Authority& authority) {
    return std::find(kLoopbackNames.begin(), kLoopbackNames.end(), authority.name) !=
           kLoopbackNames.end();
}

bool matches_entry(const Authority& authority, std::string_view entry) {
    const auto allowed = parse_authority(entry);
    if (!allowed || allowed->name != authority.name) {
        return false;
    }
    return !allowed->port || allowed->port == authority.port;
}

std::string without_trailing_slash(std::string_view text) {
    while (!text.empty() && text.back() == '/') {
        text.remove_suffix(1);
    }
    return ascii_lower(text);
}

}  // namespace

OriginPolicy::OriginPolicy(std::string listen_host, unsigned short port,
                           std::vector<std::string> allowed_hosts,
                           std::vector<std::string> allowed_origins)
    : allowed_hosts_(std::move(allowed_hosts)) {
    const bool wildcard = listen_host.empty() || listen_host == "0.0.0.0" || listen_host == "::" ||
                          listen_host == "[::]";
    if (!wildcard) {
        const bool v6 = listen_host.find(':') != std::string::npos && listen_host.front() != '[';
        listen_authority_ =
            ascii_lower(v6 ? "[" + listen_host + "]" : listen_host) + ":" + std::to_string(port);
    }
    for (const auto& origin : allowed_origins) {
        allowed_origins_.push_back(without_trailing_slash(origin));
    }
}

bool OriginPolicy::host_allowed(std::string_view host) const {
    const auto authority = parse_authority(host);
    if (!authority) {
        return false;
    }
    if (is_loopback(*authority)) {
        return true;
    }
    if (!listen_authority_.empty() && authority->port &&
        authority->name + ":" + *authority->port == listen_authority_) {
        return true;
    }
    return std::any_of(allowed_hosts_.begin(), allowed_hosts_.end(),
                       [&](const std::string& entry) { return matches_entry(*authority, entry); });
}

bool OriginPolicy::origin_allowed(std::string_view origin) const {
    const auto normalized = without_trailing_slash(origin);
    if (std::find(allowed_origins_.begin(), allowed_origins_.end(), normalized) !=
        allowed_origins_.end()) {
        return true;
    }
    std::string_view rest = normalized;
    if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
    } else {
        return false;  // includes the opaque origin "null"
    }
    const auto authority = parse_authority(rest);
    return authority && is_loopback(*authority);
}

}  // namespace cmcp::transport::http
