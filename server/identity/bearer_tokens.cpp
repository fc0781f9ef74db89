#include "identity/bearer_tokens.hpp"

#include <algorithm>
#include <cctype>

namespace cmcp::identity {

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    constexpr std::string_view kScheme = "bearer";
    if (authorization.empty()) {
        return std::string_view();
    }
    const auto space = authorization.find(' ');
    if (space != kScheme.size() ||
        !std::equal(kScheme.begin(), kScheme.end(), authorization.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
        })) {
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

BearerTokens::Outcome BearerTokens::authenticate(std::string_view authorization) const {
    const auto token = bearer_token(authorization);
    if (!token) {
        return {Verdict::invalid, {}};
    }
    if (token->empty()) {
        return {Verdict::missing, {}};
    }
    const auto presented = sha256(*token);
    if (!knows(presented)) {
        return {Verdict::invalid, {}};
    }
    return {Verdict::ok, presented};
}

}  // namespace cmcp::identity
