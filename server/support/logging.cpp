#include "support/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace cmcp {

namespace {

// %* in a pattern: the message with control characters escaped (\n, \r, \t, \xHH), so that no
// text a client sent (a method name, a header) can end a log line early and forge another.
class EscapedMessage final : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg& message, const std::tm& /*time*/,
                spdlog::memory_buf_t& out) override {
        constexpr std::string_view kHex = "0123456789abcdef";
        for (const char c : message.payload) {
            const auto byte = static_cast<unsigned char>(c);
            if (byte >= 0x20 && byte != 0x7F) {
                out.push_back(c);
                continue;
            }
            const std::string_view escaped = c == '\n'   ? "\\n"
                                             : c == '\r' ? "\\r"
                                             : c == '\t' ? "\\t"
                                                         : "";
            if (!escaped.empty()) {
                out.append(escaped.data(), escaped.data() + escaped.size());
                continue;
            }
            const char hex[] = {'\\', 'x', kHex[byte >> 4U], kHex[byte & 0xFU]};
            out.append(hex, hex + sizeof(hex));
        }
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<EscapedMessage>();
    }
};

std::unique_ptr<spdlog::formatter> escaping_formatter(
    const std::string& pattern,
    spdlog::pattern_time_type time_type = spdlog::pattern_time_type::local) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(time_type);
    formatter->add_flag<EscapedMessage>('*').set_pattern(pattern);
    return formatter;
}

}  // namespace

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
    logger->set_formatter(
        escaping_formatter("%Y-%m-%dT%H:%M:%S.%eZ %-5l %*", spdlog::pattern_time_type::utc));
    logger->set_level(to_spdlog(level));
    logger->flush_on(spdlog::level::trace);
    return logger;
}

Logger make_stream_logger(std::ostream& out, LogLevel level) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out, true);
    auto logger = std::make_shared<spdlog::logger>("test", std::move(sink));
    logger->set_formatter(escaping_formatter("%l %*"));
    logger->set_level(to_spdlog(level));
    return logger;
}

Logger make_null_logger() {
    return std::make_shared<spdlog::logger>("null",
                                            std::make_shared<spdlog::sinks::null_sink_mt>());
}

}  // namespace cmcp
