// The exact upstream request each of the 23 tools builds from realistic arguments.

#include "catalog/request_builder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "catalog_test_support.hpp"
#include "support/text.hpp"
#include "testing/fakes.hpp"
#include "testing/json.hpp"

namespace cmcp::catalog::test {
namespace {

using ::testing::HasSubstr;

const Catalog& catalog() {
    return cmcp::testing::embedded_catalog();
}

void expect_request(const upstream::Request& actual, const upstream::Request& expected) {
    EXPECT_EQ(actual.provider, expected.provider);
    EXPECT_EQ(actual.method, expected.method);
    EXPECT_EQ(actual.path, expected.path);
    EXPECT_EQ(actual.query, expected.query);
    EXPECT_EQ(actual.body.has_value(), expected.body.has_value())
        << (actual.body ? "unexpected body " + json::serialize(*actual.body) : "missing body");
    if (actual.body && expected.body) {
        EXPECT_EQ(*actual.body, *expected.body) << "actual body: " << json::serialize(*actual.body);
    }
    EXPECT_EQ(actual.idempotent, expected.idempotent);
    EXPECT_EQ(actual.tool, expected.tool);
}

class RequestTable : public ::testing::TestWithParam<RequestCase> {};

TEST_P(RequestTable, BuildRequestProducesTheExactUpstreamRequest) {
    const auto& entry = GetParam();
    const auto& tool = tool_named(catalog(), entry.tool);
    expect_request(build_request(tool.definition, entry.arguments), entry.expected);
}

TEST_P(RequestTable, PrepareValidatesAndProducesTheSameRequest) {
    const auto& entry = GetParam();
    const auto& tool = tool_named(catalog(), entry.tool);
    auto outcome = catalog().prepare(tool, entry.arguments);
    ASSERT_TRUE(std::holds_alternative<PreparedCall>(outcome)) << std::get<std::string>(outcome);
    const auto& call = std::get<PreparedCall>(outcome);
    expect_request(call.request, entry.expected);
    EXPECT_EQ(call.arguments, entry.arguments);
}

TEST_P(RequestTable, IdempotentFlagIsTheIdempotentHint) {
    const auto& entry = GetParam();
    EXPECT_EQ(entry.expected.idempotent, expected_tool(entry.tool).idempotent);
    EXPECT_EQ(entry.expected.method, expected_tool(entry.tool).method);
}

std::string case_name(const ::testing::TestParamInfo<RequestCase>& info) {
    std::string name;
    for (const char c : info.param.label) {
        name += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(AllTools, RequestTable, ::testing::ValuesIn(request_cases()), case_name);

TEST(RequestTableCoverage, EveryToolHasACase) {
    std::set<std::string> covered;
    for (const auto& entry : request_cases()) {
        covered.insert(entry.tool);
    }
    for (const auto& tool : expected_tools()) {
        EXPECT_TRUE(covered.contains(std::string(tool.name))) << tool.name;
    }
    EXPECT_EQ(covered.size(), 23U);
}

// ---------------------------------------------------------------------------------------------
// Specific rules

TEST(RequestBuilder, ArraysBecomeRepeatedQueryKeysInOrder) {
    auto arguments = valid_arguments("list-secrets");
    arguments["tags"] = json::array{"a", "b", "a b"};
    const auto request = build_request(tool_named(catalog(), "list-secrets").definition, arguments);
    std::vector<std::string> tags;
    for (const auto& param : request.query) {
        if (param.name == "tags") {
            tags.push_back(param.value);
        }
    }
    EXPECT_THAT(tags, ::testing::ElementsAre("a", "b", "a b"));
    EXPECT_THAT(request.target(), HasSubstr("tags=a&tags=b&tags=a%20b"));
}

TEST(RequestBuilder, EmptyArrayInTheQuerySendsNoKey) {
    const auto request = build_request(tool_named(catalog(), "list-secrets").definition,
                                       {{"region", "fr-par"}, {"tags", json::array{}}});
    const std::vector<upstream::QueryParam> expected = {{"scheduled_for_deletion", "false"}};
    EXPECT_EQ(request.query, expected);
}

TEST(RequestBuilder, ScheduledForDeletionIsSentWhenOmitted) {
    const auto request =
        build_request(tool_named(catalog(), "list-secrets").definition, {{"region", "fr-par"}});
    EXPECT_EQ(request.target(),
              "/secret-manager/v1beta1/regions/fr-par/secrets?scheduled_for_deletion=false");
}

TEST(RequestBuilder, CreateSecretSendsProtectedFalseWhenOmitted) {
    const auto request = build_request(
        tool_named(catalog(), "create-secret").definition,
        {{"region", "fr-par"}, {"project_id", std::string(kProjectId)}, {"name", "x"}});
    ASSERT_TRUE(request.body.has_value());
    EXPECT_EQ(request.body->at("protected"), false);
}

TEST(RequestBuilder, GrantSendsEmptyDatabaseWhenOmitted) {
    const auto request = build_request(
        tool_named(catalog(), "grant-service-token-access").definition,
        {{"organization", "acme"}, {"id", "txhc257pxjuc"}, {"access", json::array{"read_branch"}}});
    ASSERT_TRUE(request.body.has_value());
    EXPECT_EQ(*request.body,
              cmcp::testing::parse_object(R"({"database": "", "access": ["read_branch"]})"));
}

TEST(RequestBuilder, DocumentationOnlyDefaultsAreNotSent) {
    // list-all-tokens order_by has a default but no sendDefault.
    const auto request =
        build_request(tool_named(catalog(), "list-all-tokens").definition, {{"region", "fr-par"}});
    EXPECT_TRUE(request.query.empty());
    EXPECT_FALSE(request.body.has_value());
}

TEST(RequestBuilder, PathValuesWithReservedCharactersArePercentEncoded) {
    const auto request =
        build_request(tool_named(catalog(), "get-jwt").definition, {{"jti", "a/b c"}});
    EXPECT_EQ(request.path, "/iam/v1alpha1/jwts/a%2Fb%20c");
    // The same value passes validation (jti has no pattern) and is encoded the same way.
    auto outcome = catalog().prepare(tool_named(catalog(), "get-jwt"), {{"jti", "a/b c"}});
    ASSERT_TRUE(std::holds_alternative<PreparedCall>(outcome)) << std::get<std::string>(outcome);
    EXPECT_EQ(std::get<PreparedCall>(outcome).request.path, "/iam/v1alpha1/jwts/a%2Fb%20c");
}

TEST(RequestBuilder, PathValuesCannotEscapeTheirSegment) {
    const auto request =
        build_request(tool_named(catalog(), "get-service-token").definition,
                      {{"organization", "acme/../../other?x=1#f"}, {"id", "%2e%2e"}});
    EXPECT_EQ(request.path,
              "/v1/organizations/acme%2F..%2F..%2Fother%3Fx%3D1%23f/service-tokens/%252e%252e");
}

TEST(RequestBuilder, NonAsciiPathValuesArePercentEncodedAsUtf8) {
    const auto request = build_request(tool_named(catalog(), "get-jwt").definition, {{"jti", "é"}});
    EXPECT_EQ(request.path, "/iam/v1alpha1/jwts/%C3%A9");
}

TEST(RequestBuilder, QueryValuesWithDelimitersAreEncodedByTarget) {
    auto arguments = valid_arguments("list-secrets");
    arguments = {{"region", "fr-par"}, {"name", "a&b=c#d e+f"}, {"path", "/prod/db"}};
    const auto request = build_request(tool_named(catalog(), "list-secrets").definition, arguments);
    // Values are stored unencoded ...
    const std::vector<upstream::QueryParam> expected = {
        {"name", "a&b=c#d e+f"}, {"path", "/prod/db"}, {"scheduled_for_deletion", "false"}};
    EXPECT_EQ(request.query, expected);
    // ... and encoded on the request line.
    EXPECT_EQ(
        request.target(),
        "/secret-manager/v1beta1/regions/fr-par/secrets?name=a%26b%3Dc%23d%20e%2Bf&path=%2Fprod%"
        "2Fdb&scheduled_for_deletion=false");
}

TEST(RequestBuilder, TargetWithoutQueryIsThePath) {
    const auto request =
        build_request(tool_named(catalog(), "get-jwt").definition, {{"jti", std::string(kJti)}});
    EXPECT_EQ(request.target(), concat({"/iam/v1alpha1/jwts/", kJti}));
}

TEST(RequestBuilder, BooleansAndIntegersInTheQuery) {
    const auto request = build_request(tool_named(catalog(), "list-jwts").definition,
                                       {{"audience_id", std::string(kUserId)},
                                        {"expired", true},
                                        {"page", 10000},
                                        {"page_size", 7}});
    const std::vector<upstream::QueryParam> expected = {{"audience_id", std::string(kUserId)},
                                                        {"page", "10000"},
                                                        {"page_size", "7"},
                                                        {"expired", "true"}};
    EXPECT_EQ(request.query, expected);
}

TEST(RequestBuilder, QueryOrderFollowsTheDefinitionNotTheCall) {
    const auto request = build_request(tool_named(catalog(), "list-jwts").definition,
                                       cmcp::testing::parse_object(R"({
                                           "page_size": 5, "expired": false, "page": 2,
                                           "audience_id": "6170692e-7363-616c-6577-61792e636f6d"
                                       })"));
    EXPECT_EQ(
        request.target(),
        "/iam/v1alpha1/jwts?audience_id=6170692e-7363-616c-6577-61792e636f6d&page=2&page_size="
        "5&expired=false");
}

TEST(RequestBuilder, NestedBodyObjectsAreSentAsGiven) {
    const auto request = build_request(tool_named(catalog(), "update-metadata-secret").definition,
                                       cmcp::testing::parse_object(R"({"region": "fr-par",
            "secret_id": "b2c6f3a0-4d1e-4c8f-9a7b-1e2d3c4b5a69",
            "ephemeral_policy": {"expires_once_accessed": true, "action": "delete"}})"));
    ASSERT_TRUE(request.body.has_value());
    EXPECT_EQ(*request.body, cmcp::testing::parse_object(
                                 R"({"ephemeral_policy": {"expires_once_accessed": true,
                                                          "action": "delete"}})"));
}

TEST(RequestBuilder, EmptyJsonBodyForProtectUnprotectRestoreAndRestoreVersion) {
    for (const auto* name : {"enable-secret-protection", "disable-secret-protection",
                             "restore-secret", "restore-version"}) {
        SCOPED_TRACE(name);
        const auto request =
            build_request(tool_named(catalog(), name).definition, valid_arguments(name));
        ASSERT_TRUE(request.body.has_value());
        EXPECT_TRUE(request.body->empty());
        EXPECT_EQ(request.method, "POST");
    }
}

TEST(RequestBuilder, NoBodyForGetAndDelete) {
    for (const auto& tool : catalog().tools()) {
        const auto& definition = tool.definition;
        if (definition.method != "GET" && definition.method != "DELETE") {
            continue;
        }
        SCOPED_TRACE(definition.name);
        const auto request = build_request(definition, valid_arguments(definition.name));
        EXPECT_FALSE(request.body.has_value());
    }
}

TEST(UrlText, ScalarsAsTheyGoIntoAUrl) {
    EXPECT_EQ(url_text(json::value("fr-par")), "fr-par");
    EXPECT_EQ(url_text(json::value(true)), "true");
    EXPECT_EQ(url_text(json::value(false)), "false");
    EXPECT_EQ(url_text(json::value(42)), "42");
    EXPECT_EQ(url_text(json::value(-7)), "-7");
    EXPECT_EQ(url_text(json::value(18446744073709551615ULL)), "18446744073709551615");
}

TEST(UrlText, AnIntegralDoubleIsWrittenAsAnInteger) {
    // A client that serializes page_size as 50.0 (Python's json.dumps of a float does) sends a
    // JSON number that is an integer for JSON Schema; the URL must still say 50.
    EXPECT_EQ(url_text(json::value(50.0)), "50");
}

TEST(PercentEncode, KeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(upstream::percent_encode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(upstream::percent_encode("a/b c"), "a%2Fb%20c");
    EXPECT_EQ(upstream::percent_encode("&=#?+%"), "%26%3D%23%3F%2B%25");
    EXPECT_EQ(upstream::percent_encode(""), "");
}

TEST(RequestBuilder, IntegralDoubleArgumentIsSentAsAnInteger) {
    auto outcome = cmcp::testing::embedded_catalog().prepare(
        tool_named(cmcp::testing::embedded_catalog(), "list-jwts"),
        cmcp::testing::parse_object(
            R"({"audience_id": "6170692e-7363-616c-6577-61792e636f6d", "page_size": 50.0})"));
    if (const auto* problem = std::get_if<std::string>(&outcome)) {
        EXPECT_THAT(*problem, ::testing::HasSubstr("`page_size`"));
        return;
    }
    const auto& request = std::get<PreparedCall>(outcome).request;
    EXPECT_EQ(request.target(),
              "/iam/v1alpha1/jwts?audience_id=6170692e-7363-616c-6577-61792e636f6d&page_size=50");
}

}  // namespace
}  // namespace cmcp::catalog::test
