#include "identity/bearer_tokens.hpp"

#include <gtest/gtest.h>

namespace cmcp::identity {
namespace {

// What a request's token means (missing, wrong, whose) is the Authenticator's to say
// (authenticator_test.cpp); these are the pieces it uses.
TEST(BearerTokens, KnowsExactlyTheConfiguredTokens) {
    const BearerTokens tokens({"first-token", "second-token-which-is-longer"});
    EXPECT_TRUE(tokens.enabled());
    EXPECT_TRUE(tokens.knows(sha256("first-token")));
    EXPECT_TRUE(tokens.knows(sha256("second-token-which-is-longer")));
    EXPECT_FALSE(tokens.knows(sha256("first-toke")));
    EXPECT_FALSE(tokens.knows(sha256("first-token-")));
    EXPECT_FALSE(tokens.knows(sha256("")));
    EXPECT_FALSE(BearerTokens({}).enabled());
    EXPECT_FALSE(BearerTokens({""}).enabled());
}

TEST(BearerTokens, TheTokenOfAnAuthorizationValue) {
    EXPECT_EQ(bearer_token("Bearer abc"), "abc");
    EXPECT_EQ(bearer_token("BEARER   abc  "), "abc");
    EXPECT_EQ(bearer_token("bearer  first-token "), "first-token");
    EXPECT_EQ(bearer_token("Bearer "), "");
    EXPECT_EQ(bearer_token(""), "");
    EXPECT_EQ(bearer_token("Basic abc"), std::nullopt);
}

}  // namespace
}  // namespace cmcp::identity
