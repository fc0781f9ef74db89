#include <gtest/gtest.h>

#include "harness.hpp"
#include "sandbox/sandbox.hpp"

namespace cmcp::sandbox::test {
namespace {

const std::string kTokens = "/functions/v1beta1/regions/fr-par/tokens";

class FunctionsTokens : public ::testing::Test {
  protected:
    Sandbox sandbox{make_options()};
    const DemoData& demo = sandbox.demo();

    boost::json::object create(const std::string& body) {
        const auto answer = scw(sandbox, "POST", kTokens, body);
        EXPECT_EQ(answer.status, 200) << answer.body;
        return answer.object();
    }
    std::string function_body() const { return R"({"function_id":")" + demo.function_id + R"("})"; }
};

void expect_token_shape(const boost::json::object& token) {
    const std::vector<std::string> keys = {"id",         "token",  "function_id", "namespace_id",
                                           "public_key", "status", "description", "expires_at"};
    EXPECT_EQ(token.size(), keys.size()) << boost::json::serialize(token);
    for (const auto& key : keys) {
        EXPECT_TRUE(token.contains(key)) << key;
    }
    EXPECT_TRUE(is_uuid_text(str(token.at("id"))));
}

void expect_invalid_argument(const Answer& answer, const std::string& argument,
                             const std::string& reason) {
    EXPECT_EQ(answer.status, 400) << answer.body;
    const auto body = answer.object();
    EXPECT_EQ(str(body.at("type")), "invalid_arguments");
    EXPECT_EQ(str(body.at("message")), "invalid argument(s)");
    const auto& details = body.at("details").as_array();
    ASSERT_FALSE(details.empty());
    EXPECT_EQ(str(details[0].at("argument_name")), argument);
    EXPECT_EQ(str(details[0].at("reason")), reason);
    EXPECT_TRUE(details[0].as_object().contains("help_message"));
}

TEST_F(FunctionsTokens, ListShowsTheDemoTokensWithoutTheirSecret) {
    const auto answer = scw(sandbox, "GET", kTokens);
    ASSERT_EQ(answer.status, 200);
    EXPECT_EQ(answer.header("Content-Type"), "application/json");
    const auto body = answer.object();
    EXPECT_EQ(body.size(), 2U);
    EXPECT_EQ(num(body.at("total_count")), 2);
    const auto& tokens = body.at("tokens").as_array();
    ASSERT_EQ(tokens.size(), 2U);
    for (const auto& token : tokens) {
        expect_token_shape(token.as_object());
        EXPECT_EQ(str(token.at("token")), "");
        EXPECT_EQ(str(token.at("status")), "ready");
    }
    // Oldest first by default: the function-scoped token, then the namespace-scoped one.
    EXPECT_EQ(str(tokens[0].at("id")), demo.token_id);
    EXPECT_EQ(str(tokens[0].at("function_id")), demo.function_id);
    EXPECT_TRUE(tokens[0].at("namespace_id").is_null());
    EXPECT_TRUE(tokens[0].at("expires_at").is_null());
    EXPECT_TRUE(tokens[1].at("function_id").is_null());
    EXPECT_EQ(str(tokens[1].at("namespace_id")), demo.namespace_id);
    EXPECT_TRUE(tokens[1].at("description").is_null());
    EXPECT_TRUE(tokens[1].at("expires_at").is_string());
}

TEST_F(FunctionsTokens, ObjectsLiveInTheirRegion) {
    const auto other = scw(sandbox, "GET", "/functions/v1beta1/regions/nl-ams/tokens");
    ASSERT_EQ(other.status, 200);
    EXPECT_EQ(num(other.object().at("total_count")), 0);
    EXPECT_TRUE(other.object().at("tokens").as_array().empty());
    EXPECT_EQ(
        scw(sandbox, "GET", "/functions/v1beta1/regions/nl-ams/tokens/" + demo.token_id).status,
        404);
    const auto created =
        scw(sandbox, "POST", "/functions/v1beta1/regions/pl-waw/tokens", function_body());
    ASSERT_EQ(created.status, 200);
    EXPECT_EQ(scw(sandbox, "GET", "/functions/v1beta1/regions/pl-waw/tokens/" + created.text("id"))
                  .status,
              200);
    EXPECT_EQ(num(scw(sandbox, "GET", kTokens).object().at("total_count")), 2);
}

TEST_F(FunctionsTokens, UnknownRegionIsAnInvalidArgument) {
    expect_invalid_argument(scw(sandbox, "GET", "/functions/v1beta1/regions/us-east/tokens"),
                            "region", "constraint");
    expect_invalid_argument(
        scw(sandbox, "POST", "/functions/v1beta1/regions/fr-par-1/tokens", function_body()),
        "region", "constraint");
    expect_invalid_argument(
        scw(sandbox, "GET", "/functions/v1beta1/regions/FR-PAR/tokens/" + demo.token_id), "region",
        "constraint");
}

TEST_F(FunctionsTokens, CreateForAFunctionRevealsTheTokenOnce) {
    const auto token = create(function_body());
    expect_token_shape(token);
    const std::string secret = str(token.at("token"));
    EXPECT_EQ(secret.rfind("eyJ", 0), 0U) << secret;
    EXPECT_GT(secret.size(), 100U);
    EXPECT_EQ(str(token.at("function_id")), demo.function_id);
    EXPECT_TRUE(token.at("namespace_id").is_null());
    EXPECT_EQ(str(token.at("status")), "ready");
    EXPECT_TRUE(token.at("description").is_null());

    const std::string id = str(token.at("id"));
    const auto fetched = scw(sandbox, "GET", kTokens + "/" + id);
    ASSERT_EQ(fetched.status, 200);
    EXPECT_EQ(fetched.text("id"), id);
    EXPECT_EQ(fetched.text("token"), "");
    const auto list = scw(sandbox, "GET", kTokens).object();
    EXPECT_EQ(num(list.at("total_count")), 3);
    EXPECT_EQ(str(list.at("tokens").as_array().back().at("id")), id);
    EXPECT_EQ(str(list.at("tokens").as_array().back().at("token")), "");
}

TEST_F(FunctionsTokens, CreateForANamespaceKeepsDescriptionAndExpiry) {
    const auto token =
        create(R"({"namespace_id":")" + demo.namespace_id +
               R"(","description":"staging","expires_at":"2031-05-06T07:08:09+02:00"})");
    EXPECT_TRUE(token.at("function_id").is_null());
    EXPECT_EQ(str(token.at("namespace_id")), demo.namespace_id);
    EXPECT_EQ(str(token.at("description")), "staging");
    EXPECT_EQ(str(token.at("expires_at")), "2031-05-06T05:08:09.000000Z");
}

