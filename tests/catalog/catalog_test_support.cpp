#include "catalog_test_support.hpp"

#include <gtest/gtest.h>

#include "catalog/definition_loader.hpp"
#include "testing/json.hpp"

namespace cmcp::upstream {

void PrintTo(const QueryParam& param, std::ostream* out) {
    *out << param.name << "=" << param.value;
}

void PrintTo(const Request& request, std::ostream* out) {
    *out << to_string(request.provider) << " " << request.method << " " << request.target()
         << (request.body ? " body=" + boost::json::serialize(*request.body) : " (no body)")
         << (request.idempotent ? " idempotent" : " not-idempotent") << " tool=" << request.tool;
}

}  // namespace cmcp::upstream

namespace cmcp::catalog::test {

namespace {

using upstream::Provider;
using upstream::QueryParam;

std::string s(std::string_view text) {
    return std::string(text);
}

// Paths with the canonical identifiers filled in.
const std::string kFunctionsBase = "/functions/v1beta1/regions/";
const std::string kSecretsBase = "/secret-manager/v1beta1/regions/";
const std::string kPlanetScaleBase = "/v1/organizations/acme/service-tokens";

json::object args(std::string_view text) {
    return cmcp::testing::parse_object(text);
}

std::string fill(std::string text) {
    const std::vector<std::pair<std::string, std::string_view>> ids = {
        {"$USER", kUserId},
        {"$FUNCTION", kFunctionId},
        {"$NAMESPACE", kNamespaceId},
        {"$TOKEN", kTokenId},
        {"$JTI", kJti},
        {"$SECRET", kSecretId},
        {"$PROJECT", kProjectId},
        {"$ORG", kOrganizationId},
        {"$KEY", kKeyId},
        {"$PSTOKEN", kServiceTokenId}};
    for (const auto& [marker, value] : ids) {
        for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker)) {
            text.replace(at, marker.size(), value);
        }
    }
    return text;
}

// Arguments literal with $MARKERS replaced by the identifiers above.
json::object a(std::string text) {
    return args(fill(std::move(text)));
}

RequestCase make_case(std::string label, std::string tool, json::object arguments,
                      upstream::Request expected) {
    RequestCase result;
    result.label = std::move(label);
    result.tool = std::move(tool);
    result.arguments = std::move(arguments);
    result.expected = std::move(expected);
    return result;
}

