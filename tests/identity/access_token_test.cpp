#include "identity/access_token.hpp"

#include <cjose/header.h>
#include <cjose/jwk.h>
#include <cjose/jws.h>
#include <cjose/util.h>
#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "identity/key_set.hpp"
#include "identity/tool_scopes.hpp"

namespace cmcp::identity {
namespace {

namespace json = boost::json;
using Verification = std::variant<VerifiedToken, TokenRejection>;

constexpr std::string_view kIssuer = "https://login.example.com/tenant-7";
constexpr std::string_view kResource = "https://mcp.example.com/mcp";
constexpr std::int64_t kNowSeconds = 1'900'000'000;
constexpr std::chrono::system_clock::time_point kNow{std::chrono::seconds{kNowSeconds}};

struct JwkRelease {
    void operator()(cjose_jwk_t* jwk) const { cjose_jwk_release(jwk); }
};
struct HeaderRelease {
    void operator()(cjose_header_t* header) const { cjose_header_release(header); }
};
struct JwsRelease {
    void operator()(cjose_jws_t* jws) const { cjose_jws_release(jws); }
};
using Jwk = std::unique_ptr<cjose_jwk_t, JwkRelease>;

// One of the test issuer's keys, private part included; its tokens are signed with `alg`.
struct SigningKey {
    Jwk jwk;
    std::string kid;
    std::string alg;
};

Jwk checked(cjose_jwk_t* created, const cjose_err& error) {
    if (created == nullptr) {
        throw std::runtime_error(std::string("cjose cannot create the key: ") +
                                 (error.message != nullptr ? error.message : "?"));
    }
    return Jwk(created);
}

// Generated once per test program: a 2048-bit RSA key takes a noticeable moment.
const SigningKey& rsa_key() {
    static const SigningKey key = [] {
        constexpr std::array<std::uint8_t, 3> kExponent{0x01, 0x00, 0x01};
        cjose_err error{};
        auto* created =
            cjose_jwk_create_RSA_random(2048, kExponent.data(), kExponent.size(), &error);
        return SigningKey{checked(created, error), "rsa-2026-01", "RS256"};
    }();
    return key;
}

const SigningKey& ec_key() {
    static const SigningKey key = [] {
        cjose_err error{};
        auto* created = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &error);
        return SigningKey{checked(created, error), "ec-2026-01", "ES256"};
    }();
    return key;
}

// The key as the issuer's JWKS publishes it: public part only.
json::object public_jwk(const SigningKey& key) {
    cjose_err error{};
    char* text = cjose_jwk_to_json(key.jwk.get(), false, &error);
    if (text == nullptr) {
        throw std::runtime_error("cjose cannot export the public key");
    }
    json::object published = json::parse(text).as_object();
    cjose_get_dealloc()(text);
    published["kid"] = key.kid;
    published["use"] = "sig";
    return published;
}

KeySet key_set_of(std::vector<json::object> jwks) {
    json::array list;
    for (auto& jwk : jwks) {
        list.emplace_back(std::move(jwk));
    }
    json::object document;
    document["keys"] = std::move(list);
    auto parsed = KeySet::parse(json::serialize(document));
    if (const auto* problem = std::get_if<std::string>(&parsed)) {
        throw std::runtime_error("the test key set does not parse: " + *problem);
    }
    return std::get<KeySet>(std::move(parsed));
}

// The issuer's current JWKS: one RSA and one EC key.
const KeySet& published_keys() {
    static const KeySet keys = key_set_of({public_jwk(rsa_key()), public_jwk(ec_key())});
    return keys;
}

// A JWS protected header; empty members are left out.
struct Header {
    std::string alg;
    std::string kid;
    std::string typ;
};

Header header_for(const SigningKey& key) {
    return Header{key.alg, key.kid, "at+jwt"};
}

std::string signed_with(const SigningKey& key, const Header& fields, std::string_view payload) {
    cjose_err error{};
    std::unique_ptr<cjose_header_t, HeaderRelease> header(cjose_header_new(&error));
    if (!header) {
        throw std::runtime_error("cjose cannot create a header");
    }
    const auto put = [&header, &error](const char* name, const std::string& value) {
        if (!value.empty() && !cjose_header_set(header.get(), name, value.c_str(), &error)) {
            throw std::runtime_error(std::string("cjose cannot set ") + name);
        }
    };
    put(CJOSE_HDR_ALG, fields.alg);
    put(CJOSE_HDR_KID, fields.kid);
    put("typ", fields.typ);
    std::unique_ptr<cjose_jws_t, JwsRelease> jws(cjose_jws_sign(
        key.jwk.get(), header.get(), reinterpret_cast<const std::uint8_t*>(payload.data()),
        payload.size(), &error));
    if (!jws) {
        throw std::runtime_error("cjose cannot sign the token");
    }
    const char* compact = nullptr;
    if (!cjose_jws_export(jws.get(), &compact, &error) || compact == nullptr) {
        throw std::runtime_error("cjose cannot serialise the token");
    }
    return compact;
}

std::string signed_token(const SigningKey& key, const json::object& claims) {
    return signed_with(key, header_for(key), json::serialize(claims));
}

std::string base64url(std::string_view bytes) {
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : bytes) {
        buffer = (buffer << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kAlphabet[(buffer >> bits) & 0x3FU]);
        }
    }
    if (bits > 0) {
        out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3FU]);
    }
    return out;
}

