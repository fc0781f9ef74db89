#include "identity/principal.hpp"

#include <algorithm>
#include <boost/json/array.hpp>

namespace cmcp::identity {

namespace json = boost::json;

namespace {

bool claim_has(const json::value& claim, const std::vector<std::string>& wanted) {
    const auto is_wanted = [&wanted](const json::value& value) {
        return value.is_string() && std::find(wanted.begin(), wanted.end(),
                                              std::string_view(value.get_string())) != wanted.end();
    };
    if (const auto* values = claim.if_array()) {
        return std::any_of(values->begin(), values->end(), is_wanted);
    }
    return is_wanted(claim);
}

}  // namespace

bool OAuthRule::matches(const json::object& token_claims) const {
    if (!subjects.empty()) {
        const bool named = std::any_of(
            subjects.begin(), subjects.end(), [&token_claims](const std::string& subject) {
                for (const auto* key : {"sub", "client_id"}) {
                    const auto* value = token_claims.if_contains(key);
                    if (value != nullptr && value->is_string() && value->get_string() == subject) {
                        return true;
                    }
                }
                return false;
            });
        if (!named) {
            return false;
        }
    }
    return std::all_of(claims.begin(), claims.end(), [&token_claims](const auto& rule) {
        const auto* value = token_claims.if_contains(rule.first);
        return value != nullptr && claim_has(*value, rule.second);
    });
}

const Principal* Directory::by_bearer(const Digest& token) const {
    const Principal* found = nullptr;
    for (const auto& principal : principals_) {
        for (const auto& digest : principal.bearer_sha256) {
            // No early exit: the timing does not tell which token, or whose, matched.
            if (same_digest(token, digest) && found == nullptr) {
                found = &principal;
            }
        }
    }
    return found;
}

const Principal* Directory::by_claims(const json::object& claims) const {
    for (const auto& principal : principals_) {
        if (principal.oauth && principal.oauth->matches(claims)) {
            return &principal;
        }
    }
    return nullptr;
}

const Principal* Directory::by_name(std::string_view name) const {
    for (const auto& principal : principals_) {
        if (principal.name == name) {
            return &principal;
        }
    }
    return nullptr;
}

}  // namespace cmcp::identity
