#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "sandbox/sandbox.hpp"
#include "testing/fakes.hpp"
#include "upstream/http_upstream.hpp"
#include "upstream/upstream_harness.hpp"

namespace cmcp::upstream {
namespace {

using testing::fast_options;
using testing::RecordingControl;
using testing::test_credentials;

sandbox::Options sandbox_options() {
    const auto credentials = test_credentials();
    sandbox::Options options;
    options.scaleway_secret_key = *credentials.scaleway_secret_key;
    options.planetscale_authorization = *credentials.planetscale_authorization;
    options.record_requests = true;
    return options;
}

class SandboxFlowTest : public ::testing::Test {
  protected:
    sandbox::Sandbox sandbox_{sandbox_options()};
    std::ostringstream log_;
    Logger logger_ = make_stream_logger(log_);
};

TEST_F(SandboxFlowTest, ScalewayCallIsAuthenticatedBySandbox) {
    HttpUpstream upstream(fast_options(sandbox_.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    Request request = testing::scaleway_get();
    request.query = {{"audience_id", sandbox_.demo().user_id}};

    const Outcome outcome = cmcp::testing::send_now(upstream, request, recorder.control());

    ASSERT_TRUE(std::holds_alternative<Response>(outcome)) << std::get<Failure>(outcome).message;
    const auto& response = std::get<Response>(outcome);
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_TRUE(boost::json::parse(response.body).as_object().contains("jwts")) << response.body;
    const auto seen = sandbox_.requests();
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_EQ(seen[0].header("x-auth-token"), *test_credentials().scaleway_secret_key);
    EXPECT_EQ(seen[0].header("accept"), "application/json");
    EXPECT_EQ(seen[0].header("authorization"), "");
    EXPECT_EQ(seen[0].query.at(0).second, sandbox_.demo().user_id);
}

TEST_F(SandboxFlowTest, PlanetScaleCallIsAuthenticatedBySandbox) {
    HttpUpstream upstream(fast_options(sandbox_.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    Request request;
    request.provider = Provider::planetscale;
    request.method = "GET";
    request.path = "/v1/organizations/" + percent_encode(sandbox_.demo().planetscale_organization) +
                   "/service-tokens";
    request.idempotent = true;
    request.tool = "list-service-tokens";

    const Outcome outcome = cmcp::testing::send_now(upstream, request, recorder.control());

    ASSERT_TRUE(std::holds_alternative<Response>(outcome)) << std::get<Failure>(outcome).message;
    EXPECT_EQ(std::get<Response>(outcome).status, 200) << std::get<Response>(outcome).body;
    EXPECT_EQ(sandbox_.requests().at(0).header("authorization"),
              *test_credentials().planetscale_authorization);
}

TEST_F(SandboxFlowTest, WrongKeyComesBackAsTheVendorsErrorWithoutRetry) {
    HttpUpstream upstream(fast_options(sandbox_.base_url()),
                          Credentials{"00000000-0000-0000-0000-000000000000", std::nullopt},
                          logger_);
    RecordingControl recorder;
    Request request = testing::scaleway_get();
    request.query = {{"audience_id", sandbox_.demo().user_id}};

    const Outcome outcome = cmcp::testing::send_now(upstream, request, recorder.control());

    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    const auto& response = std::get<Response>(outcome);
    EXPECT_EQ(response.status, 401);
    EXPECT_EQ(response.attempts, 1);
    EXPECT_EQ(boost::json::parse(response.body).at("type"), "denied_authentication");
}

TEST_F(SandboxFlowTest, InjectedUnavailabilityIsRetried) {
    sandbox::Fault fault;
    fault.path_prefix = "/iam/";
    fault.times = 2;
    fault.status = 503;
    fault.body = R"({"message":"maintenance","type":"unavailable"})";
    sandbox_.inject(fault);
    HttpUpstream upstream(fast_options(sandbox_.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    Request request = testing::scaleway_get();
    request.query = {{"audience_id", sandbox_.demo().user_id}};

    const Outcome outcome = cmcp::testing::send_now(upstream, request, recorder.control());

    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    EXPECT_EQ(std::get<Response>(outcome).status, 200);
    EXPECT_EQ(std::get<Response>(outcome).attempts, 3);
    EXPECT_EQ(sandbox_.requests().size(), 3U);
    EXPECT_EQ(recorder.progress().size(), 2U);
}

}  // namespace
}  // namespace cmcp::upstream
