#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "sandbox/common.hpp"

namespace cmcp::sandbox {

// IAM v1alpha1 JWTs, which are global (no region): /iam/v1alpha1/jwts[/{jti}]. JWTs are only
// listed, read and deleted here; sessions create them, so only the demo data has any.
class IamJwts {
  public:
    void seed(DemoData& demo);
    // `call.segments` starts after /iam/v1alpha1.
    Reply handle(const Call& call);

  private:
    struct Jwt {
        std::string jti;
        std::string issuer_id;
        std::string audience_id;
        TimePoint created_at;
        TimePoint updated_at;
        TimePoint expires_at;
        std::string ip;
        std::string user_agent;
        std::uint64_t sequence = 0;
    };

    Reply list(const Call& call);
    Reply get(const std::string& jti);
    Reply remove(const std::string& jti);
    std::vector<Jwt>::iterator find(const std::string& jti);
    static boost::json::object to_json(const Jwt& jwt);

    std::mutex mutex_;
    std::vector<Jwt> jwts_;
};

}  // namespace cmcp::sandbox
