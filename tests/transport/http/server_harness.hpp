#pragma once

#include <chrono>
#include <future>
#include <memory>

#include "testing/fakes.hpp"
#include "transport/http/http_server.hpp"
#include "transport/http/metrics.hpp"

namespace cmcp::transport::http::test_support {

// Options for hermetic tests: any free port, two I/O threads, short timeouts.
HttpServerOptions test_options();

// An HttpServer over the embedded catalog and a FakeUpstream, run on its own thread.
class ServerHarness {
  public:
    // `catalog` stands for the server's own tool selection; the embedded one when null.
    explicit ServerHarness(HttpServerOptions options = test_options(),
                           Logger logger = make_null_logger(),
                           const catalog::Catalog* catalog = nullptr);
    ~ServerHarness();
    ServerHarness(const ServerHarness&) = delete;
    ServerHarness& operator=(const ServerHarness&) = delete;

    unsigned short port() const { return server_->port(); }
    void stop() { server_->stop(); }
    // The exit code of run(), or nullopt if it has not returned within the timeout.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);

    cmcp::testing::FakeUpstream upstream;
    Metrics metrics;
    // Every audit record but "intent" lines (written only with --audit-required).
    std::function<void(const protocol::AuditRecord&)> on_audit;

  private:
    protocol::CallLimit calls_{256};
    Logger logger_;
    protocol::Services services_;
    std::unique_ptr<HttpServer> server_;
    std::shared_future<int> exit_code_;
};

}  // namespace cmcp::transport::http::test_support
