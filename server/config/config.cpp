#include "config/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>

#include "support/text.hpp"

namespace cmcp::config {

namespace {

constexpr std::string_view kRegions[] = {"fr-par", "nl-ams", "pl-waw"};

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

template <typename Number>
std::optional<std::string> number_option(const std::string& value, std::string_view name,
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
std::optional<std::string> duration_option(const std::string& value, std::string_view name,
                                           long minimum, long maximum, Duration& out) {
    long count = 0;
    auto problem = number_option<long>(value, name, minimum, maximum, count);
    if (!problem) {
        out = Duration(count);
    }
    return problem;
}

std::optional<std::string> read_address(const std::string& value, std::string_view option,
                                        std::string& host, unsigned short& port) {
    const auto colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return std::string(option) + " takes HOST:PORT, e.g. 127.0.0.1:9090 or [::1]:9090";
    }
    std::string name = value.substr(0, colon);
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
        name = name.substr(1, name.size() - 2);
    }
    if (auto error = number_option<unsigned short>(value.substr(colon + 1),
                                                   std::string(option) + " port", 0, 65535, port)) {
        return error;
    }
    host = name;
    return std::nullopt;
}

std::optional<std::string> read_listen(Config& config, const std::string& value) {
    return read_address(value, "--listen", config.http.host, config.http.port);
}

std::optional<std::string> read_rest_listen(Config& config, const std::string& value) {
    std::string host;
    if (auto error = read_address(value, "--rest-listen", host, config.http.rest_port)) {
        return error;
    }
    config.http.rest_host = host;
    return std::nullopt;
}

std::optional<std::string> add_audit_sink(Config& config, const std::string& value) {
    if (value == "stdout" || value == "syslog" ||
        (value.starts_with("file:") && value.size() > 5)) {
        config.audit_sinks.push_back(value);
        return std::nullopt;
    }
    return "--audit-sink takes file:PATH, stdout or syslog, not '" + value + "'";
}

std::optional<std::string> read_log_level(Config& config, const std::string& value) {
    const auto level = parse_log_level(value);
    if (!level) {
        return "--log-level must be debug, info, notice, warning or error, not '" + value + "'";
    }
    config.log_level = *level;
    return std::nullopt;
}

using Apply = std::optional<std::string> (*)(Config&, const std::string& value);

struct Option {
    std::string_view name;
    bool takes_value;
    Apply apply;
};

// Every command-line option, in one place: parsing and the --help coverage test use it.
constexpr Option kOptions[] = {
    {"--sandbox", false, [](Config& c, const std::string&) -> std::optional<std::string> { c.sandbox = true; return std::nullopt; }},
    {"--read-only", false, [](Config& c, const std::string&) -> std::optional<std::string> { c.read_only = true; return std::nullopt; }},
    {"--stateless", false, [](Config& c, const std::string&) -> std::optional<std::string> { c.http.stateless = true; return std::nullopt; }},
    {"--allow-unauthenticated", false, [](Config& c, const std::string&) -> std::optional<std::string> { c.http.allow_unauthenticated_remote = true; return std::nullopt; }},
    {"--listen", true, [](Config& c, const std::string& v) { return read_listen(c, v); }},
    {"--toolsets", true, [](Config& c, const std::string& v) -> std::optional<std::string> { c.toolsets = split_list(v); return std::nullopt; }},
    {"--tools", true, [](Config& c, const std::string& v) -> std::optional<std::string> { c.tools = split_list(v); return std::nullopt; }},
    {"--exclude-tools", true, [](Config& c, const std::string& v) -> std::optional<std::string> { c.exclude_tools = split_list(v); return std::nullopt; }},
    {"--rest-listen", true, [](Config& c, const std::string& v) { return read_rest_listen(c, v); }},
    {"--audit-log", true, [](Config& c, const std::string& v) -> std::optional<std::string> { c.audit_sinks.push_back("file:" + v); return std::nullopt; }},
    {"--audit-sink", true, [](Config& c, const std::string& v) { return add_audit_sink(c, v); }},
    {"--audit-required", false, [](Config& c, const std::string&) -> std::optional<std::string> { c.audit_required = true; return std::nullopt; }},
    {"--principals", true, [](Config& c, const std::string& v) -> std::optional<std::string> { c.http.principals_file = v; return std::nullopt; }},
    {"--oauth-issuer", true, [](Config& c, const std::string& v) -> std::optional<std::string> { c.http.oauth_issuer = v; return std::nullopt; }},
    {"--oauth-resource", true, [](Config& c, const std::string& v) -> std::optional<std::string> { c.http.oauth_resource = v; return std::nullopt; }},
    {"--max-result-bytes", true, [](Config& c, const std::string& v) { return number_option<std::size_t>(v, "--max-result-bytes", 1024, 1U << 30U, c.max_result_bytes); }},
    {"--log-level", true, [](Config& c, const std::string& v) { return read_log_level(c, v); }},
    {"--auth-token-file", true, [](Config& c, const std::string& v) -> std::optional<std::string> { c.http.auth_token_file = v; return std::nullopt; }},
    {"--allowed-origins", true, [](Config& c, const std::string& v) -> std::optional<std::string> { c.http.allowed_origins = split_list(v); return std::nullopt; }},
    {"--allowed-hosts", true, [](Config& c, const std::string& v) -> std::optional<std::string> { c.http.allowed_hosts = split_list(v); return std::nullopt; }},
    {"--max-sessions", true, [](Config& c, const std::string& v) { return number_option<std::size_t>(v, "--max-sessions", 1, 1000000, c.http.max_sessions); }},
    {"--session-idle-timeout", true, [](Config& c, const std::string& v) { return duration_option(v, "--session-idle-timeout", 1, 7 * 24 * 3600, c.http.session_idle_timeout); }},
    {"--max-body-bytes", true, [](Config& c, const std::string& v) { return number_option<std::size_t>(v, "--max-body-bytes", 1024, 1U << 30U, c.http.max_body_bytes); }},
    {"--max-connections", true, [](Config& c, const std::string& v) { return number_option<std::size_t>(v, "--max-connections", 1, 100000, c.http.max_connections); }},
    {"--io-threads", true, [](Config& c, const std::string& v) { return number_option<unsigned>(v, "--io-threads", 1, 256, c.http.io_threads); }},
    {"--max-calls", true, [](Config& c, const std::string& v) { return number_option<std::size_t>(v, "--max-calls", 1, 1000000, c.max_calls); }},
    {"--max-message-bytes", true, [](Config& c, const std::string& v) { return number_option<std::size_t>(v, "--max-message-bytes", 1024, 1U << 30U, c.max_message_bytes); }},
    {"--drain-seconds", true, [](Config& c, const std::string& v) { return duration_option(v, "--drain-seconds", 0, 3600, c.http.drain_period); }},
    {"--shutdown-grace", true, [](Config& c, const std::string& v) { return duration_option(v, "--shutdown-grace", 0, 3600, c.shutdown_grace); }},
    {"--connect-timeout-ms", true, [](Config& c, const std::string& v) { return duration_option(v, "--connect-timeout-ms", 1, 600000, c.upstream.connect_timeout); }},
    {"--read-timeout-ms", true, [](Config& c, const std::string& v) { return duration_option(v, "--read-timeout-ms", 1, 600000, c.upstream.read_timeout); }},
    {"--max-response-bytes", true, [](Config& c, const std::string& v) { return number_option<std::size_t>(v, "--max-response-bytes", 1024, 1U << 30U, c.upstream.max_response_bytes); }},
    {"--call-timeout-ms", true, [](Config& c, const std::string& v) { return duration_option(v, "--call-timeout-ms", 100, 3600000, c.upstream.call_timeout); }},
    {"--max-attempts", true, [](Config& c, const std::string& v) { return number_option<int>(v, "--max-attempts", 1, 10, c.upstream.max_attempts); }},
};

// Options of earlier versions, with what to do instead: a clear error beats a silent change.
constexpr std::pair<std::string_view, std::string_view> kRemovedOptions[] = {
    {"--workers",
     "--workers was removed in 0.2: tool calls no longer need threads of their own "
     "(they run as coroutines on the I/O threads); drop it, and use --max-calls to "
     "bound how many run at once"},
    {"--max-queued-calls", "--max-queued-calls was renamed --max-calls in 0.2"},
    {"--busy-poll-us", "--busy-poll-us was removed in 0.2: nothing polls any more; drop it"},
};

const Option* find_option(std::string_view name) {
    for (const auto& option : kOptions) {
        if (option.name == name) {
            return &option;
        }
    }
    return nullptr;
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
            if (arg == "stdio" || arg == "http" || arg == "rest" || arg == "tools" ||
                arg == "sandbox") {
                if (mode_seen) {
                    return ConfigError{"give one command: stdio, http, rest, tools or sandbox"};
                }
                mode_seen = true;
                config_.mode = arg == "stdio"   ? Mode::stdio
                               : arg == "http"  ? Mode::http
                               : arg == "rest"  ? Mode::rest
                               : arg == "tools" ? Mode::tools
                                                : Mode::sandbox;
                continue;
            }
            if (auto error = read_option(arg)) {
                return ConfigError{std::move(*error)};
            }
        }
        // A sink named on the command line replaces the environment's, as every other flag does.
        if (config_.audit_sinks.empty() && environment_audit_sink_) {
            config_.audit_sinks.push_back(*environment_audit_sink_);
        }
        if (!mode_seen) {
            return ConfigError{
                "missing command: run `credentials-mcp stdio`, `credentials-mcp http`, "
                "`credentials-mcp rest`, `credentials-mcp tools` or `credentials-mcp sandbox`"};
        }
        // The REST face alone listens where the seeds put it unless told otherwise.
        if (config_.mode == Mode::rest &&
            std::find(args_.begin(), args_.end(), "--listen") == args_.end()) {
            config_.http.port = 8080;
        }
        if (auto error = check_exposure()) {
            return ConfigError{std::move(*error)};
        }
        if (auto error = check_combinations()) {
            return ConfigError{std::move(*error)};
        }
        return config_;
    }

  private:
    // Serving the vendor credentials beyond this machine without authentication must be a
    // deliberate choice.
    std::optional<std::string> check_exposure() const {
        const auto& http = config_.http;
        const bool served = config_.mode == Mode::http || config_.mode == Mode::rest;
        const bool remote =
            !is_loopback_host(http.host) || (http.rest_host && !is_loopback_host(*http.rest_host));
        if (!served || !remote || !http.auth_tokens.empty() || http.auth_token_file ||
            http.principals_file || http.oauth_issuer || http.allow_unauthenticated_remote) {
            return std::nullopt;
        }
        return "refusing to listen on " +
               (is_loopback_host(http.host) ? *http.rest_host : http.host) +
               " without authentication: set CREDENTIALS_MCP_AUTH_TOKENS or --auth-token-file, "
               "or --principals, or --oauth-issuer, or pass --allow-unauthenticated to accept "
               "the risk";
    }

    // Options that only make sense together, or only in some modes.
    std::optional<std::string> check_combinations() const {
        const auto& http = config_.http;
        const bool identity = http.principals_file || http.oauth_issuer;
        if (identity && config_.mode != Mode::http && config_.mode != Mode::rest) {
            return std::string(
                "--principals and --oauth-issuer apply to `http` and `rest` only: over stdio "
                "the server acts with the credentials of its environment");
        }
        if (http.rest_host && config_.mode != Mode::http) {
            return std::string(
                "--rest-listen applies to `http` (REST beside MCP); `rest` serves REST alone "
                "on --listen");
        }
        if (http.principals_file && (!http.auth_tokens.empty() || http.auth_token_file)) {
            return std::string(
                "--principals replaces --auth-token-file and CREDENTIALS_MCP_AUTH_TOKENS: give "
                "each token to a principal as bearer_token_sha256");
        }
        if (http.oauth_resource && !http.oauth_issuer) {
            return std::string("--oauth-resource needs --oauth-issuer");
        }
        if (config_.mode == Mode::stdio &&
            std::find(config_.audit_sinks.begin(), config_.audit_sinks.end(), "stdout") !=
                config_.audit_sinks.end()) {
            return std::string(
                "--audit-sink stdout cannot be used over stdio: stdout carries "
                "the protocol (use file: or syslog)");
        }
        if (config_.audit_required && config_.audit_sinks.empty()) {
            return std::string(
                "--audit-required needs an audit sink (--audit-sink or --audit-log)");
        }
        return std::nullopt;
    }

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
        if (auto tools = env("CREDENTIALS_MCP_TOOLS")) {
            config_.tools = split_list(*tools);
        }
        if (auto excluded = env("CREDENTIALS_MCP_EXCLUDE_TOOLS")) {
            config_.exclude_tools = split_list(*excluded);
        }
        if (auto read_only = env("CREDENTIALS_MCP_READ_ONLY")) {
            const auto parsed = parse_switch(*read_only);
            if (!parsed) {
                return "CREDENTIALS_MCP_READ_ONLY must be true or false (1/0, yes/no), not '" +
                       *read_only + "'";
            }
            config_.read_only = *parsed;
        }
        if (auto path = env("CREDENTIALS_MCP_AUDIT_LOG")) {
            environment_audit_sink_ = "file:" + *path;
        }
        if (auto path = env("CREDENTIALS_MCP_PRINCIPALS_FILE")) {
            config_.http.principals_file = *path;
        }
        if (auto limit = env("CREDENTIALS_MCP_MAX_RESULT_BYTES")) {
            if (auto error =
                    number_option<std::size_t>(*limit, "CREDENTIALS_MCP_MAX_RESULT_BYTES", 1024,
                                               1U << 30U, config_.max_result_bytes)) {
                return error;
            }
        }
        if (auto drain = env("CREDENTIALS_MCP_DRAIN_SECONDS")) {
            if (auto error = duration_option(*drain, "CREDENTIALS_MCP_DRAIN_SECONDS", 0, 3600,
                                             config_.http.drain_period)) {
                return error;
            }
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

    // `--name value` and `--name=value` are both accepted.
    std::optional<std::string> read_option(const std::string& arg) {
        const auto equals = arg.find('=');
        const std::string name = arg.substr(0, equals);
        const auto* option = find_option(name);
        if (option == nullptr) {
            for (const auto& [removed, advice] : kRemovedOptions) {
                if (removed == name) {
                    return std::string(advice);
                }
            }
            return "unknown argument '" + name + "'";
        }
        if (!option->takes_value) {
            if (equals != std::string::npos) {
                return "option " + name + " takes no value";
            }
            return option->apply(config_, "");
        }
        if (equals != std::string::npos) {
            return option->apply(config_, arg.substr(equals + 1));
        }
        if (index_ + 1 >= args_.size()) {
            return name + " needs a value";
        }
        return option->apply(config_, args_[++index_]);
    }

    const std::vector<std::string>& args_;
    const EnvLookup& env_;
    std::size_t index_ = 0;
    Config config_;
    std::optional<std::string> environment_audit_sink_;  // CREDENTIALS_MCP_AUDIT_LOG
};

}  // namespace