// A token put together by hand, as an attacker would: no cjose signature involved.
std::string forged_token(std::string_view header_json, const json::object& claims,
                         std::string_view signature) {
    return base64url(header_json) + "." + base64url(json::serialize(claims)) + "." +
           base64url(signature);
}

json::object standard_claims() {
    json::object claims;
    claims["iss"] = kIssuer;
    claims["aud"] = kResource;
    claims["sub"] = "user-42";
    claims["iat"] = kNowSeconds - 10;
    claims["exp"] = kNowSeconds + 300;
    claims["scope"] = "credentials:read credentials:write";
    return claims;
}

json::object claims_with(std::string_view name, json::value value) {
    auto claims = standard_claims();
    claims[name] = std::move(value);
    return claims;
}

json::object claims_without(std::string_view name) {
    auto claims = standard_claims();
    claims.erase(name);
    return claims;
}

TokenPolicy standard_policy() {
    TokenPolicy policy;
    policy.issuer = kIssuer;
    policy.audience = kResource;
    return policy;
}

Verification verify(const std::string& token, const KeySet& keys = published_keys(),
                    const TokenPolicy& policy = standard_policy()) {
    return verify_access_token(token, keys, policy, kNow);
}

::testing::AssertionResult rejected_as(const Verification& result, TokenProblem expected) {
    if (const auto* rejection = std::get_if<TokenRejection>(&result)) {
        if (rejection->problem == expected) {
            return ::testing::AssertionSuccess();
        }
        return ::testing::AssertionFailure()
               << "rejected for another reason: " << rejection->detail;
    }
    return ::testing::AssertionFailure() << "accepted";
}

::testing::AssertionResult is_accepted(const Verification& result) {
    if (const auto* rejection = std::get_if<TokenRejection>(&result)) {
        return ::testing::AssertionFailure() << "rejected: " << rejection->detail;
    }
    return ::testing::AssertionSuccess();
}

TEST(AccessToken, AcceptsAnRs256TokenForThisResourceWithItsScopes) {
    const auto result = verify(signed_token(rsa_key(), standard_claims()));
    ASSERT_TRUE(is_accepted(result));
    const auto& token = std::get<VerifiedToken>(result);
    EXPECT_EQ(token.subject, "user-42");
    EXPECT_EQ(token.scopes, (std::vector<std::string>{"credentials:read", "credentials:write"}));
    EXPECT_EQ(classes_granted(token.scopes), kReadTools | kWriteTools);
    EXPECT_EQ(std::string_view(token.claims.at("iss").as_string()), kIssuer);
}

