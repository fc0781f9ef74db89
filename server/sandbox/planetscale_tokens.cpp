#include "sandbox/planetscale_tokens.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cctype>
#include <charconv>

namespace cmcp::sandbox {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr int kTimeDigits = 3;  // PlanetScale shows milliseconds: 2021-01-14T10:19:23.000Z
constexpr std::int64_t kDefaultPerPage = 25;
constexpr std::int64_t kMaxPerPage = 100;
constexpr std::int64_t kMaxPage = 1'000'000'000;

// Whoever holds the sandbox credentials; the API records them as the creator of new tokens.
constexpr std::string_view kActorId = "q7r2mx9kd4wa";
constexpr std::string_view kActorName = "Demo User";
constexpr std::string_view kActorType = "User";

constexpr std::string_view kAlphanumerics =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// PlanetScale has about forty access names (15 for an organization, 24 per database), so a token
// of the demo organization cannot usefully hold more than 63; this keeps 1,000 tokens small.
constexpr std::size_t kMaxAccessesPerToken = 100;

Reply not_found() {
    return planetscale_error(404, "not_found", "Not Found");
}

Reply invalid_params(std::string_view message) {
    return planetscale_error(422, "invalid_params", message);
}

// PlanetScale refuses what its limits do not allow with a 422 whose code is not invalid_params;
// "unprocessable" is the one planetscale-go knows for that.
Reply limit_reached(const std::string& what, std::size_t limit, const std::string& help) {
    return planetscale_error(
        422, "unprocessable",
        what + " has reached its limit of " + std::to_string(limit) + ". " + help);
}

// Rails reads page numbers with to_i and clamps them, so bad values fall back instead of failing.
std::int64_t query_number(const Call& call, std::string_view key, std::int64_t fallback) {
    const auto text = call.query(key);
    std::int64_t value = 0;
    if (!text) {
        return fallback;
    }
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc{} || end != text->data() + text->size() || value < 1) {
        return fallback;
    }
    return value;
}

// "read_branch" -> "Read branch"; the real descriptions are prose, this is only for display.
std::string describe(std::string_view access) {
    std::string out(access);
    std::replace(out.begin(), out.end(), '_', ' ');
    if (!out.empty()) {
        out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
    }
    return out;
}

json::value page_value(std::int64_t page, bool exists) {
    return exists ? json::value(page) : json::value(nullptr);
}

}  // namespace

Reply planetscale_error(int status, std::string_view code, std::string_view message) {
    json::object body;
    body["code"] = code;
    body["message"] = message;
    return json_reply(status, body);
}

void PlanetScaleTokens::seed(DemoData& demo) {
    demo.planetscale_organization = "demo-org";
    demo.database = "demo-db";
    demo.service_token_id = "9lgmxg9edn58";
    const TimePoint now = Clock::now();

    Organization org;
    org.resource = Resource{"ujzde8gxd6nc", demo.planetscale_organization, now - 400 * 24h};
    org.databases.push_back(Resource{"f10epf91dhod", demo.database, now - 200 * 24h});
    org.databases.push_back(Resource{"zdoc9is0j8ht", "analytics", now - 120 * 24h});

    ServiceToken deploy;
    deploy.id = demo.service_token_id;
    deploy.name = "ci-deploy";
    deploy.created_at = now - 60 * 24h;
    deploy.updated_at = now - 30 * 24h;
    deploy.last_used_at = now - 1h;
    deploy.accesses = {Access{"5v2seh60kvj5", "read_branch", demo.database},
                       Access{"0ce9uvw53efr", "create_deploy_request", demo.database},
                       Access{"4edt2sywb3wk", "read_databases", ""}};
    deploy.sequence = next_sequence_++;

    ServiceToken audit;
    audit.id = "1u33xtplpft7";
    audit.created_at = now - 10 * 24h;
    audit.updated_at = now - 10 * 24h;
    audit.expires_at = now + 20 * 24h;
    audit.accesses = {Access{"h5dnsipzz5fk", "read_organization", ""}};
    audit.sequence = next_sequence_++;

    org.tokens = {std::move(deploy), std::move(audit)};
    std::lock_guard lock(mutex_);
    organizations_.emplace(demo.planetscale_organization, std::move(org));
}

Reply PlanetScaleTokens::handle(const Call& call) {
    const auto& segments = call.segments;
    const std::string& method = call.method();
    const bool collection =
        matches(segments, {"*", "service-tokens"}) && (method == "GET" || method == "POST");
    const bool item =
        matches(segments, {"*", "service-tokens", "*"}) && (method == "GET" || method == "DELETE");
    const bool access = matches(segments, {"*", "service-tokens", "*", "access"}) &&
                        (method == "GET" || method == "POST");
    if (!collection && !item && !access) {
        return not_found();
    }

    std::lock_guard lock(mutex_);
    Organization& org = organization(segments[0]);
    if (collection) {
        return method == "GET" ? list(call, org) : create(call, org);
    }
    ServiceToken& token = find(org, segments[2]);
    if (access) {
        return method == "GET" ? json_reply(200, access_list(org, token)) : grant(call, org, token);
    }
    if (method == "GET") {
        return json_reply(200, to_json(org, token, std::nullopt));
    }
    const std::string id = token.id;
    std::erase_if(org.tokens, [&](const ServiceToken& other) { return other.id == id; });
    return no_content();
}

