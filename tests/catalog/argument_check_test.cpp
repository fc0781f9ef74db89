// Argument validation: every tool accepts its realistic arguments, and every kind of mistake a
// model makes gets a message naming the argument, what was expected and what was given.

#include "catalog/argument_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "catalog_test_support.hpp"
#include "support/text.hpp"
#include "testing/fakes.hpp"
#include "testing/json.hpp"

namespace cmcp::catalog::test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const Catalog& catalog() {
    return cmcp::testing::embedded_catalog();
}
const Tool& tool(std::string_view name) {
    return tool_named(catalog(), name);
}

// The message for arguments that must be refused.
std::string refused(std::string_view name, const json::object& arguments) {
    const auto problem = check_arguments(tool(name), arguments);
    if (!problem) {
        ADD_FAILURE() << name << " accepted " << json::serialize(arguments);
        return {};
    }
    return *problem;
}

json::object with(std::string_view name, std::string_view key, json::value value) {
    auto arguments = valid_arguments(name);
    arguments[key] = std::move(value);
    return arguments;
}

json::value text(std::string_view value) {
    return json::value(value);
}

json::object without(std::string_view name, std::string_view key) {
    auto arguments = valid_arguments(name);
    arguments.erase(key);
    return arguments;
}

// ---------------------------------------------------------------------------------------------
// Valid calls

TEST(ArgumentCheck, EveryTableCaseIsValid) {
    for (const auto& entry : request_cases()) {
        SCOPED_TRACE(entry.label);
        const auto problem = check_arguments(tool(entry.tool), entry.arguments);
        EXPECT_FALSE(problem.has_value()) << *problem;
    }
}

TEST(ArgumentCheck, BoundaryValuesAreValid) {
    for (const int size : {1, 100}) {
        EXPECT_FALSE(check_arguments(tool("list-jwts"), with("list-jwts", "page_size", size)));
    }
    EXPECT_FALSE(check_arguments(tool("list-jwts"), with("list-jwts", "page", 10000)));
    // Functions and Secret Manager document no maximum page size.
    EXPECT_FALSE(
        check_arguments(tool("list-all-tokens"), with("list-all-tokens", "page_size", 1000)));
    EXPECT_FALSE(check_arguments(tool("list-secrets"), with("list-secrets", "page_size", 1000)));
    // Upper-case UUIDs match the pattern.
    EXPECT_FALSE(check_arguments(
        tool("get-token"), with("get-token", "token_id", "0E4B7C12-8F3A-4D6E-B5C9-1A2F3E4D5C6B")));
    // Offsets and fractional seconds are RFC 3339.
    EXPECT_FALSE(check_arguments(
        tool("create-new-revocable-token"),
        with("create-new-revocable-token", "expires_at", "2026-12-31T23:59:59.123456+02:00")));
    EXPECT_FALSE(check_arguments(tool("create-secret"),
                                 with("create-secret", "name", text(std::string(255, 'n')))));
}

TEST(ArgumentCheck, MaxLengthCountsCharactersNotBytes) {
    // JSON Schema maxLength counts characters: 200 × "é" is 200 characters (400 bytes of UTF-8)
    // and fits `name` (maxLength 255). A French description of 600 accented characters must fit
    // `description` (maxLength 1024) too.
    std::string accented;
    for (int i = 0; i < 200; ++i) {
        accented += "é";
    }
    const auto problem =
        check_arguments(tool("create-secret"), with("create-secret", "name", text(accented)));
    EXPECT_FALSE(problem.has_value()) << *problem;
    std::string description;
    for (int i = 0; i < 600; ++i) {
        description += "à";
    }
    const auto second =
        check_arguments(tool("create-new-revocable-token"),
                        with("create-new-revocable-token", "description", text(description)));
    EXPECT_FALSE(second.has_value()) << *second;
}

// ---------------------------------------------------------------------------------------------
// Messages, tool by tool

