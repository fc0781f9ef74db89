#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct _cjose_jwk_int;

namespace cmcp::identity {

// An issuer's signing keys (a JWKS document), as cjose keys. Immutable once built.
class KeySet {
  public:
    struct Key {
        std::string kid;  // may be empty
        std::string kty;  // "RSA" or "EC"
        std::string alg;  // the key's own "alg", if it names one
        std::shared_ptr<_cjose_jwk_int> handle;
    };

    // The signing keys of a JWKS document: RSA and EC keys whose "use" (if any) is "sig".
    // Other keys (encryption keys, symmetric keys, curves cjose does not know) are skipped,
    // never trusted. Returns why not when the document is not a JWKS or holds no usable key.
    static std::variant<KeySet, std::string> parse(std::string_view jwks);

    // The key a token names by `kid`; without a kid, the only key of that type, if there is
    // just one. Null if none.
    const Key* find(std::string_view kid, std::string_view kty) const;
    std::size_t size() const { return keys_.size(); }

  private:
    std::vector<Key> keys_;
};

}  // namespace cmcp::identity
