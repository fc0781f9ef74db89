#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness.hpp"
#include "sandbox/sandbox.hpp"

// A long-running sandbox must stay small: recording is opt-in and bounded, and every collection
// that requests can grow has a cap answered with the vendor's own quota error.
namespace cmcp::sandbox::test {
namespace {

const std::string kFrTokens = "/functions/v1beta1/regions/fr-par/tokens";
const std::string kFrSecrets = "/secret-manager/v1beta1/regions/fr-par/secrets";
const std::string kProjectId = "cc732626-aa9f-456d-8b50-a98235146605";
const std::string kTokenBody = R"({"function_id":"82ecacc8-b6ba-4b6c-9fc5-ee0db3ec9928"})";
const std::string kPsTokens = "/v1/organizations/demo-org/service-tokens";
const std::string kSecondPsToken = "1u33xtplpft7";  // seeded with one organization access

Options capped(std::size_t max_objects, bool demo_data = true) {
    Options options = make_options(demo_data);
    options.max_objects_per_collection = max_objects;
    return options;
}

std::string secret_body(const std::string& name) {
    return R"({"name":")" + name + R"(","project_id":")" + kProjectId + R"("})";
}

// The shape scaleway-sdk-go and @scaleway/sdk-client parse into QuotasExceededError.
void expect_quotas_exceeded(const Answer& answer, const std::string& resource, std::int64_t quota,
                            std::int64_t current) {
    EXPECT_EQ(answer.status, 403) << answer.body;
    const auto body = answer.object();
    EXPECT_EQ(str(body.at("type")), "quotas_exceeded");
    EXPECT_EQ(str(body.at("message")), "quota(s) exceeded for this resource");
    const auto& details = body.at("details").as_array();
    ASSERT_EQ(details.size(), 1U) << answer.body;
    const auto& detail = details[0].as_object();
    EXPECT_EQ(str(detail.at("resource")), resource);
    EXPECT_EQ(num(detail.at("quota")), quota);
    EXPECT_EQ(num(detail.at("current")), current);
    EXPECT_TRUE(is_uuid_text(str(detail.at("organization_id"))));
}

void expect_limit_reached(const Answer& answer, const std::string& limit_text) {
    EXPECT_EQ(answer.status, 422) << answer.body;
    EXPECT_EQ(answer.text("code"), "unprocessable");
    EXPECT_NE(answer.text("message").find(limit_text), std::string::npos) << answer.body;
}

TEST(SandboxLimits, DefaultsKeepALongRunningSandboxSmall) {
    const Options options;
    EXPECT_FALSE(options.record_requests);
    EXPECT_EQ(options.max_recorded_requests, 10'000U);
    EXPECT_EQ(options.max_objects_per_collection, 1'000U);
}

TEST(SandboxLimits, RequestsAreNotRecordedUnlessAskedFor) {
    Sandbox sandbox(make_options());
    scw(sandbox, "GET", "/iam/v1alpha1/jwts?audience_id=x");
    scw(sandbox, "POST", kFrTokens, kTokenBody);
    ps(sandbox, "GET", kPsTokens);
    sandbox.inject(Fault{});
    send(sandbox, "GET", "/iam/v1alpha1/jwts");  // faulted
    EXPECT_TRUE(sandbox.requests().empty());
}

TEST(SandboxLimits, RecordingKeepsOnlyTheMostRecentRequests) {
    Options options = make_options();
    options.record_requests = true;
    options.max_recorded_requests = 3;
    Sandbox sandbox(options);
    for (int i = 0; i < 5; ++i) {
        scw(sandbox, "GET", "/iam/v1alpha1/jwts?audience_id=" + std::to_string(i));
    }
    const auto requests = sandbox.requests();
    ASSERT_EQ(requests.size(), 3U);
    EXPECT_EQ(requests[0].raw_query, "audience_id=2");
    EXPECT_EQ(requests[1].raw_query, "audience_id=3");
    EXPECT_EQ(requests[2].raw_query, "audience_id=4");
}

TEST(SandboxLimits, FunctionsTokensAreCappedPerRegion) {
    Sandbox sandbox(capped(3));  // the demo data has 2 tokens in fr-par
    EXPECT_EQ(scw(sandbox, "POST", kFrTokens, kTokenBody).status, 200);
    expect_quotas_exceeded(scw(sandbox, "POST", kFrTokens, kTokenBody), "functions_tokens", 3, 3);
    // A bad request still gets its own error, and reads are unaffected.
    EXPECT_EQ(scw(sandbox, "POST", kFrTokens, "{}").status, 400);
    EXPECT_EQ(num(scw(sandbox, "GET", kFrTokens).object().at("total_count")), 3);
    // Another region has its own quota.
    EXPECT_EQ(scw(sandbox, "POST", "/functions/v1beta1/regions/nl-ams/tokens", kTokenBody).status,
              200);
    // Deleting makes room again.
    EXPECT_EQ(scw(sandbox, "DELETE", kFrTokens + "/" + sandbox.demo().token_id).status, 200);
    EXPECT_EQ(scw(sandbox, "POST", kFrTokens, kTokenBody).status, 200);
}

TEST(SandboxLimits, SecretsAreCappedPerRegionIncludingScheduledOnes) {
    Sandbox sandbox(capped(4));  // the demo data has 3 secrets in fr-par, one scheduled
    EXPECT_EQ(scw(sandbox, "POST", kFrSecrets, secret_body("fourth")).status, 200);
    expect_quotas_exceeded(scw(sandbox, "POST", kFrSecrets, secret_body("fifth")),
                           "secret_manager_secrets", 4, 4);
    // Validation comes first, as for the API.
    EXPECT_EQ(scw(sandbox, "POST", kFrSecrets, R"({"name":"no-project"})").status, 400);
    EXPECT_EQ(
        scw(sandbox, "POST", "/secret-manager/v1beta1/regions/pl-waw/secrets", secret_body("fifth"))
            .status,
        200);
}

TEST(SandboxLimits, ServiceTokensAreCappedPerOrganization) {
    Sandbox sandbox(capped(3));  // demo-org has 2 tokens
    const auto created = ps(sandbox, "POST", kPsTokens, "{}");
    EXPECT_EQ(created.status, 200);
    expect_limit_reached(ps(sandbox, "POST", kPsTokens, "{}"), "limit of 3");
    EXPECT_EQ(num(ps(sandbox, "GET", kPsTokens).object().at("total_count")), 3);
    EXPECT_EQ(ps(sandbox, "DELETE", kPsTokens + "/" + created.text("id")).status, 204);
    EXPECT_EQ(ps(sandbox, "POST", kPsTokens, "{}").status, 200);
}

TEST(SandboxLimits, AGrantBeyondTheCapIsRefusedWhole) {
    Sandbox sandbox(capped(3));
    const std::string access = kPsTokens + "/" + kSecondPsToken + "/access";
    const auto too_many = ps(sandbox, "POST", access,
                             R"({"access":["read_databases","read_invoices","write_teams"]})");
    expect_limit_reached(too_many, "limit of 3");
    EXPECT_EQ(ps(sandbox, "GET", access).object().at("data").as_array().size(), 1U);
    // Repeated and already held names do not count twice.
    const auto filled = ps(sandbox, "POST", access,
                           R"({"access":["read_databases","read_databases","read_organization",)"
                           R"("read_invoices"]})");
    EXPECT_EQ(filled.status, 200) << filled.body;
    EXPECT_EQ(filled.object().at("data").as_array().size(), 3U);
    EXPECT_EQ(ps(sandbox, "POST", access, R"({"access":["read_invoices"]})").status, 200);
    expect_limit_reached(ps(sandbox, "POST", access, R"({"access":["write_teams"]})"),
                         "limit of 3");
}

TEST(SandboxLimits, ImplicitOrganizationsAndDatabasesAreCapped) {
    Sandbox sandbox(capped(2, false));  // without demo data any name is taken to exist
    EXPECT_EQ(ps(sandbox, "GET", "/v1/organizations/a/service-tokens").status, 200);
    EXPECT_EQ(ps(sandbox, "GET", "/v1/organizations/b/service-tokens").status, 200);
    EXPECT_EQ(ps(sandbox, "GET", "/v1/organizations/c/service-tokens").status, 404);
    EXPECT_EQ(ps(sandbox, "GET", "/v1/organizations/a/service-tokens").status, 200);

    const auto token = ps(sandbox, "POST", "/v1/organizations/a/service-tokens", "{}");
    ASSERT_EQ(token.status, 200);
    const std::string access = "/v1/organizations/a/service-tokens/" + token.text("id") + "/access";
    for (const std::string database : {"x", "y"}) {
        EXPECT_EQ(ps(sandbox, "POST", access,
                     R"({"database":")" + database + R"(","access":["read_branch"]})")
                      .status,
                  200);
    }
    // x and y are the two databases organization a can have.
    EXPECT_EQ(ps(sandbox, "POST", access, R"({"database":"z","access":["read_branch"]})").status,
              404);
}

TEST(SandboxLimits, TheDefaultCapIsAThousandPerCollection) {
    Sandbox sandbox(make_options(false));
    int created = 0;
    for (int i = 0; i < 1'000; ++i) {
        created += scw(sandbox, "POST", kFrTokens, kTokenBody).status == 200 ? 1 : 0;
    }
    EXPECT_EQ(created, 1'000);
    expect_quotas_exceeded(scw(sandbox, "POST", kFrTokens, kTokenBody), "functions_tokens", 1'000,
                           1'000);
}

}  // namespace
}  // namespace cmcp::sandbox::test
