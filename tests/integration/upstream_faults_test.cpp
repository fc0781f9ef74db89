// Issue 3 §3-4 end to end: what a model sees (the CallToolResult) when the upstream misbehaves,
// through the Session, the real HTTP client and the sandbox's fault injection.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "upstream_stack.hpp"

namespace cmcp::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string text_of(const json::object& result) {
    return std::string(result.at("content").at(0).at("text").as_string());
}

bool is_error(const json::object& result) {
    const auto* flag = result.if_contains("isError");
    return flag != nullptr && flag->as_bool();
}

sandbox::Fault fault(std::string method, int status, std::string body, int times = 1) {
    sandbox::Fault injected;
    injected.method = std::move(method);
    injected.status = status;
    injected.body = std::move(body);
    injected.times = times;
    return injected;
}

TEST(UpstreamFaults, RateLimitedThenSuccessIsRetriedTransparently) {
    UpstreamStack stack;
    auto limited =
        fault("GET", 429,
              R"({"message":"too many requests","type":"too_many_requests","reset_seconds":0})");
    limited.path_prefix = "/iam/";
    stack.sandbox().inject(limited);
    const auto result =
        stack.call("list-jwts", R"({"audience_id":")" + stack.demo().user_id + "\"}");
    EXPECT_FALSE(is_error(result)) << text_of(result);
    EXPECT_EQ(stack.requests().size(), 2U);
    EXPECT_GE(result.at("structuredContent").at("jwts").as_array().size(), 1U);
}

TEST(UpstreamFaults, RetryAfterHeaderIsHonoured) {
    UpstreamStack stack;
    auto unavailable = fault("GET", 503, R"({"message":"maintenance","type":"unavailable"})");
    unavailable.headers = {{"Retry-After", "1"}};
    stack.sandbox().inject(unavailable);
    const auto start = std::chrono::steady_clock::now();
    const auto result = stack.call("list-all-tokens", "{}");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(is_error(result)) << text_of(result);
    EXPECT_EQ(stack.requests().size(), 2U);
    // Retry-After: 1 is clamped to the stack's 50 ms max_delay; the point is the second try.
    EXPECT_LT(elapsed, 5s);
}

TEST(UpstreamFaults, PersistentRateLimitEndsAsAnErrorNamingTheAttempts) {
    UpstreamStack stack;
    stack.sandbox().inject(
        fault("GET", 429, R"({"message":"quota exceeded","type":"too_many_requests"})", 10));
    const auto result = stack.call("list-all-tokens", "{}");
    ASSERT_TRUE(is_error(result));
    const auto text = text_of(result);
    EXPECT_NE(text.find("429"), std::string::npos) << text;
    EXPECT_NE(text.find("too_many_requests"), std::string::npos) << text;
    EXPECT_NE(text.find("4 attempts"), std::string::npos) << text;
    EXPECT_EQ(stack.requests().size(), 4U);
}

TEST(UpstreamFaults, ServerErrorOnANonIdempotentToolIsNotRetried) {
    UpstreamStack stack;
    stack.sandbox().inject(fault("POST", 500, R"({"message":"internal error","type":"internal"})"));
    const auto result = stack.call("create-secret", R"({"name":"once-only"})");
    ASSERT_TRUE(is_error(result));
    EXPECT_EQ(stack.requests().size(), 1U);
    EXPECT_NE(text_of(result).find("500"), std::string::npos);
}

TEST(UpstreamFaults, ServiceUnavailableOnANonIdempotentToolIsNotRetried) {
    UpstreamStack stack;
    stack.sandbox().inject(fault("POST", 503, R"({"code":"unavailable","message":"try later"})"));
    const auto result = stack.call("create-service-token", R"({"name":"x"})");
    ASSERT_TRUE(is_error(result));
    EXPECT_EQ(stack.requests().size(), 1U);
}

TEST(UpstreamFaults, ReadTimeoutIsAnErrorThatSaysSo) {
    UpstreamStack::Settings settings;
    settings.read_timeout = 200ms;
    UpstreamStack stack(settings);
    auto slow = fault("POST", 200, "{}");
    slow.delay = 1500ms;
    stack.sandbox().inject(slow);
    const auto result = stack.call("create-service-token", R"({"name":"slow"})");
    ASSERT_TRUE(is_error(result));
    const auto text = text_of(result);
    EXPECT_NE(text.find("timeout"), std::string::npos) << text;
    EXPECT_NE(text.find("200 ms"), std::string::npos) << text;
}

