#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/common.hpp"

namespace cmcp::sandbox {

// Secret Manager v1beta1 secret metadata:
// /secret-manager/v1beta1/regions/{region}/secrets[/{secret_id}[/<action>]].
class SecretManager {
  public:
    // `max_per_region` counts secrets scheduled for deletion too: they still exist.
    SecretManager(IdSource& ids, std::size_t max_per_region)
        : ids_(ids), max_per_region_(max_per_region) {}
    void seed(DemoData& demo);
    // `call.segments` starts after /secret-manager/v1beta1.
    Reply handle(const Call& call);

  private:
    struct EphemeralPolicy {
        std::optional<std::string> time_to_live;
        std::optional<bool> expires_once_accessed;
        std::string action = "unknown_action";
    };
    struct Version {
        std::uint32_t revision = 1;
        std::string status = "enabled";
        std::string status_before_deletion;  // what a restore brings back
        TimePoint created_at;
        TimePoint updated_at;
        std::optional<TimePoint> deletion_requested_at;
        std::optional<std::string> description;
    };
    struct Secret {
        std::string id;
        std::string region;
        std::string project_id;
        std::string organization_id;
        std::string name;
        TimePoint created_at;
        TimePoint updated_at;
        std::vector<std::string> tags;
        std::optional<std::string> description;
        bool is_protected = false;
        std::string type = "opaque";
        std::string path = "/";
        std::optional<EphemeralPolicy> ephemeral_policy;
        std::vector<std::string> used_by;
        std::optional<TimePoint> deletion_requested_at;
        std::optional<std::string> key_id;
        std::vector<Version> versions;
        std::uint64_t sequence = 0;
    };

    Reply list(const Call& call, const std::string& region);
    Reply create(const Call& call, const std::string& region);
    Reply update(const Call& call, Secret& secret);
    Reply remove(Secret& secret);
    Reply add_owner(const Call& call, Secret& secret);
    Reply restore(Secret& secret);
    Reply restore_version(Secret& secret, const std::string& revision);

    Secret& find(const std::string& region, const std::string& id);
    void require_unique(const Secret& candidate) const;
    static Version& find_version(Secret& secret, const std::string& revision);
    static std::optional<EphemeralPolicy> read_policy(FieldReader& fields);
    static void require_path(const std::string& path);
    static boost::json::object to_json(const Secret& secret);
    static boost::json::object to_json(const Secret& secret, const Version& version);

    IdSource& ids_;
    const std::size_t max_per_region_;
    std::mutex mutex_;
    std::vector<Secret> secrets_;  // every region, in creation order
    std::uint64_t next_sequence_ = 1;
};

}  // namespace cmcp::sandbox