TEST(ArgumentCheck, MissingEachRequiredArgumentOfEveryTool) {
    int checked = 0;
    for (const auto& served : catalog().tools()) {
        const auto& definition = served.definition;
        const auto& properties = definition.input_schema.at("properties").as_object();
        for (const auto& name : definition.input_schema.at("required").as_array()) {
            const std::string argument(name.as_string());
            SCOPED_TRACE(definition.name + " without " + argument);
            const auto message = refused(definition.name, without(definition.name, argument));
            EXPECT_THAT(message, HasSubstr("Invalid arguments for tool `" + definition.name + "`"));
            EXPECT_THAT(message, HasSubstr("missing required argument `" + argument + "`: " +
                                           describe_schema(properties.at(argument).as_object())));
            EXPECT_THAT(message, HasSubstr("Nothing was sent upstream"));
            ++checked;
        }
    }
    // 14 regions + 6 organizations + 22 others.
    EXPECT_EQ(checked, 42);
}

json::value wrong_value_for(const json::object& property) {
    const auto& type = property.at("type");
    if (type == "string") {
        return 12345;
    }
    if (type == "integer") {
        return "12";
    }
    if (type == "boolean") {
        return "true";
    }
    if (type == "array") {
        return "read_branch";
    }
    return "x";  // object
}

TEST(ArgumentCheck, WrongTypeForEveryArgumentOfEveryTool) {
    for (const auto& served : catalog().tools()) {
        const auto& definition = served.definition;
        for (const auto& [name, property] : definition.input_schema.at("properties").as_object()) {
            const std::string argument(name);
            SCOPED_TRACE(definition.name + "." + argument);
            const auto wrong = wrong_value_for(property.as_object());
            const auto message = refused(definition.name, with(definition.name, argument, wrong));
            EXPECT_THAT(message, HasSubstr("`" + argument + "`: expected " +
                                           describe_schema(property.as_object()) + "; got " +
                                           json::serialize(wrong)));
        }
    }
}

TEST(ArgumentCheck, StringGivenForAnInteger) {
    const auto message = refused("list-jwts", with("list-jwts", "page", "2"));
    EXPECT_THAT(message, HasSubstr("`page`: expected an integer from 1 to 10000; got \"2\""));
}

TEST(ArgumentCheck, IntegerGivenForAString) {
    const auto message = refused("get-jwt", {{"jti", 42}});
    EXPECT_THAT(message, HasSubstr("`jti`: expected a string of 1 to 128 characters; got 42"));
}

TEST(ArgumentCheck, StringTrueGivenForABoolean) {
    const auto message = refused("list-jwts", with("list-jwts", "expired", "true"));
    EXPECT_THAT(message, HasSubstr("`expired`: expected a boolean (true or false); got \"true\""));
}

TEST(ArgumentCheck, NullIsNotAValue) {
    const auto message = refused("list-secrets", with("list-secrets", "name", nullptr));
    EXPECT_THAT(message, HasSubstr("`name`: expected a string of 1 to 255 characters; got null"));
}

TEST(ArgumentCheck, FractionalNumberForAnIntegerShowsTheNumberAsGiven) {
    const auto message = refused("list-jwts", with("list-jwts", "page_size", 50.5));
    EXPECT_THAT(message, HasSubstr("`page_size`: expected an integer from 1 to 100; got 50.5"));
}

TEST(ArgumentCheck, IntegralNumberWrittenWithAFractionIsAnInteger) {
    // JSON Schema (draft-06 and later, so draft-07 too): "integer" matches any number with a
    // zero fractional part, e.g. 50.0.
    const auto problem = check_arguments(tool("list-jwts"), with("list-jwts", "page_size", 50.0));
    EXPECT_FALSE(problem.has_value()) << *problem;
}

TEST(ArgumentCheck, RegionNotInTheEnum) {
    for (const auto* name : {"list-all-tokens", "get-token", "list-secrets", "restore-version"}) {
        SCOPED_TRACE(name);
        const auto message = refused(name, with(name, "region", "eu-west"));
        EXPECT_THAT(message, HasSubstr("`region`: expected one of \"fr-par\", \"nl-ams\", "
                                       "\"pl-waw\"; got \"eu-west\""));
    }
}