TEST(UpstreamFaults, ConnectionRefusedIsAnErrorThatSaysSo) {
    // A port that was free a moment ago and has no listener now.
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
    const int port = ntohs(address.sin_port);
    ::close(probe);

    UpstreamStack::Settings settings;
    settings.base_url_override = "http://127.0.0.1:" + std::to_string(port);
    UpstreamStack stack(settings);
    const auto result = stack.call("list-all-tokens", "{}");
    ASSERT_TRUE(is_error(result));
    const auto text = text_of(result);
    EXPECT_NE(text.find("refused"), std::string::npos) << text;
    EXPECT_NE(text.find("4 attempts"), std::string::npos) << text;  // idempotent: retried
}

TEST(UpstreamFaults, NonJsonErrorBodyIsReportedReadably) {
    UpstreamStack stack;
    auto gateway = fault("DELETE", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", 10);
    gateway.content_type = "text/html";
    stack.sandbox().inject(gateway);
    const auto result = stack.call("delete-jwt", R"({"jti":"abc"})");
    ASSERT_TRUE(is_error(result));
    const auto text = text_of(result);
    EXPECT_NE(text.find("502"), std::string::npos) << text;
    EXPECT_NE(text.find("Bad Gateway"), std::string::npos) << text;
    EXPECT_NE(text.find("not JSON"), std::string::npos) << text;
}

TEST(UpstreamFaults, OversizedResponseIsRefused) {
    UpstreamStack::Settings settings;
    settings.max_response_bytes = 64 * 1024;
    UpstreamStack stack(settings);
    stack.sandbox().inject(
        fault("GET", 200, R"({"tokens":[],"padding":")" + std::string(200 * 1024, 'x') + "\"}"));
    const auto result = stack.call("list-all-tokens", "{}");
    ASSERT_TRUE(is_error(result));
    const auto text = text_of(result);
    EXPECT_NE(text.find("65536"), std::string::npos) << text;
    EXPECT_EQ(stack.requests().size(), 1U);  // not retried
}

TEST(UpstreamFaults, MissingCredentialsNameTheVariablesAndSendNothing) {
    UpstreamStack::Settings settings;
    settings.with_credentials = false;
    UpstreamStack stack(settings);
    auto result = stack.call("list-all-tokens", "{}");
    ASSERT_TRUE(is_error(result));
    EXPECT_NE(text_of(result).find("SCW_SECRET_KEY"), std::string::npos);
    result = stack.call("list-service-tokens", "{}");
    ASSERT_TRUE(is_error(result));
    EXPECT_NE(text_of(result).find("PLANETSCALE_SERVICE_TOKEN_ID"), std::string::npos);
    EXPECT_TRUE(stack.requests().empty());
}

TEST(UpstreamFaults, VendorErrorsCarryTypeMessageAndDetails) {
    UpstreamStack stack;
    const auto result = stack.call("get-metadata-using-secret-s-id",
                                   R"({"secret_id":"11111111-2222-4333-8444-555555555555"})");
    ASSERT_TRUE(is_error(result));
    const auto text = text_of(result);
    EXPECT_NE(text.find("HTTP 404"), std::string::npos) << text;
    EXPECT_NE(text.find("not_found"), std::string::npos) << text;
    EXPECT_NE(text.find("11111111-2222-4333-8444-555555555555"), std::string::npos) << text;
    const auto planetscale = stack.call("get-service-token", R"({"id":"nosuchtoken1"})");
    ASSERT_TRUE(is_error(planetscale));
    EXPECT_NE(text_of(planetscale).find("lacks the access"), std::string::npos);
}

TEST(UpstreamFaults, CredentialsNeverAppearInResultsOrLogs) {
    UpstreamStack stack;
    // The sandbox echoes nothing, so make a vendor echo the credentials back at us.
    stack.sandbox().inject(fault("GET", 401,
                                 std::string(R"({"message":"bad key )") +
                                     std::string(kScalewayKey) +
                                     R"(","type":"denied_authentication"})"));
    stack.sandbox().inject(fault(
        "GET", 200,
        std::string(R"({"data":[],"echo":")") + std::string(kPlanetscaleAuthorization) + "\"}"));
    const auto denied = stack.call("list-all-tokens", "{}");
    const auto echoed = stack.call("list-service-tokens", "{}");
    const auto everything = json::serialize(denied) + json::serialize(echoed) + stack.logs();
    for (const std::string_view secret :
         {kScalewayKey, kPlanetscaleAuthorization, std::string_view("pscale_tkn_test0123456789")}) {
        EXPECT_EQ(everything.find(secret), std::string::npos) << secret << " leaked";
    }
    EXPECT_NE(everything.find("[REDACTED]"), std::string::npos);
}

}  // namespace
}  // namespace cmcp::testing
