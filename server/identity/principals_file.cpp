#include "identity/principals_file.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <stdexcept>

#include "support/text.hpp"

namespace cmcp::identity {

namespace json = boost::json;

namespace {

// A problem found in the file, with where it is.
struct Invalid {
    std::string message;
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw Invalid{where + ": " + what};
}

void only_keys(const json::object& object, const std::string& where,
               std::initializer_list<std::string_view> allowed) {
    for (const auto& entry : object) {
        if (std::find(allowed.begin(), allowed.end(), entry.key()) == allowed.end()) {
            std::string list;
            for (const auto name : allowed) {
                list += (list.empty() ? "" : ", ") + std::string(name);
            }
            fail(where, "unknown field \"" + printable(entry.key()) + "\" (known: " + list + ")");
        }
    }
}

const json::object& as_object(const json::value& value, const std::string& where) {
    if (!value.is_object()) {
        fail(where, "must be an object");
    }
    return value.get_object();
}

std::string as_string(const json::value& value, const std::string& where) {
    if (!value.is_string() || value.get_string().empty()) {
        fail(where, "must be a non-empty string");
    }
    return std::string(value.get_string());
}

std::optional<std::string> optional_string(const json::object& object, std::string_view key,
                                           const std::string& where) {
    const auto* value = object.if_contains(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    return as_string(*value, where + "." + std::string(key));
}

std::vector<std::string> string_list(const json::object& object, std::string_view key,
                                     const std::string& where) {
    std::vector<std::string> out;
    const auto* value = object.if_contains(key);
    if (value == nullptr) {
        return out;
    }
    const std::string here = where + "." + std::string(key);
    if (!value->is_array()) {
        fail(here, "must be an array of strings");
    }
    for (const auto& item : value->get_array()) {
        out.push_back(as_string(item, here + "[]"));
    }
    return out;
}

bool is_valid_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
               c == '@';
    });
}

// "env:NAME" or "file:/path": the credential it refers to, trimmed. Never inline.
std::string resolve(const std::string& reference, const std::string& where,
                    const LoadContext& context) {
    if (reference.starts_with("env:")) {
        const auto name = reference.substr(4);
        auto value = context.getenv(name);
        const auto trimmed = value ? std::string(trim(*value)) : std::string();
        if (trimmed.empty()) {
            fail(where, reference + " is not set");
        }
        return trimmed;
    }
    if (reference.starts_with("file:")) {
        const auto path = reference.substr(5);
        const auto contents = context.read_file(path);
        if (!contents) {
            fail(where, reference + " cannot be read");
        }
        const auto trimmed = std::string(trim(*contents));
        if (trimmed.empty()) {
            fail(where, reference + " is empty");
        }
        return trimmed;
    }
    // The value is not repeated: it may be a credential pasted in by mistake.
    fail(where,
         "must be a reference, \"env:NAME\" or \"file:/path\" (a credential is never "
         "written in the principals file itself)");
}

struct Draft {
    std::string name;
    std::vector<Digest> bearer_sha256;
    std::optional<OAuthRule> oauth;
    upstream::Credentials credentials;
    std::map<std::string, std::string> defaults;
    catalog::ToolSelection ceiling;
};

OAuthRule oauth_rule(const json::object& object, const std::string& where) {
    only_keys(object, where, {"sub", "claims"});
    OAuthRule rule;
    rule.subjects = string_list(object, "sub", where);
    if (const auto* claims = object.if_contains("claims")) {
        for (const auto& claim : as_object(*claims, where + ".claims")) {
            const std::string here = where + ".claims." + std::string(claim.key());
            if (claim.value().is_array()) {
                json::object holder{{"values", claim.value()}};
                rule.claims[std::string(claim.key())] = string_list(holder, "values", here);
            } else {
                rule.claims[std::string(claim.key())] = {as_string(claim.value(), here)};
            }
        }
    }
    if (rule.subjects.empty() && rule.claims.empty()) {
        fail(where, "needs \"sub\" or \"claims\" (an empty rule would match every token)");
    }
    return rule;
}