TEST(ArgumentCheck, OtherEnums) {
    EXPECT_THAT(refused("list-jwts", with("list-jwts", "order_by", "name_asc")),
                HasSubstr("`order_by`: expected one of \"created_at_asc\", \"created_at_desc\", "
                          "\"updated_at_asc\", \"updated_at_desc\"; got \"name_asc\""));
    EXPECT_THAT(refused("allow-product-use-secret",
                        with("allow-product-use-secret", "product", "unknown_product")),
                HasSubstr("`product`: expected one of \"edge_services\", \"s2s_vpn\"; got "
                          "\"unknown_product\""));
    EXPECT_THAT(
        refused("create-secret", with("create-secret", "type", "password")),
        AllOf(HasSubstr("`type`: expected one of \"opaque\""), HasSubstr("got \"password\"")));
}

TEST(ArgumentCheck, UuidPatternViolation) {
    const std::vector<std::pair<std::string, std::string>> uuid_arguments = {
        {"get-token", "token_id"},           {"list-all-tokens", "function_id"},
        {"list-jwts", "audience_id"},        {"list-secrets", "project_id"},
        {"list-secrets", "organization_id"}, {"create-secret", "project_id"},
        {"create-secret", "key_id"},         {"delete-secret", "secret_id"},
        {"restore-version", "secret_id"},    {"create-new-revocable-token", "function_id"}};
    for (const auto& [name, argument] : uuid_arguments) {
        SCOPED_TRACE(name + "." + argument);
        const auto message = refused(name, with(name, argument, "not-a-uuid"));
        EXPECT_THAT(message,
                    HasSubstr("`" + argument +
                              "`: expected a UUID string such as "
                              "\"6170692e-7363-616c-6577-61792e636f6d\"; got \"not-a-uuid\""));
    }
}

TEST(ArgumentCheck, DateTimesMustBeRealDates) {
    for (const auto* value : {"2026-13-45T25:61:61Z", "2026-02-30T10:00:00Z", "31/12/2026",
                              "2026-12-31", "2026-12-31 23:59:59Z"}) {
        SCOPED_TRACE(value);
        const auto message = refused("create-new-revocable-token",
                                     with("create-new-revocable-token", "expires_at", value));
        EXPECT_THAT(message,
                    HasSubstr("`expires_at`: expected an RFC 3339 date-time string such as "
                              "\"2026-12-31T23:59:59Z\"; got \"" +
                              std::string(value) + "\""));
    }
}

TEST(ArgumentCheck, UnknownArgumentWithASuggestion) {
    const auto message = refused("list-jwts", with("list-jwts", "page_sise", 20));
    EXPECT_THAT(message, HasSubstr("unknown argument `page_sise`. Did you mean `page_size`? Valid "
                                   "arguments: audience_id, order_by, page, page_size, expired."));
}

TEST(ArgumentCheck, UnknownArgumentsOnOtherTools) {
    EXPECT_THAT(refused("get-token", with("get-token", "tokenid", "x")),
                HasSubstr("unknown argument `tokenid`. Did you mean `token_id`?"));
    EXPECT_THAT(refused("list-secrets", with("list-secrets", "tag", json::array{"a"})),
                HasSubstr("Did you mean `tags`?"));
    EXPECT_THAT(refused("get-service-token", with("get-service-token", "org", "acme")),
                HasSubstr("unknown argument `org`."));
}

TEST(ArgumentCheck, UnknownArgumentFarFromAnyNameHasNoSuggestion) {
    const auto message = refused("get-jwt", with("get-jwt", "session_identifier", "x"));
    EXPECT_THAT(message, HasSubstr("unknown argument `session_identifier`. Valid arguments: jti."));
    EXPECT_THAT(message, Not(HasSubstr("Did you mean")));
}