TEST(AccessToken, SubjectFallsBackToClientIdAndScopesToScp) {
    // A client-credentials token from an issuer that lists scopes as an array.
    auto claims = claims_without("sub");
    claims.erase("scope");
    claims["client_id"] = "nightly-rotation-job";
    claims["scp"] = json::array{"credentials:read", "credentials:delete"};
    const auto result = verify(signed_token(rsa_key(), claims));
    ASSERT_TRUE(is_accepted(result));
    const auto& token = std::get<VerifiedToken>(result);
    EXPECT_EQ(token.subject, "nightly-rotation-job");
    EXPECT_EQ(token.scopes, (std::vector<std::string>{"credentials:read", "credentials:delete"}));

    // Runs of spaces separate nothing.
    const auto spaced = verify(
        signed_token(rsa_key(), claims_with("scope", "  credentials:write   credentials:read ")));
    ASSERT_TRUE(is_accepted(spaced));
    EXPECT_EQ(std::get<VerifiedToken>(spaced).scopes,
              (std::vector<std::string>{"credentials:write", "credentials:read"}));
}

TEST(AccessToken, AcceptsAnEs256TokenFromTheSameKeySet) {
    const auto result = verify(signed_token(ec_key(), standard_claims()));
    ASSERT_TRUE(is_accepted(result));
    EXPECT_EQ(std::get<VerifiedToken>(result).subject, "user-42");
}

TEST(AccessToken, RefusesUnsignedAndHmacTokens) {
    // alg "none" with some bytes where the signature goes, so it looks like any other JWT.
    EXPECT_TRUE(rejected_as(
        verify(forged_token(R"({"alg":"none","kid":"rsa-2026-01"})", standard_claims(), "x")),
        TokenProblem::algorithm_not_allowed));
    EXPECT_TRUE(rejected_as(verify(base64url(R"({"alg":"none"})") + "." +
                                   base64url(json::serialize(standard_claims())) + "."),
                            TokenProblem::malformed));

    // The classic confusion: HS256 keyed with the RSA public key, which anyone can fetch.
    const std::string public_text = json::serialize(public_jwk(rsa_key()));
    cjose_err error{};
    Jwk shared_secret(cjose_jwk_create_oct_spec(
        reinterpret_cast<const std::uint8_t*>(public_text.data()), public_text.size(), &error));
    ASSERT_NE(shared_secret.get(), nullptr);
    const SigningKey hmac{std::move(shared_secret), rsa_key().kid, "HS256"};
    EXPECT_TRUE(rejected_as(verify(signed_token(hmac, standard_claims())),
                            TokenProblem::algorithm_not_allowed));
}

TEST(AccessToken, AKeyIsOnlyUsedForItsOwnTypeAndAlgorithm) {
    // The JWKS pins the RSA key to PS256: an RS256 signature by it does not count.
    auto pinned = public_jwk(rsa_key());
    pinned["alg"] = "PS256";
    const auto pinned_keys = key_set_of({pinned});
    EXPECT_TRUE(rejected_as(verify(signed_token(rsa_key(), standard_claims()), pinned_keys),
                            TokenProblem::algorithm_not_allowed));

    // An EC signature naming the RSA key's kid finds no EC key of that name.
    auto header = header_for(ec_key());
    header.kid = rsa_key().kid;
    EXPECT_TRUE(
        rejected_as(verify(signed_with(ec_key(), header, json::serialize(standard_claims()))),
                    TokenProblem::unknown_key));
}

TEST(AccessToken, AnUnknownKeyIdIsReportedSoTheKeysAreFetchedAgain) {
    auto header = header_for(rsa_key());
    header.kid = "rsa-2026-02";
    EXPECT_TRUE(
        rejected_as(verify(signed_with(rsa_key(), header, json::serialize(standard_claims()))),
                    TokenProblem::unknown_key));
}

