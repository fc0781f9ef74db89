#include "sandbox/secret_manager.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <charconv>
#include <tuple>

#include "sandbox/scaleway.hpp"

namespace cmcp::sandbox {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

using scw::kOrganizationId;
// The name the quota error gives this collection; Scaleway names quotas after product and object.
constexpr std::string_view kQuotaResource = "secret_manager_secrets";
constexpr std::string_view kScheduled = "scheduled_for_deletion";

bool is_secret_type(std::string_view type) {
    for (const std::string_view known : {"opaque", "certificate", "key_value", "basic_credentials",
                                         "database_credentials", "ssh_key"}) {
        if (type == known) {
            return true;
        }
    }
    return false;
}

// A protobuf Duration in seconds ("3600s", "2.5s"), limited to one second .. one year as the API
// documents for time_to_live.
bool is_valid_ttl(std::string_view text) {
    if (text.size() < 2 || text.back() != 's') {
        return false;
    }
    double seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size() - 1, seconds,
                                              std::chars_format::fixed);
    return error == std::errc{} && end == text.data() + text.size() - 1 && seconds >= 1 &&
           seconds <= 365.0 * 24 * 3600;
}

}  // namespace

void SecretManager::seed(DemoData& demo) {
    demo.organization_id = std::string(kOrganizationId);
    demo.project_id = "cc732626-aa9f-456d-8b50-a98235146605";
    demo.secret_id = "f755dc6c-fe9f-41bf-bf03-ff5927bdfec9";
    demo.protected_secret_id = "0f73e93e-e9c7-4dfa-ac60-fe7bb8dde084";
    demo.scheduled_secret_id = "d57374c8-56b0-433b-9d85-b5304b1bc224";
    const TimePoint now = Clock::now();
    const auto secret = [&](std::string id, std::string name, std::string path, std::string type,
                            TimePoint created) {
        Secret out;
        out.id = std::move(id);
        out.region = demo.region;
        out.project_id = demo.project_id;
        out.organization_id = demo.organization_id;
        out.name = std::move(name);
        out.path = std::move(path);
        out.type = std::move(type);
        out.created_at = created;
        out.updated_at = created;
        return out;
    };
    const auto version = [](std::uint32_t revision, std::string status, TimePoint created) {
        Version out;
        out.revision = revision;
        out.status = std::move(status);
        out.created_at = created;
        out.updated_at = created;
        return out;
    };

    // Revision 1 was deleted on its own and can still be restored; revision 2 is live.
    Secret normal = secret(demo.secret_id, "database-password", "/demo", "database_credentials",
                           now - 40 * 24h);
    normal.tags = {"env:demo", "team:backend"};
    normal.description = "Credentials of the demo database";
    normal.versions.push_back(version(1, std::string(kScheduled), now - 40 * 24h));
    normal.versions.back().status_before_deletion = "enabled";
    normal.versions.back().deletion_requested_at = now - 24h;
    normal.versions.back().updated_at = now - 24h;
    normal.versions.push_back(version(2, "enabled", now - 3 * 24h));
    normal.versions.back().description = "rotated";
    normal.updated_at = now - 24h;

    Secret guarded =
        secret(demo.protected_secret_id, "tls-certificate", "/", "certificate", now - 20 * 24h);
    guarded.tags = {"env:demo"};
    guarded.is_protected = true;
    guarded.used_by = {"edge_services"};
    guarded.versions.push_back(version(1, "enabled", now - 20 * 24h));

    Secret doomed =
        secret(demo.scheduled_secret_id, "legacy-api-key", "/", "opaque", now - 90 * 24h);
    doomed.tags = {"env:demo", "legacy"};
    doomed.description = "Replaced by database-password";
    doomed.deletion_requested_at = now - 2 * 24h;
    doomed.updated_at = now - 2 * 24h;
    doomed.versions.push_back(version(1, std::string(kScheduled), now - 90 * 24h));
    doomed.versions.back().status_before_deletion = "enabled";
    doomed.versions.back().deletion_requested_at = now - 2 * 24h;

    std::lock_guard lock(mutex_);
    for (Secret* item : {&normal, &guarded, &doomed}) {
        item->sequence = next_sequence_++;
        secrets_.push_back(std::move(*item));
    }
}