TEST(ArgumentCheck, OutOfRange) {
    EXPECT_THAT(refused("list-jwts", with("list-jwts", "page_size", 0)),
                HasSubstr("`page_size`: expected an integer from 1 to 100; got 0"));
    EXPECT_THAT(refused("list-jwts", with("list-jwts", "page_size", 101)),
                HasSubstr("`page_size`: expected an integer from 1 to 100; got 101"));
    EXPECT_THAT(refused("list-jwts", with("list-jwts", "page", 0)),
                HasSubstr("`page`: expected an integer from 1 to 10000; got 0"));
    EXPECT_THAT(refused("list-all-tokens", with("list-all-tokens", "page_size", 0)),
                HasSubstr("`page_size`: expected an integer of at least 1; got 0"));
    EXPECT_THAT(refused("list-secrets", with("list-secrets", "page", -1)),
                HasSubstr("`page`: expected an integer of at least 1; got -1"));
    EXPECT_THAT(refused("list-service-tokens", with("list-service-tokens", "per_page", 0)),
                HasSubstr("`per_page`: expected an integer of at least 1; got 0"));
    EXPECT_THAT(refused("create-service-token", with("create-service-token", "ttl", 0)),
                HasSubstr("`ttl`: expected an integer of at least 1; got 0"));
}

TEST(ArgumentCheck, ExactlyOneOfFunctionIdOrNamespaceId) {
    const auto both =
        refused("create-new-revocable-token",
                with("create-new-revocable-token", "namespace_id", text(kNamespaceId)));
    EXPECT_THAT(both, HasSubstr("give exactly one of `function_id` or `namespace_id`; got "
                                "`function_id` and `namespace_id`."));
    const auto neither =
        refused("create-new-revocable-token", without("create-new-revocable-token", "function_id"));
    EXPECT_THAT(neither,
                HasSubstr("give exactly one of `function_id` or `namespace_id`; none was given."));
}

TEST(ArgumentCheck, DotSegmentsInPathArgumentsAreRefused) {
    for (const auto& served : catalog().tools()) {
        for (const auto& argument : served.definition.arguments) {
            if (argument.location != ArgumentLocation::path) {
                continue;
            }
            for (const auto* value : {"..", "."}) {
                SCOPED_TRACE(served.definition.name + "." + argument.name + "=" + value);
                const auto message = refused(served.definition.name,
                                             with(served.definition.name, argument.name, value));
                EXPECT_THAT(message, HasSubstr(concat({"`", argument.name, "`"})));
                EXPECT_THAT(message, HasSubstr(concat({"\"", value, "\""})));
            }
        }
    }
    EXPECT_THAT(refused("get-jwt", {{"jti", ".."}}),
                HasSubstr("`jti`: \"..\" is not a valid identifier."));
    EXPECT_THAT(refused("get-service-token", with("get-service-token", "id", "..")),
                HasSubstr("`id`: \"..\" is not a valid identifier."));
}

TEST(ArgumentCheck, HugeStringForAPatternCheckedArgumentIsRefusedQuicklyByLength) {
    const std::string huge(100000, 'a');
    const auto start = std::chrono::steady_clock::now();
    const auto uuid = refused("get-token", with("get-token", "token_id", text(huge)));
    const auto date = refused("create-new-revocable-token",
                              with("create-new-revocable-token", "expires_at", text(huge)));
    const auto access =
        refused("grant-service-token-access", with("grant-service-token-access", "access",
                                                   json::array{"read_branch", json::value(huge)}));
    const auto revision =
        refused("restore-version", with("restore-version", "revision", text(huge)));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::milliseconds(500));

    EXPECT_THAT(uuid, HasSubstr("`token_id`: expected a UUID string such as "
                                "\"6170692e-7363-616c-6577-61792e636f6d\"; got a string of 100000 "
                                "characters."));
    EXPECT_THAT(date, HasSubstr("`expires_at`: expected an RFC 3339 date-time string"));
    EXPECT_THAT(date, HasSubstr("got a string of 100000 characters."));
    EXPECT_THAT(access, HasSubstr("`access[1]`: expected a string matching ^[a-z][a-z0-9_]*$ of 1 "
                                  "to 64 characters; got a string of 100000 characters."));
    EXPECT_THAT(revision, HasSubstr("`revision`"));
    for (const auto* message : {&uuid, &date, &access, &revision}) {
        // The value itself is not echoed back.
        EXPECT_LT(message->size(), 1000U);
    }
}

