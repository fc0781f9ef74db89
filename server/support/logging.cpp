#include "support/logging.hpp"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace cmcp {

spdlog::level::level_enum to_spdlog(LogLevel level) {
    switch (level) {
        case LogLevel::debug:
            return spdlog::level::debug;
        case LogLevel::info:
        case LogLevel::notice:
            return spdlog::level::info;
        case LogLevel::warning:
            return spdlog::level::warn;
        case LogLevel::error:
            return spdlog::level::err;
        case LogLevel::critical:
        case LogLevel::alert:
        case LogLevel::emergency:
            return spdlog::level::critical;
    }
    return spdlog::level::info;
}

Logger make_stderr_logger(LogLevel level) {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>("credentials-mcp", std::move(sink));
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l %v", spdlog::pattern_time_type::utc);
    logger->set_level(to_spdlog(level));
    logger->flush_on(spdlog::level::trace);
    return logger;
}

Logger make_stream_logger(std::ostream& out, LogLevel level) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out, true);
    auto logger = std::make_shared<spdlog::logger>("test", std::move(sink));
    logger->set_pattern("%l %v");
    logger->set_level(to_spdlog(level));
    return logger;
}

Logger make_null_logger() {
    return std::make_shared<spdlog::logger>("null",
                                            std::make_shared<spdlog::sinks::null_sink_mt>());
}

}  // namespace cmcp