// Newest first, like the PlanetScale dashboard.
Reply PlanetScaleTokens::list(const Call& call, const Organization& organization) {
    const std::int64_t page = std::min(query_number(call, "page", 1), kMaxPage);
    const std::int64_t per_page =
        std::min(query_number(call, "per_page", kDefaultPerPage), kMaxPerPage);
    std::vector<const ServiceToken*> sorted;
    for (const auto& token : organization.tokens) {
        sorted.push_back(&token);
    }
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
        return std::pair(a->created_at, a->sequence) > std::pair(b->created_at, b->sequence);
    });
    const auto total = static_cast<std::int64_t>(sorted.size());
    const std::int64_t pages = (total + per_page - 1) / per_page;

    json::array data;
    for (const auto* token :
         page_of(sorted, static_cast<std::size_t>(page), static_cast<std::size_t>(per_page))) {
        data.push_back(to_json(organization, *token, std::nullopt));
    }
    const auto page_url = [&](std::int64_t number, bool exists) {
        if (!exists) {
            return json::value(nullptr);
        }
        return json::value(base_url_ + call.request.path + "?page=" + std::to_string(number) +
                           "&per_page=" + std::to_string(per_page));
    };
    const bool has_next = page < pages;
    const bool has_prev = page > 1;
    json::object body;
    body["type"] = "list";
    body["current_page"] = page;
    body["per_page"] = per_page;
    body["next_page"] = page_value(page + 1, has_next);
    body["next_page_url"] = page_url(page + 1, has_next);
    body["prev_page"] = page_value(page - 1, has_prev);
    body["prev_page_url"] = page_url(page - 1, has_prev);
    body["total_count"] = total;
    body["total_pages"] = pages;
    body["data"] = std::move(data);
    return json_reply(200, body);
}

Reply PlanetScaleTokens::create(const Call& call, Organization& organization) {
    const auto body = parse_object_body(call.request.body);
    if (!body) {
        reject(planetscale_error(400, "bad_request", "The request body is not valid JSON"));
    }
    FieldReader fields(*body);
    auto name = fields.string("name");
    const auto ttl = fields.integer("ttl");
    if (!fields.mistyped().empty()) {
        reject(invalid_params(fields.mistyped() == "ttl"
                                  ? "ttl must be an integer number of seconds"
                                  : "name must be a string"));
    }
    if (ttl && *ttl <= 0) {
        reject(invalid_params("ttl must be a positive number of seconds"));
    }
    if (organization.tokens.size() >= max_per_collection_) {
        reject(limit_reached("Organization " + organization.resource.name, max_per_collection_,
                             "Delete service tokens that are no longer used, then try again."));
    }
    const TimePoint now = Clock::now();
    ServiceToken token;
    token.id = ids_.planetscale_id();
    token.name = std::move(name);
    token.created_at = now;
    token.updated_at = now;
    if (ttl) {
        token.expires_at = now + std::chrono::seconds(*ttl);
    }
    token.sequence = next_sequence_++;
    const std::string plaintext = "pscale_tkn_" + ids_.random_string(kAlphanumerics, 43);
    organization.tokens.push_back(std::move(token));
    return json_reply(200, to_json(organization, organization.tokens.back(), plaintext));
}

// Answers with every access the token now holds, not only the new ones.
Reply PlanetScaleTokens::grant(const Call& call, Organization& organization, ServiceToken& token) {
    const auto body = parse_object_body(call.request.body);
    if (!body) {
        reject(planetscale_error(400, "bad_request", "The request body is not valid JSON"));
    }
    FieldReader fields(*body);
    const auto database_name = fields.string("database").value_or("");
    const auto names = fields.strings("access");
    if (!fields.mistyped().empty()) {
        reject(invalid_params(fields.mistyped() == "access"
                                  ? "access must be an array of access names"
                                  : "database must be a database name"));
    }
    if (!names || names->empty() ||
        std::any_of(names->begin(), names->end(), [](const auto& n) { return n.empty(); })) {
        reject(invalid_params("access must list at least one access name"));
    }
    if (!database_name.empty()) {
        database(organization, database_name);
    }
    const auto held = [&](const std::string& name) {
        return std::any_of(token.accesses.begin(), token.accesses.end(), [&](const Access& a) {
            return a.name == name && a.database == database_name;
        });
    };
    std::vector<std::string> added;
    for (const auto& name : *names) {
        if (!held(name) && std::find(added.begin(), added.end(), name) == added.end()) {
            added.push_back(name);
        }
    }
    // All or nothing: a refused grant leaves the token as it was.
    const std::size_t limit = std::min(max_per_collection_, kMaxAccessesPerToken);
    if (token.accesses.size() + added.size() > limit) {
        reject(limit_reached("Service token " + token.id, limit,
                             "It cannot hold more accesses; grant fewer or use another token."));
    }
    for (auto& name : added) {
        token.accesses.push_back(Access{ids_.planetscale_id(), std::move(name), database_name});
    }
    token.updated_at = Clock::now();
    return json_reply(200, access_list(organization, token));
}

