#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sandbox/common.hpp"

namespace cmcp::sandbox {

// Shared with the server, whose PlanetScale 401s and unknown routes use the same shape.
Reply planetscale_error(int status, std::string_view code, std::string_view message);

// PlanetScale service tokens and their accesses:
// /v1/organizations/{organization}/service-tokens[/{id}[/access]].
class PlanetScaleTokens {
  public:
    // Without demo data there is nothing to check names against, so any organization and any
    // database is taken to exist; with it, only the seeded ones do. `max_per_collection` caps the
    // tokens of an organization, the accesses of a token and the organizations and databases
    // taken to exist.
    PlanetScaleTokens(IdSource& ids, std::string base_url, bool any_organization,
                      std::size_t max_per_collection)
        : ids_(ids),
          base_url_(std::move(base_url)),
          any_organization_(any_organization),
          max_per_collection_(max_per_collection) {}
    void seed(DemoData& demo);
    // `call.segments` starts after /v1/organizations.
    Reply handle(const Call& call);

  private:
    struct Resource {
        std::string id;
        std::string name;
        TimePoint created_at;
    };
    struct Access {
        std::string id;
        std::string name;
        std::string database;  // "" for an organization-level access
    };
    struct ServiceToken {
        std::string id;
        std::optional<std::string> name;
        TimePoint created_at;
        TimePoint updated_at;
        std::optional<TimePoint> expires_at;
        std::optional<TimePoint> last_used_at;
        std::vector<Access> accesses;
        std::uint64_t sequence = 0;
    };
    struct Organization {
        Resource resource;
        std::vector<Resource> databases;
        std::vector<ServiceToken> tokens;
    };

    Reply list(const Call& call, const Organization& organization);
    Reply create(const Call& call, Organization& organization);
    Reply grant(const Call& call, Organization& organization, ServiceToken& token);
    Organization& organization(const std::string& name);
    Resource& database(Organization& organization, const std::string& name);
    static ServiceToken& find(Organization& organization, const std::string& id);
    // The organization itself when `database` is "".
    static const Resource& resource_of(const Organization& organization, std::string_view database);
    static boost::json::object to_json(const Organization& organization, const ServiceToken& token,
                                       const std::optional<std::string>& plaintext);
    static boost::json::object access_list(const Organization& organization,
                                           const ServiceToken& token);

    IdSource& ids_;
    const std::string base_url_;
    const bool any_organization_;
    const std::size_t max_per_collection_;
    std::mutex mutex_;
    std::map<std::string, Organization, std::less<>> organizations_;
    std::uint64_t next_sequence_ = 1;
};

}  // namespace cmcp::sandbox
