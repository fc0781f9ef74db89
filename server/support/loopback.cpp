#include "support/loopback.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

namespace cmcp {

bool is_loopback_host(std::string_view host) {
    if (host == "localhost") {
        return true;
    }
    // By address, not by spelling: "127.example.com" is a name anyone can point anywhere.
    const std::string text(host);
    in_addr ipv4{};
    if (::inet_pton(AF_INET, text.c_str(), &ipv4) == 1) {
        return (ntohl(ipv4.s_addr) >> 24U) == 127U;
    }
    in6_addr ipv6{};
    return ::inet_pton(AF_INET6, text.c_str(), &ipv6) == 1 && IN6_IS_ADDR_LOOPBACK(&ipv6);
}

}  // namespace cmcp
