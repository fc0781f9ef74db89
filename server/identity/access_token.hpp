#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "identity/key_set.hpp"

namespace cmcp::identity {

// What an access token must be to be accepted (OAuth 2.1 §5.2, RFC 9068, RFC 8707).
struct TokenPolicy {
    std::string issuer;    // `iss`, compared exactly
    std::string audience;  // this server's canonical resource URL: `aud` must name it
    std::chrono::seconds clock_skew{60};
};

struct VerifiedToken {
    boost::json::object claims;
    std::string subject;              // `sub`, else `client_id`
    std::vector<std::string> scopes;  // `scope` (space-separated) or `scp`
};

enum class TokenProblem {
    malformed,              // not a compact JWS with a JSON payload
    algorithm_not_allowed,  // none, HMAC, or anything outside the allowlist
    unknown_key,            // no key with its kid (the keys may have rotated: refetch)
    bad_signature,
    wrong_issuer,
    wrong_audience,
    expired,
    not_yet_valid,
    missing_claim,  // exp, or a subject
};

struct TokenRejection {
    TokenProblem problem;
    std::string detail;  // for the log and the error_description; never holds the token
};

// Checks a JWT access token: the header's `alg` on the allowlist (RS256/384/512,
// PS256/384/512, ES256/384/512) and matching the key's type (and the key's own alg, if it has
// one), the signature with cjose, then `iss`, `aud`, `exp` (required) and `nbf` within the
// policy's clock skew, and `typ` (if present) a JWT access token type.
std::variant<VerifiedToken, TokenRejection> verify_access_token(
    std::string_view token, const KeySet& keys, const TokenPolicy& policy,
    std::chrono::system_clock::time_point now);

// "a.b.c": three non-empty base64url parts. Bearer values that are not are opaque tokens.
bool looks_like_jwt(std::string_view token);

// Two resource URLs name the same resource: exact, or differing only in a trailing slash, or
// in the case of the scheme and host (MCP authorization, "Canonical Server URI").
bool same_resource(std::string_view a, std::string_view b);

}  // namespace cmcp::identity