Reply SecretManager::handle(const Call& call) {
    const auto& segments = call.segments;
    const std::string& method = call.method();
    if (segments.size() < 3 ||
        !matches({segments.begin(), segments.begin() + 3}, {"regions", "*", "secrets"})) {
        return scw::unknown_route(method, call.request.path);
    }
    const bool collection = segments.size() == 3;
    const bool item = segments.size() == 4;
    const bool action = segments.size() == 5 && method == "POST";
    const bool version_restore = segments.size() == 7 && method == "POST" &&
                                 segments[4] == "versions" && !segments[5].empty() &&
                                 segments[6] == "restore";
    const bool known_action = action && (segments[4] == "add-owner" || segments[4] == "protect" ||
                                         segments[4] == "unprotect" || segments[4] == "restore");
    const bool known_item = item && (method == "GET" || method == "PATCH" || method == "DELETE");
    const bool known_collection = collection && (method == "GET" || method == "POST");
    if (!known_collection && !known_item && !known_action && !version_restore) {
        return scw::unknown_route(method, call.request.path);
    }

    const std::string& region = segments[1];
    scw::require_region(region);
    std::lock_guard lock(mutex_);
    if (collection) {
        return method == "GET" ? list(call, region) : create(call, region);
    }
    scw::require_uuid("secret_id", segments[3]);
    Secret& secret = find(region, segments[3]);
    if (item) {
        if (method == "GET") {
            return json_reply(200, to_json(secret));
        }
        return method == "PATCH" ? update(call, secret) : remove(secret);
    }
    // Action bodies must be JSON objects (the SDKs send {}); their content is not used.
    const std::string& verb = segments[4];
    if (verb != "add-owner") {
        scw::require_body(call);
    }
    if (version_restore) {
        return restore_version(secret, segments[5]);
    }
    if (verb == "add-owner") {
        return add_owner(call, secret);
    }
    if (verb == "restore") {
        return restore(secret);
    }
    // Setting the flag to the value it already has is not an error.
    secret.is_protected = verb == "protect";
    secret.updated_at = Clock::now();
    return json_reply(200, to_json(secret));
}

Reply SecretManager::list(const Call& call, const std::string& region) {
    const auto paging = scw::paging(call);
    const auto order = scw::enum_query(call, "order_by",
                                       {"name_asc", "name_desc", "created_at_asc",
                                        "created_at_desc", "updated_at_asc", "updated_at_desc"},
                                       "name_asc");
    const auto project_id = scw::uuid_query(call, "project_id");
    const auto organization_id = scw::uuid_query(call, "organization_id");
    const auto name = call.query("name");
    const auto path = call.query("path");
    const auto tags = call.query_all("tags");
    const auto type = scw::enum_query(call, "type",
                                      {"unknown_type", "opaque", "certificate", "key_value",
                                       "basic_credentials", "database_credentials", "ssh_key"},
                                      "unknown_type");
    const auto ephemeral = scw::bool_query(call, "ephemeral");
    // Required by the API's own schema, but the documented default is "hide scheduled secrets".
    const bool scheduled = scw::bool_query(call, "scheduled_for_deletion").value_or(false);

    std::vector<const Secret*> selected;
    for (const auto& secret : secrets_) {
        const bool keep =
            secret.region == region && secret.deletion_requested_at.has_value() == scheduled &&
            (!project_id || secret.project_id == *project_id) &&
            (!organization_id || secret.organization_id == *organization_id) &&
            (!name || name->empty() || secret.name.find(*name) != std::string::npos) &&
            (!path || path->empty() || secret.path == *path) &&
            (type == "unknown_type" || secret.type == type) &&
            (!ephemeral || secret.ephemeral_policy.has_value() == *ephemeral) &&
            std::all_of(tags.begin(), tags.end(), [&](const std::string& tag) {
                return std::find(secret.tags.begin(), secret.tags.end(), tag) != secret.tags.end();
            });
        if (keep) {
            selected.push_back(&secret);
        }
    }
    const bool descending = order.ends_with("_desc");
    std::stable_sort(selected.begin(), selected.end(), [&](const Secret* a, const Secret* b) {
        if (descending) {
            std::swap(a, b);
        }
        if (order.starts_with("name")) {
            return std::tie(a->name, a->sequence) < std::tie(b->name, b->sequence);
        }
        if (order.starts_with("created")) {
            return std::tie(a->created_at, a->sequence) < std::tie(b->created_at, b->sequence);
        }
        return std::tie(a->updated_at, a->sequence) < std::tie(b->updated_at, b->sequence);
    });
    json::array items;
    for (const Secret* secret : page_of(selected, paging.page, paging.page_size)) {
        items.push_back(to_json(*secret));
    }
    json::object body;
    body["secrets"] = std::move(items);
    body["total_count"] = selected.size();
    return json_reply(200, body);
}

