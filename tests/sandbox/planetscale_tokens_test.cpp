#include <gtest/gtest.h>

#include <regex>

#include "harness.hpp"
#include "sandbox/common.hpp"
#include "sandbox/sandbox.hpp"

namespace cmcp::sandbox::test {
namespace {

const std::string kTokens = "/v1/organizations/demo-org/service-tokens";
const std::string kSecondToken = "1u33xtplpft7";

class PlanetScaleTokens : public ::testing::Test {
  protected:
    Sandbox sandbox{make_options()};
    const DemoData& demo = sandbox.demo();

    boost::json::object create(const std::string& body, const std::string& base = kTokens) {
        const auto answer = ps(sandbox, "POST", base, body);
        EXPECT_EQ(answer.status, 200) << answer.body;
        return answer.object();
    }
    std::string token_path(const std::string& id) const { return kTokens + "/" + id; }
};

void expect_token_shape(const boost::json::object& token) {
    const std::vector<std::string> keys = {"id",
                                           "name",
                                           "display_name",
                                           "token",
                                           "plain_text_refresh_token",
                                           "avatar_url",
                                           "created_at",
                                           "updated_at",
                                           "expires_at",
                                           "last_used_at",
                                           "actor_id",
                                           "actor_display_name",
                                           "actor_type",
                                           "service_token_accesses",
                                           "oauth_accesses_by_resource"};
    EXPECT_EQ(token.size(), keys.size()) << boost::json::serialize(token);
    for (const auto& key : keys) {
        EXPECT_TRUE(token.contains(key)) << key;
    }
    EXPECT_TRUE(std::regex_match(str(token.at("id")), std::regex("[a-z0-9]{12}")));
    EXPECT_TRUE(std::regex_match(str(token.at("created_at")),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

void expect_list_shape(const boost::json::object& list) {
    for (const auto* key : {"type", "current_page", "per_page", "next_page", "next_page_url",
                            "prev_page", "prev_page_url", "total_count", "total_pages", "data"}) {
        EXPECT_TRUE(list.contains(key)) << key;
    }
    EXPECT_EQ(str(list.at("type")), "list");
}

void expect_error(const Answer& answer, int status, const std::string& code) {
    EXPECT_EQ(answer.status, status) << answer.body;
    const auto body = answer.object();
    EXPECT_EQ(body.size(), 2U) << answer.body;
    EXPECT_EQ(answer.text("code"), code);
    EXPECT_FALSE(answer.text("message").empty());
}

std::vector<std::string> access_names(const boost::json::object& list) {
    std::vector<std::string> out;
    for (const auto& entry : list.at("data").as_array()) {
        out.push_back(str(entry.at("access")));
    }
    return out;
}

TEST_F(PlanetScaleTokens, ListShowsTheDemoTokens) {
    const auto answer = ps(sandbox, "GET", kTokens);
    ASSERT_EQ(answer.status, 200);
    const auto list = answer.object();
    expect_list_shape(list);
    EXPECT_EQ(num(list.at("current_page")), 1);
    EXPECT_EQ(num(list.at("per_page")), 25);
    EXPECT_TRUE(list.at("next_page").is_null());
    EXPECT_TRUE(list.at("next_page_url").is_null());
    EXPECT_TRUE(list.at("prev_page").is_null());
    EXPECT_TRUE(list.at("prev_page_url").is_null());
    EXPECT_EQ(num(list.at("total_count")), 2);
    EXPECT_EQ(num(list.at("total_pages")), 1);
    const auto& data = list.at("data").as_array();
    ASSERT_EQ(data.size(), 2U);
    for (const auto& token : data) {
        expect_token_shape(token.as_object());
        EXPECT_TRUE(token.at("token").is_null());
    }
    // Newest first.
    EXPECT_EQ(str(data[0].at("id")), kSecondToken);
    EXPECT_TRUE(data[0].at("name").is_null());
    EXPECT_EQ(str(data[0].at("display_name")), kSecondToken);
    EXPECT_TRUE(data[0].at("expires_at").is_string());
    EXPECT_EQ(str(data[1].at("id")), demo.service_token_id);
    EXPECT_EQ(str(data[1].at("name")), "ci-deploy");
    EXPECT_EQ(str(data[1].at("display_name")), "ci-deploy");
    EXPECT_TRUE(data[1].at("last_used_at").is_string());
    EXPECT_EQ(data[1].at("service_token_accesses").as_array().size(), 3U);
}

TEST_F(PlanetScaleTokens, ListPaginatesWithLinks) {
    for (int i = 0; i < 3; ++i) {
        create(R"({"name":"t)" + std::to_string(i) + R"("})");
    }
    const auto first = ps(sandbox, "GET", kTokens + "?per_page=2").object();
    expect_list_shape(first);
    EXPECT_EQ(num(first.at("total_count")), 5);
    EXPECT_EQ(num(first.at("total_pages")), 3);
    EXPECT_EQ(num(first.at("per_page")), 2);
    EXPECT_EQ(num(first.at("next_page")), 2);
    EXPECT_EQ(str(first.at("next_page_url")), sandbox.base_url() + kTokens + "?page=2&per_page=2");
    EXPECT_TRUE(first.at("prev_page").is_null());
    EXPECT_EQ(str(first.at("data").as_array()[0].at("name")), "t2");

    const auto second = ps(sandbox, "GET", kTokens + "?page=2&per_page=2").object();
    EXPECT_EQ(num(second.at("current_page")), 2);
    EXPECT_EQ(num(second.at("next_page")), 3);
    EXPECT_EQ(num(second.at("prev_page")), 1);
    EXPECT_EQ(str(second.at("prev_page_url")), sandbox.base_url() + kTokens + "?page=1&per_page=2");
    EXPECT_EQ(second.at("data").as_array().size(), 2U);

    const auto third = ps(sandbox, "GET", kTokens + "?page=3&per_page=2").object();
    EXPECT_TRUE(third.at("next_page").is_null());
    EXPECT_TRUE(third.at("next_page_url").is_null());
    EXPECT_EQ(third.at("data").as_array().size(), 1U);

    const auto beyond = ps(sandbox, "GET", kTokens + "?page=9&per_page=2").object();
    EXPECT_TRUE(beyond.at("data").as_array().empty());
    EXPECT_EQ(num(beyond.at("total_count")), 5);

    // Unusable numbers fall back to the defaults, and per_page is capped.
    const auto odd = ps(sandbox, "GET", kTokens + "?page=zero&per_page=-4").object();
    EXPECT_EQ(num(odd.at("current_page")), 1);
    EXPECT_EQ(num(odd.at("per_page")), 25);
    EXPECT_EQ(num(ps(sandbox, "GET", kTokens + "?per_page=1000").object().at("per_page")), 100);
}

TEST_F(PlanetScaleTokens, CreateRevealsThePlaintextOnlyOnce) {
    const auto before = std::chrono::system_clock::now();
    const auto token = create(R"({"name":"deploy-bot","ttl":3600})");
    expect_token_shape(token);
    const std::string plaintext = str(token.at("token"));
    EXPECT_TRUE(std::regex_match(plaintext, std::regex("pscale_tkn_[A-Za-z0-9]{43}"))) << plaintext;
    EXPECT_EQ(str(token.at("name")), "deploy-bot");
    EXPECT_EQ(str(token.at("display_name")), "deploy-bot");
    EXPECT_TRUE(token.at("plain_text_refresh_token").is_null());
    EXPECT_TRUE(token.at("last_used_at").is_null());
    EXPECT_TRUE(token.at("service_token_accesses").as_array().empty());
    EXPECT_EQ(str(token.at("actor_type")), "User");
    const auto expires = parse_time(str(token.at("expires_at")));
    ASSERT_TRUE(expires.has_value());
    EXPECT_GE(*expires, before + std::chrono::seconds(3599));
    EXPECT_LE(*expires, std::chrono::system_clock::now() + std::chrono::seconds(3601));

    const std::string id = str(token.at("id"));
    const auto fetched = ps(sandbox, "GET", token_path(id));
    ASSERT_EQ(fetched.status, 200);
    expect_token_shape(fetched.object());
    EXPECT_TRUE(fetched.object().at("token").is_null());
    EXPECT_EQ(fetched.object().at("expires_at"), token.at("expires_at"));
}

TEST_F(PlanetScaleTokens, CreateWithoutFieldsHasNoNameAndNoExpiry) {
    for (const std::string body : {"{}", ""}) {
        const auto token = create(body);
        EXPECT_TRUE(token.at("name").is_null());
        EXPECT_EQ(token.at("display_name"), token.at("id"));
        EXPECT_TRUE(token.at("expires_at").is_null());
        EXPECT_TRUE(token.at("token").is_string());
    }
    EXPECT_EQ(num(ps(sandbox, "GET", kTokens).object().at("total_count")), 4);
}

TEST_F(PlanetScaleTokens, CreateValidates) {
    expect_error(ps(sandbox, "POST", kTokens, R"({"ttl":"soon"})"), 422, "invalid_params");
    expect_error(ps(sandbox, "POST", kTokens, R"({"ttl":-5})"), 422, "invalid_params");
    expect_error(ps(sandbox, "POST", kTokens, R"({"ttl":0})"), 422, "invalid_params");
    expect_error(ps(sandbox, "POST", kTokens, R"({"name":7})"), 422, "invalid_params");
    expect_error(ps(sandbox, "POST", kTokens, R"({"name":)"), 400, "bad_request");
    expect_error(ps(sandbox, "POST", kTokens, "[]"), 400, "bad_request");
    EXPECT_EQ(num(ps(sandbox, "GET", kTokens).object().at("total_count")), 2);
}

TEST_F(PlanetScaleTokens, UnknownOrganizationsAndTokensAre404) {
    expect_error(ps(sandbox, "GET", "/v1/organizations/other-org/service-tokens"), 404,
                 "not_found");
    expect_error(ps(sandbox, "POST", "/v1/organizations/other-org/service-tokens", "{}"), 404,
                 "not_found");
    expect_error(ps(sandbox, "GET", token_path("zzzzzzzzzzzz")), 404, "not_found");
    expect_error(ps(sandbox, "DELETE", token_path("zzzzzzzzzzzz")), 404, "not_found");
    expect_error(ps(sandbox, "GET", token_path("zzzzzzzzzzzz") + "/access"), 404, "not_found");
    expect_error(ps(sandbox, "POST", token_path("zzzzzzzzzzzz") + "/access",
                    R"({"access":["read_branch"]})"),
                 404, "not_found");
    // The plural path of a third-party spec does not exist.
    expect_error(ps(sandbox, "GET", token_path(demo.service_token_id) + "/accesses"), 404,
                 "not_found");
}

TEST_F(PlanetScaleTokens, DeleteAnswers204) {
    const auto answer = ps(sandbox, "DELETE", token_path(kSecondToken));
    EXPECT_EQ(answer.status, 204);
    EXPECT_TRUE(answer.body.empty());
    expect_error(ps(sandbox, "GET", token_path(kSecondToken)), 404, "not_found");
    expect_error(ps(sandbox, "DELETE", token_path(kSecondToken)), 404, "not_found");
    const auto list = ps(sandbox, "GET", kTokens).object();
    EXPECT_EQ(num(list.at("total_count")), 1);
    EXPECT_EQ(str(list.at("data").as_array()[0].at("id")), demo.service_token_id);
}

TEST_F(PlanetScaleTokens, ListAccessShowsDatabaseAndOrganizationGrants) {
    const auto answer = ps(sandbox, "GET", token_path(demo.service_token_id) + "/access");
    ASSERT_EQ(answer.status, 200);
    const auto list = answer.object();
    EXPECT_EQ(list.size(), 4U);
    EXPECT_EQ(str(list.at("type")), "list");
    EXPECT_TRUE(list.at("next_page").is_null());
    EXPECT_TRUE(list.at("prev_page").is_null());
    EXPECT_EQ(access_names(list),
              (std::vector<std::string>{"read_branch", "create_deploy_request", "read_databases"}));
    const auto& data = list.at("data").as_array();
    for (const auto& entry : data) {
        for (const auto* key : {"id", "type", "access", "resource"}) {
            EXPECT_TRUE(entry.as_object().contains(key)) << key;
        }
        for (const auto* key : {"id", "type", "name", "created_at", "updated_at"}) {
            EXPECT_TRUE(entry.at("resource").as_object().contains(key)) << key;
        }
    }
    EXPECT_EQ(str(data[0].at("type")), "DatabaseAccess");
    EXPECT_EQ(str(data[0].at("resource").at("type")), "Database");
    EXPECT_EQ(str(data[0].at("resource").at("name")), "demo-db");
    EXPECT_EQ(str(data[2].at("type")), "OrganizationAccess");
    EXPECT_EQ(str(data[2].at("resource").at("type")), "Organization");
    EXPECT_EQ(str(data[2].at("resource").at("name")), "demo-org");
}

TEST_F(PlanetScaleTokens, GrantAppendsAccessesAndReturnsTheList) {
    const std::string access = token_path(kSecondToken) + "/access";
    const auto granted = ps(sandbox, "POST", access,
                            R"({"database":"demo-db","access":["read_branch","connect_branch"]})");
    ASSERT_EQ(granted.status, 200) << granted.body;
    const auto list = granted.object();
    EXPECT_EQ(str(list.at("type")), "list");
    EXPECT_EQ(access_names(list),
              (std::vector<std::string>{"read_organization", "read_branch", "connect_branch"}));
    EXPECT_EQ(str(list.at("data").as_array()[1].at("type")), "DatabaseAccess");
    EXPECT_TRUE(
        std::regex_match(str(list.at("data").as_array()[1].at("id")), std::regex("[a-z0-9]{12}")));

    // Granting what is already held adds nothing; GET shows the same list.
    const auto again =
        ps(sandbox, "POST", access, R"({"database":"demo-db","access":["read_branch"]})");
    EXPECT_EQ(access_names(again.object()).size(), 3U);
    EXPECT_EQ(ps(sandbox, "GET", access).object(), again.object());

    // "" and an absent database both mean the organization.
    const auto org_level =
        ps(sandbox, "POST", access, R"({"database":"","access":["read_service_tokens"]})");
    const auto org_absent = ps(sandbox, "POST", access, R"({"access":["write_service_tokens"]})");
    const auto org_absent_body = org_absent.object();
    const auto& data = org_absent_body.at("data").as_array();
    ASSERT_EQ(data.size(), 5U);
    EXPECT_EQ(str(data[3].at("type")), "OrganizationAccess");
    EXPECT_EQ(str(data[4].at("access")), "write_service_tokens");
    EXPECT_EQ(str(data[4].at("resource").at("name")), "demo-org");
    EXPECT_EQ(org_level.status, 200);

    // The token itself shows the same grants in service_token_accesses.
    const auto token = ps(sandbox, "GET", token_path(kSecondToken)).object();
    const auto& accesses = token.at("service_token_accesses").as_array();
    ASSERT_EQ(accesses.size(), 5U);
    const auto& on_database = accesses[1].as_object();
    for (const auto* key : {"id", "access", "description", "resource_name", "resource_id",
                            "resource_type", "resource"}) {
        EXPECT_TRUE(on_database.contains(key)) << key;
    }
    EXPECT_EQ(str(on_database.at("resource_type")), "Database");
    EXPECT_EQ(str(on_database.at("resource_name")), "demo-db");
    EXPECT_EQ(on_database.at("resource").at("id"), on_database.at("resource_id"));
    EXPECT_TRUE(on_database.at("resource").at("deleted_at").is_null());
    EXPECT_EQ(str(accesses[0].at("resource_type")), "Organization");
}

TEST_F(PlanetScaleTokens, GrantValidates) {
    const std::string access = token_path(kSecondToken) + "/access";
    expect_error(ps(sandbox, "POST", access, R"({"database":"nope","access":["read_branch"]})"),
                 404, "not_found");
    expect_error(ps(sandbox, "POST", access, R"({"database":"demo-db","access":[]})"), 422,
                 "invalid_params");
    expect_error(ps(sandbox, "POST", access, R"({"database":"demo-db"})"), 422, "invalid_params");
    expect_error(ps(sandbox, "POST", access, R"({"access":"read_branch"})"), 422, "invalid_params");
    expect_error(ps(sandbox, "POST", access, R"({"access":[""]})"), 422, "invalid_params");
    expect_error(ps(sandbox, "POST", access, R"({"database":5,"access":["read_branch"]})"), 422,
                 "invalid_params");
    expect_error(ps(sandbox, "POST", access, "{\"access\":[\"read_branch\""), 400, "bad_request");
    EXPECT_EQ(access_names(ps(sandbox, "GET", access).object()),
              std::vector<std::string>{"read_organization"});
}

TEST_F(PlanetScaleTokens, RequireTheConfiguredAuthorization) {
    const auto missing = send(sandbox, "GET", kTokens);
    expect_error(missing, 401, "unauthorized");
    expect_error(send(sandbox, "GET", kTokens, {{"Authorization", "sbx7tok3n1d0:wrong"}}), 401,
                 "unauthorized");
    expect_error(
        send(sandbox, "GET", kTokens, {{"Authorization", "Bearer " + kPlanetScaleAuthorization}}),
        401, "unauthorized");
    expect_error(send(sandbox, "GET", kTokens,
                      {{"Authorization", "ServiceToken " + kPlanetScaleAuthorization}}),
                 401, "unauthorized");
    expect_error(send(sandbox, "POST", kTokens, {{"X-Auth-Token", kScalewayKey}}, "{}"), 401,
                 "unauthorized");
    EXPECT_EQ(num(ps(sandbox, "GET", kTokens).object().at("total_count")), 2);
    EXPECT_EQ(send(sandbox, "GET", kTokens, {{"authorization", kPlanetScaleAuthorization}}).status,
              200);
}

TEST(PlanetScaleTokensOAuth, AcceptsABearerCredentialWhenConfigured) {
    Options options = make_options();
    options.planetscale_authorization = "Bearer pscale_oauth_sandbox";
    Sandbox sandbox(options);
    EXPECT_EQ(
        send(sandbox, "GET", kTokens, {{"Authorization", "Bearer pscale_oauth_sandbox"}}).status,
        200);
    EXPECT_EQ(send(sandbox, "GET", kTokens, {{"Authorization", "pscale_oauth_sandbox"}}).status,
              401);
}

TEST(PlanetScaleTokensNoDemo, AnyOrganizationAndDatabaseExist) {
    Sandbox sandbox(make_options(false));
    const std::string base = "/v1/organizations/acme/service-tokens";
    const auto created = ps(sandbox, "POST", base, R"({"name":"first"})");
    ASSERT_EQ(created.status, 200);
    const std::string id = created.text("id");
    const auto list = ps(sandbox, "GET", base).object();
    EXPECT_EQ(num(list.at("total_count")), 1);
    const auto granted = ps(sandbox, "POST", base + "/" + id + "/access",
                            R"({"database":"orders","access":["read_branch"]})");
    ASSERT_EQ(granted.status, 200);
    EXPECT_EQ(str(granted.object().at("data").as_array()[0].at("resource").at("name")), "orders");
    // Organizations are separate: acme's token is unknown elsewhere.
    EXPECT_EQ(ps(sandbox, "GET", "/v1/organizations/other/service-tokens/" + id).status, 404);
    EXPECT_EQ(num(ps(sandbox, "GET", "/v1/organizations/other/service-tokens")
                      .object()
                      .at("total_count")),
              0);
}

}  // namespace
}  // namespace cmcp::sandbox::test
