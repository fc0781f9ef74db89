#include <gtest/gtest.h>

#include "harness.hpp"
#include "sandbox/sandbox.hpp"

namespace cmcp::sandbox::test {
namespace {

const std::string kActiveJti = "ac0f1f7d-9d0b-445f-9c57-c180b473eeee";
const std::string kExpiredJti = "8a45ed31-a297-47c7-af73-08a32833a4a0";
const std::string kOtherUser = "3a5b2cda-4eab-4b8b-bef1-ef5e3f20c2ff";

class IamJwts : public ::testing::Test {
  protected:
    Sandbox sandbox{make_options()};
    const DemoData& demo = sandbox.demo();

    boost::json::object list(const std::string& query) {
        const auto answer = scw(sandbox, "GET", "/iam/v1alpha1/jwts?" + query);
        EXPECT_EQ(answer.status, 200) << answer.body;
        return answer.object();
    }
    std::vector<std::string> jtis(const std::string& query) {
        std::vector<std::string> out;
        const auto body = list(query);
        for (const auto& jwt : body.at("jwts").as_array()) {
            out.push_back(str(jwt.at("jti")));
        }
        return out;
    }
};

void expect_jwt_shape(const boost::json::object& jwt) {
    const std::vector<std::string> keys = {"jti",        "issuer_id",  "audience_id", "created_at",
                                           "updated_at", "expires_at", "ip",          "user_agent"};
    EXPECT_EQ(jwt.size(), keys.size()) << boost::json::serialize(jwt);
    for (const auto& key : keys) {
        EXPECT_TRUE(jwt.contains(key)) << key;
    }
}

TEST_F(IamJwts, ListNeedsAnAudience) {
    for (const std::string target : {"/iam/v1alpha1/jwts", "/iam/v1alpha1/jwts?audience_id="}) {
        const auto answer = scw(sandbox, "GET", target);
        EXPECT_EQ(answer.status, 400);
        const auto body = answer.object();
        EXPECT_EQ(str(body.at("type")), "invalid_arguments");
        EXPECT_EQ(str(body.at("details").as_array()[0].at("argument_name")), "audience_id");
        EXPECT_EQ(str(body.at("details").as_array()[0].at("reason")), "required");
    }
}

TEST_F(IamJwts, ListShowsTheAudiencesJwts) {
    const auto body = list("audience_id=" + demo.user_id);
    EXPECT_EQ(body.size(), 2U);
    EXPECT_EQ(num(body.at("total_count")), 2);
    const auto& jwts = body.at("jwts").as_array();
    ASSERT_EQ(jwts.size(), 2U);
    for (const auto& jwt : jwts) {
        expect_jwt_shape(jwt.as_object());
        EXPECT_EQ(str(jwt.at("audience_id")), demo.user_id);
        EXPECT_EQ(str(jwt.at("issuer_id")), demo.user_id);
        EXPECT_EQ(str(jwt.at("created_at")).back(), 'Z');
    }
    // created_at_asc by default: the expired session is the older one.
    EXPECT_EQ(str(jwts[0].at("jti")), kExpiredJti);
    EXPECT_EQ(str(jwts[1].at("jti")), kActiveJti);

    EXPECT_EQ(jtis("audience_id=" + kOtherUser),
              std::vector<std::string>{"4b20c60b-ff7d-4931-8581-860f349cfa4d"});
    const auto nobody = list("audience_id=00000000-0000-4000-8000-000000000000");
    EXPECT_EQ(num(nobody.at("total_count")), 0);
    EXPECT_TRUE(nobody.at("jwts").as_array().empty());
}

TEST_F(IamJwts, ExpiredFiltersAgainstNow) {
    const std::string user = "audience_id=" + demo.user_id;
    EXPECT_EQ(jtis(user + "&expired=true"), std::vector<std::string>{kExpiredJti});
    EXPECT_EQ(jtis(user + "&expired=false"), std::vector<std::string>{kActiveJti});
    EXPECT_EQ(num(list(user + "&expired=false").at("total_count")), 1);
    const auto bad = scw(sandbox, "GET", "/iam/v1alpha1/jwts?" + user + "&expired=maybe");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(str(bad.object().at("details").as_array()[0].at("argument_name")), "expired");
}

TEST_F(IamJwts, ListOrdersAndPaginates) {
    const std::string user = "audience_id=" + demo.user_id;
    EXPECT_EQ(jtis(user + "&order_by=created_at_desc"),
              (std::vector<std::string>{kActiveJti, kExpiredJti}));
    EXPECT_EQ(jtis(user + "&order_by=updated_at_asc"),
              (std::vector<std::string>{kExpiredJti, kActiveJti}));
    EXPECT_EQ(jtis(user + "&order_by=updated_at_desc"),
              (std::vector<std::string>{kActiveJti, kExpiredJti}));

    const auto first = list(user + "&page_size=1&page=1");
    EXPECT_EQ(num(first.at("total_count")), 2);
    EXPECT_EQ(jtis(user + "&page_size=1&page=1"), std::vector<std::string>{kExpiredJti});
    EXPECT_EQ(jtis(user + "&page_size=1&page=2"), std::vector<std::string>{kActiveJti});
    const auto past = list(user + "&page_size=1&page=3");
    EXPECT_EQ(num(past.at("total_count")), 2);
    EXPECT_TRUE(past.at("jwts").as_array().empty());

    EXPECT_EQ(scw(sandbox, "GET", "/iam/v1alpha1/jwts?" + user + "&page_size=500").status, 400);
    EXPECT_EQ(scw(sandbox, "GET", "/iam/v1alpha1/jwts?" + user + "&order_by=name_asc").status, 400);
}

TEST_F(IamJwts, GetReturnsOneJwt) {
    const auto answer = scw(sandbox, "GET", "/iam/v1alpha1/jwts/" + kActiveJti);
    ASSERT_EQ(answer.status, 200);
    const auto jwt = answer.object();
    expect_jwt_shape(jwt);
    EXPECT_EQ(str(jwt.at("jti")), kActiveJti);
    EXPECT_EQ(str(jwt.at("ip")), "203.0.113.24");

    const auto missing = scw(sandbox, "GET", "/iam/v1alpha1/jwts/unknown-jti");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.text("type"), "not_found");
    EXPECT_EQ(missing.text("resource"), "jwt");
    EXPECT_EQ(missing.text("resource_id"), "unknown-jti");
}

TEST_F(IamJwts, DeleteAnswers204AndRemovesTheJwt) {
    const auto answer = scw(sandbox, "DELETE", "/iam/v1alpha1/jwts/" + kExpiredJti);
    EXPECT_EQ(answer.status, 204);
    EXPECT_TRUE(answer.body.empty());
    EXPECT_EQ(scw(sandbox, "GET", "/iam/v1alpha1/jwts/" + kExpiredJti).status, 404);
    EXPECT_EQ(scw(sandbox, "DELETE", "/iam/v1alpha1/jwts/" + kExpiredJti).status, 404);
    EXPECT_EQ(jtis("audience_id=" + demo.user_id), std::vector<std::string>{kActiveJti});
}

TEST_F(IamJwts, RequireTheScalewaySecretKey) {
    const std::string target = "/iam/v1alpha1/jwts/" + kActiveJti;
    const auto missing = send(sandbox, "DELETE", target);
    EXPECT_EQ(missing.status, 401);
    EXPECT_EQ(missing.text("type"), "denied_authentication");
    EXPECT_EQ(send(sandbox, "GET", target, {{"X-Session-Token", kScalewayKey}}).status, 401);
    EXPECT_EQ(scw(sandbox, "GET", target).status, 200);  // not deleted by the refused call
}

}  // namespace
}  // namespace cmcp::sandbox::test