Reply SecretManager::create(const Call& call, const std::string& region) {
    const json::object body = scw::require_body(call);
    FieldReader fields(body);
    auto project_id = fields.string("project_id");
    auto name = fields.string("name");
    auto tags = fields.strings("tags");
    auto description = fields.string("description");
    auto type = fields.string("type");
    auto path = fields.string("path");
    auto policy = read_policy(fields);
    const auto is_protected = fields.boolean("protected");
    auto key_id = fields.string("key_id");
    scw::require_types(fields);

    if (!name || name->empty()) {
        reject(scw::invalid_argument("name", "required", "name is required"));
    }
    if (!project_id || project_id->empty()) {
        reject(scw::invalid_argument("project_id", "required", "project_id is required"));
    }
    scw::require_uuid("project_id", *project_id);
    if (key_id) {
        scw::require_uuid("key_id", *key_id);
    }
    if (!type || *type == "unknown_type") {
        type = "opaque";
    } else if (!is_secret_type(*type)) {
        reject(scw::invalid_argument("type", "constraint", "unknown secret type"));
    }
    if (!path) {
        path = "/";
    }
    require_path(*path);

    const TimePoint now = Clock::now();
    Secret secret;
    secret.id = ids_.uuid();
    secret.region = region;
    secret.project_id = std::move(*project_id);
    secret.organization_id = std::string(kOrganizationId);
    secret.name = std::move(*name);
    secret.created_at = now;
    secret.updated_at = now;
    secret.tags = tags.value_or(std::vector<std::string>{});
    secret.description = std::move(description);
    secret.is_protected = is_protected.value_or(false);
    secret.type = std::move(*type);
    secret.path = std::move(*path);
    secret.ephemeral_policy = std::move(policy);
    secret.key_id = std::move(key_id);
    require_unique(secret);
    const auto in_region = static_cast<std::size_t>(
        std::count_if(secrets_.begin(), secrets_.end(),
                      [&](const Secret& other) { return other.region == region; }));
    if (in_region >= max_per_region_) {
        reject(scw::quotas_exceeded(kQuotaResource, max_per_region_, in_region));
    }
    secret.sequence = next_sequence_++;
    secrets_.push_back(std::move(secret));
    return json_reply(200, to_json(secrets_.back()));
}

Reply SecretManager::update(const Call& call, Secret& secret) {
    const json::object body = scw::require_body(call);
    FieldReader fields(body);
    auto name = fields.string("name");
    auto tags = fields.strings("tags");
    auto description = fields.string("description");
    auto path = fields.string("path");
    auto policy = read_policy(fields);
    scw::require_types(fields);

    if (name && name->empty()) {
        reject(scw::invalid_argument("name", "constraint", "name cannot be empty"));
    }
    if (path) {
        require_path(*path);
    }
    Secret changed = secret;
    if (name) {
        changed.name = std::move(*name);
    }
    if (path) {
        changed.path = std::move(*path);
    }
    if (tags) {
        changed.tags = std::move(*tags);
    }
    if (description) {
        changed.description = std::move(description);
    }
    if (policy) {
        changed.ephemeral_policy = std::move(policy);
    }
    require_unique(changed);
    changed.updated_at = Clock::now();
    secret = std::move(changed);
    return json_reply(200, to_json(secret));
}

