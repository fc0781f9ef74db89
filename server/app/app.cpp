#include "app/app.hpp"

#include <optional>

#include "app/modes.hpp"
#include "app/stop_handle.hpp"
#include "catalog/catalog.hpp"
#include "protocol/instructions.hpp"
#include "sandbox/sandbox.hpp"
#include "support/random.hpp"
#include "support/signals.hpp"
#include "support/worker_pool.hpp"
#include "transport/http/metrics.hpp"
#include "upstream/http_upstream.hpp"

namespace cmcp::app {

namespace {

// The sandbox's demo objects become the defaults a user would otherwise configure, so every
// tool works in sandbox mode without extra arguments; explicit configuration still wins.
void add_sandbox_defaults(const sandbox::DemoData& demo,
                          std::map<std::string, std::string>& defaults) {
    defaults.try_emplace("scaleway.region", demo.region);
    defaults.try_emplace("scaleway.project_id", demo.project_id);
    defaults.try_emplace("scaleway.organization_id", demo.organization_id);
    defaults.try_emplace("planetscale.organization", demo.planetscale_organization);
}

std::string sandbox_note(const sandbox::DemoData& demo) {
    return "Demo objects: Functions token " + demo.token_id + " (function " + demo.function_id +
           ", namespace " + demo.namespace_id + "); IAM user " + demo.user_id +
           " has JWTs (use it as audience_id); secrets " + demo.secret_id + " (two versions), " +
           demo.protected_secret_id + " (protected) and " + demo.scheduled_secret_id +
           " (scheduled for deletion) in project " + demo.project_id +
           "; PlanetScale organization " + demo.planetscale_organization + " with service token " +
           demo.service_token_id + " and database " + demo.database + ".";
}

upstream::HttpUpstreamOptions upstream_options(const config::UpstreamSettings& settings) {
    upstream::HttpUpstreamOptions options;
    options.scaleway_base_url = settings.scaleway_base_url;
    options.planetscale_base_url = settings.planetscale_base_url;
    options.connect_timeout = settings.connect_timeout;
    options.read_timeout = settings.read_timeout;
    options.max_response_bytes = settings.max_response_bytes;
    options.retry.max_attempts = settings.max_attempts;
    options.user_agent = "credentials-mcp/" + std::string(version());
    return options;
}

void log_credentials(const upstream::Credentials& credentials, const Logger& logger) {
    logger->info("Scaleway credentials: {}", credentials.scaleway_secret_key
                                                 ? "configured"
                                                 : "not configured (set SCW_SECRET_KEY)");
    logger->info("PlanetScale credentials: {}",
                 credentials.planetscale_authorization
                     ? "configured"
                     : "not configured (set PLANETSCALE_SERVICE_TOKEN_ID and "
                       "PLANETSCALE_SERVICE_TOKEN)");
}

}  // namespace

std::string_view version() {
    return CMCP_VERSION;
}

int run(const config::Config& config, const config::EnvLookup& env, const Logger& logger) {
    // First, before any thread exists, so that every later thread inherits the signal mask.
    StopHandle stop;
    SignalWatcher signals([&stop, &logger](int signal) {
        logger->info("received signal {}; shutting down", signal);
        stop.request_stop();
    });

    catalog::CatalogOptions catalog_options;
    catalog_options.toolsets = config.toolsets;
    catalog_options.read_only = config.read_only;
    catalog_options.defaults = config.defaults;

    config::UpstreamSettings upstream_settings = config.upstream;
    upstream::Credentials credentials;
    std::optional<sandbox::Sandbox> simulator;
    std::string note;
    if (config.sandbox) {
        // Fresh credentials each run: the simulator checks them like the real APIs do, and real
        // credentials from the environment are never sent to it.
        sandbox::Options sandbox_options;
        sandbox_options.scaleway_secret_key = random_hex(16);
        sandbox_options.planetscale_authorization = random_hex(6) + ":" + random_hex(16);
        credentials.scaleway_secret_key = sandbox_options.scaleway_secret_key;
        credentials.planetscale_authorization = sandbox_options.planetscale_authorization;
        simulator.emplace(std::move(sandbox_options));
        upstream_settings.scaleway_base_url = simulator->base_url();
        upstream_settings.planetscale_base_url = simulator->base_url();
        add_sandbox_defaults(simulator->demo(), catalog_options.defaults);
        note = sandbox_note(simulator->demo());
        logger->warn("SANDBOX MODE: tools call the embedded simulator at {}, not the real APIs",
                     simulator->base_url());
    } else {
        credentials = upstream::credentials_from_environment(env);
        log_credentials(credentials, logger);
    }

    const auto catalog = catalog::Catalog::from_embedded(catalog_options);
    logger->info("serving {} tools", catalog.tools().size());

    WorkerPool workers(config.worker_threads, config.max_queued_calls);
    transport::http::Metrics metrics;
    upstream::HttpUpstream upstream_client(
        upstream_options(upstream_settings), std::move(credentials), logger,
        [&metrics](upstream::Provider provider, std::string_view tool, int status,
                   std::chrono::milliseconds latency) {
            metrics.record_upstream(upstream::to_string(provider), tool, status, latency);
        });
    protocol::Services services{
        catalog,
        upstream_client,
        workers,
        logger,
        protocol::ServerIdentity{
            "credentials-mcp", std::string(version()), "Credentials MCP",
            protocol::build_instructions(catalog, catalog_options.defaults, note)},
        [&metrics](std::string_view tool, std::string_view outcome,
                   std::chrono::milliseconds elapsed) {
            metrics.record_tool_call(tool, outcome, elapsed);
        }};

    const int exit_code = config.mode == config::Mode::stdio
                              ? serve_stdio(config, services, stop)
                              : serve_http(config, services, metrics, stop, logger);
    workers.shutdown();
    logger->info("stopped");
    return exit_code;
}

}  // namespace cmcp::app
