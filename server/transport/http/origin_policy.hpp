#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cmcp::transport::http {

// DNS-rebinding protection: which Host and Origin headers a request may carry. Loopback names
// (localhost, 127.0.0.1, [::1]) are always allowed, on any port.
class OriginPolicy {
  public:
    // listen_host/port: where the server listens, so that "Host: <listen_host>:<port>" passes
    // for a non-loopback bind. Entries of allowed_hosts are "name" (any port) or "name:port";
    // entries of allowed_origins are full origins ("https://app.example.com").
    OriginPolicy(std::string listen_host, unsigned short port,
                 std::vector<std::string> allowed_hosts, std::vector<std::string> allowed_origins);

    bool host_allowed(std::string_view host) const;
    // Only for requests that carry an Origin header.
    bool origin_allowed(std::string_view origin) const;

  private:
    std::string listen_authority_;  // "host:port", lower case; empty for wildcard binds
    std::vector<std::string> allowed_hosts_;
    std::vector<std::string> allowed_origins_;
};

}  // namespace cmcp::transport::http