std::vector<RequestCase> build_cases() {
    std::vector<RequestCase> cases;
    const auto scw = Provider::scaleway;
    const auto pscale = Provider::planetscale;
    const json::object empty;

    // --- Scaleway Serverless Functions ---
    cases.push_back(make_case(
        "list-all-tokens", "list-all-tokens",
        a(R"({"region": "fr-par", "page": 2, "page_size": 50, "order_by": "created_at_desc",
              "function_id": "$FUNCTION"})"),
        make_request(scw, "GET", kFunctionsBase + "fr-par/tokens",
                     {{"page", "2"},
                      {"page_size", "50"},
                      {"order_by", "created_at_desc"},
                      {"function_id", s(kFunctionId)}},
                     std::nullopt, true, "list-all-tokens")));
    cases.push_back(make_case(
        "list-all-tokens, region only", "list-all-tokens",
        a(R"({"region": "pl-waw", "namespace_id": "$NAMESPACE"})"),
        make_request(scw, "GET", kFunctionsBase + "pl-waw/tokens",
                     {{"namespace_id", s(kNamespaceId)}}, std::nullopt, true, "list-all-tokens")));
    cases.push_back(make_case(
        "create-new-revocable-token (function)", "create-new-revocable-token",
        a(R"({"region": "nl-ams", "function_id": "$FUNCTION", "description": "CI deploy hook",
              "expires_at": "2026-12-31T23:59:59Z"})"),
        make_request(scw, "POST", kFunctionsBase + "nl-ams/tokens", {},
                     a(R"({"function_id": "$FUNCTION", "description": "CI deploy hook",
                           "expires_at": "2026-12-31T23:59:59Z"})"),
                     false, "create-new-revocable-token")));
    cases.push_back(make_case(
        "create-new-revocable-token (namespace)", "create-new-revocable-token",
        a(R"({"region": "fr-par", "namespace_id": "$NAMESPACE"})"),
        make_request(scw, "POST", kFunctionsBase + "fr-par/tokens", {},
                     a(R"({"namespace_id": "$NAMESPACE"})"), false, "create-new-revocable-token")));
    cases.push_back(
        make_case("get-token", "get-token", a(R"({"region": "pl-waw", "token_id": "$TOKEN"})"),
                  make_request(scw, "GET", kFunctionsBase + "pl-waw/tokens/" + s(kTokenId), {},
                               std::nullopt, true, "get-token")));
    cases.push_back(make_case(
        "delete-token", "delete-token", a(R"({"region": "fr-par", "token_id": "$TOKEN"})"),
        make_request(scw, "DELETE", kFunctionsBase + "fr-par/tokens/" + s(kTokenId), {},
                     std::nullopt, true, "delete-token")));

    // --- Scaleway IAM ---
    cases.push_back(make_case(
        "list-jwts", "list-jwts",
        a(R"({"audience_id": "$USER", "order_by": "updated_at_desc", "page": 1, "page_size": 100,
              "expired": false})"),
        make_request(scw, "GET", "/iam/v1alpha1/jwts",
                     {{"audience_id", s(kUserId)},
                      {"order_by", "updated_at_desc"},
                      {"page", "1"},
                      {"page_size", "100"},
                      {"expired", "false"}},
                     std::nullopt, true, "list-jwts")));
    cases.push_back(make_case("list-jwts, expired=true", "list-jwts",
                              a(R"({"expired": true, "audience_id": "$USER"})"),
                              make_request(scw, "GET", "/iam/v1alpha1/jwts",
                                           {{"audience_id", s(kUserId)}, {"expired", "true"}},
                                           std::nullopt, true, "list-jwts")));
    cases.push_back(make_case("get-jwt", "get-jwt", a(R"({"jti": "$JTI"})"),
                              make_request(scw, "GET", "/iam/v1alpha1/jwts/" + s(kJti), {},
                                           std::nullopt, true, "get-jwt")));
    cases.push_back(make_case("delete-jwt", "delete-jwt", a(R"({"jti": "$JTI"})"),
                              make_request(scw, "DELETE", "/iam/v1alpha1/jwts/" + s(kJti), {},
                                           std::nullopt, true, "delete-jwt")));

    // --- Scaleway Secret Manager ---
    cases.push_back(make_case(
        "list-secrets", "list-secrets",
        a(R"({"region": "fr-par", "project_id": "$PROJECT", "tags": ["prod", "db"], "page": 1,
              "page_size": 20, "order_by": "created_at_desc"})"),
        make_request(scw, "GET", kSecretsBase + "fr-par/secrets",
                     {{"project_id", s(kProjectId)},
                      {"order_by", "created_at_desc"},
                      {"page", "1"},
                      {"page_size", "20"},
                      {"tags", "prod"},
                      {"tags", "db"},
                      {"scheduled_for_deletion", "false"}},
                     std::nullopt, true, "list-secrets")));
    cases.push_back(
        make_case("list-secrets, every filter", "list-secrets",
                  a(R"({"region": "nl-ams", "organization_id": "$ORG", "name": "db-password",
              "path": "/prod/db", "ephemeral": true, "type": "database_credentials",
              "scheduled_for_deletion": true})"),
                  make_request(scw, "GET", kSecretsBase + "nl-ams/secrets",
                               {{"organization_id", s(kOrganizationId)},
                                {"name", "db-password"},
                                {"path", "/prod/db"},
                                {"ephemeral", "true"},
                                {"type", "database_credentials"},
                                {"scheduled_for_deletion", "true"}},
                               std::nullopt, true, "list-secrets")));
    cases.push_back(
        make_case("create-secret", "create-secret",
                  a(R"({"region": "fr-par", "project_id": "$PROJECT", "name": "db-password",
              "tags": ["prod", "postgres"], "type": "database_credentials", "path": "/prod/db",
              "ephemeral_policy": {"time_to_live": "3600s", "expires_once_accessed": false,
                                   "action": "disable"}})"),
                  make_request(scw, "POST", kSecretsBase + "fr-par/secrets", {},
                               a(R"({"project_id": "$PROJECT", "name": "db-password",
                           "tags": ["prod", "postgres"], "type": "database_credentials",
                           "path": "/prod/db",
                           "ephemeral_policy": {"time_to_live": "3600s",
                                                "expires_once_accessed": false,
                                                "action": "disable"},
                           "protected": false})"),
                               false, "create-secret")));
    cases.push_back(
        make_case("create-secret, protected with own key", "create-secret",
                  a(R"({"region": "pl-waw", "project_id": "$PROJECT", "name": "tls-cert",
              "description": "edge certificate", "protected": true, "key_id": "$KEY"})"),
                  make_request(scw, "POST", kSecretsBase + "pl-waw/secrets", {},
                               a(R"({"project_id": "$PROJECT", "name": "tls-cert",
                           "description": "edge certificate", "protected": true,
                           "key_id": "$KEY"})"),
                               false, "create-secret")));
    cases.push_back(
        make_case("get-metadata-using-secret-s-id", "get-metadata-using-secret-s-id",
                  a(R"({"region": "nl-ams", "secret_id": "$SECRET"})"),
                  make_request(scw, "GET", kSecretsBase + "nl-ams/secrets/" + s(kSecretId), {},
                               std::nullopt, true, "get-metadata-using-secret-s-id")));
    cases.push_back(
        make_case("update-metadata-secret", "update-metadata-secret",
                  a(R"({"region": "fr-par", "secret_id": "$SECRET", "name": "db-password-v2",
              "tags": ["prod"], "description": "rotated monthly", "path": "/prod",
              "ephemeral_policy": {"time_to_live": "2592000s", "action": "delete"}})"),
                  make_request(scw, "PATCH", kSecretsBase + "fr-par/secrets/" + s(kSecretId), {},
                               a(R"({"name": "db-password-v2", "tags": ["prod"],
                           "description": "rotated monthly", "path": "/prod",
                           "ephemeral_policy": {"time_to_live": "2592000s",
                                                "action": "delete"}})"),
                               true, "update-metadata-secret")));
    cases.push_back(
        make_case("update-metadata-secret, clear tags", "update-metadata-secret",
                  a(R"({"region": "fr-par", "secret_id": "$SECRET", "tags": []})"),
                  make_request(scw, "PATCH", kSecretsBase + "fr-par/secrets/" + s(kSecretId), {},
                               args(R"({"tags": []})"), true, "update-metadata-secret")));
    cases.push_back(make_case(
        "delete-secret", "delete-secret", a(R"({"region": "fr-par", "secret_id": "$SECRET"})"),
        make_request(scw, "DELETE", kSecretsBase + "fr-par/secrets/" + s(kSecretId), {},
                     std::nullopt, true, "delete-secret")));
    cases.push_back(make_case(
        "allow-product-use-secret", "allow-product-use-secret",
        a(R"({"region": "fr-par", "secret_id": "$SECRET", "product": "edge_services"})"),
        make_request(scw, "POST", kSecretsBase + "fr-par/secrets/" + s(kSecretId) + "/add-owner",
                     {}, args(R"({"product": "edge_services"})"), false,
                     "allow-product-use-secret")));
    cases.push_back(make_case(
        "enable-secret-protection", "enable-secret-protection",
        a(R"({"region": "fr-par", "secret_id": "$SECRET"})"),
        make_request(scw, "POST", kSecretsBase + "fr-par/secrets/" + s(kSecretId) + "/protect", {},
                     empty, false, "enable-secret-protection")));
    cases.push_back(make_case(
        "restore-secret", "restore-secret", a(R"({"region": "nl-ams", "secret_id": "$SECRET"})"),
        make_request(scw, "POST", kSecretsBase + "nl-ams/secrets/" + s(kSecretId) + "/restore", {},
                     empty, false, "restore-secret")));
    cases.push_back(make_case(
        "disable-secret-protection", "disable-secret-protection",
        a(R"({"region": "pl-waw", "secret_id": "$SECRET"})"),
        make_request(scw, "POST", kSecretsBase + "pl-waw/secrets/" + s(kSecretId) + "/unprotect",
                     {}, empty, false, "disable-secret-protection")));
    cases.push_back(make_case(
        "restore-version", "restore-version",
        a(R"({"region": "fr-par", "secret_id": "$SECRET", "revision": "3"})"),
        make_request(scw, "POST",
                     kSecretsBase + "fr-par/secrets/" + s(kSecretId) + "/versions/3/restore", {},
                     empty, false, "restore-version")));
    cases.push_back(make_case(
        "restore-version, latest", "restore-version",
        a(R"({"region": "fr-par", "secret_id": "$SECRET", "revision": "latest_enabled"})"),
        make_request(
            scw, "POST",
            kSecretsBase + "fr-par/secrets/" + s(kSecretId) + "/versions/latest_enabled/restore",
            {}, empty, false, "restore-version")));

    // --- PlanetScale ---
    cases.push_back(
        make_case("list-service-tokens", "list-service-tokens",
                  a(R"({"organization": "acme", "page": 2, "per_page": 50})"),
                  make_request(pscale, "GET", kPlanetScaleBase, {{"page", "2"}, {"per_page", "50"}},
                               std::nullopt, true, "list-service-tokens")));
    cases.push_back(make_case("list-service-tokens, defaults not sent", "list-service-tokens",
                              a(R"({"organization": "acme"})"),
                              make_request(pscale, "GET", kPlanetScaleBase, {}, std::nullopt, true,
                                           "list-service-tokens")));
    cases.push_back(make_case("create-service-token", "create-service-token",
                              a(R"({"organization": "acme", "name": "ci-deploy", "ttl": 86400})"),
                              make_request(pscale, "POST", kPlanetScaleBase, {},
                                           args(R"({"name": "ci-deploy", "ttl": 86400})"), false,
                                           "create-service-token")));
    cases.push_back(make_case(
        "create-service-token, no options", "create-service-token",
        a(R"({"organization": "acme"})"),
        make_request(pscale, "POST", kPlanetScaleBase, {}, empty, false, "create-service-token")));
    cases.push_back(
        make_case("get-service-token", "get-service-token",
                  a(R"({"organization": "acme", "id": "$PSTOKEN"})"),
                  make_request(pscale, "GET", kPlanetScaleBase + "/" + s(kServiceTokenId), {},
                               std::nullopt, true, "get-service-token")));
    cases.push_back(
        make_case("delete-service-token", "delete-service-token",
                  a(R"({"organization": "acme", "id": "$PSTOKEN"})"),
                  make_request(pscale, "DELETE", kPlanetScaleBase + "/" + s(kServiceTokenId), {},
                               std::nullopt, true, "delete-service-token")));
    cases.push_back(make_case(
        "list-service-token-accesses", "list-service-token-accesses",
        a(R"({"organization": "acme", "id": "$PSTOKEN"})"),
        make_request(pscale, "GET", kPlanetScaleBase + "/" + s(kServiceTokenId) + "/access", {},
                     std::nullopt, true, "list-service-token-accesses")));
    cases.push_back(make_case(
        "grant-service-token-access (organization level)", "grant-service-token-access",
        a(R"({"organization": "acme", "id": "$PSTOKEN",
              "access": ["read_databases", "create_databases"]})"),
        make_request(pscale, "POST", kPlanetScaleBase + "/" + s(kServiceTokenId) + "/access", {},
                     args(R"({"database": "", "access": ["read_databases", "create_databases"]})"),
                     false, "grant-service-token-access")));
    cases.push_back(make_case(
        "grant-service-token-access (database level)", "grant-service-token-access",
        a(R"({"organization": "acme", "id": "$PSTOKEN", "database": "hidden-river-4209",
              "access": ["read_branch", "connect_branch"]})"),
        make_request(pscale, "POST", kPlanetScaleBase + "/" + s(kServiceTokenId) + "/access", {},
                     args(R"({"database": "hidden-river-4209",
                              "access": ["read_branch", "connect_branch"]})"),
                     false, "grant-service-token-access")));
    return cases;
}

}  // namespace

