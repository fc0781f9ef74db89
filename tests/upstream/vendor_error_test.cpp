#include "upstream/vendor_error.hpp"

#include <gtest/gtest.h>

namespace cmcp::upstream {
namespace {

TEST(VendorError, ReadsScalewayAndPlanetScaleBodies) {
    const auto scaleway = parse_vendor_error(
        Provider::scaleway, 404,
        R"({"message":"resource is not found","type":"not_found","resource":"secret"})");
    EXPECT_TRUE(scaleway.json_body);
    EXPECT_EQ(scaleway.code, "not_found");
    EXPECT_EQ(scaleway.message, "resource is not found");
    EXPECT_EQ(scaleway.fields.at("resource").as_string(), "secret");
    const auto planetscale =
        parse_vendor_error(Provider::planetscale, 401, R"({"code":"unauthorized","message":"No"})");
    EXPECT_EQ(planetscale.code, "unauthorized");
    EXPECT_EQ(planetscale.message, "No");
}

// Regression (found with fuzz_session's upstream answers): 1e999 was read as infinity, and the
// error's fields reached the client as Infinity, which is not JSON. Such a body is text.
TEST(VendorError, NumbersBeyondADoubleMakeTheBodyText) {
    const std::string body = R"({"message":"invalid argument","type":"x","limit":1e999})";
    const auto error = parse_vendor_error(Provider::scaleway, 400, body);
    EXPECT_FALSE(error.json_body);
    EXPECT_TRUE(error.fields.empty());
    EXPECT_EQ(error.message, body);
}

// Regression (found with fuzz_session's upstream answers): an error page in Latin-1 was
// excerpted byte for byte into the reply, which then was not valid JSON.
TEST(VendorError, TextThatIsNotUtf8BecomesQuestionMarks) {
    const auto error =
        parse_vendor_error(Provider::scaleway, 503, "<h1>Service indisponible \xE9t\xE9 \xFF</h1>");
    EXPECT_FALSE(error.json_body);
    EXPECT_EQ(error.message, "<h1>Service indisponible ?t? ?</h1>");
}

}  // namespace
}  // namespace cmcp::upstream
