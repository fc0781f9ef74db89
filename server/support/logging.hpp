#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <ostream>
#include <string_view>

#include "support/log_level.hpp"

namespace cmcp {

// One logger is built in main and handed down; nothing reaches for a global registry.
using Logger = std::shared_ptr<spdlog::logger>;

// Everything the server logs goes to stderr, so stdout stays pure MCP in stdio mode.
Logger make_stderr_logger(LogLevel level);
// For tests: captures lines into a stream.
Logger make_stream_logger(std::ostream& out, LogLevel level = LogLevel::debug);
Logger make_null_logger();

spdlog::level::level_enum to_spdlog(LogLevel level);

}  // namespace cmcp
