#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/common.hpp"

namespace cmcp::sandbox {

// Serverless Functions v1beta1 tokens: /functions/v1beta1/regions/{region}/tokens[/{token_id}].
class FunctionsTokens {
  public:
    // `max_per_region`: creates beyond it are refused with quotas_exceeded.
    FunctionsTokens(IdSource& ids, std::size_t max_per_region)
        : ids_(ids), max_per_region_(max_per_region) {}
    void seed(DemoData& demo);
    // `call.segments` starts after /functions/v1beta1.
    Reply handle(const Call& call);

  private:
    struct Token {
        std::string id;
        std::string region;
        std::string secret;  // the `token` string, shown once
        std::optional<std::string> function_id;
        std::optional<std::string> namespace_id;
        std::optional<std::string> description;
        std::optional<TimePoint> expires_at;
        TimePoint created_at;
        std::uint64_t sequence = 0;
    };

    Reply list(const Call& call, const std::string& region);
    Reply create(const Call& call, const std::string& region);
    Reply get(const std::string& region, const std::string& id);
    Reply remove(const std::string& region, const std::string& id);
    Token& add(Token token);
    Token& find(const std::string& region, const std::string& id);
    std::string new_secret();
    static boost::json::object to_json(const Token& token, bool reveal, std::string_view status);

    IdSource& ids_;
    const std::size_t max_per_region_;
    std::mutex mutex_;
    std::vector<Token> tokens_;  // every region, in creation order
    std::uint64_t next_sequence_ = 1;
};

}  // namespace cmcp::sandbox
