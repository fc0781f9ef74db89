#include "app/app.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "app/audit_recorder.hpp"
#include "app/modes.hpp"
#include "app/stop_handle.hpp"
#include "catalog/catalog.hpp"
#include "identity/issuer_keys.hpp"
#include "identity/principal_store.hpp"
#include "protocol/instructions.hpp"
#include "sandbox/sandbox.hpp"
#include "support/random.hpp"
#include "support/signals.hpp"
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
    options.call_timeout = settings.call_timeout;
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

std::string hints_of(const catalog::Annotations& hints) {
    std::string text = hints.read_only ? "read-only" : hints.destructive ? "destructive" : "write";
    if (hints.idempotent) {
        text += ", idempotent";
    }
    return text;
}

}  // namespace

std::string_view version() {
    return CMCP_VERSION;
}

catalog::CatalogOptions catalog_options_of(const config::Config& config) {
    catalog::CatalogOptions options;
    options.selection = selection_of(config);
    options.defaults = config.defaults;
    options.max_result_bytes = config.max_result_bytes;
    return options;
}

catalog::ToolSelection selection_of(const config::Config& config) {
    catalog::ToolSelection selection;
    selection.toolsets = config.toolsets;
    selection.tools = config.tools;
    selection.exclude_tools = config.exclude_tools;
    selection.read_only = config.read_only;
    return selection;
}

std::variant<Startup, std::string> prepare(const config::Config& config,
                                           const config::EnvLookup& env) {
    Startup startup;
    startup.definitions = std::make_shared<const catalog::Definitions>(
        catalog::load_definitions(catalog::embedded_assets()));
    if (auto problem = catalog::unknown_name(selection_of(config),
                                             catalog::known_names(*startup.definitions))) {
        return *problem;
    }
    for (const auto& spec : config.audit_sinks) {
        std::string error;
        auto sink = open_audit_sink(spec, error);
        if (!sink) {
            return error;
        }
        startup.audit_sinks.push_back(std::move(sink));
    }
    startup.auth_tokens = config.http.auth_tokens;
    if (config.http.auth_token_file) {
        const auto tokens = read_token_file(*config.http.auth_token_file);
        if (!tokens) {
            return "cannot read the auth token file " + *config.http.auth_token_file;
        }
        if (tokens->empty()) {
            return "the auth token file " + *config.http.auth_token_file + " holds no token";
        }
        startup.auth_tokens.insert(startup.auth_tokens.end(), tokens->begin(), tokens->end());
    }
    if (config.sandbox) {
        // Fresh credentials each run: the simulator checks them like the real APIs do, and real
        // credentials from the environment are never sent to it.
        startup.credentials.scaleway_secret_key = random_hex(16);
        startup.credentials.planetscale_authorization = random_hex(6) + ":" + random_hex(16);
        startup.credentials.scaleway_source = "sandbox";
        startup.credentials.planetscale_source = "sandbox";
        startup.sandbox_credentials = true;
    } else {
        startup.credentials = upstream::credentials_from_environment(env);
        try {
            upstream::check_header_values(startup.credentials);
        } catch (const std::invalid_argument& error) {
            return error.what();
        }
    }
    if (config.http.oauth_issuer) {
        try {
            (void)identity::authorization_server_metadata_url(*config.http.oauth_issuer);
        } catch (const std::invalid_argument& error) {
            return error.what();
        }
    }
    if (config.http.principals_file) {
        auto& context = startup.principals_context;
        context.definitions = startup.definitions;
        context.server = catalog_options_of(config);
        context.getenv = env;
        context.read_file = identity::read_whole_file;
        context.server_credentials = startup.credentials;
        if (startup.sandbox_credentials) {
            context.substitute = startup.credentials;
        }
        auto loaded = identity::load_principals_file(*config.http.principals_file, context);
        if (auto* problem = std::get_if<std::string>(&loaded)) {
            return *problem;
        }
        startup.principals = std::get<std::shared_ptr<const identity::Directory>>(loaded);
    }
    return startup;
}

std::string tools_table(const config::Config& config, const Startup& startup) {
    catalog::CatalogOptions options;
    options.selection = selection_of(config);
    const catalog::Catalog catalog(*startup.definitions, options);
    std::size_t width = 4;
    for (const auto& tool : catalog.tools()) {
        width = std::max(width, tool.definition.name.size());
    }
    auto row = [width](std::string_view name, std::string_view toolset, std::string_view hints,
                       std::string_view title) {
        std::string line(name);
        line.resize(width + 2, ' ');
        line += toolset;
        line.resize(width + 2 + 20, ' ');
        line += hints;
        line.resize(width + 2 + 20 + 25, ' ');
        return line + std::string(title) + "\n";
    };
    std::string table = row("NAME", "TOOLSET", "HINTS", "TITLE");
    for (const auto& tool : catalog.tools()) {
        const auto& definition = tool.definition;
        table += row(definition.name, definition.toolset, hints_of(definition.annotations),
                     definition.title);
    }
    table += std::to_string(catalog.tools().size()) + " of " +
             std::to_string(startup.definitions->tools.size()) + " tools selected\n";
    return table;
}

