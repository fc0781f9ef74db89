// What a model reads when an answer came after retries: "gave up" only for a transient final
// answer, and a retried delete's 404 is explained rather than blamed on the ID.
#include <gtest/gtest.h>

#include "catalog/call_result.hpp"
#include "testing/fakes.hpp"
#include "testing/json.hpp"

namespace cmcp::catalog {
namespace {

std::string text_for(std::string_view tool, std::string_view arguments, int status,
                     std::string body, int attempts) {
    const auto& catalog = testing::embedded_catalog();
    const auto* served = catalog.find(tool);
    auto prepared = catalog.prepare(*served, testing::parse_object(arguments));
    const auto& call = std::get<PreparedCall>(prepared);
    auto response = testing::json_response(status, std::move(body));
    response.attempts = attempts;
    const auto result = make_call_result(*served, call, upstream::Outcome(response), true,
                                         64 * 1024, make_null_logger());
    EXPECT_TRUE(result.at("isError").as_bool());
    return std::string(result.at("content").at(0).at("text").as_string());
}

constexpr auto kNotFound = R"({"message":"resource is not found","type":"not_found"})";

TEST(RetryWording, ATransientFinalAnswerGaveUp) {
    const auto text =
        text_for("get-jwt", R"({"jti":"j"})", 503, R"({"message":"down","type":"unavailable"})", 4);
    EXPECT_NE(text.find("(gave up after 4 attempts)"), std::string::npos) << text;
}

TEST(RetryWording, AFinalVerdictAfterRetriesIsNotGivingUp) {
    const auto text = text_for("get-jwt", R"({"jti":"j"})", 404, kNotFound, 2);
    EXPECT_EQ(text.find("gave up"), std::string::npos) << text;
    EXPECT_NE(text.find("on attempt 2, after transient failures"), std::string::npos) << text;
    EXPECT_NE(text.find("Check the ID"), std::string::npos) << text;
}

TEST(RetryWording, ARetriedDeletesNotFoundIsProbablyAlreadyDeleted) {
    const auto text = text_for("delete-jwt", R"({"jti":"j"})", 404, kNotFound, 2);
    EXPECT_NE(text.find("most likely means that attempt already deleted it"), std::string::npos)
        << text;
    EXPECT_EQ(text.find("Check the ID"), std::string::npos) << text;
    // A first-attempt 404 is an ordinary not-found.
    const auto first = text_for("delete-jwt", R"({"jti":"j"})", 404, kNotFound, 1);
    EXPECT_EQ(first.find("already deleted"), std::string::npos) << first;
}

}  // namespace
}  // namespace cmcp::catalog