const std::vector<ExpectedTool>& expected_tools() {
    // Titles and hints from /work/shared/seeds; methods and paths from upstream-apis.md.
    static const std::vector<ExpectedTool> tools = {
        {"list-all-tokens", "scaleway-functions", "List all tokens", true, false, true, "GET",
         "/functions/v1beta1/regions/{region}/tokens"},
        {"create-new-revocable-token", "scaleway-functions", "Create a new revocable token", false,
         false, false, "POST", "/functions/v1beta1/regions/{region}/tokens"},
        {"get-token", "scaleway-functions", "Get a token", true, false, true, "GET",
         "/functions/v1beta1/regions/{region}/tokens/{token_id}"},
        {"delete-token", "scaleway-functions", "Delete a token", false, true, true, "DELETE",
         "/functions/v1beta1/regions/{region}/tokens/{token_id}"},
        {"list-jwts", "scaleway-iam", "List JWTs", true, false, true, "GET", "/iam/v1alpha1/jwts"},
        {"get-jwt", "scaleway-iam", "Get a JWT", true, false, true, "GET",
         "/iam/v1alpha1/jwts/{jti}"},
        {"delete-jwt", "scaleway-iam", "Delete a JWT", false, true, true, "DELETE",
         "/iam/v1alpha1/jwts/{jti}"},
        {"list-secrets", "scaleway-secrets", "List secrets", true, false, true, "GET",
         "/secret-manager/v1beta1/regions/{region}/secrets"},
        {"create-secret", "scaleway-secrets", "Create a secret", false, false, false, "POST",
         "/secret-manager/v1beta1/regions/{region}/secrets"},
        {"get-metadata-using-secret-s-id", "scaleway-secrets", "Get metadata using the secret's ID",
         true, false, true, "GET", "/secret-manager/v1beta1/regions/{region}/secrets/{secret_id}"},
        {"update-metadata-secret", "scaleway-secrets", "Update metadata of a secret", false, false,
         true, "PATCH", "/secret-manager/v1beta1/regions/{region}/secrets/{secret_id}"},
        {"delete-secret", "scaleway-secrets", "Delete a secret", false, true, true, "DELETE",
         "/secret-manager/v1beta1/regions/{region}/secrets/{secret_id}"},
        {"allow-product-use-secret", "scaleway-secrets", "Allow a product to use the secret", false,
         false, false, "POST",
         "/secret-manager/v1beta1/regions/{region}/secrets/{secret_id}/add-owner"},
        {"enable-secret-protection", "scaleway-secrets", "Enable secret protection", false, false,
         false, "POST", "/secret-manager/v1beta1/regions/{region}/secrets/{secret_id}/protect"},
        {"restore-secret", "scaleway-secrets", "Restore a secret", false, false, false, "POST",
         "/secret-manager/v1beta1/regions/{region}/secrets/{secret_id}/restore"},
        {"disable-secret-protection", "scaleway-secrets", "Disable secret protection", false, false,
         false, "POST", "/secret-manager/v1beta1/regions/{region}/secrets/{secret_id}/unprotect"},
        {"restore-version", "scaleway-secrets", "Restore a version", false, false, false, "POST",
         "/secret-manager/v1beta1/regions/{region}/secrets/{secret_id}/versions/{revision}/"
         "restore"},
        {"list-service-tokens", "planetscale", "List service tokens", true, false, true, "GET",
         "/v1/organizations/{organization}/service-tokens"},
        {"create-service-token", "planetscale", "Create a service token", false, false, false,
         "POST", "/v1/organizations/{organization}/service-tokens"},
        {"get-service-token", "planetscale", "Get a service token", true, false, true, "GET",
         "/v1/organizations/{organization}/service-tokens/{id}"},
        {"delete-service-token", "planetscale", "Delete a service token", false, true, true,
         "DELETE", "/v1/organizations/{organization}/service-tokens/{id}"},
        {"list-service-token-accesses", "planetscale", "List service token accesses", true, false,
         true, "GET", "/v1/organizations/{organization}/service-tokens/{id}/access"},
        {"grant-service-token-access", "planetscale", "Grant service token access", false, false,
         false, "POST", "/v1/organizations/{organization}/service-tokens/{id}/access"},
    };
    return tools;
}

