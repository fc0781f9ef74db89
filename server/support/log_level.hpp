#pragma once

#include <optional>
#include <string_view>

namespace cmcp {

// RFC 5424 severities, in the order MCP's logging/setLevel uses.
enum class LogLevel { debug, info, notice, warning, error, critical, alert, emergency };

std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view to_string(LogLevel level);

}  // namespace cmcp
