#include "identity/authenticator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "identity/digest.hpp"
#include "identity/issuer_keys.hpp"
#include "identity/principal.hpp"
#include "identity/principal_store.hpp"
#include "upstream/credentials.hpp"

namespace cmcp::identity {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Principal principal_with(std::string name, const std::vector<std::string>& tokens) {
    Principal principal;
    principal.owner = owner_digest("principal", name);  // as the principals file loader sets it
    principal.name = std::move(name);
    for (const auto& token : tokens) {
        principal.bearer_sha256.push_back(sha256(token));
    }
    return principal;
}

std::shared_ptr<const Directory> directory_of(std::vector<Principal> principals) {
    return std::make_shared<const Directory>(std::move(principals),
                                             std::make_shared<const upstream::Redactor>());
}

// team-secrets holds two tokens, as during a rotation.
std::shared_ptr<const Directory> two_teams() {
    std::vector<Principal> principals;
    principals.push_back(principal_with("team-secrets", {"team-token-old", "team-token-new"}));
    principals.push_back(principal_with("auditors", {"auditor-token"}));
    return directory_of(std::move(principals));
}

std::optional<Denial::Kind> denial_of(const Authentication& result) {
    const auto* denial = std::get_if<Denial>(&result);
    return denial == nullptr ? std::nullopt : std::optional<Denial::Kind>(denial->kind);
}

// The caller, or a test failure saying what came instead.
const Caller* caller_of(const Authentication& result) {
    if (const auto* denial = std::get_if<Denial>(&result)) {
        ADD_FAILURE() << "denied: " << denial->detail;
    } else if (std::holds_alternative<KeysNeeded>(result)) {
        ADD_FAILURE() << "keys needed";
    }
    return std::get_if<Caller>(&result);
}

TEST(Authenticator, WithoutAnyAuthenticationEveryRequestIsTheServerItself) {
    const Authenticator authenticator(AuthenticatorOptions{});
    EXPECT_FALSE(authenticator.enabled());
    const auto result = authenticator.authenticate("");
    const auto* caller = caller_of(result);
    ASSERT_NE(caller, nullptr);
    EXPECT_EQ(caller->principal, nullptr);
    EXPECT_FALSE(caller->owner.has_value());
    EXPECT_EQ(caller->tool_classes, kAllToolClasses);
}

TEST(Authenticator, StaticTokensTellMissingFromWrongFromRight) {
    AuthenticatorOptions options;
    options.static_tokens = {"static-token-one", "static-token-two"};
    const Authenticator authenticator(std::move(options));
    ASSERT_TRUE(authenticator.enabled());

    EXPECT_EQ(denial_of(authenticator.authenticate("")), Denial::Kind::missing_token);
    EXPECT_EQ(denial_of(authenticator.authenticate("Bearer ")), Denial::Kind::missing_token);
    EXPECT_EQ(denial_of(authenticator.authenticate("Basic c3RhdGljLXRva2VuLW9uZQ==")),
              Denial::Kind::invalid_token);

    const auto wrong = authenticator.authenticate("Bearer WRONGTOKEN-canary-4e1d");
    ASSERT_EQ(denial_of(wrong), Denial::Kind::invalid_token);
    // The detail is logged and sent back in WWW-Authenticate: never the token.
    EXPECT_THAT(std::get<Denial>(wrong).detail, Not(HasSubstr("WRONGTOKEN-canary-4e1d")));

    const auto one = authenticator.authenticate("Bearer static-token-one");
    const auto* caller = caller_of(one);
    ASSERT_NE(caller, nullptr);
    EXPECT_EQ(caller->principal, nullptr);
    EXPECT_EQ(caller->name, "");
    EXPECT_EQ(caller->tool_classes, kAllToolClasses);
    // Sessions are bound to the token that opened them.
    EXPECT_EQ(caller->owner, sha256("static-token-one"));
    const auto two = authenticator.authenticate("bearer static-token-two");
    ASSERT_NE(caller_of(two), nullptr);
    EXPECT_NE(caller_of(two)->owner, caller->owner);
}

TEST(Authenticator, APrincipalsBearerTokenActsAsThatPrincipal) {
    AuthenticatorOptions options;
    options.principals = std::make_shared<PrincipalStore>(two_teams());
    const Authenticator authenticator(std::move(options));
    ASSERT_TRUE(authenticator.enabled());
    ASSERT_TRUE(authenticator.has_principals());

    const auto old_token = authenticator.authenticate("Bearer team-token-old");
    const auto* team = caller_of(old_token);
    ASSERT_NE(team, nullptr);
    ASSERT_NE(team->principal, nullptr);
    EXPECT_EQ(team->principal->name, "team-secrets");
    EXPECT_EQ(team->name, "team-secrets");
    ASSERT_NE(team->directory, nullptr);
    ASSERT_TRUE(team->owner.has_value());
    // The owner is the principal, not the token: a session outlives the token's rotation.
    EXPECT_NE(team->owner, sha256("team-token-old"));
    const auto new_token = authenticator.authenticate("Bearer team-token-new");
    ASSERT_NE(caller_of(new_token), nullptr);
    EXPECT_EQ(caller_of(new_token)->owner, team->owner);

    const auto auditor = authenticator.authenticate("Bearer auditor-token");
    ASSERT_NE(caller_of(auditor), nullptr);
    EXPECT_EQ(caller_of(auditor)->name, "auditors");
    EXPECT_NE(caller_of(auditor)->owner, team->owner);
}

TEST(Authenticator, ABearerTokenOfNoPrincipalIsInvalid) {
    AuthenticatorOptions options;
    options.principals = std::make_shared<PrincipalStore>(two_teams());
    options.static_tokens = {"operator-token"};
    const Authenticator authenticator(std::move(options));

    // Not no_principal (403): that is for a valid OAuth token that maps to nobody.
    EXPECT_EQ(denial_of(authenticator.authenticate("Bearer someone-elses-token")),
              Denial::Kind::invalid_token);
    // The operator's static token still works beside the principals, as the server itself.
    const auto operator_call = authenticator.authenticate("Bearer operator-token");
    const auto* caller = caller_of(operator_call);
    ASSERT_NE(caller, nullptr);
    EXPECT_EQ(caller->principal, nullptr);
    EXPECT_EQ(caller->owner, sha256("operator-token"));
}

TEST(Authenticator, AReloadTakesEffectForTheNextRequestWhileEarlierOnesKeepTheirPrincipal) {
    auto store = std::make_shared<PrincipalStore>(two_teams());
    AuthenticatorOptions options;
    options.principals = store;
    const Authenticator authenticator(std::move(options));

    const auto auditor_before = authenticator.authenticate("Bearer auditor-token");
    const auto* auditor = caller_of(auditor_before);
    ASSERT_NE(auditor, nullptr);
    const auto team_before = authenticator.authenticate("Bearer team-token-old");
    ASSERT_NE(caller_of(team_before), nullptr);

    // The new file drops the auditors and the team's old token.
    std::vector<Principal> reloaded;
    reloaded.push_back(principal_with("team-secrets", {"team-token-new"}));
    store->replace(directory_of(std::move(reloaded)));

    EXPECT_EQ(denial_of(authenticator.authenticate("Bearer auditor-token")),
              Denial::Kind::invalid_token);
    EXPECT_EQ(denial_of(authenticator.authenticate("Bearer team-token-old")),
              Denial::Kind::invalid_token);
    // A request that started before the reload still holds the old directory, so its
    // principal stays valid until it finishes.
    ASSERT_NE(auditor->directory, nullptr);
    EXPECT_EQ(auditor->principal->name, "auditors");
    EXPECT_EQ(auditor->directory->by_name("auditors"), auditor->principal);

    // A principal that survives a reload keeps its sessions.
    const auto team_after = authenticator.authenticate("Bearer team-token-new");
    ASSERT_NE(caller_of(team_after), nullptr);
    EXPECT_EQ(caller_of(team_after)->name, "team-secrets");
    EXPECT_EQ(caller_of(team_after)->owner, caller_of(team_before)->owner);
}

TEST(Authenticator, WithAnIssuerAJwtWaitsForTheKeysWhileOpaqueTokensDoNot) {
    IssuerOptions issuer;
    // Loopback http is allowed; nothing listens there, and nothing here fetches.
    issuer.issuer = "http://127.0.0.1:9/realms/test";
    AuthenticatorOptions options;
    options.static_tokens = {"operator-token"};
    options.issuer = std::make_shared<IssuerKeys>(issuer, nullptr);
    options.token_policy.issuer = issuer.issuer;
    options.token_policy.audience = "https://mcp.example.com/mcp";
    const Authenticator authenticator(std::move(options));
    ASSERT_TRUE(authenticator.oauth());

    // No keys have been fetched yet: the caller is told to fetch them and try again.
    const auto jwt = authenticator.authenticate(
        "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl");
    EXPECT_TRUE(std::holds_alternative<KeysNeeded>(jwt));

    // A token that is no JWT never makes the server contact the issuer.
    const auto opaque = authenticator.authenticate("Bearer operator-token");
    const auto* caller = caller_of(opaque);
    ASSERT_NE(caller, nullptr);
    EXPECT_EQ(caller->owner, sha256("operator-token"));
    EXPECT_EQ(denial_of(authenticator.authenticate("Bearer not-a-jwt-and-unknown")),
              Denial::Kind::invalid_token);
}

}  // namespace
}  // namespace cmcp::identity
