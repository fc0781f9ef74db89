#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "catalog/definition_loader.hpp"
#include "catalog/tool_selection.hpp"
#include "config/config.hpp"
#include "support/audit_log.hpp"
#include "support/logging.hpp"

namespace cmcp::app {

// The version reported in serverInfo and --version.
std::string_view version();

// What start-up established before anything was logged or bound.
struct Startup {
    catalog::Definitions definitions;
    std::unique_ptr<AuditLog> audit_log;   // null without --audit-log
    std::vector<std::string> auth_tokens;  // from CREDENTIALS_MCP_AUTH_TOKENS and the token file
};

catalog::ToolSelection selection_of(const config::Config& config);

// Checks what only start-up can check: tool and toolset names against the built-in catalog,
// the audit log file, the bearer token file. A problem comes back as one line for stderr (a
// configuration error). Throws catalog::DefinitionError if the built-in definitions are broken.
std::variant<Startup, std::string> prepare(const config::Config& config);

// `credentials-mcp tools`: the selected tools as a table for operators.
std::string tools_table(const config::Config& config, const Startup& startup);

// Builds the server described by `config` and serves until stdin ends (stdio) or a signal
// arrives. `env` supplies credentials. Returns the process exit code.
int run(const config::Config& config, Startup startup, const config::EnvLookup& env,
        const Logger& logger);

}  // namespace cmcp::app