// Regression (fuzz/reproducers/*-valijson-format-abort): valijson read a non-empty array or
// object given for a "format" argument as a string and aborted the whole process.
TEST(ArgumentCheck, ContainerForAFormatCheckedArgumentIsRefusedNotAborted) {
    EXPECT_THAT(refused("get-token", with("get-token", "token_id", json::array{1})),
                HasSubstr("`token_id`: expected a UUID string such as"));
    EXPECT_THAT(refused("create-secret", with("create-secret", "key_id", json::object{{"a", 1}})),
                HasSubstr("`key_id`: expected a UUID string such as"));
    EXPECT_THAT(refused("list-jwts", with("list-jwts", "audience_id", json::array{"x"})),
                HasSubstr("`audience_id`: expected a UUID string such as"));
    EXPECT_THAT(
        refused("create-new-revocable-token", with("create-new-revocable-token", "expires_at",
                                                   json::array{"2026-12-31T23:59:59Z"})),
        HasSubstr("`expires_at`: expected an RFC 3339 date-time string"));
}

// Regression (fuzz/reproducers/fuzz_arguments-uniqueitems-timeout): 600 equal access names made
// valijson record 180 000 "not unique" errors, which the report then compared pairwise; the
// call did not return within 10 seconds.
TEST(ArgumentCheck, ThousandsOfEqualAccessNamesAreRefusedQuickly) {
    json::array access;
    for (int i = 0; i < 600; ++i) {
        access.emplace_back("read_branch");
    }
    const auto arguments = with("grant-service-token-access", "access", access);  // loads
    const auto start = std::chrono::steady_clock::now();
    const auto message = refused("grant-service-token-access", arguments);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_THAT(message, HasSubstr("`access`: expected an array"));
    EXPECT_THAT(message, HasSubstr("array of 600 items is too long to check (limit 256)"));
    EXPECT_LT(message.size(), 1000U);
    // Within the limit, duplicates are still found.
    EXPECT_THAT(refused("grant-service-token-access",
                        with("grant-service-token-access", "access",
                             json::array{"read_branch", "create_branch", "read_branch"})),
                HasSubstr("`access`"));
}

// Every wrong item is a failure: the report must stay fast and short however many there are.
TEST(ArgumentCheck, ThousandsOfWrongItemsGiveAShortReportQuickly) {
    json::array tags;
    for (int i = 0; i < 5000; ++i) {
        tags.emplace_back(i);
    }
    const auto arguments = with("create-secret", "tags", tags);  // loads the catalog
    const auto start = std::chrono::steady_clock::now();
    const auto message = refused("create-secret", arguments);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    EXPECT_THAT(message, HasSubstr("`tags[0]`: expected a string"));
    EXPECT_THAT(message, HasSubstr("… and 4980 more problems."));
    EXPECT_LT(message.size(), 4000U);
}

TEST(ArgumentCheck, HugeFreeTextIsRefusedByItsMaxLength) {
    const auto message = refused(
        "create-secret", with("create-secret", "description", text(std::string(100000, 'd'))));
    EXPECT_THAT(message, HasSubstr("`description`: expected a string of at most 1024 characters; "
                                   "got a string of 100000 characters."));
    EXPECT_LT(message.size(), 1000U);
}

TEST(ArgumentCheck, HugeUnknownArgumentNameIsNotEchoedInFull) {
    // The model sees this message; a 100 000-character key must not come back whole.
    const auto message = refused("list-jwts", with("list-jwts", std::string(100000, 'k'), 1));
    EXPECT_THAT(message, HasSubstr("unknown argument"));
    EXPECT_LT(message.size(), 2000U);
}