// Deletion is a schedule, not an erase: the secret stays readable and restorable.
Reply SecretManager::remove(Secret& secret) {
    if (secret.is_protected) {
        reject(scw::precondition_failed(
            "cannot delete a protected secret",
            "Disable secret protection first (POST .../unprotect), then delete the secret."));
    }
    if (secret.deletion_requested_at) {
        reject(scw::precondition_failed(
            "secret is already scheduled for deletion",
            "Restore the secret (POST .../restore) to cancel the scheduled deletion."));
    }
    const TimePoint now = Clock::now();
    secret.deletion_requested_at = now;
    secret.updated_at = now;
    for (auto& version : secret.versions) {
        if (version.status != kScheduled && version.status != "deleted") {
            version.status_before_deletion = version.status;
            version.status = kScheduled;
            version.deletion_requested_at = now;
            version.updated_at = now;
        }
    }
    return no_content();
}

Reply SecretManager::add_owner(const Call& call, Secret& secret) {
    const json::object body = scw::require_body(call);
    FieldReader fields(body);
    const auto product = fields.string("product");
    scw::require_types(fields);
    if (!product || *product == "unknown_product") {
        reject(scw::invalid_argument("product", "required", "product is required"));
    }
    if (*product != "edge_services" && *product != "s2s_vpn") {
        reject(scw::invalid_argument("product", "constraint",
                                     "must be one of edge_services, s2s_vpn"));
    }
    if (std::find(secret.used_by.begin(), secret.used_by.end(), *product) == secret.used_by.end()) {
        secret.used_by.push_back(*product);
        secret.updated_at = Clock::now();
    }
    return no_content();
}

Reply SecretManager::restore(Secret& secret) {
    if (!secret.deletion_requested_at) {
        reject(scw::precondition_failed("secret is not scheduled for deletion",
                                        "Only a deleted secret can be restored."));
    }
    const TimePoint now = Clock::now();
    secret.deletion_requested_at.reset();
    secret.updated_at = now;
    for (auto& version : secret.versions) {
        if (version.status == kScheduled) {
            version.status = version.status_before_deletion;
            version.deletion_requested_at.reset();
            version.updated_at = now;
        }
    }
    return json_reply(200, to_json(secret));
}

Reply SecretManager::restore_version(Secret& secret, const std::string& revision) {
    Version& version = find_version(secret, revision);
    if (version.status != kScheduled) {
        reject(scw::precondition_failed("version is not scheduled for deletion",
                                        "Only a version scheduled for deletion can be restored."));
    }
    version.status = version.status_before_deletion;
    version.deletion_requested_at.reset();
    version.updated_at = Clock::now();
    return json_reply(200, to_json(secret, version));
}

SecretManager::Secret& SecretManager::find(const std::string& region, const std::string& id) {
    const auto it = std::find_if(secrets_.begin(), secrets_.end(), [&](const Secret& secret) {
        return secret.region == region && secret.id == id;
    });
    if (it == secrets_.end()) {
        reject(scw::not_found("secret", id));
    }
    return *it;
}

// Secrets scheduled for deletion still hold their name until they are gone for good.
void SecretManager::require_unique(const Secret& candidate) const {
    for (const auto& secret : secrets_) {
        if (secret.id != candidate.id && secret.region == candidate.region &&
            secret.project_id == candidate.project_id && secret.name == candidate.name &&
            secret.path == candidate.path) {
            reject(scw::already_exists(
                "secret", secret.id,
                "A secret with this name already exists at this path in the project; choose "
                "another name or path."));
        }
    }
}

SecretManager::Version& SecretManager::find_version(Secret& secret, const std::string& revision) {
    auto& versions = secret.versions;
    auto it = versions.end();
    if (revision == "latest") {
        it = std::max_element(
            versions.begin(), versions.end(),
            [](const Version& a, const Version& b) { return a.revision < b.revision; });
    } else if (revision == "latest_enabled") {
        for (auto candidate = versions.begin(); candidate != versions.end(); ++candidate) {
            if (candidate->status == "enabled" &&
                (it == versions.end() || candidate->revision > it->revision)) {
                it = candidate;
            }
        }
    } else {
        std::uint32_t number = 0;
        const auto [end, error] =
            std::from_chars(revision.data(), revision.data() + revision.size(), number);
        if (error != std::errc{} || end != revision.data() + revision.size() || number == 0) {
            reject(scw::invalid_argument(
                "revision", "format",
                "must be a revision number (from 1), latest or latest_enabled"));
        }
        it = std::find_if(versions.begin(), versions.end(),
                          [&](const Version& version) { return version.revision == number; });
    }
    if (it == versions.end()) {
        reject(scw::not_found("secret_version", revision));
    }
    return *it;
}