void scaleway_section(const json::object& object, const std::string& where,
                      const LoadContext& context, Draft& draft) {
    only_keys(object, where,
              {"secret_key", "default_region", "default_project_id", "default_organization_id"});
    if (auto reference = optional_string(object, "secret_key", where)) {
        if (context.substitute) {
            draft.credentials.scaleway_secret_key = context.substitute->scaleway_secret_key;
            draft.credentials.scaleway_source = "sandbox";
        } else {
            draft.credentials.scaleway_secret_key =
                resolve(*reference, where + ".secret_key", context);
            draft.credentials.scaleway_source = *reference;
        }
    }
    for (const auto& [key, setting] :
         {std::pair{"default_region", "scaleway.region"},
          std::pair{"default_project_id", "scaleway.project_id"},
          std::pair{"default_organization_id", "scaleway.organization_id"}}) {
        if (auto value = optional_string(object, key, where)) {
            draft.defaults[setting] = *value;
        }
    }
}

void planetscale_section(const json::object& object, const std::string& where,
                         const LoadContext& context, Draft& draft) {
    only_keys(object, where,
              {"service_token_id", "service_token", "api_key", "default_organization"});
    const auto id = optional_string(object, "service_token_id", where);
    const auto token = optional_string(object, "service_token", where);
    const auto key = optional_string(object, "api_key", where);
    if (id.has_value() != token.has_value()) {
        fail(where, "service_token_id and service_token go together");
    }
    if (id && key) {
        fail(where, "either service_token_id + service_token, or api_key");
    }
    if ((id || key) && context.substitute) {
        draft.credentials.planetscale_authorization = context.substitute->planetscale_authorization;
        draft.credentials.planetscale_source = "sandbox";
    } else if (id) {
        draft.credentials.planetscale_authorization =
            resolve(*id, where + ".service_token_id", context) + ":" +
            resolve(*token, where + ".service_token", context);
        draft.credentials.planetscale_source = *id + "+" + *token;
    } else if (key) {
        draft.credentials.planetscale_authorization = upstream::planetscale_authorization_from_key(
            resolve(*key, where + ".api_key", context));
        draft.credentials.planetscale_source = *key;
    }
    if (auto organization = optional_string(object, "default_organization", where)) {
        draft.defaults["planetscale.organization"] = *organization;
    }
}

catalog::ToolSelection tool_ceiling(const json::object& object, const std::string& where) {
    only_keys(object, where, {"toolsets", "tools", "exclude_tools", "read_only"});
    catalog::ToolSelection ceiling;
    ceiling.toolsets = string_list(object, "toolsets", where);
    ceiling.tools = string_list(object, "tools", where);
    ceiling.exclude_tools = string_list(object, "exclude_tools", where);
    if (const auto* read_only = object.if_contains("read_only")) {
        if (!read_only->is_bool()) {
            fail(where + ".read_only", "must be true or false");
        }
        ceiling.read_only = read_only->get_bool();
    }
    return ceiling;
}

Draft draft_of(const json::value& value, std::size_t index, const LoadContext& context) {
    std::string where = "principals[" + std::to_string(index) + "]";
    const auto& object = as_object(value, where);
    Draft draft;
    const auto* name = object.if_contains("name");
    if (name == nullptr) {
        fail(where, "needs a \"name\"");
    }
    draft.name = as_string(*name, where + ".name");
    if (!is_valid_name(draft.name)) {
        fail(where + ".name",
             "\"" + printable(draft.name) + "\" must be 1 to 64 letters, digits, - _ . or @");
    }
    where += " (" + draft.name + ")";
    only_keys(object, where,
              {"name", "bearer_token_sha256", "oauth", "scaleway", "planetscale", "tools"});
    for (const auto& hex : string_list(object, "bearer_token_sha256", where)) {
        const auto digest = parse_hex_digest(hex);
        if (!digest) {
            fail(where + ".bearer_token_sha256",
                 "each entry must be 64 hex digits: the SHA-256 of the token, e.g. from "
                 "`printf %s \"$TOKEN\" | sha256sum`");
        }
        draft.bearer_sha256.push_back(*digest);
    }
    if (const auto* oauth = object.if_contains("oauth")) {
        draft.oauth = oauth_rule(as_object(*oauth, where + ".oauth"), where + ".oauth");
    }
    if (draft.bearer_sha256.empty() && !draft.oauth) {
        fail(where, "needs bearer_token_sha256 or oauth: nothing would ever act as it");
    }
    if (const auto* scaleway = object.if_contains("scaleway")) {
        scaleway_section(as_object(*scaleway, where + ".scaleway"), where + ".scaleway", context,
                         draft);
    }
    if (const auto* planetscale = object.if_contains("planetscale")) {
        planetscale_section(as_object(*planetscale, where + ".planetscale"), where + ".planetscale",
                            context, draft);
    }
    if (const auto* tools = object.if_contains("tools")) {
        draft.ceiling = tool_ceiling(as_object(*tools, where + ".tools"), where + ".tools");
    }
    try {
        upstream::check_header_values(draft.credentials);
    } catch (const std::invalid_argument& error) {
        fail(where, error.what());
    }
    return draft;
}

