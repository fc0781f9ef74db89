#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "identity/access_token.hpp"
#include "identity/bearer_tokens.hpp"
#include "identity/digest.hpp"
#include "identity/issuer_keys.hpp"
#include "identity/principal_store.hpp"
#include "identity/tool_scopes.hpp"

namespace cmcp::identity {

// Who a request comes from, once authenticated.
struct Caller {
    // Keeps `principal` alive for as long as the request needs it, across reloads.
    std::shared_ptr<const Directory> directory;
    const Principal* principal = nullptr;  // null: the server's own credentials and tools
    // For logs and the audit log: the principal's name, "oauth <subject>" without principals,
    // or empty (static tokens, or no authentication).
    std::string name;
    // What a session opened by this caller is bound to: the principal, the OAuth subject, or
    // the static token; nothing without authentication.
    std::optional<Digest> owner;
    unsigned tool_classes = kAllToolClasses;  // what the OAuth scopes allow
};

struct Denial {
    enum class Kind {
        missing_token,     // 401
        invalid_token,     // 401, error="invalid_token"
        no_principal,      // 403: a valid token that no principal is
        keys_unavailable,  // 503: the issuer's keys cannot be fetched
    };
    Kind kind;
    std::string detail;  // for the error description and the log; never holds the token
};

// The token names keys the server does not have yet: fetch them (IssuerKeys::fetch), then
// authenticate again.
struct KeysNeeded {};

using Authentication = std::variant<Caller, Denial, KeysNeeded>;

struct AuthenticatorOptions {
    std::vector<std::string> static_tokens;            // --auth-token-file and friends
    std::shared_ptr<const PrincipalStore> principals;  // null without --principals
    std::shared_ptr<IssuerKeys> issuer;                // null without --oauth-issuer
    TokenPolicy token_policy;                          // with an issuer
};

// Decides who a request's Authorization header stands for: a static bearer token, a
// principal's bearer token (by its SHA-256), or an OAuth access token (a JWT from the issuer,
// for this resource) mapped onto a principal by its claims. Thread-safe.
class Authenticator {
  public:
    using Clock = std::chrono::system_clock;

    explicit Authenticator(AuthenticatorOptions options,
                           std::function<Clock::time_point()> now = &Clock::now);

    // Whether requests must authenticate at all.
    bool enabled() const;
    bool oauth() const { return options_.issuer != nullptr; }
    const TokenPolicy& token_policy() const { return options_.token_policy; }
    bool has_principals() const { return options_.principals != nullptr; }

    Authentication authenticate(std::string_view authorization) const;
    // See KeysNeeded.
    void fetch_keys(boost::asio::any_io_executor executor, std::function<void()> done) const;

  private:
    Authentication by_access_token(std::string_view token) const;
    Authentication by_bearer_digest(const Digest& digest) const;

    AuthenticatorOptions options_;
    BearerTokens static_tokens_;
    std::function<Clock::time_point()> now_;
};

}  // namespace cmcp::identity
