#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "identity/digest.hpp"

namespace cmcp::identity {

// The token of an `Authorization: Bearer <token>` header value (scheme in any case, spaces
// around the token ignored); empty if there is none, nullopt if the header uses another scheme.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// Static bearer tokens (several, so they can be rotated). Only SHA-256 digests are kept, and
// a presented token is compared with every one of them in constant time: neither its length
// nor which token matched shows in the timing.
class BearerTokens {
  public:
    explicit BearerTokens(const std::vector<std::string>& tokens);

    bool enabled() const { return !digests_.empty(); }
    // Whether this digest is one of the tokens'; constant time over all of them.
    bool knows(const Digest& presented) const;

  private:
    std::vector<Digest> digests_;
};

}  // namespace cmcp::identity
