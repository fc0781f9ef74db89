#pragma once

#include <string_view>

#include "config/config.hpp"
#include "support/logging.hpp"

namespace cmcp::app {

// The version reported in serverInfo and --version.
std::string_view version();

// Builds the server described by `config` and serves until stdin ends (stdio) or a signal
// arrives. `env` supplies credentials. Returns the process exit code.
int run(const config::Config& config, const config::EnvLookup& env, const Logger& logger);

}  // namespace cmcp::app