std::shared_ptr<const Directory> directory_of(const json::value& document,
                                              const LoadContext& context) {
    const auto& root = as_object(document, "the file");
    only_keys(root, "the file", {"principals"});
    const auto* list = root.if_contains("principals");
    if (list == nullptr || !list->is_array() || list->get_array().empty()) {
        fail("the file", "needs a non-empty \"principals\" array");
    }
    std::vector<Draft> drafts;
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->get_array().size(); ++i) {
        auto draft = draft_of(list->get_array()[i], i, context);
        if (!names.insert(draft.name).second) {
            fail("principals[" + std::to_string(i) + "]",
                 "the name " + draft.name + " is used twice");
        }
        for (const auto& earlier : drafts) {
            for (const auto& digest : draft.bearer_sha256) {
                for (const auto& other : earlier.bearer_sha256) {
                    if (same_digest(digest, other)) {
                        fail("principals[" + std::to_string(i) + "] (" + draft.name + ")",
                             "a bearer token hash is also " + earlier.name +
                                 "'s: a token must name one principal");
                    }
                }
            }
        }
        drafts.push_back(std::move(draft));
    }

    std::vector<upstream::Credentials> everyone{context.server_credentials};
    for (const auto& draft : drafts) {
        everyone.push_back(draft.credentials);
    }
    const auto redactor = std::make_shared<const upstream::Redactor>(everyone);

    std::vector<Principal> principals;
    for (auto& draft : drafts) {
        catalog::CatalogOptions options = context.server;
        for (auto& [key, value] : draft.defaults) {
            options.defaults[key] = value;
        }
        if (draft.ceiling.restricts()) {
            options.ceiling.add(draft.ceiling);
        }
        Principal principal;
        try {
            principal.catalog =
                std::make_shared<const catalog::Catalog>(*context.definitions, std::move(options));
        } catch (const std::invalid_argument& error) {
            fail("principal " + draft.name + ".tools", error.what());
        }
        principal.name = draft.name;
        principal.owner = owner_digest("principal", draft.name);
        principal.bearer_sha256 = std::move(draft.bearer_sha256);
        principal.oauth = std::move(draft.oauth);
        principal.credentials = std::make_shared<const upstream::CredentialSet>(
            upstream::CredentialSet{draft.name, std::move(draft.credentials), redactor});
        principals.push_back(std::move(principal));
    }
    return std::make_shared<const Directory>(std::move(principals), redactor);
}

}  // namespace

std::variant<std::shared_ptr<const Directory>, std::string> load_principals(
    std::string_view text, const LoadContext& context) {
    boost::system::error_code ec;
    const auto document = json::parse(text, ec);
    if (ec) {
        return "the principals file is not valid JSON (" + ec.message() + ")";
    }
    try {
        return directory_of(document, context);
    } catch (const Invalid& invalid) {
        return "principals file, " + invalid.message;
    }
}

std::variant<std::shared_ptr<const Directory>, std::string> load_principals_file(
    const std::string& path, const LoadContext& context) {
    const auto text = read_whole_file(path);
    if (!text) {
        return "cannot read the principals file " + path;
    }
    auto loaded = load_principals(*text, context);
    if (auto* problem = std::get_if<std::string>(&loaded)) {
        *problem += " (" + path + ")";
    }
    return loaded;
}

std::optional<std::string> read_whole_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return std::nullopt;
    }
    std::ostringstream contents;
    contents << file.rdbuf();
    if (file.bad()) {
        return std::nullopt;
    }
    return contents.str();
}

}  // namespace cmcp::identity
