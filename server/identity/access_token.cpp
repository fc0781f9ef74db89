#include "identity/access_token.hpp"

#include <cjose/header.h>
#include <cjose/jws.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <cctype>
#include <memory>

#include "support/json_text.hpp"
#include "support/text.hpp"

namespace cmcp::identity {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

namespace {

struct AlgorithmRule {
    std::string_view alg;
    std::string_view kty;
};
// Asymmetric signatures only: "none" and HMAC (whose "key" would be the issuer's public key,
// which anyone has) are never accepted.
constexpr std::array<AlgorithmRule, 9> kAllowedAlgorithms{{
    {"RS256", "RSA"},
    {"RS384", "RSA"},
    {"RS512", "RSA"},
    {"PS256", "RSA"},
    {"PS384", "RSA"},
    {"PS512", "RSA"},
    {"ES256", "EC"},
    {"ES384", "EC"},
    {"ES512", "EC"},
}};

using JwsHandle = std::unique_ptr<cjose_jws_t, decltype(&cjose_jws_release)>;

TokenRejection reject(TokenProblem problem, std::string detail) {
    return {problem, std::move(detail)};
}

std::string header_value(cjose_header_t* header, const char* name) {
    cjose_err error{};
    const char* value = cjose_header_get(header, name, &error);
    return value != nullptr ? value : "";
}

std::optional<std::int64_t> numeric_date(const json::object& claims, std::string_view name) {
    const auto* value = claims.if_contains(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_int64()) {
        return value->get_int64();
    }
    if (value->is_uint64()) {
        return static_cast<std::int64_t>(std::min<std::uint64_t>(value->get_uint64(), INT64_MAX));
    }
    if (value->is_double()) {
        return static_cast<std::int64_t>(value->get_double());
    }
    return std::nullopt;
}

bool audience_matches(const json::value* audience, std::string_view expected) {
    if (audience == nullptr) {
        return false;
    }
    if (audience->is_string()) {
        return same_resource(audience->get_string(), expected);
    }
    if (const auto* list = audience->if_array()) {
        return std::any_of(list->begin(), list->end(), [expected](const json::value& item) {
            return item.is_string() && same_resource(item.get_string(), expected);
        });
    }
    return false;
}

std::vector<std::string> scopes_of(const json::object& claims) {
    std::vector<std::string> scopes;
    const auto add_words = [&scopes](std::string_view text) {
        std::size_t at = 0;
        while (at < text.size()) {
            const auto end = std::min(text.find(' ', at), text.size());
            if (end > at) {
                scopes.emplace_back(text.substr(at, end - at));
            }
            at = end + 1;
        }
    };
    if (const auto* scope = claims.if_contains("scope"); scope != nullptr && scope->is_string()) {
        add_words(scope->get_string());
    } else if (const auto* scp = claims.if_contains("scp")) {
        if (scp->is_string()) {
            add_words(scp->get_string());
        } else if (const auto* list = scp->if_array()) {
            for (const auto& item : *list) {
                if (item.is_string()) {
                    scopes.emplace_back(item.get_string());
                }
            }
        }
    }
    return scopes;
}

}  // namespace

bool looks_like_jwt(std::string_view token) {
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (first == 0 || second == std::string_view::npos || second == first + 1 ||
        second + 1 >= token.size() || token.find('.', second + 1) != std::string_view::npos) {
        return false;
    }
    return std::all_of(token.begin(), token.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
}

bool same_resource(std::string_view a, std::string_view b) {
    const auto without_slash = [](std::string_view url) {
        return url.size() > 1 && url.back() == '/' ? url.substr(0, url.size() - 1) : url;
    };
    a = without_slash(a);
    b = without_slash(b);
    // Scheme and host are case-insensitive; the path is not.
    const auto authority_end = [](std::string_view url) {
        const auto scheme = url.find("://");
        if (scheme == std::string_view::npos) {
            return std::size_t{0};
        }
        return std::min(url.find('/', scheme + 3), url.size());
    };
    const auto a_end = authority_end(a);
    const auto b_end = authority_end(b);
    return a_end == b_end && iequals(a.substr(0, a_end), b.substr(0, b_end)) &&
           a.substr(a_end) == b.substr(b_end);
}

std::variant<VerifiedToken, TokenRejection> verify_access_token(std::string_view token,
                                                                const KeySet& keys,
                                                                const TokenPolicy& policy,
                                                                Clock::time_point now) {
    if (!looks_like_jwt(token)) {
        return reject(TokenProblem::malformed, "not a JWT");
    }
    cjose_err error{};
    JwsHandle jws(cjose_jws_import(token.data(), token.size(), &error), &cjose_jws_release);
    if (!jws) {
        return reject(TokenProblem::malformed, "not a valid JWS");
    }
    cjose_header_t* header = cjose_jws_get_protected(jws.get());
    const std::string alg = header_value(header, CJOSE_HDR_ALG);
    const auto rule =
        std::find_if(kAllowedAlgorithms.begin(), kAllowedAlgorithms.end(),
                     [&alg](const AlgorithmRule& allowed) { return allowed.alg == alg; });
    if (rule == kAllowedAlgorithms.end()) {
        return reject(TokenProblem::algorithm_not_allowed,
                      "the signing algorithm " + (alg.empty() ? std::string("(none)") : alg) +
                          " is not accepted");
    }
    const std::string typ = header_value(header, "typ");
    if (!typ.empty() && !iequals(typ, "at+jwt") && !iequals(typ, "application/at+jwt") &&
        !iequals(typ, "jwt")) {
        return reject(TokenProblem::malformed,
                      "a token of type " + typ + " is not an access token");
    }
    const std::string kid = header_value(header, CJOSE_HDR_KID);
    const auto* key = keys.find(kid, rule->kty);
    if (key == nullptr) {
        return reject(TokenProblem::unknown_key, kid.empty() ? "no key id, and no single key to use"
                                                             : "no key with the token's key id");
    }
    if (!key->alg.empty() && key->alg != alg) {
        return reject(TokenProblem::algorithm_not_allowed,
                      "the key is for " + key->alg + ", the token is signed " + alg);
    }
    if (!cjose_jws_verify(jws.get(), key->handle.get(), &error)) {
        return reject(TokenProblem::bad_signature, "the signature does not verify");
    }
    std::uint8_t* payload = nullptr;
    std::size_t payload_size = 0;
    if (!cjose_jws_get_plaintext(jws.get(), &payload, &payload_size, &error)) {
        return reject(TokenProblem::malformed, "no payload");
    }
    boost::system::error_code ec;
    auto claims_value =
        json::parse(std::string_view(reinterpret_cast<const char*>(payload), payload_size), ec);
    if (ec || !claims_value.is_object()) {
        return reject(TokenProblem::malformed, "the payload is not a JSON object");
    }
    VerifiedToken verified;
    verified.claims = std::move(claims_value.get_object());
    const auto& claims = verified.claims;

    if (string_member(claims, "iss") != policy.issuer) {
        return reject(TokenProblem::wrong_issuer, "the token is from another issuer");
    }
    if (!audience_matches(claims.if_contains("aud"), policy.audience)) {
        return reject(
            TokenProblem::wrong_audience,
            "the token is not for this server (its audience is not " + policy.audience + ")");
    }
    const auto seconds_now =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const auto skew = policy.clock_skew.count();
    const auto expires = numeric_date(claims, "exp");
    if (!expires) {
        return reject(TokenProblem::missing_claim, "the token has no expiry (exp)");
    }
    if (seconds_now >= *expires + skew) {
        return reject(TokenProblem::expired, "the token has expired");
    }
    if (const auto not_before = numeric_date(claims, "nbf");
        not_before && seconds_now + skew < *not_before) {
        return reject(TokenProblem::not_yet_valid, "the token is not valid yet");
    }
    verified.subject = string_member(claims, "sub");
    if (verified.subject.empty()) {
        verified.subject = string_member(claims, "client_id");
    }
    if (verified.subject.empty()) {
        return reject(TokenProblem::missing_claim, "the token names no subject (sub)");
    }
    verified.scopes = scopes_of(claims);
    return verified;
}

}  // namespace cmcp::identity
