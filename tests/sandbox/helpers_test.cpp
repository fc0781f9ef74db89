#include <gtest/gtest.h>

#include <set>

#include "sandbox/common.hpp"

namespace cmcp::sandbox {
namespace {

using namespace std::chrono;

TEST(SandboxHelpers, FormatsUtcTimesWithTheVendorsPrecision) {
    const TimePoint time = sys_days{2022y / March / 22} + 12h + 34min + 56s + 123456us;
    EXPECT_EQ(format_time(time, 6), "2022-03-22T12:34:56.123456Z");
    EXPECT_EQ(format_time(time, 3), "2022-03-22T12:34:56.123Z");
    EXPECT_EQ(format_time(time, 0), "2022-03-22T12:34:56Z");
}

TEST(SandboxHelpers, ParsesRfc3339) {
    const TimePoint expected = sys_days{2022y / March / 22} + 12h + 34min + 56s;
    EXPECT_EQ(parse_time("2022-03-22T12:34:56Z"), expected);
    EXPECT_EQ(parse_time("2022-03-22T14:34:56+02:00"), expected);
    EXPECT_EQ(parse_time("2022-03-22T10:04:56-02:30"), expected);
    EXPECT_EQ(parse_time("2022-03-22T12:34:56.5Z"), expected + 500ms);
    EXPECT_EQ(parse_time("2022-03-22T12:34:56.123456789Z"), expected + 123456us);
    for (const char* bad :
         {"", "2022-03-22", "2022-03-22T12:34:56", "2022-02-30T00:00:00Z", "2022-03-22T25:00:00Z",
          "2022-03-22T12:34:56.Z", "2022-03-22T12:34:56Zjunk", "2022/03/22T12:34:56Z",
          "2022-03-22T12:34:56+0200"}) {
        EXPECT_FALSE(parse_time(bad).has_value()) << bad;
    }
}

TEST(SandboxHelpers, DecodesPercentEscapes) {
    EXPECT_EQ(percent_decode("a%2Fb%20c+d", false), "a/b c+d");
    EXPECT_EQ(percent_decode("a%2Fb%20c+d", true), "a/b c d");
    EXPECT_EQ(percent_decode("100%", false), "100%");
    EXPECT_EQ(percent_decode("%zz%4", false), "%zz%4");
    EXPECT_EQ(percent_decode("%e2%82%AC", false), "\xe2\x82\xac");
}

TEST(SandboxHelpers, GeneratesVersion4UuidsAndPlanetScaleIds) {
    IdSource ids;
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const std::string uuid = ids.uuid();
        EXPECT_TRUE(is_uuid(uuid)) << uuid;
        EXPECT_EQ(uuid[14], '4') << uuid;
        EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
        seen.insert(uuid);
        const std::string id = ids.planetscale_id();
        EXPECT_EQ(id.size(), 12U);
        EXPECT_EQ(id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789"), std::string::npos);
    }
    EXPECT_EQ(seen.size(), 200U);
    EXPECT_FALSE(is_uuid("6170692e-7363-616c-6577-61792e636f6"));
    EXPECT_FALSE(is_uuid("6170692e_7363-616c-6577-61792e636f6d"));
    EXPECT_FALSE(is_uuid("6170692g-7363-616c-6577-61792e636f6d"));
}

TEST(SandboxHelpers, PagesNeverOverflow) {
    const std::vector<int> items = {1, 2, 3, 4, 5};
    EXPECT_EQ(page_of(items, 1, 2), (std::vector<int>{1, 2}));
    EXPECT_EQ(page_of(items, 3, 2), (std::vector<int>{5}));
    EXPECT_TRUE(page_of(items, 4, 2).empty());
    EXPECT_TRUE(page_of(items, 0, 2).empty());
    EXPECT_TRUE(page_of(items, 1, 0).empty());
    EXPECT_TRUE(page_of(items, static_cast<std::size_t>(-1), 100).empty());
}

TEST(SandboxHelpers, ReadsTypedFieldsAndRemembersTheFirstMistake) {
    const boost::json::object object = {
        {"name", "x"},        {"count", 3},  {"flag", true}, {"list", boost::json::array{"a", "b"}},
        {"nothing", nullptr}, {"wrong", 1.5}};
    FieldReader fields(object);
    EXPECT_EQ(fields.string("name"), "x");
    EXPECT_EQ(fields.integer("count"), 3);
    EXPECT_EQ(fields.boolean("flag"), true);
    EXPECT_EQ(fields.strings("list"), (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(fields.string("nothing").has_value());
    EXPECT_FALSE(fields.string("absent").has_value());
    EXPECT_TRUE(fields.mistyped().empty());
    EXPECT_FALSE(fields.integer("wrong").has_value());
    EXPECT_FALSE(fields.string("count").has_value());
    EXPECT_EQ(fields.mistyped(), "wrong");
}

TEST(SandboxHelpers, BodiesMustBeObjects) {
    EXPECT_EQ(parse_object_body(""), boost::json::object{});
    EXPECT_EQ(parse_object_body(" \n"), boost::json::object{});
    EXPECT_EQ(parse_object_body(R"({"a":1})"), (boost::json::object{{"a", 1}}));
    EXPECT_FALSE(parse_object_body("[]").has_value());
    EXPECT_FALSE(parse_object_body("{").has_value());
    EXPECT_FALSE(parse_object_body("{} {}").has_value());
}

}  // namespace
}  // namespace cmcp::sandbox
