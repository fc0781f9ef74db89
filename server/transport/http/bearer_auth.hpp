#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace cmcp::transport::http {

// Static bearer tokens (several, so they can be rotated). Only SHA-256 digests are kept, and
// a presented token is compared with every one of them in constant time: neither its length
// nor which token matched shows in the timing.
class BearerAuth {
  public:
    explicit BearerAuth(const std::vector<std::string>& tokens);

    enum class Verdict { ok, missing, invalid };

    bool enabled() const { return !digests_.empty(); }
    // `authorization` is the raw Authorization header value (empty when absent).
    Verdict check(std::string_view authorization) const;

  private:
    using Digest = std::array<unsigned char, 32>;
    static Digest digest(std::string_view text);

    std::vector<Digest> digests_;
};

}  // namespace cmcp::transport::http
