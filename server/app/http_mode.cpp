#include <future>

#include "app/modes.hpp"
#include "catalog/definition_loader.hpp"
#include "transport/http/http_server.hpp"
#include "transport/http/metrics.hpp"

namespace cmcp::app {

int serve_http(const config::Config& config, HttpIdentity identity,
               std::shared_ptr<const catalog::Definitions> definitions,
               const protocol::Services& services, transport::http::Metrics& metrics,
               StopHandle& stop, const Logger& logger) {
    const auto& settings = config.http;
    transport::http::HttpServerOptions options;
    options.host = settings.host;
    options.port = settings.port;
    options.stateless = settings.stateless;
    options.auth_tokens = std::move(identity.auth_tokens);
    options.principals = std::move(identity.principals);
    options.oauth_issuer = std::move(identity.issuer);
    options.oauth_resource = settings.oauth_resource.value_or("");
    // Configuration parsing refused the unauthenticated non-loopback case unless opted out.
    if (!config::is_loopback_host(settings.host) && options.auth_tokens.empty() &&
        !options.principals && !options.oauth_issuer) {
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
    options.drain_period = settings.drain_period;
    options.definitions = std::move(definitions);
    options.rest = config.mode == config::Mode::rest;

    transport::http::HttpServer server(services, options, metrics, logger);
    if (!settings.rest_host) {
        stop.attach([&server] { server.stop(); });
        const int exit_code = server.run();
        stop.detach();
        return exit_code;
    }
    // REST beside MCP: a second listener with its own I/O threads, the same services (catalog,
    // upstream client, call limit, audit, metrics) and the same authentication.
    auto rest_options = options;
    rest_options.rest = true;
    rest_options.host = *settings.rest_host;
    rest_options.port = settings.rest_port;
    transport::http::HttpServer rest_server(services, rest_options, metrics, logger);
    stop.attach([&server, &rest_server] {
        server.stop();
        rest_server.stop();
    });
    auto rest_exit = std::async(std::launch::async, [&rest_server] { return rest_server.run(); });
    const int exit_code = server.run();
    rest_server.stop();  // the MCP listener ended on its own (e.g. a fatal error)
    const int rest_exit_code = rest_exit.get();
    stop.detach();
    return exit_code != 0 ? exit_code : rest_exit_code;
}

}  // namespace cmcp::app
