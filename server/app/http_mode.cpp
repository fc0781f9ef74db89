#include <fstream>

#include "app/modes.hpp"
#include "transport/http/http_server.hpp"
#include "transport/http/metrics.hpp"

namespace cmcp::app {

namespace {

bool is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.starts_with("127.");
}

// One token per line; blank lines and lines starting with # are ignored.
std::optional<std::vector<std::string>> read_token_file(const std::string& path) {
    std::ifstream file(path);
    if (!file) {
        return std::nullopt;
    }
    std::vector<std::string> tokens;
    std::string line;
    while (std::getline(file, line)) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#') {
            continue;
        }
        const auto last = line.find_last_not_of(" \t\r");
        tokens.push_back(line.substr(first, last - first + 1));
    }
    return tokens;
}

}  // namespace

int serve_http(const config::Config& config, const protocol::Services& services,
               transport::http::Metrics& metrics, StopHandle& stop, const Logger& logger) {
    const auto& settings = config.http;
    transport::http::HttpServerOptions options;
    options.host = settings.host;
    options.port = settings.port;
    options.stateless = settings.stateless;
    options.auth_tokens = settings.auth_tokens;
    if (settings.auth_token_file) {
        const auto tokens = read_token_file(*settings.auth_token_file);
        if (!tokens) {
            logger->critical("cannot read the auth token file {}", *settings.auth_token_file);
            return kExitStartupFailure;
        }
        options.auth_tokens.insert(options.auth_tokens.end(), tokens->begin(), tokens->end());
    }
    if (!is_loopback(settings.host) && options.auth_tokens.empty()) {
        if (!settings.allow_unauthenticated_remote) {
            logger->critical(
                "refusing to listen on {} without authentication: set CREDENTIALS_MCP_AUTH_TOKENS "
                "or --auth-token-file, or pass --allow-unauthenticated to accept the risk",
                settings.host);
            return kExitUsage;
        }
        logger->warn(
            "listening on non-loopback address {} WITHOUT authentication: anyone who "
            "can reach it can use the configured cloud credentials",
            settings.host);
    }
    options.allowed_origins = settings.allowed_origins;
    options.allowed_hosts = settings.allowed_hosts;
    options.max_sessions = settings.max_sessions;
    options.session_idle_timeout = settings.session_idle_timeout;
    options.max_body_bytes = settings.max_body_bytes;
    options.header_timeout = settings.header_timeout;
    options.idle_connection_timeout = settings.idle_connection_timeout;
    options.max_connections = settings.max_connections;
    options.io_threads = settings.io_threads;
    options.shutdown_grace = config.shutdown_grace;

    transport::http::HttpServer server(services, options, metrics, logger);
    stop.attach([&server] { server.stop(); });
    const int exit_code = server.run();
    stop.detach();
    return exit_code;
}

}  // namespace cmcp::app
