#include "catalog/schema_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <thread>

#include "testing/json.hpp"

namespace cmcp::catalog {
namespace {

namespace json = boost::json;

// Regression: valijson's date-time regex recursed once per character and a vendor response
// with a 200 000-character timestamp crashed the server (SIGSEGV) in the output check.
TEST(SchemaCheck, HugeStringsAreRefusedNotFedToTheRegexEngine) {
    const CompiledSchema schema(testing::parse_json(
        R"({"type":"object","properties":{"created_at":{"type":["string","null"],"format":"date-time"},
            "id":{"type":"string","pattern":"^[a-z]+$"}}})"));
    json::object document{{"created_at", std::string(200000, '1') + "-01-01T00:00:00Z"}};
    std::vector<SchemaViolation> violations;
    // On a worker-sized stack, as in the server.
    std::thread([&] { violations = schema.check(document); }).join();
    ASSERT_EQ(violations.size(), 1U);
    EXPECT_EQ(violations[0].pointer, "/created_at");
    EXPECT_NE(violations[0].message.find("too long"), std::string::npos);
    document = json::object{{"id", std::string(100000, 'a')}};
    std::thread([&] { violations = schema.check(document); }).join();
    ASSERT_EQ(violations.size(), 1U);
    EXPECT_EQ(violations[0].pointer, "/id");
}

TEST(SchemaCheck, NormalStringsAreStillChecked) {
    const CompiledSchema schema(testing::parse_json(
        R"({"type":"object","properties":{"created_at":{"type":["string","null"],"format":"date-time"}}})"));
    EXPECT_TRUE(schema.check(json::object{{"created_at", "2026-11-23T10:00:00Z"}}).empty());
    EXPECT_TRUE(schema.check(json::object{{"created_at", nullptr}}).empty());
    EXPECT_FALSE(schema.check(json::object{{"created_at", "yesterday"}}).empty());
}

TEST(SchemaCheck, SchemasWithoutPatternsCheckLongStrings) {
    const CompiledSchema schema(
        testing::parse_json(R"({"type":"object","properties":{"note":{"type":"string"}}})"));
    EXPECT_TRUE(schema.check(json::object{{"note", std::string(100000, 'x')}}).empty());
    EXPECT_FALSE(schema.check(json::object{{"note", 5}}).empty());
}

// Regression (fuzz/reproducers/*-valijson-format-abort): valijson's format check called
// asString() on whatever it met, which aborts the process for a non-empty array or object.
TEST(SchemaCheck, FormatAppliesToStringsOnlyAndNeverAborts) {
    const CompiledSchema schema(testing::parse_json(
        R"({"type":"object","properties":{"id":{"type":"string","format":"date"},
            "at":{"type":["string","null"],"format":"date-time"},
            "any":{"format":"date-time"}}})"));
    for (const auto& wrong : {json::value(json::array{1}), json::value(json::object{{"a", 1}}),
                              json::value(json::array{"2026-11-23"})}) {
        const auto violations = schema.check(json::object{{"id", wrong}});
        EXPECT_TRUE(std::any_of(violations.begin(), violations.end(), [](const SchemaViolation& v) {
            return v.pointer == "/id";
        })) << json::serialize(wrong);
        EXPECT_FALSE(schema.check(json::object{{"at", wrong}}).empty());
        // Without a type, format says nothing about non-strings.
        EXPECT_TRUE(schema.check(json::object{{"any", wrong}}).empty());
    }
    EXPECT_TRUE(schema.check(json::object{{"id", "2026-11-23"}}).empty());
    EXPECT_FALSE(schema.check(json::object{{"id", "yesterday"}}).empty());
    EXPECT_FALSE(schema.check(json::object{{"any", "yesterday"}}).empty());
}

// Regression (fuzz/reproducers/fuzz_arguments-uniqueitems-timeout): valijson compares every
// pair of items and records one error per equal pair.
TEST(SchemaCheck, LongArraysUnderUniqueItemsAreRefusedNotComparedPairwise) {
    const CompiledSchema schema(testing::parse_json(
        R"({"type":"object","properties":{"access":{"type":"array","uniqueItems":true,
            "items":{"type":"string"}}}})"));
    const auto equal_items = [](std::size_t count) {
        return json::object{{"access", json::array(count, json::value("read_branch"))}};
    };
    const auto violations = schema.check(equal_items(600));
    ASSERT_EQ(violations.size(), 1U);
    EXPECT_EQ(violations[0].pointer, "/access");
    EXPECT_EQ(violations[0].message, "array of 600 items is too long to check (limit 256)");
    EXPECT_FALSE(schema.check(equal_items(256)).empty());
    EXPECT_TRUE(schema.check(json::object{{"access", json::array{"a", "b"}}}).empty());
    // Schemas without uniqueItems take arrays of any length.
    const CompiledSchema plain(testing::parse_json(
        R"({"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"}}}})"));
    EXPECT_TRUE(plain.check(json::object{{"tags", json::array(5000, json::value("t"))}}).empty());
}

}  // namespace
}  // namespace cmcp::catalog