int run(const config::Config& config, Startup startup, const config::EnvLookup& env,
        const Logger& logger) {
    // First, before any thread exists, so that every later thread inherits the signal mask.
    StopHandle stop;
    Hook reload;
    SignalWatcher signals([&stop, &reload, &logger](int signal) {
        if (signal == SIGHUP) {
            if (!reload.run()) {
                logger->info("received SIGHUP: nothing to reload");
            }
            return;
        }
        logger->info("received signal {}; shutting down", signal);
        stop.request_stop();
    });
    if (config.mode == config::Mode::sandbox) {
        return serve_sandbox(config, env, stop, logger);
    }

    catalog::CatalogOptions catalog_options = catalog_options_of(config);
    config::UpstreamSettings upstream_settings = config.upstream;
    std::optional<sandbox::Sandbox> simulator;
    std::string note;
    if (startup.sandbox_credentials) {
        sandbox::Options sandbox_options;
        sandbox_options.scaleway_secret_key = *startup.credentials.scaleway_secret_key;
        sandbox_options.planetscale_authorization = *startup.credentials.planetscale_authorization;
        simulator.emplace(std::move(sandbox_options));
        upstream_settings.scaleway_base_url = simulator->base_url();
        upstream_settings.planetscale_base_url = simulator->base_url();
        add_sandbox_defaults(simulator->demo(), catalog_options.defaults);
        note = sandbox_note(simulator->demo());
        logger->warn("SANDBOX MODE: tools call the embedded simulator at {}, not the real APIs",
                     simulator->base_url());
        if (startup.principals) {
            // Their defaults go over the simulator's demo objects: load them again on those.
            startup.principals_context.server = catalog_options;
            auto loaded = identity::load_principals_file(*config.http.principals_file,
                                                         startup.principals_context);
            if (const auto* problem = std::get_if<std::string>(&loaded)) {
                // The file changed since prepare() read it.
                logger->error("{}", *problem);
                return kExitUsage;
            }
            startup.principals = std::get<std::shared_ptr<const identity::Directory>>(loaded);
        }
    } else {
        log_credentials(startup.credentials, logger);
    }

    const catalog::Catalog catalog(*startup.definitions, catalog_options);
    logger->info("serving {} tools", catalog.tools().size());
    const auto own_credentials = std::make_shared<const upstream::CredentialSet>(
        upstream::CredentialSet{"", startup.credentials,
                                std::make_shared<const upstream::Redactor>(startup.credentials)});

    std::shared_ptr<identity::PrincipalStore> principals;
    if (startup.principals) {
        principals = std::make_shared<identity::PrincipalStore>(startup.principals);
        logger->info("principals: {} from {}", startup.principals->principals().size(),
                     *config.http.principals_file);
    }
    // What audit lines are redacted with: every credential the server holds right now.
    CurrentRedactor current_redactor = [principals, own_credentials] {
        return principals ? principals->current()->redactor() : own_credentials->redactor;
    };

    protocol::CallLimit calls(config.max_calls);
    transport::http::Metrics metrics;
    upstream::HttpUpstream upstream_client(
        upstream_options(upstream_settings), startup.credentials, logger,
        [&metrics](upstream::Provider provider, std::string_view tool, int status,
                   std::chrono::milliseconds latency) {
            metrics.record_upstream(upstream::to_string(provider), tool, status, latency);
        });
    std::vector<AuditSink*> sinks;
    for (const auto& sink : startup.audit_sinks) {
        sinks.push_back(sink.get());
        logger->info("audit sink: {}{}", sink->name(), config.audit_required ? " (required)" : "");
    }
    protocol::Services services{
        catalog,
        upstream_client,
        calls,
        logger,
        protocol::ServerIdentity{
            "credentials-mcp", std::string(version()), "Credentials MCP",
            protocol::build_instructions(catalog, catalog_options.defaults, note)},
        [&metrics](std::string_view tool, std::string_view outcome, std::string_view era,
                   std::chrono::milliseconds elapsed) {
            metrics.record_tool_call(tool, outcome, era, elapsed);
        },
        sinks.empty() ? protocol::AuditRecorder()
                      : make_audit_recorder(sinks, config.audit_required, current_redactor, logger),
        own_credentials};

    // SIGHUP: the principals file again (a broken one keeps the principals in force), and
    // fresh audit files after rotation.
    reload.set([&] {
        for (const auto& sink : startup.audit_sinks) {
            std::string error;
            if (!sink->reopen(error)) {
                logger->error("audit: {}; still writing to the old file", error);
            }
        }
        if (!principals) {
            logger->info("received SIGHUP: audit sinks reopened");
            return;
        }
        auto loaded = identity::load_principals_file(*config.http.principals_file,
                                                     startup.principals_context);
        if (const auto* problem = std::get_if<std::string>(&loaded)) {
            logger->error("principals not reloaded, the previous ones stay in force: {}", *problem);
            return;
        }
        const auto& directory = std::get<std::shared_ptr<const identity::Directory>>(loaded);
        principals->replace(directory);
        logger->info("principals reloaded: {} from {}", directory->principals().size(),
                     *config.http.principals_file);
    });

    std::shared_ptr<identity::IssuerKeys> issuer;
    if (config.http.oauth_issuer) {
        identity::IssuerOptions issuer_options;
        issuer_options.issuer = *config.http.oauth_issuer;
        issuer = std::make_shared<identity::IssuerKeys>(issuer_options, logger);
        logger->info("OAuth: accepting access tokens from {}", issuer_options.issuer);
    }

    const int exit_code =
        config.mode == config::Mode::stdio
            ? serve_stdio(config, services, stop)
            : serve_http(config, HttpIdentity{startup.auth_tokens, principals, issuer},
                         startup.definitions, services, metrics, stop, logger);
    reload.clear();
    logger->info("stopped");
    return exit_code;
}

}  // namespace cmcp::app