TEST(AccessToken, WithoutAKeyIdOnlyASingleKeyOfTheTypeIsUsed) {
    auto header = header_for(rsa_key());
    header.kid.clear();
    const auto token = signed_with(rsa_key(), header, json::serialize(standard_claims()));
    EXPECT_TRUE(is_accepted(verify(token)));

    // Mid-rotation, two RSA keys: a token that does not say which is not guessed at.
    auto first = public_jwk(rsa_key());
    auto second = first;
    second["kid"] = "rsa-2026-02";
    const auto two_keys = key_set_of({first, second});
    EXPECT_TRUE(rejected_as(verify(token, two_keys), TokenProblem::unknown_key));
    EXPECT_TRUE(is_accepted(verify(signed_token(rsa_key(), standard_claims()), two_keys)));
}

TEST(AccessToken, IssuerIsComparedExactly) {
    EXPECT_TRUE(rejected_as(
        verify(signed_token(rsa_key(), claims_with("iss", "https://login.example.org/tenant-7"))),
        TokenProblem::wrong_issuer));
    EXPECT_TRUE(rejected_as(
        verify(signed_token(rsa_key(),
                            claims_with("iss", json::value(std::string(kIssuer).append("/"))))),
        TokenProblem::wrong_issuer));
    EXPECT_TRUE(rejected_as(verify(signed_token(rsa_key(), claims_without("iss"))),
                            TokenProblem::wrong_issuer));
}

TEST(AccessToken, AudienceMustNameThisResource) {
    const auto with_audience = [](json::value audience) {
        return verify(signed_token(rsa_key(), claims_with("aud", std::move(audience))));
    };
    // A token for another resource server of the same issuer must not work here (RFC 8707).
    EXPECT_TRUE(
        rejected_as(with_audience("https://other.example.com/mcp"), TokenProblem::wrong_audience));
    EXPECT_TRUE(rejected_as(verify(signed_token(rsa_key(), claims_without("aud"))),
                            TokenProblem::wrong_audience));
    EXPECT_TRUE(rejected_as(with_audience(json::array{"https://api.example.com"}),
                            TokenProblem::wrong_audience));
    EXPECT_TRUE(is_accepted(with_audience(json::array{"https://api.example.com", kResource})));

    EXPECT_TRUE(is_accepted(with_audience(json::value(std::string(kResource).append("/")))));
    EXPECT_TRUE(is_accepted(with_audience("HTTPS://MCP.Example.COM/mcp")));
    EXPECT_TRUE(
        rejected_as(with_audience("https://mcp.example.com/MCP"), TokenProblem::wrong_audience));
    EXPECT_TRUE(
        rejected_as(with_audience("https://mcp.example.com"), TokenProblem::wrong_audience));
}

TEST(AccessToken, SameResourceIgnoresOnlyATrailingSlashAndTheCaseOfSchemeAndHost) {
    EXPECT_TRUE(same_resource("https://mcp.example.com/mcp", "https://mcp.example.com/mcp"));
    EXPECT_TRUE(same_resource("https://mcp.example.com/mcp/", "https://mcp.example.com/mcp"));
    EXPECT_TRUE(same_resource("https://mcp.example.com", "https://mcp.example.com/"));
    EXPECT_TRUE(same_resource("HTTPS://MCP.example.com/mcp", "https://mcp.EXAMPLE.com/mcp"));
    EXPECT_FALSE(same_resource("https://mcp.example.com/mcp", "https://mcp.example.com/Mcp"));
    EXPECT_FALSE(same_resource("https://mcp.example.com/mcp", "https://mcp.example.com.evil/mcp"));
    EXPECT_FALSE(same_resource("https://mcp.example.com/mcp", "https://mcp.example.com:8443/mcp"));
    EXPECT_FALSE(same_resource("https://mcp.example.com/mcp", "http://mcp.example.com/mcp"));
}

