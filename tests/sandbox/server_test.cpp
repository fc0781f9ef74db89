#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <regex>
#include <stdexcept>
#include <thread>

#include "harness.hpp"
#include "sandbox/sandbox.hpp"

namespace cmcp::sandbox::test {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Options recording_options() {
    Options options = make_options();
    options.record_requests = true;
    return options;
}

TEST(SandboxServer, ServesOnTheReportedLoopbackPort) {
    Sandbox sandbox(make_options());
    EXPECT_GT(sandbox.port(), 0);
    EXPECT_EQ(sandbox.base_url(), "http://127.0.0.1:" + std::to_string(sandbox.port()));
    EXPECT_EQ(scw(sandbox, "GET", "/iam/v1alpha1/jwts?audience_id=x").status, 200);
}

TEST(SandboxServer, DemoDataNamesEverySeededObject) {
    Sandbox sandbox(make_options());
    const DemoData& demo = sandbox.demo();
    EXPECT_EQ(demo.region, "fr-par");
    for (const std::string* id :
         {&demo.organization_id, &demo.project_id, &demo.user_id, &demo.function_id,
          &demo.namespace_id, &demo.token_id, &demo.secret_id, &demo.protected_secret_id,
          &demo.scheduled_secret_id}) {
        EXPECT_TRUE(is_uuid_text(*id)) << *id;
    }
    EXPECT_EQ(demo.planetscale_organization, "demo-org");
    EXPECT_EQ(demo.database, "demo-db");
    EXPECT_TRUE(std::regex_match(demo.service_token_id, std::regex("[a-z0-9]{12}")));
}

TEST(SandboxServer, WithoutDemoDataEverythingStartsEmpty) {
    Sandbox sandbox(make_options(false));
    const DemoData& demo = sandbox.demo();
    for (const std::string* field :
         {&demo.region, &demo.organization_id, &demo.project_id, &demo.user_id, &demo.function_id,
          &demo.namespace_id, &demo.token_id, &demo.secret_id, &demo.protected_secret_id,
          &demo.scheduled_secret_id, &demo.planetscale_organization, &demo.service_token_id,
          &demo.database}) {
        EXPECT_TRUE(field->empty()) << *field;
    }
    EXPECT_EQ(num(scw(sandbox, "GET", "/functions/v1beta1/regions/fr-par/tokens")
                      .object()
                      .at("total_count")),
              0);
    EXPECT_EQ(num(scw(sandbox, "GET", "/secret-manager/v1beta1/regions/fr-par/secrets")
                      .object()
                      .at("total_count")),
              0);
    EXPECT_EQ(num(scw(sandbox, "GET",
                      "/secret-manager/v1beta1/regions/fr-par/secrets?scheduled_for_deletion=true")
                      .object()
                      .at("total_count")),
              0);
    EXPECT_EQ(num(scw(sandbox, "GET", "/iam/v1alpha1/jwts?audience_id=anyone")
                      .object()
                      .at("total_count")),
              0);
    EXPECT_EQ(num(ps(sandbox, "GET", "/v1/organizations/demo-org/service-tokens")
                      .object()
                      .at("total_count")),
              0);
}

TEST(SandboxServer, RefusesAPortThatIsAlreadyTaken) {
    Sandbox first(make_options());
    Options options = make_options();
    options.port = first.port();
    EXPECT_THROW(Sandbox second(options), std::runtime_error);
}

TEST(SandboxServer, RefusesAnAddressItCannotBind) {
    Options options = make_options();
    options.host = "256.1.1.1";
    EXPECT_THROW(Sandbox sandbox(options), std::runtime_error);
}

TEST(SandboxServer, EachSandboxHasItsOwnState) {
    Sandbox first(make_options());
    Sandbox second(make_options());
    const std::string jwt = "/iam/v1alpha1/jwts/ac0f1f7d-9d0b-445f-9c57-c180b473eeee";
    EXPECT_EQ(scw(first, "DELETE", jwt).status, 204);
    EXPECT_EQ(scw(first, "GET", jwt).status, 404);
    EXPECT_EQ(scw(second, "GET", jwt).status, 200);
}

TEST(SandboxServer, UnknownRoutesAre404) {
    Sandbox sandbox(make_options());
    const auto root = scw(sandbox, "GET", "/");
    EXPECT_EQ(root.status, 404);
    EXPECT_EQ(root.text("type"), "not_found");

    const auto scaleway = scw(sandbox, "GET", "/functions/v1beta1/regions/fr-par/crons");
    EXPECT_EQ(scaleway.status, 404);
    EXPECT_EQ(scaleway.text("type"), "not_found");
    EXPECT_EQ(scaleway.text("resource"), "route");

    const auto planetscale = ps(sandbox, "GET", "/v1/organizations/demo-org/databases");
    EXPECT_EQ(planetscale.status, 404);
    EXPECT_EQ(planetscale.text("code"), "not_found");
    EXPECT_EQ(ps(sandbox, "GET", "/v1/user").status, 404);

    // Known paths with a method they do not serve.
    EXPECT_EQ(scw(sandbox, "PUT", "/functions/v1beta1/regions/fr-par/tokens", "{}").status, 404);
    EXPECT_EQ(scw(sandbox, "POST", "/iam/v1alpha1/jwts", "{}").status, 404);
    EXPECT_EQ(scw(sandbox, "PATCH", "/iam/v1alpha1/jwts/x", "{}").status, 404);
    EXPECT_EQ(ps(sandbox, "PATCH", "/v1/organizations/demo-org/service-tokens", "{}").status, 404);
    // The PlanetScale paths need their /v1 prefix, and IAM has no region.
    EXPECT_EQ(ps(sandbox, "GET", "/organizations/demo-org/service-tokens").status, 404);
    EXPECT_EQ(scw(sandbox, "GET", "/iam/v1alpha1/regions/fr-par/jwts?audience_id=x").status, 404);
    // Trailing slashes are not the same route.
    EXPECT_EQ(scw(sandbox, "GET", "/functions/v1beta1/regions/fr-par/tokens/").status, 404);
}

TEST(SandboxServer, VendorRoutesAuthenticateBeforeRouting) {
    Sandbox sandbox(make_options());
    EXPECT_EQ(send(sandbox, "GET", "/functions/v1beta1/regions/fr-par/crons").status, 401);
    EXPECT_EQ(send(sandbox, "GET", "/v1/organizations/demo-org/databases").status, 401);
}

TEST(SandboxRecording, KeepsRawPathAndQueryAndDecodesRepeatedKeysInOrder) {
    Sandbox sandbox(recording_options());
    const std::string target =
        "/secret-manager/v1beta1/regions/fr-par/secrets"
        "?tags=env%3Ademo&name=a%20b&tags=two+words&scheduled_for_deletion=false&flag&&empty=";
    scw(sandbox, "GET", target);
    const auto requests = sandbox.requests();
    ASSERT_EQ(requests.size(), 1U);
    const RecordedRequest& request = requests[0];
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.path, "/secret-manager/v1beta1/regions/fr-par/secrets");
    EXPECT_EQ(request.raw_query,
              "tags=env%3Ademo&name=a%20b&tags=two+words&scheduled_for_deletion=false&flag&&"
              "empty=");
    const Pairs expected = {{"tags", "env:demo"},  {"name", "a b"},
                            {"tags", "two words"}, {"scheduled_for_deletion", "false"},
                            {"flag", ""},          {"empty", ""}};
    EXPECT_EQ(request.query, expected);
}