const ExpectedTool& expected_tool(std::string_view name) {
    for (const auto& tool : expected_tools()) {
        if (tool.name == name) {
            return tool;
        }
    }
    throw std::out_of_range("no expected tool " + std::string(name));
}

const std::vector<RequestCase>& request_cases() {
    static const std::vector<RequestCase> cases = build_cases();
    return cases;
}

json::object valid_arguments(std::string_view tool) {
    for (const auto& entry : request_cases()) {
        if (entry.tool == tool) {
            return entry.arguments;
        }
    }
    throw std::out_of_range("no request case for " + std::string(tool));
}

upstream::Request make_request(upstream::Provider provider, std::string method, std::string path,
                               std::vector<upstream::QueryParam> query,
                               std::optional<json::object> body, bool idempotent,
                               std::string tool) {
    upstream::Request request;
    request.provider = provider;
    request.method = std::move(method);
    request.path = std::move(path);
    request.query = std::move(query);
    request.body = std::move(body);
    request.idempotent = idempotent;
    request.tool = std::move(tool);
    return request;
}

const Tool& tool_named(const Catalog& catalog, std::string_view name) {
    const Tool* tool = catalog.find(name);
    if (tool == nullptr) {
        throw std::out_of_range("catalog has no tool " + std::string(name));
    }
    return *tool;
}

