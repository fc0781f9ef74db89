#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "catalog/definition_loader.hpp"
#include "catalog/tool_selection.hpp"
#include "config/config.hpp"
#include "identity/principals_file.hpp"
#include "support/audit_log.hpp"
#include "support/logging.hpp"
#include "upstream/credentials.hpp"

namespace cmcp::app {

// The version reported in serverInfo and --version.
std::string_view version();

// What start-up established before anything was logged or bound.
struct Startup {
    // Shared: the catalog, the principals' catalogs and the REST face's routing all read them.
    std::shared_ptr<const catalog::Definitions> definitions;
    std::vector<std::unique_ptr<AuditSink>> audit_sinks;  // empty without --audit-sink/-log
    std::vector<std::string> auth_tokens;  // from CREDENTIALS_MCP_AUTH_TOKENS and the token file
    // The upstream credentials calls carry by default: the environment's, or with --sandbox
    // fresh ones the embedded simulator accepts.
    upstream::Credentials credentials;
    bool sandbox_credentials = false;
    // --principals, loaded and checked; null without it.
    std::shared_ptr<const identity::Directory> principals;
    // How to load the principals file again (SIGHUP).
    identity::LoadContext principals_context;
};

catalog::ToolSelection selection_of(const config::Config& config);

// Checks what only start-up can check: tool and toolset names against the built-in catalog,
// the audit sinks, the bearer token file, the principals file (and every credential it refers
// to), the OAuth issuer's URL. A problem comes back as one line for stderr (a
// configuration error). Throws catalog::DefinitionError if the built-in definitions are broken.
// `env` supplies credentials and the references of the principals file.
std::variant<Startup, std::string> prepare(const config::Config& config,
                                           const config::EnvLookup& env);

// `credentials-mcp tools`: the selected tools as a table for operators.
std::string tools_table(const config::Config& config, const Startup& startup);

// Builds the server described by `config` and serves until stdin ends (stdio) or a signal
// arrives. `env` supplies credentials. Returns the process exit code.
int run(const config::Config& config, Startup startup, const config::EnvLookup& env,
        const Logger& logger);

}  // namespace cmcp::app
