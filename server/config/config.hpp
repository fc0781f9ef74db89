#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "support/log_level.hpp"
#include "support/loopback.hpp"

namespace cmcp::config {

// stdio and http serve MCP; tools prints the table of tools the flags select, for operators;
// sandbox serves only the upstream simulator (benchmarks and demos that need it as its own
// process, with the MCP server pointed at it through SCALEWAY_API_URL / PLANETSCALE_API_URL).
// rest serves the REST face (/v1/...) alone; http serves MCP, and the REST face beside it with
// --rest-listen.
enum class Mode { stdio, http, rest, tools, sandbox };

// Streamable HTTP settings (credentials-mcp http ...); host and port also serve `sandbox`.
struct HttpSettings {
    std::string host = "127.0.0.1";
    unsigned short port = 9090;
    bool stateless = false;
    // --rest-listen: where `http` also serves the REST face; unset: MCP only.
    std::optional<std::string> rest_host;
    unsigned short rest_port = 8080;
    std::vector<std::string> auth_tokens;        // static bearer tokens; several allow rotation
    std::optional<std::string> auth_token_file;  // more tokens, one per line, read at start-up
    // --principals: who may call, with which upstream credentials and tools (reloaded on
    // SIGHUP).
    std::optional<std::string> principals_file;
    std::optional<std::string> oauth_issuer;    // --oauth-issuer: accept its JWT access tokens
    std::optional<std::string> oauth_resource;  // --oauth-resource: the audience they must name
    bool allow_unauthenticated_remote = false;  // explicit opt-out for non-loopback binds
    std::vector<std::string> allowed_origins;   // in addition to the loopback defaults
    std::vector<std::string> allowed_hosts;     // in addition to the loopback defaults
    std::size_t max_sessions = 1000;
    std::chrono::seconds session_idle_timeout{1800};
    std::size_t max_body_bytes = 4 * 1024 * 1024;
    std::chrono::seconds header_timeout{10};
    std::chrono::seconds idle_connection_timeout{60};
    std::size_t max_connections = 512;
    unsigned io_threads = 0;               // 0: one per core
    std::chrono::seconds drain_period{0};  // --drain-seconds: serve unready before stopping
};

struct UpstreamSettings {
    std::string scaleway_base_url = "https://api.scaleway.com";
    std::string planetscale_base_url = "https://api.planetscale.com";
    std::chrono::milliseconds connect_timeout{5000};  // resolve, TCP connect, TLS handshake
    std::chrono::milliseconds read_timeout{30000};    // the whole response of one attempt
    std::chrono::milliseconds call_timeout{60000};    // everything one tool call does
    std::size_t max_response_bytes = 8 * 1024 * 1024;
    int max_attempts = 4;
};

struct Config {
    Mode mode = Mode::stdio;
    bool sandbox = false;
    LogLevel log_level = LogLevel::info;
    // Which tools are offered: toolsets plus tools (all when both are empty), minus
    // exclude_tools; read_only keeps only read-only tools. Checked against the catalog later.
    std::vector<std::string> toolsets;
    std::vector<std::string> tools;
    std::vector<std::string> exclude_tools;
    bool read_only = false;
    // Where audit lines go: "file:PATH", "stdout" or "syslog" (--audit-sink, repeatable;
    // --audit-log PATH is "file:PATH").
    std::vector<std::string> audit_sinks;
    // Refuse a call that would change something when no sink can record it.
    bool audit_required = false;
    std::size_t max_result_bytes = 64 * 1024;
    // Values for tool arguments with defaultFrom, e.g. "scaleway.region" -> "fr-par".
    std::map<std::string, std::string> defaults;
    std::size_t max_calls = 256;  // tool calls in flight at once; more are refused
    std::size_t max_message_bytes = 4 * 1024 * 1024;
    std::chrono::seconds shutdown_grace{10};
    UpstreamSettings upstream;
    HttpSettings http;
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

struct ShowHelp {};
struct ShowVersion {};
struct ConfigError {
    std::string message;
};

using ParseResult = std::variant<Config, ShowHelp, ShowVersion, ConfigError>;

// Command line and environment to configuration. Pure: nothing is read but `env`.
// Credentials are not part of Config; the upstream layer reads them from the environment.
ParseResult parse_config(const std::vector<std::string>& args, const EnvLookup& env);

std::string usage_text();

// Every command-line option name, and every environment variable the server reads (its own
// and the upstream credentials), so a test can check that --help documents them all.
std::vector<std::string_view> option_names();
std::vector<std::string_view> environment_variables();

using cmcp::is_loopback_host;

// Reads the process environment (the only impure piece).
EnvLookup process_environment();

}  // namespace cmcp::config