AssetSet AssetSet::embedded() {
    AssetSet set;
    for (const auto& asset : embedded_assets()) {
        set.files_.emplace(std::string(asset.path), std::string(asset.content));
    }
    return set;
}

void AssetSet::put(std::string path, std::string content) {
    files_[std::move(path)] = std::move(content);
}

void AssetSet::remove(const std::string& path) {
    if (files_.erase(path) == 0) {
        throw std::out_of_range("no asset " + path);
    }
}

void AssetSet::edit(const std::string& path, const std::function<void(json::value&)>& change) {
    const auto found = files_.find(path);
    if (found == files_.end()) {
        throw std::out_of_range("no asset " + path);
    }
    auto document = json::parse(found->second);
    change(document);
    found->second = json::serialize(document);
}

std::vector<EmbeddedAsset> AssetSet::view() const {
    std::vector<EmbeddedAsset> out;
    for (const auto& [path, content] : files_) {
        EmbeddedAsset asset;
        asset.path = path;
        asset.content = content;
        out.push_back(asset);
    }
    return out;
}

std::string definition_error(const AssetSet& assets) {
    const auto view = assets.view();
    try {
        load_definitions(view);
    } catch (const DefinitionError& error) {
        return error.what();
    }
    ADD_FAILURE() << "load_definitions accepted the broken assets";
    return {};
}

