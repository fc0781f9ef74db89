#include "catalog/schema_check.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cmcp::catalog
