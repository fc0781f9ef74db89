#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/stop_handle.hpp"
#include "config/config.hpp"
#include "protocol/session.hpp"
#include "support/logging.hpp"

namespace cmcp::transport::http {
class Metrics;
}

namespace cmcp::catalog {
struct Definitions;
}

namespace cmcp::identity {
class PrincipalStore;
class IssuerKeys;
}  // namespace cmcp::identity

namespace cmcp::app {

// Exit codes: 0 clean stop, 1 could not start, 2 bad command line or configuration.
inline constexpr int kExitStartupFailure = 1;
inline constexpr int kExitUsage = 2;

// Serves MCP on stdin/stdout until stdin ends or a stop is requested. Returns the exit code.
int serve_stdio(const config::Config& config, const protocol::Services& services, StopHandle& stop);

// How HTTP callers are recognised (all empty: no authentication).
struct HttpIdentity {
    std::vector<std::string> auth_tokens;
    std::shared_ptr<const identity::PrincipalStore> principals;
    std::shared_ptr<identity::IssuerKeys> issuer;
};

// Serves MCP over Streamable HTTP (`http`), the REST face beside it (--rest-listen), or the
// REST face alone (`rest`) until a stop is requested. `definitions` are every defined tool,
// for the REST face's routing. Returns the exit code.
int serve_http(const config::Config& config, HttpIdentity identity,
               std::shared_ptr<const catalog::Definitions> definitions,
               const protocol::Services& services, transport::http::Metrics& metrics,
               StopHandle& stop, const Logger& logger);

// Serves only the upstream simulator on config.http's address until a stop is requested,
// accepting the credentials `env` holds (the variables the server itself sends from).
int serve_sandbox(const config::Config& config, const config::EnvLookup& env, StopHandle& stop,
                  const Logger& logger);

}  // namespace cmcp::app
