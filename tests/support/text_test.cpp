#include "support/text.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace cmcp {
namespace {

// Regression (fuzz/reproducers/fuzz_http_router-version-header-not-utf8): header values may
// hold any byte, and echoing one that is not UTF-8 made the JSON error body unparseable.
TEST(Printable, BytesThatAreNotUtf8BecomeQuestionMarks) {
    EXPECT_EQ(printable("2025-\xE9-U"), "2025-?-U");
    EXPECT_EQ(printable("\xC0\xAF"), "??");            // overlong '/'
    EXPECT_EQ(printable("\xED\xA0\x80"), "???");       // surrogate
    EXPECT_EQ(printable("\xF4\x90\x80\x80"), "????");  // beyond U+10FFFF
    EXPECT_EQ(printable("a\xE2\x82"), "a??");          // truncated
    EXPECT_EQ(printable("\xFF\xFE"), "??");
    const std::string echoed = printable("\x80\xBF\xF8 x \xE2\x82\xAC");
    boost::system::error_code ec;
    (void)boost::json::parse(boost::json::serialize(boost::json::value(echoed)), ec);
    EXPECT_FALSE(ec) << echoed;
}

TEST(Printable, KeepsUtf8AndReplacesControlCharacters) {
    EXPECT_EQ(printable("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91"),
              "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91");
    EXPECT_EQ(printable("a\nb\tc\x7F"), "a?b?c?");
    EXPECT_EQ(printable("abcdef", 3), "abc…");
    EXPECT_EQ(printable("\xC3\xA9\xC3\xA9", 3), "\xC3\xA9…");  // cut on a character boundary
}

}  // namespace
}  // namespace cmcp