namespace {

void pretty(const json::value& value, std::size_t indent, std::string& out) {
    const std::string inner(indent + 2, ' ');
    if (const auto* object = value.if_object()) {
        if (object->empty()) {
            out += "{}";
            return;
        }
        out += "{\n";
        bool first = true;
        for (const auto& [key, child] : *object) {
            if (!first) {
                out += ",\n";
            }
            first = false;
            out += inner + json::serialize(json::value(key)) + ": ";
            pretty(child, indent + 2, out);
        }
        out += "\n" + std::string(indent, ' ') + "}";
        return;
    }
    if (const auto* array = value.if_array()) {
        if (array->empty()) {
            out += "[]";
            return;
        }
        out += "[\n";
        for (std::size_t i = 0; i < array->size(); ++i) {
            if (i != 0) {
                out += ",\n";
            }
            out += inner;
            pretty((*array)[i], indent + 2, out);
        }
        out += "\n" + std::string(indent, ' ') + "]";
        return;
    }
    out += json::serialize(value);
}

}  // namespace

std::string pretty_json(const json::value& value) {
    std::string out;
    pretty(value, 0, out);
    return out;
}

bool contains_key_anywhere(const json::value& value, std::string_view key) {
    if (const auto* object = value.if_object()) {
        for (const auto& [name, child] : *object) {
            if (name == key || contains_key_anywhere(child, key)) {
                return true;
            }
        }
    } else if (const auto* array = value.if_array()) {
        for (const auto& child : *array) {
            if (contains_key_anywhere(child, key)) {
                return true;
            }
        }
    }
    return false;
}

}  // namespace cmcp::catalog::test
