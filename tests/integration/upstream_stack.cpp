#include "upstream_stack.hpp"

#include <stdexcept>

namespace cmcp::testing {

namespace json = boost::json;

UpstreamStack::UpstreamStack(const Settings& settings)
    : logger_(make_stream_logger(log_stream_, LogLevel::debug)) {
    sandbox::Options sandbox_options;
    sandbox_options.scaleway_secret_key = std::string(kScalewayKey);
    sandbox_options.planetscale_authorization = std::string(kPlanetscaleAuthorization);
    sandbox_options.record_requests = true;
    sandbox_ = std::make_unique<sandbox::Sandbox>(sandbox_options);

    catalog::CatalogOptions catalog_options;
    catalog_options.defaults = {{"scaleway.region", demo().region},
                                {"scaleway.project_id", demo().project_id},
                                {"scaleway.organization_id", demo().organization_id},
                                {"planetscale.organization", demo().planetscale_organization}};
    catalog_ = std::make_unique<catalog::Catalog>(catalog::Catalog::from_embedded(catalog_options));

    upstream::HttpUpstreamOptions options;
    const auto base =
        settings.base_url_override.empty() ? sandbox_->base_url() : settings.base_url_override;
    options.scaleway_base_url = base;
    options.planetscale_base_url = base;
    options.connect_timeout = std::chrono::milliseconds(1000);
    options.read_timeout = settings.read_timeout;
    options.max_response_bytes = settings.max_response_bytes;
    options.retry.base_delay = std::chrono::milliseconds(5);
    options.retry.max_delay = std::chrono::milliseconds(50);
    upstream::Credentials credentials;
    if (settings.with_credentials) {
        credentials.scaleway_secret_key = std::string(kScalewayKey);
        credentials.planetscale_authorization = std::string(kPlanetscaleAuthorization);
    }
    upstream_ = std::make_unique<upstream::HttpUpstream>(options, credentials, logger_);
    services_ = std::make_unique<protocol::Services>(protocol::Services{
        *catalog_,
        *upstream_,
        calls_,
        logger_,
        protocol::ServerIdentity{"credentials-mcp", "test", "Credentials MCP", ""},
        {},
        {}});
    session_ = protocol::Session::create(*services_);
    auto exchange = std::make_shared<RecordingExchange>();
    session_->handle_text(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" +
            settings.version + R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})",
        exchange, protocol::RequestScope{nullptr, io_.executor()});
}

UpstreamStack::~UpstreamStack() {
    session_->cancel_all();
    session_->wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

json::object UpstreamStack::call(std::string_view tool, std::string_view arguments_json) {
    sandbox_->clear_requests();
    auto exchange = std::make_shared<RecordingExchange>();
    const int id = next_id_++;
    session_->handle_text(R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
                              R"(,"method":"tools/call","params":{"name":")" + std::string(tool) +
                              R"(","arguments":)" + std::string(arguments_json) + "}}",
                          exchange, protocol::RequestScope{nullptr, io_.executor()});
    const auto answer =
        exchange->wait_finished(std::chrono::seconds(30)) ? exchange->reply() : std::nullopt;
    if (!answer) {
        throw std::runtime_error("no reply for " + std::string(tool));
    }
    const auto& reply = answer->as_object();
    if (!reply.contains("result")) {
        throw std::runtime_error("JSON-RPC error for " + std::string(tool) + ": " +
                                 json::serialize(reply));
    }
    return reply.at("result").as_object();
}

const sandbox::RecordedRequest& UpstreamStack::last_request() {
    recorded_ = sandbox_->requests();
    if (recorded_.empty()) {
        throw std::runtime_error("the sandbox received no request");
    }
    return recorded_.back();
}

}  // namespace cmcp::testing
