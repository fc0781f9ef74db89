#include "identity/authenticator.hpp"

namespace cmcp::identity {

Authenticator::Authenticator(AuthenticatorOptions options, std::function<Clock::time_point()> now)
    : options_(std::move(options)), static_tokens_(options_.static_tokens), now_(std::move(now)) {}

bool Authenticator::enabled() const {
    return static_tokens_.enabled() || options_.principals || options_.issuer;
}

Authentication Authenticator::authenticate(std::string_view authorization) const {
    if (!enabled()) {
        return Caller{};
    }
    const auto token = bearer_token(authorization);
    if (!token) {
        return Denial{Denial::Kind::invalid_token, "only Bearer tokens are accepted"};
    }
    if (token->empty()) {
        return Denial{Denial::Kind::missing_token, "no bearer token"};
    }
    if (options_.issuer && looks_like_jwt(*token)) {
        return by_access_token(*token);
    }
    return by_bearer_digest(sha256(*token));
}

Authentication Authenticator::by_bearer_digest(const Digest& digest) const {
    if (options_.principals) {
        auto directory = options_.principals->current();
        if (const auto* principal = directory->by_bearer(digest)) {
            Caller caller;
            caller.principal = principal;
            caller.name = principal->name;
            caller.owner = principal->owner;
            caller.directory = std::move(directory);
            return caller;
        }
    }
    if (static_tokens_.knows(digest)) {
        Caller caller;
        caller.owner = digest;
        return caller;
    }
    return Denial{Denial::Kind::invalid_token, "the bearer token is not valid"};
}

Authentication Authenticator::by_access_token(std::string_view token) const {
    auto& issuer = *options_.issuer;
    const auto keys = issuer.keys();
    if (!keys) {
        if (issuer.should_fetch(false)) {
            return KeysNeeded{};
        }
        return Denial{Denial::Kind::keys_unavailable, issuer.last_failure()};
    }
    auto verified = verify_access_token(token, *keys, options_.token_policy, now_());
    if (auto* rejection = std::get_if<TokenRejection>(&verified)) {
        if (rejection->problem == TokenProblem::unknown_key && issuer.should_fetch(true)) {
            return KeysNeeded{};
        }
        return Denial{Denial::Kind::invalid_token, rejection->detail};
    }
    if (issuer.should_fetch(false)) {
        return KeysNeeded{};  // old keys: refreshed before they are trusted again
    }
    const auto& token_info = std::get<VerifiedToken>(verified);
    Caller caller;
    caller.tool_classes = classes_granted(token_info.scopes);
    if (options_.principals) {
        auto directory = options_.principals->current();
        const auto* principal = directory->by_claims(token_info.claims);
        if (principal == nullptr) {
            return Denial{Denial::Kind::no_principal,
                          "the token is valid, but no principal is configured for its subject"};
        }
        caller.principal = principal;
        caller.name = principal->name;
        caller.owner = principal->owner;
        caller.directory = std::move(directory);
        return caller;
    }
    caller.name = "oauth " + token_info.subject;
    caller.owner = owner_digest("subject", token_info.subject);
    return caller;
}

void Authenticator::fetch_keys(boost::asio::any_io_executor executor,
                               std::function<void()> done) const {
    options_.issuer->fetch(std::move(executor), std::move(done));
}

}  // namespace cmcp::identity
