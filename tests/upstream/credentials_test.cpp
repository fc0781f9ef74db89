#include "upstream/credentials.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <map>

namespace cmcp::upstream {
namespace {

using Env = std::map<std::string, std::string, std::less<>>;

Credentials from(const Env& env) {
    return credentials_from_environment(
        [&env](std::string_view name) -> std::optional<std::string> {
            const auto it = env.find(name);
            if (it == env.end()) {
                return std::nullopt;
            }
            return it->second;
        });
}

TEST(CredentialsFromEnvironment, NothingSetMeansNothingConfigured) {
    const auto credentials = from({});
    EXPECT_FALSE(credentials.scaleway_secret_key);
    EXPECT_FALSE(credentials.planetscale_authorization);
}

TEST(CredentialsFromEnvironment, ScalewayFromScwSecretKey) {
    const auto credentials = from({{"SCW_SECRET_KEY", "11111111-2222-3333-4444-555555555555"}});
    EXPECT_EQ(credentials.scaleway_secret_key, "11111111-2222-3333-4444-555555555555");
    EXPECT_FALSE(credentials.planetscale_authorization);
}

TEST(CredentialsFromEnvironment, ScalewayFallsBackToScalewayApiKey) {
    EXPECT_EQ(from({{"SCALEWAY_API_KEY", "seed-key"}}).scaleway_secret_key, "seed-key");
}

TEST(CredentialsFromEnvironment, ScwSecretKeyWinsOverScalewayApiKey) {
    EXPECT_EQ(from({{"SCW_SECRET_KEY", "primary"}, {"SCALEWAY_API_KEY", "secondary"}})
                  .scaleway_secret_key,
              "primary");
}

TEST(CredentialsFromEnvironment, EmptyOrBlankValuesCountAsUnset) {
    EXPECT_EQ(from({{"SCW_SECRET_KEY", ""}, {"SCALEWAY_API_KEY", "secondary"}}).scaleway_secret_key,
              "secondary");
    EXPECT_EQ(from({{"SCW_SECRET_KEY", " \t\r\n"}, {"SCALEWAY_API_KEY", "secondary"}})
                  .scaleway_secret_key,
              "secondary");
    EXPECT_FALSE(from({{"SCW_SECRET_KEY", "  "}, {"SCALEWAY_API_KEY", "\n"}}).scaleway_secret_key);
    EXPECT_FALSE(from({{"PLANETSCALE_API_KEY", " "}}).planetscale_authorization);
}

TEST(CredentialsFromEnvironment, ValuesAreTrimmed) {
    EXPECT_EQ(from({{"SCW_SECRET_KEY", "  key-value\n"}}).scaleway_secret_key, "key-value");
    EXPECT_EQ(from({{"PLANETSCALE_SERVICE_TOKEN_ID", " tokenid\n"},
                    {"PLANETSCALE_SERVICE_TOKEN", "\tpscale_tkn_secret\r\n"}})
                  .planetscale_authorization,
              "tokenid:pscale_tkn_secret");
    EXPECT_EQ(from({{"PLANETSCALE_API_KEY", " pscale_oauth_abc \n"}}).planetscale_authorization,
              "Bearer pscale_oauth_abc");
}

TEST(CredentialsFromEnvironment, PlanetScaleServiceTokenPairHasNoSchemeWord) {
    const auto credentials = from({{"PLANETSCALE_SERVICE_TOKEN_ID", "txhc257pxjuc"},
                                   {"PLANETSCALE_SERVICE_TOKEN", "pscale_tkn_abcdef"}});
    EXPECT_EQ(credentials.planetscale_authorization, "txhc257pxjuc:pscale_tkn_abcdef");
    EXPECT_FALSE(credentials.scaleway_secret_key);
}

TEST(CredentialsFromEnvironment, ServiceTokenPairWinsOverApiKey) {
    EXPECT_EQ(from({{"PLANETSCALE_SERVICE_TOKEN_ID", "id1"},
                    {"PLANETSCALE_SERVICE_TOKEN", "tok1"},
                    {"PLANETSCALE_API_KEY", "other:pair"}})
                  .planetscale_authorization,
              "id1:tok1");
}

TEST(CredentialsFromEnvironment, HalfAServiceTokenPairFallsBackToApiKey) {
    EXPECT_EQ(from({{"PLANETSCALE_SERVICE_TOKEN_ID", "id1"}, {"PLANETSCALE_API_KEY", "id2:tok2"}})
                  .planetscale_authorization,
              "id2:tok2");
    EXPECT_EQ(from({{"PLANETSCALE_SERVICE_TOKEN", "tok1"}, {"PLANETSCALE_API_KEY", "oauth"}})
                  .planetscale_authorization,
              "Bearer oauth");
    EXPECT_FALSE(from({{"PLANETSCALE_SERVICE_TOKEN_ID", "id1"}}).planetscale_authorization);
    EXPECT_FALSE(from({{"PLANETSCALE_SERVICE_TOKEN", "tok1"}}).planetscale_authorization);
    EXPECT_FALSE(from({{"PLANETSCALE_SERVICE_TOKEN_ID", "id1"}, {"PLANETSCALE_SERVICE_TOKEN", " "}})
                     .planetscale_authorization);
}

TEST(CredentialsFromEnvironment, ApiKeyInIdTokenFormIsSentAsIs) {
    EXPECT_EQ(
        from({{"PLANETSCALE_API_KEY", "txhc257pxjuc:pscale_tkn_abc"}}).planetscale_authorization,
        "txhc257pxjuc:pscale_tkn_abc");
}

TEST(CredentialsFromEnvironment, OtherApiKeysBecomeBearerTokens) {
    EXPECT_EQ(from({{"PLANETSCALE_API_KEY", "pscale_oauth_xyz"}}).planetscale_authorization,
              "Bearer pscale_oauth_xyz");
    // Not an id:token pair: empty halves, several colons, whitespace.
    EXPECT_EQ(from({{"PLANETSCALE_API_KEY", ":token"}}).planetscale_authorization, "Bearer :token");
    EXPECT_EQ(from({{"PLANETSCALE_API_KEY", "id:"}}).planetscale_authorization, "Bearer id:");
    EXPECT_EQ(from({{"PLANETSCALE_API_KEY", "a:b:c"}}).planetscale_authorization, "Bearer a:b:c");
}

TEST(CredentialsFromEnvironment, ApiKeyAlreadyCarryingBearerIsNotDoubled) {
    EXPECT_EQ(from({{"PLANETSCALE_API_KEY", "Bearer pscale_oauth_xyz"}}).planetscale_authorization,
              "Bearer pscale_oauth_xyz");
}

TEST(CredentialsFromEnvironment, BothProvidersAtOnce) {
    const auto credentials =
        from({{"SCALEWAY_API_KEY", "scw"}, {"PLANETSCALE_API_KEY", "id:token"}});
    EXPECT_EQ(credentials.scaleway_secret_key, "scw");
    EXPECT_EQ(credentials.planetscale_authorization, "id:token");
    EXPECT_EQ(credential_for(credentials, Provider::scaleway), "scw");
    EXPECT_EQ(credential_for(credentials, Provider::planetscale), "id:token");
}

TEST(MissingCredentialsMessage, NamesTheVariablesToSet) {
    const auto scaleway = missing_credentials_message(Provider::scaleway);
    EXPECT_NE(scaleway.find("SCW_SECRET_KEY"), std::string::npos);
    EXPECT_NE(scaleway.find("SCALEWAY_API_KEY"), std::string::npos);
    EXPECT_NE(scaleway.find("Nothing was sent"), std::string::npos);
    const auto planetscale = missing_credentials_message(Provider::planetscale);
    EXPECT_NE(planetscale.find("PLANETSCALE_SERVICE_TOKEN_ID"), std::string::npos);
    EXPECT_NE(planetscale.find("PLANETSCALE_SERVICE_TOKEN "), std::string::npos);
    EXPECT_NE(planetscale.find("PLANETSCALE_API_KEY"), std::string::npos);
}

TEST(Redactor, ReplacesEveryOccurrenceOfEveryCredential) {
    const Redactor redactor(Credentials{"scw-secret-0123456789", "ps-token-id:ps-token-secret"});
    EXPECT_EQ(redactor.redact("key=scw-secret-0123456789 again scw-secret-0123456789"),
              "key=[REDACTED] again [REDACTED]");
    EXPECT_EQ(redactor.redact("Authorization: ps-token-id:ps-token-secret"),
              "Authorization: [REDACTED]");
    EXPECT_EQ(redactor.redact("id ps-token-id and token ps-token-secret apart"),
              "id [REDACTED] and token [REDACTED] apart");
    EXPECT_EQ(redactor.redact("nothing secret here"), "nothing secret here");
}

TEST(Redactor, ShortPartsAreLeftAloneButWholeValuesAreNot) {
    const Redactor redactor(Credentials{std::nullopt, "id:long-token-value"});
    EXPECT_EQ(redactor.redact("the id is id, the token long-token-value, both id:long-token-value"),
              "the id is id, the token [REDACTED], both [REDACTED]");
}

TEST(Redactor, BearerKeysAreRedactedWithAndWithoutTheScheme) {
    const Redactor redactor(Credentials{std::nullopt, "Bearer pscale_oauth_secret"});
    EXPECT_EQ(redactor.redact("Bearer pscale_oauth_secret / pscale_oauth_secret"),
              "[REDACTED] / [REDACTED]");
}

TEST(Redactor, JsonEscapedFormsAreRedacted) {
    const Redactor redactor(Credentials{"quote\"back\\slash", std::nullopt});
    EXPECT_EQ(redactor.redact(R"({"echo":"quote\"back\\slash"})"), R"({"echo":"[REDACTED]"})");
    EXPECT_EQ(redactor.redact("raw quote\"back\\slash"), "raw [REDACTED]");
}

// Issue 14 §4: what a JSON reader decodes is what must not hold a credential.
TEST(Redactor, CredentialsSpelledWithAnyJsonEscapeAreRedacted) {
    const Redactor redactor(Credentials{"scw-key/0123456789", "ps-token-id:ps-token-secret"});
    EXPECT_EQ(redactor.redact(R"({"a":"scw\u002dkey\/0123456789"})"), R"({"a":"[REDACTED]"})");
    EXPECT_EQ(redactor.redact(R"({"a":"\u0073\u0063\u0077-key/0123456789!"})"),
              R"({"a":"[REDACTED]!"})");
    EXPECT_EQ(redactor.redact(R"(["ps\u002Dtoken\u002dsecret", "x"])"), R"(["[REDACTED]", "x"])");
    // Escapes that spell something else are left as they are.
    EXPECT_EQ(redactor.redact(R"({"a":"\u002d\n\ud83d\ude00 \q"})"),
              R"({"a":"\u002d\n\ud83d\ude00 \q"})");
    // A key echoed in a member name is found too, and the text stays valid JSON.
    const auto redacted = redactor.redact(R"({"scw-key\/0123456789":1})");
    EXPECT_EQ(redacted, R"({"[REDACTED]":1})");
    EXPECT_NO_THROW(boost::json::parse(redacted));
}

TEST(Redactor, NoCredentialsChangesNothing) {
    const Redactor redactor(Credentials{});
    EXPECT_TRUE(redactor.empty());
    EXPECT_EQ(redactor.redact("[REDACTED] stays, text stays"), "[REDACTED] stays, text stays");
}

TEST(Redactor, RedactsInPlace) {
    const Redactor redactor(Credentials{"abcdefgh12345678", std::nullopt});
    std::string text = "abcdefgh12345678abcdefgh12345678";
    redactor.redact_in_place(text);
    EXPECT_EQ(text, "[REDACTED][REDACTED]");
}

}  // namespace
}  // namespace cmcp::upstream
