#include "support/json_text.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace cmcp {
namespace {

// Regression (fuzz/reproducers/fuzz_session-infinity-id): 1e999 parsed as infinity, and a
// request with id 1e999 got a reply whose id was not JSON at all.
TEST(ParseJsonText, NumbersBeyondADoubleAreRefused) {
    for (const auto* text :
         {R"({"id":1e999})", "[1, -1e400]", "1E+999", R"({"a":{"b":[2e308]}})"}) {
        std::string error;
        EXPECT_FALSE(parse_json_text(text, error).has_value()) << text;
        EXPECT_EQ(error, "number out of range (too large for a double)") << text;
    }
}

TEST(ParseJsonText, LargeAndTinyFiniteNumbersAreKept) {
    std::string error;
    const auto value =
        parse_json_text(R"([1.7976931348623157e308, 1e-999, 18446744073709551616])", error);
    ASSERT_TRUE(value.has_value()) << error;
    const auto text = boost::json::serialize(*value);
    boost::system::error_code ec;
    (void)boost::json::parse(text, ec);
    EXPECT_FALSE(ec) << text;
}

TEST(ParseJsonText, ReportsWhereTheTextIsWrong) {
    std::string error;
    EXPECT_FALSE(parse_json_text("{\"a\":\n  nope}", error).has_value());
    EXPECT_NE(error.find("line 2"), std::string::npos) << error;
    EXPECT_FALSE(parse_json_text("{} x", error).has_value());
    EXPECT_EQ(error, "unexpected data after the JSON value at line 1, column 4");
}

}  // namespace
}  // namespace cmcp