TEST(SandboxRecording, PathStaysPercentEncoded) {
    Sandbox sandbox(recording_options());
    const auto answer = scw(sandbox, "GET", "/iam/v1alpha1/jwts/a%2Fb%20c");
    EXPECT_EQ(answer.status, 404);
    // The encoded slash stayed inside one path segment, so this reached get-jwt.
    EXPECT_EQ(answer.text("resource"), "jwt");
    EXPECT_EQ(answer.text("resource_id"), "a/b c");
    const auto requests = sandbox.requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].path, "/iam/v1alpha1/jwts/a%2Fb%20c");
    EXPECT_EQ(requests[0].raw_query, "");
    EXPECT_TRUE(requests[0].query.empty());
}

TEST(SandboxRecording, LowerCasesHeaderNamesAndKeepsValues) {
    Sandbox sandbox(recording_options());
    send(sandbox, "GET", "/iam/v1alpha1/jwts?audience_id=x",
         {{"X-Auth-Token", kScalewayKey},
          {"X-Request-ID", "Abc-123"},
          {"Accept", "application/json"}});
    const auto requests = sandbox.requests();
    ASSERT_EQ(requests.size(), 1U);
    const RecordedRequest& request = requests[0];
    EXPECT_EQ(request.header("x-auth-token"), kScalewayKey);
    EXPECT_EQ(request.header("x-request-id"), "Abc-123");
    EXPECT_EQ(request.header("accept"), "application/json");
    EXPECT_EQ(request.header("absent"), "");
    for (const auto& [name, value] : request.headers) {
        // Copied: clang 14 cannot capture a structured binding in a lambda.
        const std::string& header_name = name;
        EXPECT_EQ(name, [&header_name] {
            std::string lowered = header_name;
            for (char& c : lowered) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            return lowered;
        }());
        EXPECT_NE(name, "remote_addr");
        EXPECT_NE(name, "local_port");
    }
}

