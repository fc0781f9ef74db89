#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "catalog/catalog.hpp"
#include "protocol/session.hpp"
#include "sandbox/sandbox.hpp"
#include "testing/fakes.hpp"
#include "upstream/http_upstream.hpp"

namespace cmcp::testing {

inline constexpr std::string_view kScalewayKey = "scw-test-key-0123456789abcdef";
inline constexpr std::string_view kPlanetscaleAuthorization =
    "pstestid0123:pscale_tkn_test0123456789";

// The whole server minus its transport: a Session over the embedded catalog, the real HTTPS
// client, and the sandbox as the upstream, with the sandbox's demo objects as defaults.
class UpstreamStack {
  public:
    struct Settings {
        bool with_credentials = true;
        std::string base_url_override;  // "" = the sandbox
        std::chrono::milliseconds read_timeout{5000};
        std::size_t max_response_bytes = 8 * 1024 * 1024;
        std::string version = "2025-11-25";
    };

    UpstreamStack() : UpstreamStack(Settings{}) {}
    explicit UpstreamStack(const Settings& settings);
    ~UpstreamStack();

    // tools/call through the Session; returns the CallToolResult.
    boost::json::object call(std::string_view tool, std::string_view arguments_json);
    // Every request the sandbox received since the last clear.
    std::vector<sandbox::RecordedRequest> requests() const { return sandbox_->requests(); }
    const sandbox::RecordedRequest& last_request();
    sandbox::Sandbox& sandbox() { return *sandbox_; }
    const sandbox::DemoData& demo() const { return sandbox_->demo(); }
    std::string logs() const { return log_stream_.str(); }

  private:
    std::ostringstream log_stream_;
    Logger logger_;
    std::unique_ptr<sandbox::Sandbox> sandbox_;
    std::unique_ptr<catalog::Catalog> catalog_;
    std::unique_ptr<upstream::HttpUpstream> upstream_;
    protocol::CallLimit calls_{256};
    IoThread io_;
    std::unique_ptr<protocol::Services> services_;
    std::shared_ptr<protocol::Session> session_;
    std::vector<sandbox::RecordedRequest> recorded_;
    int next_id_ = 1;
};

}  // namespace cmcp::testing
