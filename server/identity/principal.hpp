#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "identity/digest.hpp"
#include "upstream/credentials.hpp"

namespace cmcp::identity {

// How an OAuth access token is recognised as a principal's: its subject (`sub`, or `client_id`
// for a client-credentials token) is one of `subjects`, and every claim in `claims` has one of
// the listed values (an array claim, e.g. groups, needs to contain one). Either part may be
// empty, not both.
struct OAuthRule {
    std::vector<std::string> subjects;
    std::map<std::string, std::vector<std::string>> claims;

    bool matches(const boost::json::object& token_claims) const;
};

// Who is calling, over HTTP: recognised by a bearer token or an OAuth access token, acting
// with its own upstream credentials, within its own tool ceiling and defaults.
struct Principal {
    std::string name;
    Digest owner{};  // owner_digest("principal", name): what its sessions are bound to
    std::vector<Digest> bearer_sha256;
    std::optional<OAuthRule> oauth;
    std::shared_ptr<const upstream::CredentialSet> credentials;
    // The server's tools within this principal's ceiling, with its defaults over the server's:
    // what its tools/list shows and what its calls are checked and built against.
    std::shared_ptr<const catalog::Catalog> catalog;
};

// One principals file, loaded and checked: immutable, shared by the requests that use it.
class Directory {
  public:
    Directory(std::vector<Principal> principals, std::shared_ptr<const upstream::Redactor> redactor)
        : principals_(std::move(principals)), redactor_(std::move(redactor)) {}

    // The principal one of whose tokens has this digest. Every principal's every digest is
    // compared, in constant time, whichever matches.
    const Principal* by_bearer(const Digest& token) const;
    // The first principal (in file order) whose OAuth rule the token's claims satisfy.
    const Principal* by_claims(const boost::json::object& claims) const;
    const Principal* by_name(std::string_view name) const;
    const std::vector<Principal>& principals() const { return principals_; }
    // Knows every credential of every principal, and the server's own.
    const std::shared_ptr<const upstream::Redactor>& redactor() const { return redactor_; }

  private:
    std::vector<Principal> principals_;
    std::shared_ptr<const upstream::Redactor> redactor_;
};

}  // namespace cmcp::identity
