#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upstream/request.hpp"

namespace cmcp::upstream {

// The exact header values the server authenticates with; std::nullopt = not configured.
struct Credentials {
    std::optional<std::string> scaleway_secret_key;        // sent as X-Auth-Token
    std::optional<std::string> planetscale_authorization;  // sent as Authorization, verbatim
    // Where each came from, for logs and the audit log: "env:SCW_SECRET_KEY",
    // "file:/run/secrets/ps", ... Never the value.
    std::string scaleway_source = {};
    std::string planetscale_source = {};
};

using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view)>;

// Scaleway: SCW_SECRET_KEY, else SCALEWAY_API_KEY. PlanetScale: PLANETSCALE_SERVICE_TOKEN_ID
// with PLANETSCALE_SERVICE_TOKEN as "<id>:<token>", else PLANETSCALE_API_KEY ("<id>:<token>"
// as is, anything else as "Bearer <key>"). Values are trimmed; empty counts as unset.
Credentials credentials_from_environment(const EnvironmentLookup& getenv);

const std::optional<std::string>& credential_for(const Credentials& credentials, Provider provider);
const std::string& source_of(const Credentials& credentials, Provider provider);

// "<key>" as the Authorization value it stands for: "<id>:<token>" and "Bearer <token>" as they
// are, anything else as "Bearer <key>".
std::string planetscale_authorization_from_key(std::string key);

// No control characters but tab: the value cannot end a header line early.
bool is_header_value(std::string_view value);

// Throws std::invalid_argument if a value cannot go on the wire as a header value (the message
// names the provider, never the value).
void check_header_values(const Credentials& credentials);

// Tells the operator which variables to set; used when a call finds nothing configured.
std::string missing_credentials_message(Provider provider);

// Replaces every configured secret in a text by [REDACTED], in case a vendor echoes one back.
class Redactor {
  public:
    static constexpr std::string_view kMarker = "[REDACTED]";
    // Parts of a credential ("<id>" and "<token>" of "<id>:<token>") shorter than this are
    // too likely to occur by chance in ordinary text to be worth replacing.
    static constexpr std::size_t kMinPartLength = 8;

    Redactor() = default;
    explicit Redactor(const Credentials& credentials);
    // Knows the secrets of every one of these.
    explicit Redactor(const std::vector<Credentials>& everyone);

    std::string redact(std::string_view text) const;
    void redact_in_place(std::string& text) const;
    bool empty() const { return secrets_.empty(); }

  private:
    void add_credentials(const Credentials& credentials);
    void add(std::string_view secret);

    std::vector<std::string> secrets_;  // longest first, so a whole value wins over its parts
};

// Whose credentials a call carries: the server's own (from its environment) or a principal's.
// `redactor` knows every secret the server holds, not only these: a vendor answer or an
// argument may hold another principal's.
struct CredentialSet {
    std::string owner;  // a principal's name; empty for the server's own credentials
    Credentials credentials;
    std::shared_ptr<const Redactor> redactor;
};

}  // namespace cmcp::upstream
