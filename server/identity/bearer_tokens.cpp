#include "transport/http/bearer_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace cmcp::transport::http {

bool same_credential(const Credential& a, const Credential& b) {
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

BearerAuth::BearerAuth(const std::vector<std::string>& tokens) {
    for (const auto& token : tokens) {
        if (!token.empty()) {
            digests_.push_back(digest(token));
        }
    }
}

Credential BearerAuth::digest(std::string_view text) {
    Credential out{};
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 ||
        size != out.size()) {
        throw std::runtime_error("SHA-256 is not available");
    }
    return out;
}

BearerAuth::Outcome BearerAuth::authenticate(std::string_view authorization) const {
    constexpr std::string_view kScheme = "bearer";
    const auto space = authorization.find(' ');
    if (authorization.empty() || space != kScheme.size() ||
        !std::equal(kScheme.begin(), kScheme.end(), authorization.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
        })) {
        return {authorization.empty() ? Verdict::missing : Verdict::invalid, {}};
    }
    auto token = authorization.substr(space + 1);
    const auto first = token.find_first_not_of(' ');
    const auto last = token.find_last_not_of(' ');
    token = first == std::string_view::npos ? std::string_view()
                                            : token.substr(first, last - first + 1);
    if (token.empty()) {
        return {Verdict::missing, {}};
    }
    const auto presented = digest(token);
    int matches = 0;
    for (const auto& expected : digests_) {
        // No early exit: every token is compared whichever one matches.
        matches |= same_credential(presented, expected) ? 1 : 0;
    }
    if (matches == 0) {
        return {Verdict::invalid, {}};
    }
    return {Verdict::ok, presented};
}

}  // namespace cmcp::transport::http