TEST(SandboxRecording, KeepsBodiesAndOrderAndCanBeCleared) {
    Sandbox sandbox(recording_options());
    const std::string body = R"({"function_id":")" + sandbox.demo().function_id + R"("})";
    scw(sandbox, "POST", "/functions/v1beta1/regions/fr-par/tokens", body);
    ps(sandbox, "DELETE", "/v1/organizations/demo-org/service-tokens/nope");
    send(sandbox, "GET", "/iam/v1alpha1/jwts");  // unauthenticated: recorded all the same
    auto requests = sandbox.requests();
    ASSERT_EQ(requests.size(), 3U);
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].body, body);
    EXPECT_EQ(requests[0].header("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(requests[1].method, "DELETE");
    EXPECT_EQ(requests[1].path, "/v1/organizations/demo-org/service-tokens/nope");
    EXPECT_EQ(requests[1].header("authorization"), kPlanetScaleAuthorization);
    EXPECT_EQ(requests[2].path, "/iam/v1alpha1/jwts");
    EXPECT_EQ(requests[2].header("x-auth-token"), "");

    sandbox.clear_requests();
    EXPECT_TRUE(sandbox.requests().empty());
    scw(sandbox, "GET", "/iam/v1alpha1/jwts?audience_id=x");
    EXPECT_EQ(sandbox.requests().size(), 1U);
}

TEST(SandboxServer, OversizedBodiesAreRefused) {
    Sandbox sandbox(make_options());
    const std::string huge(9 * 1024 * 1024, 'x');
    EXPECT_EQ(scw(sandbox, "POST", "/functions/v1beta1/regions/fr-par/tokens", huge).status, 413);
}

TEST(SandboxServer, ShutdownDoesNotWaitForADelayedAnswer) {
    std::optional<Sandbox> sandbox;
    sandbox.emplace(recording_options());
    Fault fault;
    fault.delay = std::chrono::seconds(30);
    fault.status = 503;
    sandbox->inject(fault);
    std::thread caller([&sandbox] { scw(*sandbox, "GET", "/iam/v1alpha1/jwts?audience_id=x"); });
    while (sandbox->requests().empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const auto start = std::chrono::steady_clock::now();
    sandbox.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    caller.join();
}

}  // namespace
}  // namespace cmcp::sandbox::test