std::optional<SecretManager::EphemeralPolicy> SecretManager::read_policy(FieldReader& fields) {
    const json::object* object = fields.object("ephemeral_policy");
    if (object == nullptr) {
        return std::nullopt;
    }
    FieldReader inner(*object);
    EphemeralPolicy policy;
    policy.time_to_live = inner.string("time_to_live");
    policy.expires_once_accessed = inner.boolean("expires_once_accessed");
    const auto action = inner.string("action");
    if (!inner.mistyped().empty()) {
        reject(scw::invalid_argument("ephemeral_policy." + inner.mistyped(), "format",
                                     "has the wrong JSON type"));
    }
    if (policy.time_to_live && !is_valid_ttl(*policy.time_to_live)) {
        reject(scw::invalid_argument("ephemeral_policy.time_to_live", "constraint",
                                     "must be a duration in seconds such as \"3600s\", from 1s "
                                     "to one year"));
    }
    if (action) {
        if (*action != "unknown_action" && *action != "delete" && *action != "disable") {
            reject(scw::invalid_argument("ephemeral_policy.action", "constraint",
                                         "must be one of delete, disable"));
        }
        policy.action = *action;
    }
    return policy;
}

void SecretManager::require_path(const std::string& path) {
    const bool valid = !path.empty() && path.front() == '/' &&
                       (path.size() == 1 || path.back() != '/') &&
                       path.find("//") == std::string::npos;
    if (!valid) {
        reject(scw::invalid_argument("path", "constraint",
                                     "must start with / and must not end with / or contain //"));
    }
}

json::object SecretManager::to_json(const Secret& secret) {
    json::object out;
    out["id"] = secret.id;
    out["project_id"] = secret.project_id;
    out["name"] = secret.name;
    out["status"] = "ready";
    out["created_at"] = format_time(secret.created_at, scw::kTimeDigits);
    out["updated_at"] = format_time(secret.updated_at, scw::kTimeDigits);
    out["tags"] = string_array(secret.tags);
    out["version_count"] = secret.versions.size();
    out["description"] = optional_string(secret.description);
    out["managed"] = false;
    out["protected"] = secret.is_protected;
    out["type"] = secret.type;
    out["path"] = secret.path;
    if (secret.ephemeral_policy) {
        json::object policy;
        policy["time_to_live"] = optional_string(secret.ephemeral_policy->time_to_live);
        policy["expires_once_accessed"] =
            secret.ephemeral_policy->expires_once_accessed
                ? json::value(*secret.ephemeral_policy->expires_once_accessed)
                : json::value(nullptr);
        policy["action"] = secret.ephemeral_policy->action;
        out["ephemeral_policy"] = std::move(policy);
    } else {
        out["ephemeral_policy"] = nullptr;
    }
    out["used_by"] = string_array(secret.used_by);
    out["deletion_requested_at"] = optional_time(secret.deletion_requested_at, scw::kTimeDigits);
    out["key_id"] = optional_string(secret.key_id);
    out["region"] = secret.region;
    return out;
}

json::object SecretManager::to_json(const Secret& secret, const Version& version) {
    std::uint32_t latest = 0;
    for (const auto& other : secret.versions) {
        latest = std::max(latest, other.revision);
    }
    json::object out;
    out["revision"] = version.revision;
    out["secret_id"] = secret.id;
    out["status"] = version.status;
    out["created_at"] = format_time(version.created_at, scw::kTimeDigits);
    out["updated_at"] = format_time(version.updated_at, scw::kTimeDigits);
    out["deleted_at"] = nullptr;  // only set once a version is gone for good
    out["description"] = optional_string(version.description);
    out["latest"] = version.revision == latest;
    out["ephemeral_properties"] = nullptr;  // no version is ephemeral in the sandbox
    out["deletion_requested_at"] = optional_time(version.deletion_requested_at, scw::kTimeDigits);
    out["region"] = secret.region;
    return out;
}

}  // namespace cmcp::sandbox