TEST_F(FunctionsTokens, CreateNeedsExactlyOneScope) {
    const auto none = scw(sandbox, "POST", kTokens, R"({"description":"x"})");
    expect_invalid_argument(none, "function_id", "required");
    EXPECT_EQ(str(none.object().at("details").as_array()[1].at("argument_name")), "namespace_id");

    expect_invalid_argument(scw(sandbox, "POST", kTokens,
                                R"({"function_id":")" + demo.function_id + R"(","namespace_id":")" +
                                    demo.namespace_id + R"("})"),
                            "function_id", "constraint");
    // null is "not set", and an empty body is {}.
    expect_invalid_argument(
        scw(sandbox, "POST", kTokens, R"({"function_id":null,"namespace_id":null})"), "function_id",
        "required");
    expect_invalid_argument(scw(sandbox, "POST", kTokens, ""), "function_id", "required");
    EXPECT_EQ(num(scw(sandbox, "GET", kTokens).object().at("total_count")), 2);
}

TEST_F(FunctionsTokens, CreateValidatesFields) {
    expect_invalid_argument(scw(sandbox, "POST", kTokens, R"({"function_id":"not-a-uuid"})"),
                            "function_id", "constraint");
    expect_invalid_argument(scw(sandbox, "POST", kTokens, R"({"namespace_id":"123"})"),
                            "namespace_id", "constraint");
    expect_invalid_argument(scw(sandbox, "POST", kTokens, R"({"function_id":42})"), "function_id",
                            "format");
    expect_invalid_argument(
        scw(sandbox, "POST", kTokens,
            R"({"function_id":")" + demo.function_id + R"(","expires_at":"tomorrow"})"),
        "expires_at", "format");
}

TEST_F(FunctionsTokens, MalformedBodiesGetAScalewayError) {
    for (const std::string body : {"{", "not json", "[]", "\"text\"", "{\"function_id\":}"}) {
        expect_invalid_argument(scw(sandbox, "POST", kTokens, body), "body", "format");
    }
    EXPECT_EQ(num(scw(sandbox, "GET", kTokens).object().at("total_count")), 2);
}

TEST_F(FunctionsTokens, GetUnknownOrMalformedIds) {
    const std::string missing = "00000000-0000-4000-8000-000000000000";
    const auto answer = scw(sandbox, "GET", kTokens + "/" + missing);
    EXPECT_EQ(answer.status, 404);
    const auto body = answer.object();
    EXPECT_EQ(str(body.at("type")), "not_found");
    EXPECT_EQ(str(body.at("resource")), "token");
    EXPECT_EQ(str(body.at("resource_id")), missing);
    EXPECT_TRUE(body.contains("message"));
    expect_invalid_argument(scw(sandbox, "GET", kTokens + "/nope"), "token_id", "constraint");
}

TEST_F(FunctionsTokens, DeleteAnswersWithTheTokenThenItIsGone) {
    const auto answer = scw(sandbox, "DELETE", kTokens + "/" + demo.token_id);
    ASSERT_EQ(answer.status, 200);
    const auto token = answer.object();
    expect_token_shape(token);
    EXPECT_EQ(str(token.at("id")), demo.token_id);
    EXPECT_EQ(str(token.at("status")), "deleting");
    EXPECT_EQ(str(token.at("token")), "");
    EXPECT_EQ(scw(sandbox, "GET", kTokens + "/" + demo.token_id).status, 404);
    EXPECT_EQ(scw(sandbox, "DELETE", kTokens + "/" + demo.token_id).status, 404);
    EXPECT_EQ(num(scw(sandbox, "GET", kTokens).object().at("total_count")), 1);
}