TEST(AccessToken, ExpiryAndNotBeforeAllowTheClockSkewAndNoMore) {
    const auto at = [](std::string_view claim, std::int64_t seconds_from_now) {
        return signed_token(rsa_key(), claims_with(claim, kNowSeconds + seconds_from_now));
    };
    // The policy's skew is 60 s.
    EXPECT_TRUE(is_accepted(verify(at("exp", -59))));
    EXPECT_TRUE(rejected_as(verify(at("exp", -60)), TokenProblem::expired));
    EXPECT_TRUE(rejected_as(verify(at("exp", -86400)), TokenProblem::expired));
    EXPECT_TRUE(is_accepted(verify(at("nbf", 60))));
    EXPECT_TRUE(rejected_as(verify(at("nbf", 61)), TokenProblem::not_yet_valid));

    auto strict = standard_policy();
    strict.clock_skew = std::chrono::seconds{0};
    EXPECT_TRUE(rejected_as(verify(at("exp", 0), published_keys(), strict), TokenProblem::expired));
    EXPECT_TRUE(is_accepted(verify(at("exp", 1), published_keys(), strict)));
}

TEST(AccessToken, RefusesATokenWithoutExpiryOrSubject) {
    // A token without expiry would be good forever once leaked.
    EXPECT_TRUE(rejected_as(verify(signed_token(rsa_key(), claims_without("exp"))),
                            TokenProblem::missing_claim));
    EXPECT_TRUE(rejected_as(verify(signed_token(rsa_key(), claims_with("exp", "tomorrow"))),
                            TokenProblem::missing_claim));
    EXPECT_TRUE(rejected_as(verify(signed_token(rsa_key(), claims_without("sub"))),
                            TokenProblem::missing_claim));
}

TEST(AccessToken, TypMustBeAnAccessTokenTypeIfPresent) {
    const auto typed = [](std::string typ) {
        auto header = header_for(rsa_key());
        header.typ = std::move(typ);
        return verify(signed_with(rsa_key(), header, json::serialize(standard_claims())));
    };
    EXPECT_TRUE(is_accepted(typed("at+jwt")));
    EXPECT_TRUE(is_accepted(typed("AT+JWT")));
    EXPECT_TRUE(is_accepted(typed("application/at+jwt")));
    EXPECT_TRUE(is_accepted(typed("JWT")));
    EXPECT_TRUE(is_accepted(typed("")));
    // A DPoP proof is signed by the client, not the issuer, but is a JWT all the same.
    EXPECT_TRUE(rejected_as(typed("dpop+jwt"), TokenProblem::malformed));
    EXPECT_TRUE(rejected_as(typed("JOSE"), TokenProblem::malformed));
}

TEST(AccessToken, AChangedPayloadFailsTheSignature) {
    const auto token = signed_token(rsa_key(), standard_claims());
    const auto first_dot = token.find('.');
    const auto second_dot = token.find('.', first_dot + 1);
    const auto tampered = token.substr(0, first_dot + 1) +
                          base64url(json::serialize(claims_with("sub", "admin"))) +
                          token.substr(second_dot);
    EXPECT_TRUE(rejected_as(verify(tampered), TokenProblem::bad_signature));
}

TEST(AccessToken, APayloadThatIsNotAJsonObjectIsMalformed) {
    EXPECT_TRUE(rejected_as(verify(signed_with(rsa_key(), header_for(rsa_key()), "[1,2,3]")),
                            TokenProblem::malformed));
    // "{}" as the header: no alg at all.
    EXPECT_TRUE(rejected_as(verify("e30.e30.c2ln"), TokenProblem::malformed));
    EXPECT_TRUE(rejected_as(verify("not-a-jwt"), TokenProblem::malformed));
}

TEST(AccessToken, OnlyThreeNonEmptyBase64UrlPartsLookLikeAJwt) {
    EXPECT_TRUE(looks_like_jwt("a.b.c"));
    EXPECT_TRUE(looks_like_jwt(signed_token(ec_key(), standard_claims())));
    // Opaque tokens (static bearer tokens, PlanetScale tokens) go to the digest lookup.
    for (const std::string_view opaque :
         {"", "abc", "a.b", "a.b.", ".b.c", "a..c", "a.b.c.d", "a.b.c=", "a b.c.d", "a+b.c.d",
          "pscale_tkn_0123456789abcdef"}) {
        EXPECT_FALSE(looks_like_jwt(opaque)) << opaque;
    }
}

}  // namespace
}  // namespace cmcp::identity
