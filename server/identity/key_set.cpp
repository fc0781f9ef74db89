#include "identity/key_set.hpp"

#include <cjose/jwk.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/json_text.hpp"

namespace cmcp::identity {

namespace json = boost::json;

std::variant<KeySet, std::string> KeySet::parse(std::string_view jwks) {
    boost::system::error_code ec;
    const auto document = json::parse(jwks, ec);
    if (ec || !document.is_object()) {
        return std::string("the key set is not a JSON object");
    }
    const auto* keys = document.get_object().if_contains("keys");
    if (keys == nullptr || !keys->is_array()) {
        return std::string("the key set has no \"keys\" array");
    }
    KeySet set;
    for (const auto& entry : keys->get_array()) {
        if (!entry.is_object()) {
            continue;
        }
        const auto& object = entry.get_object();
        Key key;
        key.kty = string_member(object, "kty");
        key.kid = string_member(object, "kid");
        key.alg = string_member(object, "alg");
        const auto use = string_member(object, "use");
        if ((key.kty != "RSA" && key.kty != "EC") || (!use.empty() && use != "sig")) {
            continue;
        }
        const std::string text = json::serialize(object);
        cjose_err error{};
        cjose_jwk_t* handle = cjose_jwk_import(text.c_str(), text.size(), &error);
        if (handle == nullptr) {
            continue;  // e.g. a curve cjose does not support
        }
        key.handle = std::shared_ptr<_cjose_jwk_int>(
            handle, [](cjose_jwk_t* jwk) { cjose_jwk_release(jwk); });
        set.keys_.push_back(std::move(key));
    }
    if (set.keys_.empty()) {
        return std::string("the key set holds no RSA or EC signing key");
    }
    return set;
}

const KeySet::Key* KeySet::find(std::string_view kid, std::string_view kty) const {
    const Key* only = nullptr;
    int candidates = 0;
    for (const auto& key : keys_) {
        if (key.kty != kty) {
            continue;
        }
        if (!kid.empty() && key.kid == kid) {
            return &key;
        }
        ++candidates;
        only = &key;
    }
    return kid.empty() && candidates == 1 ? only : nullptr;
}

}  // namespace cmcp::identity
