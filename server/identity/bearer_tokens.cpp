#include "identity/bearer_tokens.hpp"

#include <algorithm>
#include <cctype>

#include "support/text.hpp"

namespace cmcp::identity {

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    constexpr std::string_view kScheme = "bearer";
    if (authorization.empty()) {
        return std::string_view();
    }
    const auto space = authorization.find(' ');
    if (space == std::string_view::npos || !iequals(authorization.substr(0, space), kScheme)) {
        return std::nullopt;
    }
    auto token = authorization.substr(space + 1);
    const auto first = token.find_first_not_of(' ');
    const auto last = token.find_last_not_of(' ');
    return first == std::string_view::npos ? std::string_view()
                                           : token.substr(first, last - first + 1);
}

BearerTokens::BearerTokens(const std::vector<std::string>& tokens) {
    for (const auto& token : tokens) {
        if (!token.empty()) {
            digests_.push_back(sha256(token));
        }
    }
}

bool BearerTokens::knows(const Digest& presented) const {
    int matches = 0;
    for (const auto& expected : digests_) {
        // No early exit: every token is compared whichever one matches.
        matches |= same_digest(presented, expected) ? 1 : 0;
    }
    return matches != 0;
}

}  // namespace cmcp::identity
