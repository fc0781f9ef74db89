#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace cmcp::catalog {
struct Definitions;
}  // namespace cmcp::catalog

namespace cmcp::identity {
class PrincipalStore;
class IssuerKeys;
}  // namespace cmcp::identity

namespace cmcp::transport::http {

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 9090;  // 0 = any free port (tests)
    bool stateless = false;
    // The REST face (/v1/<vendor path>, /v1/openapi.json) instead of MCP (/mcp) on this
    // listener. `definitions` are every defined tool, served or not, so that a tool this
    // server does not offer answers 403 rather than 404; null: the served ones.
    bool rest = false;
    std::shared_ptr<const catalog::Definitions> definitions;
    std::vector<std::string> auth_tokens;  // accepted static bearer tokens; empty = no auth
    // Principals (--principals) and the OAuth issuer (--oauth-issuer); null when not used.
    std::shared_ptr<const identity::PrincipalStore> principals;
    std::shared_ptr<identity::IssuerKeys> oauth_issuer;
    // This server's canonical resource URL, the audience tokens must name; empty: derived from
    // the address served ("http://<host>:<port>/mcp").
    std::string oauth_resource;
    std::vector<std::string> allowed_origins;  // added to the loopback defaults
    std::vector<std::string> allowed_hosts;    // added to the loopback defaults
    std::size_t max_sessions = 1000;
    std::chrono::seconds session_idle_timeout{1800};
    std::size_t max_body_bytes = 4 * 1024 * 1024;
    std::chrono::seconds header_timeout{10};  // whole request head must arrive within this
    std::chrono::seconds idle_connection_timeout{
        60};  // keep-alive connections idle longer are closed
    std::size_t max_connections = 512;
    unsigned io_threads = 0;  // 0 = std::thread::hardware_concurrency()
    std::chrono::seconds shutdown_grace{10};
    // On the first stop request: serve on for this long with /readyz answering 503 and every
    // response closing its connection, so that a load balancer takes the replica out before it
    // stops accepting. Zero: stop accepting at once. A second stop request cuts it short.
    std::chrono::seconds drain_period{0};
};

}  // namespace cmcp::transport::http