TEST(ArgumentCheck, ArrayItemErrorsPointAtTheIndex) {
    EXPECT_THAT(refused("list-secrets", with("list-secrets", "tags", json::array{"prod", ""})),
                HasSubstr("`tags[1]`: expected a string of 1 to 255 characters; got \"\"."));
    EXPECT_THAT(refused("update-metadata-secret",
                        with("update-metadata-secret", "tags", json::array{"prod", 7, "db"})),
                HasSubstr("`tags[1]`: expected a string of 1 to 255 characters; got 7."));
    EXPECT_THAT(
        refused("grant-service-token-access", with("grant-service-token-access", "access",
                                                   json::array{"read_branch", "Read-Branch"})),
        HasSubstr("`access[1]`: expected a string matching ^[a-z][a-z0-9_]*$ of 1 to 64 "
                  "characters; got \"Read-Branch\"."));
}

TEST(ArgumentCheck, ArrayLevelErrors) {
    EXPECT_THAT(
        refused("grant-service-token-access",
                with("grant-service-token-access", "access", json::array{})),
        HasSubstr("`access`: expected an array of at least 1 item(s) without duplicates, "
                  "each a string matching ^[a-z][a-z0-9_]*$ of 1 to 64 characters; got []"));
    EXPECT_THAT(
        refused("grant-service-token-access", with("grant-service-token-access", "access",
                                                   json::array{"read_branch", "read_branch"})),
        HasSubstr("got [\"read_branch\",\"read_branch\"]"));
}

TEST(ArgumentCheck, NestedObjectErrors) {
    auto policy = cmcp::testing::parse_json(R"({"time_to_live": "3600s", "action": "archive"})");
    EXPECT_THAT(refused("create-secret", with("create-secret", "ephemeral_policy", policy)),
                HasSubstr("`ephemeral_policy.action`: expected one of \"delete\", \"disable\"; got "
                          "\"archive\"."));
    policy = cmcp::testing::parse_json(R"({"time_to_live": "1 hour"})");
    EXPECT_THAT(refused("update-metadata-secret",
                        with("update-metadata-secret", "ephemeral_policy", policy)),
                HasSubstr("`ephemeral_policy.time_to_live`: expected a string matching "
                          "^[0-9]+(\\.[0-9]{1,9})?s$ of at most 32 characters; got \"1 hour\"."));
    policy = cmcp::testing::parse_json(R"({"expires_once_accessed": "yes"})");
    EXPECT_THAT(refused("create-secret", with("create-secret", "ephemeral_policy", policy)),
                HasSubstr("`ephemeral_policy.expires_once_accessed`: expected a boolean (true or "
                          "false); got \"yes\"."));
}

TEST(ArgumentCheck, UnknownNestedPropertyIsNamed) {
    const auto policy = cmcp::testing::parse_json(R"({"ttl": "3600s"})");
    const auto message =
        refused("create-secret", with("create-secret", "ephemeral_policy", policy));
    EXPECT_THAT(message, HasSubstr("`ephemeral_policy`"));
    EXPECT_THAT(message, HasSubstr("'ttl'"));
}

TEST(ArgumentCheck, SeveralProblemsAreAllListed) {
    const auto message = refused(
        "list-jwts", cmcp::testing::parse_object(
                         R"({"page": "2", "expired": "true", "page_size": 0, "orderby": "x"})"));
    EXPECT_THAT(message, HasSubstr("unknown argument `orderby`. Did you mean `order_by`?"));
    EXPECT_THAT(message, HasSubstr("missing required argument `audience_id`"));
    EXPECT_THAT(message, HasSubstr("`page`: expected"));
    EXPECT_THAT(message, HasSubstr("`expired`: expected"));
    EXPECT_THAT(message, HasSubstr("`page_size`: expected"));
}

TEST(ArgumentCheck, LongValuesAreElidedInMessages) {
    const auto message =
        refused("list-secrets", with("list-secrets", "type", text(std::string(500, 't'))));
    EXPECT_THAT(message, HasSubstr("`type`: expected one of"));
    EXPECT_LT(message.size(), 1000U);
}