PlanetScaleTokens::Organization& PlanetScaleTokens::organization(const std::string& name) {
    const auto it = organizations_.find(name);
    if (it != organizations_.end()) {
        return it->second;
    }
    // Past the cap an unknown name is simply not an organization this sandbox has.
    if (!any_organization_ || organizations_.size() >= max_per_collection_) {
        reject(not_found());
    }
    Organization org;
    org.resource = Resource{ids_.planetscale_id(), name, Clock::now()};
    return organizations_.emplace(name, std::move(org)).first->second;
}

PlanetScaleTokens::Resource& PlanetScaleTokens::database(Organization& organization,
                                                         const std::string& name) {
    auto& databases = organization.databases;
    const auto it = std::find_if(databases.begin(), databases.end(),
                                 [&](const Resource& db) { return db.name == name; });
    if (it != databases.end()) {
        return *it;
    }
    if (!any_organization_ || databases.size() >= max_per_collection_) {
        reject(not_found());
    }
    return databases.emplace_back(Resource{ids_.planetscale_id(), name, Clock::now()});
}

PlanetScaleTokens::ServiceToken& PlanetScaleTokens::find(Organization& organization,
                                                         const std::string& id) {
    const auto it = std::find_if(organization.tokens.begin(), organization.tokens.end(),
                                 [&](const ServiceToken& token) { return token.id == id; });
    if (it == organization.tokens.end()) {
        reject(not_found());
    }
    return *it;
}

const PlanetScaleTokens::Resource& PlanetScaleTokens::resource_of(const Organization& organization,
                                                                  std::string_view database) {
    for (const auto& db : organization.databases) {
        if (!database.empty() && db.name == database) {
            return db;
        }
    }
    return organization.resource;
}

json::object PlanetScaleTokens::to_json(const Organization& organization, const ServiceToken& token,
                                        const std::optional<std::string>& plaintext) {
    json::array accesses;
    for (const auto& access : token.accesses) {
        const Resource& resource = resource_of(organization, access.database);
        json::object resource_json;
        resource_json["id"] = resource.id;
        resource_json["name"] = resource.name;
        resource_json["created_at"] = format_time(resource.created_at, kTimeDigits);
        resource_json["updated_at"] = format_time(resource.created_at, kTimeDigits);
        resource_json["deleted_at"] = nullptr;
        json::object entry;
        entry["id"] = access.id;
        entry["access"] = access.name;
        entry["description"] = describe(access.name);
        entry["resource_name"] = resource.name;
        entry["resource_id"] = resource.id;
        entry["resource_type"] = access.database.empty() ? "Organization" : "Database";
        entry["resource"] = std::move(resource_json);
        accesses.push_back(std::move(entry));
    }
    json::object out;
    out["id"] = token.id;
    out["name"] = optional_string(token.name);
    out["display_name"] = token.name.value_or(token.id);
    out["token"] = optional_string(plaintext);
    out["plain_text_refresh_token"] = nullptr;  // only OAuth tokens have refresh tokens
    out["avatar_url"] = "https://app.planetscale.com/images/service-token-avatar.png";
    out["created_at"] = format_time(token.created_at, kTimeDigits);
    out["updated_at"] = format_time(token.updated_at, kTimeDigits);
    out["expires_at"] = optional_time(token.expires_at, kTimeDigits);
    out["last_used_at"] = optional_time(token.last_used_at, kTimeDigits);
    out["actor_id"] = kActorId;
    out["actor_display_name"] = kActorName;
    out["actor_type"] = kActorType;
    out["service_token_accesses"] = std::move(accesses);
    out["oauth_accesses_by_resource"] = nullptr;  // set for OAuth applications only
    return out;
}

// The shape planetscale-go decodes for GET/POST .../access: a one-page list.
json::object PlanetScaleTokens::access_list(const Organization& organization,
                                            const ServiceToken& token) {
    json::array data;
    for (const auto& access : token.accesses) {
        const bool on_database = !access.database.empty();
        const Resource& resource = resource_of(organization, access.database);
        json::object resource_json;
        resource_json["id"] = resource.id;
        resource_json["type"] = on_database ? "Database" : "Organization";
        resource_json["name"] = resource.name;
        resource_json["created_at"] = format_time(resource.created_at, kTimeDigits);
        resource_json["updated_at"] = format_time(resource.created_at, kTimeDigits);
        json::object entry;
        entry["id"] = access.id;
        entry["type"] = on_database ? "DatabaseAccess" : "OrganizationAccess";
        entry["access"] = access.name;
        entry["resource"] = std::move(resource_json);
        data.push_back(std::move(entry));
    }
    json::object out;
    out["type"] = "list";
    out["next_page"] = nullptr;
    out["prev_page"] = nullptr;
    out["data"] = std::move(data);
    return out;
}

}  // namespace cmcp::sandbox
