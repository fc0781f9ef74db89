#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace cmcp::transport::http {

// The SHA-256 digest of a valid bearer token (never the token itself): what a session remembers
// of the credential that opened it.
using Credential = std::array<unsigned char, 32>;

// True if both are the same credential; constant time.
bool same_credential(const Credential& a, const Credential& b);

// Static bearer tokens (several, so they can be rotated). Only SHA-256 digests are kept, and
// a presented token is compared with every one of them in constant time: neither its length
// nor which token matched shows in the timing.
class BearerAuth {
  public:
    explicit BearerAuth(const std::vector<std::string>& tokens);

    enum class Verdict { ok, missing, invalid };

    struct Outcome {
        Verdict verdict = Verdict::missing;
        Credential credential{};  // the presented token's digest; meaningful when ok
    };

    bool enabled() const { return !digests_.empty(); }
    // `authorization` is the raw Authorization header value (empty when absent).
    Outcome authenticate(std::string_view authorization) const;
    Verdict check(std::string_view authorization) const {
        return authenticate(authorization).verdict;
    }

  private:
    static Credential digest(std::string_view text);

    std::vector<Credential> digests_;
};

}  // namespace cmcp::transport::http