TEST(ArgumentCheck, PrepareReturnsTheSameMessage) {
    const auto arguments = with("list-jwts", "page_sise", 20);
    auto outcome = catalog().prepare(tool("list-jwts"), arguments);
    ASSERT_TRUE(std::holds_alternative<std::string>(outcome));
    EXPECT_EQ(std::get<std::string>(outcome), *check_arguments(tool("list-jwts"), arguments));
}

// ---------------------------------------------------------------------------------------------
// describe_schema

std::string describe(std::string_view schema) {
    return describe_schema(cmcp::testing::parse_object(schema));
}

TEST(DescribeSchema, Scalars) {
    EXPECT_EQ(describe(R"({"type": "integer", "minimum": 1, "maximum": 100})"),
              "an integer from 1 to 100");
    EXPECT_EQ(describe(R"({"type": "integer", "minimum": 1})"), "an integer of at least 1");
    EXPECT_EQ(describe(R"({"type": "integer", "maximum": 9})"), "an integer of at most 9");
    EXPECT_EQ(describe(R"({"type": "number"})"), "a number");
    EXPECT_EQ(describe(R"({"type": "boolean"})"), "a boolean (true or false)");
    EXPECT_EQ(describe(R"({"type": "string", "minLength": 1, "maxLength": 128})"),
              "a string of 1 to 128 characters");
    EXPECT_EQ(describe(R"({"type": "string", "maxLength": 1024})"),
              "a string of at most 1024 characters");
    EXPECT_EQ(describe(R"({"type": "string", "minLength": 3})"),
              "a string of at least 3 characters");
    EXPECT_EQ(describe(R"({"type": "string", "minLength": 0})"), "a string");
    EXPECT_EQ(describe(R"({"type": ["string", "null"]})"), "a string or null");
    EXPECT_EQ(describe(R"({})"), "a value");
}

TEST(DescribeSchema, EnumsConstsFormatsAndPatterns) {
    EXPECT_EQ(describe(R"({"type": "string", "enum": ["fr-par", "nl-ams", "pl-waw"]})"),
              "one of \"fr-par\", \"nl-ams\", \"pl-waw\"");
    EXPECT_EQ(describe(R"({"const": true})"), "exactly true");
    EXPECT_EQ(describe(R"({"type": "string", "format": "uuid", "pattern": "^x$"})"),
              "a UUID string such as \"6170692e-7363-616c-6577-61792e636f6d\"");
    EXPECT_EQ(describe(R"({"type": "string", "format": "date-time"})"),
              "an RFC 3339 date-time string such as \"2026-12-31T23:59:59Z\"");
    EXPECT_EQ(describe(R"({"type": "string", "format": "email"})"), "a string in format email");
    EXPECT_EQ(describe(R"({"type": "string", "pattern": "^[a-z]+$", "maxLength": 8})"),
              "a string matching ^[a-z]+$ of at most 8 characters");
}

TEST(DescribeSchema, Arrays) {
    EXPECT_EQ(describe(R"({"type": "array", "items": {"type": "string"}})"),
              "an array, each a string");
    EXPECT_EQ(describe(R"({"type": "array", "minItems": 1, "uniqueItems": true,
                          "items": {"type": "string", "maxLength": 64}})"),
              "an array of at least 1 item(s) without duplicates, each a string of at most 64 "
              "characters");
    EXPECT_EQ(
        describe(
            R"({"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "integer"}})"),
        "an array of 1 to 3 items, each an integer");
}

TEST(DescribeSchema, RealSchemas) {
    const auto& properties = tool("list-jwts").definition.input_schema.at("properties").as_object();
    EXPECT_EQ(describe_schema(properties.at("page_size").as_object()), "an integer from 1 to 100");
    EXPECT_EQ(describe_schema(properties.at("audience_id").as_object()),
              "a UUID string such as \"6170692e-7363-616c-6577-61792e636f6d\"");
    const auto& region =
        tool("get-token").definition.input_schema.at("properties").at("region").as_object();
    EXPECT_EQ(describe_schema(region), "one of \"fr-par\", \"nl-ams\", \"pl-waw\"");
}

}  // namespace
}  // namespace cmcp::catalog::test
