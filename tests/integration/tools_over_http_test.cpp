// Issue 3: for every one of the 23 tools, through the real HTTP client, the exact upstream
// request (method, path, query with repeated keys and sent defaults, auth header, body) and the
// MCP result. The sandbox records what arrived on the wire.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <map>

#include "testing/fakes.hpp"
#include "upstream_stack.hpp"

namespace cmcp::testing {
namespace {

namespace json = boost::json;

struct WireCase {
    std::string tool;
    std::string arguments;  // $PLACEHOLDERS are demo ids
    std::string method;
    std::string path;                 // raw, as on the request line
    std::string query;                // raw, without '?'
    std::optional<std::string> body;  // expected JSON body; nullopt = none
    std::function<void(const json::object& structured,
                       const std::map<std::string, std::string>& ids)>
        check;
};

std::map<std::string, std::string> demo_ids(UpstreamStack& stack) {
    const auto& demo = stack.demo();
    std::map<std::string, std::string> ids{{"$REGION", demo.region},
                                           {"$ORGID", demo.organization_id},
                                           {"$PROJECT", demo.project_id},
                                           {"$USER", demo.user_id},
                                           {"$FUNCTION", demo.function_id},
                                           {"$NAMESPACE", demo.namespace_id},
                                           {"$TOKEN", demo.token_id},
                                           {"$SECRET", demo.secret_id},
                                           {"$PROTECTED", demo.protected_secret_id},
                                           {"$SCHEDULED", demo.scheduled_secret_id},
                                           {"$PSORG", demo.planetscale_organization},
                                           {"$PSTOKEN", demo.service_token_id},
                                           {"$DB", demo.database}};
    // JWT ids are not part of the demo ids; read one the way a client would.
    const auto jwts = stack.call("list-jwts", R"({"audience_id":")" + demo.user_id + "\"}");
    ids["$JTI"] = std::string(jwts.at("structuredContent").at("jwts").at(0).at("jti").as_string());
    return ids;
}

std::string fill(std::string text, const std::map<std::string, std::string>& ids) {
    // Longest placeholders first, so $PSTOKEN is not read as $PS + TOKEN.
    std::vector<std::pair<std::string, std::string>> ordered(ids.begin(), ids.end());
    std::sort(ordered.begin(), ordered.end(),
              [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    for (const auto& [key, value] : ordered) {
        for (auto at = text.find(key); at != std::string::npos;
             at = text.find(key, at + value.size())) {
            text.replace(at, key.size(), value);
        }
    }
    return text;
}

std::string str(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string())
                                                  : std::string();
}

const std::vector<WireCase>& wire_cases() {
    static const std::vector<WireCase> cases = {
        {"list-all-tokens", R"({"page":1,"page_size":10,"order_by":"created_at_desc"})", "GET",
         "/functions/v1beta1/regions/$REGION/tokens",
         "page=1&page_size=10&order_by=created_at_desc", std::nullopt,
         [](const json::object& s, const auto&) {
             EXPECT_GE(s.at("tokens").as_array().size(), 2U);
             EXPECT_GE(s.at("total_count").to_number<int>(), 2);
         }},
        {"create-new-revocable-token", R"({"namespace_id":"$NAMESPACE","description":"ci hook"})",
         "POST", "/functions/v1beta1/regions/$REGION/tokens", "",
         R"({"namespace_id":"$NAMESPACE","description":"ci hook"})",
         [](const json::object& s, const auto& ids) {
             EXPECT_EQ(str(s, "namespace_id"), ids.at("$NAMESPACE"));
             EXPECT_FALSE(str(s, "token").empty());
         }},
        {"get-token", R"({"token_id":"$TOKEN"})", "GET",
         "/functions/v1beta1/regions/$REGION/tokens/$TOKEN", "", std::nullopt,
         [](const json::object& s, const auto& ids) { EXPECT_EQ(str(s, "id"), ids.at("$TOKEN")); }},
        {"delete-token", R"({"token_id":"$TOKEN","region":"fr-par"})", "DELETE",
         "/functions/v1beta1/regions/fr-par/tokens/$TOKEN", "", std::nullopt,
         [](const json::object& s, const auto& ids) {
             EXPECT_EQ(str(s, "id"), ids.at("$TOKEN"));  // 200 with the Token, not 204
         }},
        {"list-jwts", R"({"audience_id":"$USER","expired":false,"page_size":50})", "GET",
         "/iam/v1alpha1/jwts", "audience_id=$USER&page_size=50&expired=false", std::nullopt,
         [](const json::object& s, const auto& ids) {
             for (const auto& jwt : s.at("jwts").as_array()) {
                 EXPECT_EQ(str(jwt.as_object(), "audience_id"), ids.at("$USER"));
             }
         }},
        {"get-jwt", R"({"jti":"$JTI"})", "GET", "/iam/v1alpha1/jwts/$JTI", "", std::nullopt,
         [](const json::object& s, const auto& ids) { EXPECT_EQ(str(s, "jti"), ids.at("$JTI")); }},
        {"delete-jwt", R"({"jti":"$JTI"})", "DELETE", "/iam/v1alpha1/jwts/$JTI", "", std::nullopt,
         [](const json::object& s, const auto& ids) {
             EXPECT_EQ(s,
                       (json::object{{"deleted", true}, {"jti", ids.at("$JTI")}}));  // from a 204
         }},
        {"list-secrets", R"({"tags":["env:demo","team:backend"],"order_by":"name_desc"})", "GET",
         "/secret-manager/v1beta1/regions/$REGION/secrets",
         "organization_id=$ORGID&order_by=name_desc&tags=env%3Ademo&tags=team%3Abackend&scheduled_"
         "for_deletion=false",
         std::nullopt,
         [](const json::object& s, const auto& ids) {
             bool found = false;
             for (const auto& secret : s.at("secrets").as_array()) {
                 found = found || str(secret.as_object(), "id") == ids.at("$SECRET");
             }
             EXPECT_TRUE(found);
         }},
        {"create-secret", R"({"name":"ci-secret","tags":["ci"],"type":"key_value"})", "POST",
         "/secret-manager/v1beta1/regions/$REGION/secrets", "",
         R"({"project_id":"$PROJECT","name":"ci-secret","tags":["ci"],"type":"key_value","protected":false})",
         [](const json::object& s, const auto& ids) {
             EXPECT_EQ(str(s, "project_id"), ids.at("$PROJECT"));
             EXPECT_EQ(str(s, "type"), "key_value");
         }},
        {"get-metadata-using-secret-s-id", R"({"secret_id":"$SECRET"})", "GET",
         "/secret-manager/v1beta1/regions/$REGION/secrets/$SECRET", "", std::nullopt,
         [](const json::object& s, const auto& ids) {
             EXPECT_EQ(str(s, "id"), ids.at("$SECRET"));
         }},
        {"update-metadata-secret", R"({"secret_id":"$SECRET","description":"rotated monthly"})",
         "PATCH", "/secret-manager/v1beta1/regions/$REGION/secrets/$SECRET", "",
         R"({"description":"rotated monthly"})",
         [](const json::object& s, const auto&) {
             EXPECT_EQ(str(s, "description"), "rotated monthly");
         }},
        {"delete-secret", R"({"secret_id":"$SECRET"})", "DELETE",
         "/secret-manager/v1beta1/regions/$REGION/secrets/$SECRET", "", std::nullopt,
         [](const json::object& s, const auto& ids) {
             EXPECT_EQ(str(s, "secret_id"), ids.at("$SECRET"));  // from a 204
         }},
        {"allow-product-use-secret", R"({"secret_id":"$SECRET","product":"s2s_vpn"})", "POST",
         "/secret-manager/v1beta1/regions/$REGION/secrets/$SECRET/add-owner", "",
         R"({"product":"s2s_vpn"})",
         [](const json::object& s, const auto&) { EXPECT_EQ(str(s, "product"), "s2s_vpn"); }},
        {"enable-secret-protection", R"({"secret_id":"$SECRET"})", "POST",
         "/secret-manager/v1beta1/regions/$REGION/secrets/$SECRET/protect", "", R"({})",
         [](const json::object& s, const auto&) { EXPECT_TRUE(s.at("protected").as_bool()); }},
        {"restore-secret", R"({"secret_id":"$SCHEDULED"})", "POST",
         "/secret-manager/v1beta1/regions/$REGION/secrets/$SCHEDULED/restore", "", R"({})",
         [](const json::object& s, const auto&) {
             const auto* requested = s.if_contains("deletion_requested_at");
             EXPECT_TRUE(requested == nullptr || requested->is_null());
         }},
        {"disable-secret-protection", R"({"secret_id":"$PROTECTED"})", "POST",
         "/secret-manager/v1beta1/regions/$REGION/secrets/$PROTECTED/unprotect", "", R"({})",
         [](const json::object& s, const auto&) { EXPECT_FALSE(s.at("protected").as_bool()); }},
        {"restore-version", R"({"secret_id":"$SECRET","revision":"1"})", "POST",
         "/secret-manager/v1beta1/regions/$REGION/secrets/$SECRET/versions/1/restore", "", R"({})",
         [](const json::object& s, const auto&) {
             EXPECT_EQ(s.at("revision").to_number<int>(), 1);
         }},
        {"list-service-tokens", R"({"page":1,"per_page":5})", "GET",
         "/v1/organizations/$PSORG/service-tokens", "page=1&per_page=5", std::nullopt,
         [](const json::object& s, const auto&) {
             EXPECT_EQ(str(s, "type"), "list");
             EXPECT_GE(s.at("data").as_array().size(), 2U);
         }},
        {"create-service-token", R"({"name":"ci-deployer","ttl":86400})", "POST",
         "/v1/organizations/$PSORG/service-tokens", "", R"({"name":"ci-deployer","ttl":86400})",
         [](const json::object& s, const auto&) {
             EXPECT_EQ(str(s, "name"), "ci-deployer");
             EXPECT_FALSE(str(s, "token").empty());
         }},
        {"get-service-token", R"({"id":"$PSTOKEN"})", "GET",
         "/v1/organizations/$PSORG/service-tokens/$PSTOKEN", "", std::nullopt,
         [](const json::object& s, const auto& ids) {
             EXPECT_EQ(str(s, "id"), ids.at("$PSTOKEN"));
         }},
        {"delete-service-token", R"({"id":"$PSTOKEN","organization":"demo-org"})", "DELETE",
         "/v1/organizations/demo-org/service-tokens/$PSTOKEN", "", std::nullopt,
         [](const json::object& s, const auto& ids) {
             EXPECT_EQ(s, (json::object{{"deleted", true},
                                        {"organization", "demo-org"},
                                        {"id", ids.at("$PSTOKEN")}}));
         }},
        {"list-service-token-accesses", R"({"id":"$PSTOKEN"})", "GET",
         "/v1/organizations/$PSORG/service-tokens/$PSTOKEN/access", "", std::nullopt,
         [](const json::object& s, const auto&) { EXPECT_TRUE(s.at("data").is_array()); }},
        {"grant-service-token-access",
         R"({"id":"$PSTOKEN","access":["read_branch","create_branch"]})", "POST",
         "/v1/organizations/$PSORG/service-tokens/$PSTOKEN/access", "",
         R"({"database":"","access":["read_branch","create_branch"]})",
         [](const json::object& s, const auto&) {
             std::set<std::string> names;
             for (const auto& access : s.at("data").as_array()) {
                 names.insert(str(access.as_object(), "access"));
             }
             EXPECT_TRUE(names.contains("read_branch"));
             EXPECT_TRUE(names.contains("create_branch"));
         }},
    };
    return cases;
}

class ToolsOverHttp : public ::testing::TestWithParam<WireCase> {};

TEST_P(ToolsOverHttp, SendsTheExactRequestAndReturnsTheResult) {
    const auto& expected = GetParam();
    UpstreamStack stack;
    const auto ids = demo_ids(stack);
    const auto result = stack.call(expected.tool, fill(expected.arguments, ids));
    ASSERT_FALSE(result.contains("isError")) << json::serialize(result);

    const auto requests = stack.requests();
    ASSERT_EQ(requests.size(), 1U) << "one call, one request";
    const auto& wire = requests.front();
    EXPECT_EQ(wire.method, expected.method);
    EXPECT_EQ(wire.path, fill(expected.path, ids));
    EXPECT_EQ(wire.raw_query, fill(expected.query, ids));
    EXPECT_EQ(wire.header("accept"), "application/json");
    const bool planetscale = expected.path.starts_with("/v1/");
    if (planetscale) {
        EXPECT_EQ(wire.header("authorization"), kPlanetscaleAuthorization);
        EXPECT_EQ(wire.header("x-auth-token"), "");
    } else {
        EXPECT_EQ(wire.header("x-auth-token"), kScalewayKey);
        EXPECT_EQ(wire.header("authorization"), "");
    }
    if (expected.body) {
        EXPECT_EQ(wire.header("content-type").substr(0, 16), "application/json");
        EXPECT_EQ(json::parse(wire.body), json::parse(fill(*expected.body, ids))) << wire.body;
    } else {
        EXPECT_EQ(wire.body, "");
    }

    const auto& structured = result.at("structuredContent").as_object();
    EXPECT_EQ(json::parse(result.at("content").at(0).at("text").as_string()),
              json::value(structured));
    const auto* tool = embedded_catalog().find(expected.tool);
    ASSERT_NE(tool, nullptr);
    ASSERT_TRUE(tool->output_check);
    for (const auto& violation : tool->output_check->check(json::value(structured))) {
        ADD_FAILURE() << "output schema violation at " << violation.pointer << ": "
                      << violation.message;
    }
    expected.check(structured, ids);
}

INSTANTIATE_TEST_SUITE_P(AllTools, ToolsOverHttp, ::testing::ValuesIn(wire_cases()),
                         [](const auto& param_info) {
                             std::string name = param_info.param.tool;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(ToolsOverHttpCoverage, EveryToolHasAWireCase) {
    std::set<std::string> covered;
    for (const auto& wire_case : wire_cases()) {
        covered.insert(wire_case.tool);
    }
    std::set<std::string> all;
    for (const auto& tool : embedded_catalog().tools()) {
        all.insert(tool.definition.name);
    }
    EXPECT_EQ(covered, all);
    EXPECT_EQ(all.size(), 23U);
}

}  // namespace
}  // namespace cmcp::testing
