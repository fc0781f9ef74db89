#include "config/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace cmcp::config {

namespace {

constexpr std::string_view kRegions[] = {"fr-par", "nl-ams", "pl-waw"};

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find_first_of(",\n", start), text.size());
        auto item = trim(text.substr(start, end - start));
        if (!item.empty()) {
            items.push_back(std::move(item));
        }
        start = end + 1;
    }
    return items;
}

template <typename Number>
std::optional<Number> parse_number(std::string_view text, Number minimum, Number maximum) {
    Number value{};
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || value < minimum || value > maximum) {
        return std::nullopt;
    }
    return value;
}

bool is_uuid(std::string_view text) {
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

class Parser {
  public:
    Parser(const std::vector<std::string>& args, const EnvLookup& env) : args_(args), env_(env) {}

    ParseResult parse() {
        if (auto error = read_environment()) {
            return ConfigError{std::move(*error)};
        }
        bool mode_seen = false;
        for (index_ = 0; index_ < args_.size(); ++index_) {
            const std::string& arg = args_[index_];
            if (arg == "-h" || arg == "--help" || arg == "help") {
                return ShowHelp{};
            }
            if (arg == "--version" || arg == "version") {
                return ShowVersion{};
            }
            if (arg == "stdio" || arg == "http") {
                if (mode_seen) {
                    return ConfigError{"give one mode, stdio or http, not both"};
                }
                mode_seen = true;
                config_.mode = arg == "stdio" ? Mode::stdio : Mode::http;
                continue;
            }
            if (auto error = read_option(arg)) {
                return ConfigError{std::move(*error)};
            }
        }
        if (!mode_seen) {
            return ConfigError{
                "missing mode: run `credentials-mcp stdio` or `credentials-mcp http`"};
        }
        return config_;
    }

  private:
    std::optional<std::string> env(std::string_view name) const {
        auto value = env_(name);
        if (!value) {
            return std::nullopt;
        }
        auto trimmed = trim(*value);
        return trimmed.empty() ? std::nullopt : std::optional<std::string>(std::move(trimmed));
    }

    std::optional<std::string> read_environment() {
        if (auto region = env("SCW_DEFAULT_REGION")) {
            if (std::find(std::begin(kRegions), std::end(kRegions), *region) ==
                std::end(kRegions)) {
                return "SCW_DEFAULT_REGION must be fr-par, nl-ams or pl-waw, not '" + *region + "'";
            }
            config_.defaults["scaleway.region"] = *region;
        }
        for (const auto& [variable, key] :
             {std::pair{"SCW_DEFAULT_PROJECT_ID", "scaleway.project_id"},
              std::pair{"SCW_DEFAULT_ORGANIZATION_ID", "scaleway.organization_id"}}) {
            if (auto id = env(variable)) {
                if (!is_uuid(*id)) {
                    return std::string(variable) + " must be a UUID";
                }
                config_.defaults[key] = *id;
            }
        }
        if (auto organization = env("PLANETSCALE_ORG")) {
            config_.defaults["planetscale.organization"] = *organization;
        }
        if (auto url = env("SCALEWAY_API_URL")) {
            config_.upstream.scaleway_base_url = *url;
        }
        if (auto url = env("PLANETSCALE_API_URL")) {
            config_.upstream.planetscale_base_url = *url;
        }
        if (auto tokens = env("CREDENTIALS_MCP_AUTH_TOKENS")) {
            config_.http.auth_tokens = split_list(*tokens);
        }
        if (auto file = env("CREDENTIALS_MCP_AUTH_TOKEN_FILE")) {
            config_.http.auth_token_file = *file;
        }
        if (auto toolsets = env("CREDENTIALS_MCP_TOOLSETS")) {
            config_.toolsets = split_list(*toolsets);
        }
        if (auto read_only = env("CREDENTIALS_MCP_READ_ONLY")) {
            config_.read_only = *read_only == "1" || *read_only == "true";
        }
        if (auto level = env("CREDENTIALS_MCP_LOG_LEVEL")) {
            const auto parsed = parse_log_level(*level);
            if (!parsed) {
                return "CREDENTIALS_MCP_LOG_LEVEL must be debug, info, warning or error";
            }
            config_.log_level = *parsed;
        }
        return std::nullopt;
    }

    template <typename Number>
    static std::optional<std::string> number_option(const std::string& value, std::string_view name,
                                                    Number minimum, Number maximum, Number& out) {
        const auto parsed = parse_number<Number>(value, minimum, maximum);
        if (!parsed) {
            return std::string(name) + " must be a whole number from " + std::to_string(minimum) +
                   " to " + std::to_string(maximum) + ", not '" + value + "'";
        }
        out = *parsed;
        return std::nullopt;
    }

    template <typename Duration>
    static std::optional<std::string> duration_option(const std::string& value,
                                                      std::string_view name, long minimum,
                                                      long maximum, Duration& out) {
        long count = 0;
        auto problem = number_option<long>(value, name, minimum, maximum, count);
        if (!problem) {
            out = Duration(count);
        }
        return problem;
    }

    std::optional<std::string> read_listen(const std::string& value) {
        const auto colon = value.rfind(':');
        if (colon == std::string::npos || colon == 0) {
            return "--listen takes HOST:PORT, e.g. 127.0.0.1:9090 or [::1]:9090";
        }
        std::string host = value.substr(0, colon);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        }
        if (auto error = number_option<unsigned short>(value.substr(colon + 1), "--listen port", 0,
                                                       65535, config_.http.port)) {
            return error;
        }
        config_.http.host = host;
        return std::nullopt;
    }

    std::optional<std::string> read_flag(std::string_view name) {
        if (name == "--sandbox") {
            config_.sandbox = true;
        } else if (name == "--read-only") {
            config_.read_only = true;
        } else if (name == "--stateless") {
            config_.http.stateless = true;
        } else if (name == "--allow-unauthenticated") {
            config_.http.allow_unauthenticated_remote = true;
        } else {
            return "unknown argument '" + std::string(name) + "' (see credentials-mcp --help)";
        }
        return std::nullopt;
    }

    std::optional<std::string> read_valued(std::string_view name, const std::string& v) {
        auto& http = config_.http;
        auto& upstream = config_.upstream;
        if (name == "--listen")
            return read_listen(v);
        if (name == "--toolsets") {
            config_.toolsets = split_list(v);
            return std::nullopt;
        }
        if (name == "--log-level") {
            const auto level = parse_log_level(v);
            if (!level) {
                return "--log-level must be debug, info, notice, warning or error, not '" + v + "'";
            }
            config_.log_level = *level;
            return std::nullopt;
        }
        if (name == "--auth-token-file") {
            http.auth_token_file = v;
            return std::nullopt;
        }
        if (name == "--allowed-origins") {
            http.allowed_origins = split_list(v);
            return std::nullopt;
        }
        if (name == "--allowed-hosts") {
            http.allowed_hosts = split_list(v);
            return std::nullopt;
        }
        if (name == "--max-sessions")
            return number_option<std::size_t>(v, name, 1, 1000000, http.max_sessions);
        if (name == "--session-idle-timeout")
            return duration_option(v, name, 1, 7 * 24 * 3600, http.session_idle_timeout);
        if (name == "--max-body-bytes")
            return number_option<std::size_t>(v, name, 1024, 1U << 30U, http.max_body_bytes);
        if (name == "--max-connections")
            return number_option<std::size_t>(v, name, 1, 100000, http.max_connections);
        if (name == "--io-threads")
            return number_option<unsigned>(v, name, 1, 256, http.io_threads);
        if (name == "--workers")
            return number_option<std::size_t>(v, name, 1, 1024, config_.worker_threads);
        if (name == "--max-queued-calls")
            return number_option<std::size_t>(v, name, 0, 1000000, config_.max_queued_calls);
        if (name == "--max-message-bytes")
            return number_option<std::size_t>(v, name, 1024, 1U << 30U, config_.max_message_bytes);
        if (name == "--shutdown-grace")
            return duration_option(v, name, 0, 3600, config_.shutdown_grace);
        if (name == "--connect-timeout-ms")
            return duration_option(v, name, 1, 600000, upstream.connect_timeout);
        if (name == "--read-timeout-ms")
            return duration_option(v, name, 1, 600000, upstream.read_timeout);
        if (name == "--max-response-bytes")
            return number_option<std::size_t>(v, name, 1024, 1U << 30U,
                                              upstream.max_response_bytes);
        if (name == "--max-attempts")
            return number_option<int>(v, name, 1, 10, upstream.max_attempts);
        return "unknown argument '" + std::string(name) + "' (see credentials-mcp --help)";
    }

    static bool takes_value(std::string_view name) {
        static constexpr std::string_view kValued[] = {
            "--listen",           "--toolsets",
            "--log-level",        "--auth-token-file",
            "--allowed-origins",  "--allowed-hosts",
            "--max-sessions",     "--session-idle-timeout",
            "--max-body-bytes",   "--max-connections",
            "--io-threads",       "--workers",
            "--max-queued-calls", "--max-message-bytes",
            "--shutdown-grace",   "--connect-timeout-ms",
            "--read-timeout-ms",  "--max-response-bytes",
            "--max-attempts"};
        return std::find(std::begin(kValued), std::end(kValued), name) != std::end(kValued);
    }

    // `--name value` and `--name=value` are both accepted.
    std::optional<std::string> read_option(const std::string& arg) {
        const auto equals = arg.find('=');
        const std::string name = arg.substr(0, equals);
        if (!takes_value(name)) {
            if (equals != std::string::npos) {
                return "option " + name + " takes no value";
            }
            return read_flag(name);
        }
        if (equals != std::string::npos) {
            return read_valued(name, arg.substr(equals + 1));
        }
        if (index_ + 1 >= args_.size()) {
            return name + " needs a value";
        }
        return read_valued(name, args_[++index_]);
    }

    const std::vector<std::string>& args_;
    const EnvLookup& env_;
    std::size_t index_ = 0;
    Config config_;
};

}  // namespace

ParseResult parse_config(const std::vector<std::string>& args, const EnvLookup& env) {
    return Parser(args, env).parse();
}

EnvLookup process_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        return value == nullptr ? std::nullopt : std::optional<std::string>(value);
    };
}

}  // namespace cmcp::config
