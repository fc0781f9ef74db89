#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "catalog/catalog.hpp"
#include "identity/principal.hpp"
#include "upstream/credentials.hpp"

namespace cmcp::identity {

// What a principals file is checked and completed against.
struct LoadContext {
    std::shared_ptr<const catalog::Definitions> definitions;
    // The server's own selection, defaults and limits: a principal's ceiling narrows the
    // selection, its defaults override the server's.
    catalog::CatalogOptions server;
    upstream::EnvironmentLookup getenv;
    // The contents of a file named by a "file:" reference; nullopt if it cannot be read.
    std::function<std::optional<std::string>(const std::string& path)> read_file;
    // The server's own credentials: the shared redactor knows them too.
    upstream::Credentials server_credentials;
    // Sandbox mode: every principal's credentials, for the providers it has a section for, are
    // these (the simulator's); its references are not read.
    std::optional<upstream::Credentials> substitute;
};

// The principals of a file's text (JSON; see README "Principals"), every reference resolved
// and every tool name checked; or one line saying what is wrong and where ("principals[1]
// (team-billing).scaleway.secret_key: env:BILLING_KEY is not set"). Messages name references,
// never their values.
std::variant<std::shared_ptr<const Directory>, std::string> load_principals(
    std::string_view text, const LoadContext& context);

// The same for a file on disk.
std::variant<std::shared_ptr<const Directory>, std::string> load_principals_file(
    const std::string& path, const LoadContext& context);

// Reads a whole file; nullopt if it cannot be read.
std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace cmcp::identity