ParseResult parse_config(const std::vector<std::string>& args, const EnvLookup& env) {
    return Parser(args, env).parse();
}

std::vector<std::string_view> option_names() {
    std::vector<std::string_view> names;
    for (const auto& option : kOptions) {
        names.push_back(option.name);
    }
    return names;
}

std::vector<std::string_view> environment_variables() {
    return {"SCW_SECRET_KEY",
            "SCALEWAY_API_KEY",
            "SCW_DEFAULT_REGION",
            "SCW_DEFAULT_PROJECT_ID",
            "SCW_DEFAULT_ORGANIZATION_ID",
            "PLANETSCALE_SERVICE_TOKEN_ID",
            "PLANETSCALE_SERVICE_TOKEN",
            "PLANETSCALE_API_KEY",
            "PLANETSCALE_ORG",
            "SCALEWAY_API_URL",
            "PLANETSCALE_API_URL",
            "CREDENTIALS_MCP_AUTH_TOKENS",
            "CREDENTIALS_MCP_AUTH_TOKEN_FILE",
            "CREDENTIALS_MCP_TOOLSETS",
            "CREDENTIALS_MCP_TOOLS",
            "CREDENTIALS_MCP_EXCLUDE_TOOLS",
            "CREDENTIALS_MCP_READ_ONLY",
            "CREDENTIALS_MCP_LOG_LEVEL",
            "CREDENTIALS_MCP_DRAIN_SECONDS",
            "CREDENTIALS_MCP_AUDIT_LOG",
            "CREDENTIALS_MCP_PRINCIPALS_FILE",
            "CREDENTIALS_MCP_MAX_RESULT_BYTES"};
}

EnvLookup process_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        return value == nullptr ? std::nullopt : std::optional<std::string>(value);
    };
}

}  // namespace cmcp::config