TEST_F(FunctionsTokens, ListFiltersByScope) {
    create(function_body());
    const auto by_function = scw(sandbox, "GET", kTokens + "?function_id=" + demo.function_id);
    EXPECT_EQ(num(by_function.object().at("total_count")), 2);
    const auto by_namespace = scw(sandbox, "GET", kTokens + "?namespace_id=" + demo.namespace_id);
    EXPECT_EQ(num(by_namespace.object().at("total_count")), 1);
    const auto neither =
        scw(sandbox, "GET",
            kTokens + "?function_id=" + demo.function_id + "&namespace_id=" + demo.namespace_id);
    EXPECT_EQ(num(neither.object().at("total_count")), 0);
    expect_invalid_argument(scw(sandbox, "GET", kTokens + "?function_id=zzz"), "function_id",
                            "constraint");
}

TEST_F(FunctionsTokens, ListPaginatesWithTotalsAndOrders) {
    for (int i = 0; i < 5; ++i) {
        create(function_body());
    }
    std::vector<std::string> seen;
    for (int page = 1; page <= 4; ++page) {
        const auto body =
            scw(sandbox, "GET", kTokens + "?page_size=3&page=" + std::to_string(page)).object();
        EXPECT_EQ(num(body.at("total_count")), 7);
        const auto& tokens = body.at("tokens").as_array();
        EXPECT_EQ(tokens.size(), page < 3 ? 3U : page == 3 ? 1U : 0U);
        for (const auto& token : tokens) {
            seen.push_back(str(token.at("id")));
        }
    }
    ASSERT_EQ(seen.size(), 7U);
    EXPECT_EQ(seen.front(), demo.token_id);

    const auto descending =
        scw(sandbox, "GET", kTokens + "?order_by=created_at_desc&page_size=100").object();
    const auto& reversed = descending.at("tokens").as_array();
    ASSERT_EQ(reversed.size(), 7U);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(str(reversed[i].at("id")), seen[seen.size() - 1 - i]);
    }
    // page 0 and page_size 0 mean "default", as protobuf cannot tell them from absent.
    const auto defaults = scw(sandbox, "GET", kTokens + "?page=0&page_size=0").object();
    EXPECT_EQ(defaults.at("tokens").as_array().size(), 7U);
}

TEST_F(FunctionsTokens, ListRejectsBadPagingAndOrder) {
    expect_invalid_argument(scw(sandbox, "GET", kTokens + "?page_size=101"), "page_size",
                            "constraint");
    expect_invalid_argument(scw(sandbox, "GET", kTokens + "?page_size=-1"), "page_size", "format");
    expect_invalid_argument(scw(sandbox, "GET", kTokens + "?page=abc"), "page", "format");
    expect_invalid_argument(scw(sandbox, "GET", kTokens + "?order_by=name_asc"), "order_by",
                            "constraint");
}

TEST_F(FunctionsTokens, RequireTheScalewaySecretKey) {
    const auto missing = send(sandbox, "GET", kTokens);
    EXPECT_EQ(missing.status, 401);
    const auto body = missing.object();
    EXPECT_EQ(str(body.at("type")), "denied_authentication");
    EXPECT_EQ(str(body.at("method")), "api_key");
    EXPECT_EQ(str(body.at("reason")), "invalid_argument");
    EXPECT_TRUE(body.contains("message"));

    const auto unknown =
        send(sandbox, "GET", kTokens, {{"X-Auth-Token", "11111111-2222-4333-8444-555555555555"}});
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(unknown.text("reason"), "not_found");

    const auto malformed = send(sandbox, "POST", kTokens, {{"X-Auth-Token", "secret"}}, "{}");
    EXPECT_EQ(malformed.status, 401);
    EXPECT_EQ(malformed.text("reason"), "invalid_argument");

    // The PlanetScale credential is no Scaleway key, and header names are case-insensitive.
    EXPECT_EQ(send(sandbox, "GET", kTokens, {{"Authorization", kPlanetScaleAuthorization}}).status,
              401);
    EXPECT_EQ(send(sandbox, "GET", kTokens, {{"x-auth-token", kScalewayKey}}).status, 200);
}

TEST(FunctionsTokensNoDemo, AnEmptyKeyAuthenticatesNobody) {
    Options options = make_options(false);
    options.scaleway_secret_key.clear();
    Sandbox sandbox(options);
    EXPECT_EQ(send(sandbox, "GET", kTokens).status, 401);
    EXPECT_EQ(send(sandbox, "GET", kTokens, {{"X-Auth-Token", ""}}).status, 401);
}

}  // namespace
}  // namespace cmcp::sandbox::test
