#pragma once

#include "app/stop_handle.hpp"
#include "config/config.hpp"
#include "protocol/session.hpp"

namespace cmcp::app {

// Serves MCP on stdin/stdout until stdin ends or a stop is requested. Returns the exit code.
int serve_stdio(const config::Config& config, const protocol::Services& services, StopHandle& stop);

}  // namespace cmcp::app
