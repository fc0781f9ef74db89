#include "server_harness.hpp"

#include <stdexcept>

namespace cmcp::transport::http::test_support {

HttpServerOptions test_options() {
    HttpServerOptions options;
    options.port = 0;
    options.io_threads = 2;
    options.header_timeout = std::chrono::seconds(2);
    options.idle_connection_timeout = std::chrono::seconds(5);
    options.shutdown_grace = std::chrono::seconds(5);
    return options;
}

ServerHarness::ServerHarness(HttpServerOptions options, Logger logger,
                             const catalog::Catalog* catalog)
    : logger_(std::move(logger)),
      services_{catalog != nullptr ? *catalog : cmcp::testing::embedded_catalog(),
                upstream,
                calls_,
                logger_,
                protocol::ServerIdentity{"credentials-mcp", "0.0.0-test", "Credentials MCP", ""},
                [this](std::string_view tool, std::string_view outcome, std::string_view era,
                       std::chrono::milliseconds duration) {
                    metrics.record_tool_call(tool, outcome, era, duration);
                },
                [this](const protocol::AuditRecord& record) {
                    if (on_audit && record.event != "intent") {
                        on_audit(record);
                    }
                    return true;
                }},
      server_(std::make_unique<HttpServer>(services_, std::move(options), metrics, logger_)) {
    exit_code_ = std::async(std::launch::async, [this] { return server_->run(); }).share();
}

ServerHarness::~ServerHarness() {
    upstream.release_all();
    server_->stop();
    if (exit_code_.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        std::terminate();  // a hung shutdown must fail loudly, not hang the suite
    }
    server_.reset();
}

std::optional<int> ServerHarness::wait_exit(std::chrono::milliseconds timeout) {
    if (exit_code_.wait_for(timeout) != std::future_status::ready) {
        return std::nullopt;
    }
    return exit_code_.get();
}

}  // namespace cmcp::transport::http::test_support
