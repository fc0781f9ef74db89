#include "identity/bearer_tokens.hpp"

#include <gtest/gtest.h>

namespace cmcp::identity {
namespace {

TEST(BearerTokens, AnyOfSeveralTokens) {
    const BearerTokens auth({"first-token", "second-token-which-is-longer"});
    EXPECT_TRUE(auth.enabled());
    EXPECT_EQ(auth.check("Bearer first-token"), BearerTokens::Verdict::ok);
    EXPECT_EQ(auth.check("bearer second-token-which-is-longer"), BearerTokens::Verdict::ok);
    EXPECT_EQ(auth.check("Bearer first-toke"), BearerTokens::Verdict::invalid);
    EXPECT_EQ(auth.check("Bearer first-token-"), BearerTokens::Verdict::invalid);
    EXPECT_EQ(auth.check("Basic Zmlyc3QtdG9rZW4="), BearerTokens::Verdict::invalid);
    EXPECT_EQ(auth.check(""), BearerTokens::Verdict::missing);
    EXPECT_EQ(auth.check("Bearer "), BearerTokens::Verdict::missing);
    EXPECT_FALSE(BearerTokens({}).enabled());
}

TEST(BearerTokens, CredentialIsTheDigestOfTheTokenPresented) {
    const BearerTokens auth({"first-token", "second-token"});
    const auto first = auth.authenticate("Bearer first-token");
    ASSERT_EQ(first.verdict, BearerTokens::Verdict::ok);
    const auto again = auth.authenticate("bearer  first-token ");
    ASSERT_EQ(again.verdict, BearerTokens::Verdict::ok);
    EXPECT_TRUE(same_digest(first.credential, again.credential));
    const auto second = auth.authenticate("Bearer second-token");
    ASSERT_EQ(second.verdict, BearerTokens::Verdict::ok);
    EXPECT_FALSE(same_digest(first.credential, second.credential));
    EXPECT_EQ(auth.authenticate("Bearer third-token").verdict, BearerTokens::Verdict::invalid);
}

TEST(BearerTokens, TheTokenOfAnAuthorizationValue) {
    EXPECT_EQ(bearer_token("Bearer abc"), "abc");
    EXPECT_EQ(bearer_token("BEARER   abc  "), "abc");
    EXPECT_EQ(bearer_token(""), "");
    EXPECT_EQ(bearer_token("Basic abc"), std::nullopt);
}

}  // namespace
}  // namespace cmcp::identity
