#pragma once

#include <chrono>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/logging.hpp"
#include "upstream/call_control.hpp"
#include "upstream/http_upstream.hpp"

namespace cmcp::upstream::testing {

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

inline Credentials test_credentials() {
    return Credentials{"scw-test-key-0123456789", "ps-test-id-12345:ps-test-token-67890"};
}

// Short timeouts and near-zero backoff, so that failure paths take milliseconds.
inline HttpUpstreamOptions fast_options(const std::string& base_url) {
    HttpUpstreamOptions options;
    options.scaleway_base_url = base_url;
    options.planetscale_base_url = base_url;
    options.connect_timeout = std::chrono::milliseconds(1000);
    options.read_timeout = std::chrono::milliseconds(2000);
    options.write_timeout = std::chrono::milliseconds(2000);
    options.retry.base_delay = std::chrono::milliseconds(1);
    options.retry.max_delay = std::chrono::milliseconds(20);
    options.retry.max_total = std::chrono::milliseconds(10000);
    return options;
}

inline Request scaleway_get(std::string path = "/iam/v1alpha1/jwts") {
    Request request;
    request.provider = Provider::scaleway;
    request.method = "GET";
    request.path = std::move(path);
    request.idempotent = true;
    request.tool = "list-jwts";
    return request;
}

inline Request planetscale_post(std::string path = "/v1/organizations/acme/service-tokens") {
    Request request;
    request.provider = Provider::planetscale;
    request.method = "POST";
    request.path = std::move(path);
    request.body = boost::json::object{};
    request.idempotent = false;
    request.tool = "create-service-token";
    return request;
}

// Records what a call reports upwards (progress notifications and client-visible logs).
class RecordingControl {
  public:
    RecordingControl()
        : control_(
              [this](const CallControl::Progress& progress) {
                  std::lock_guard lock(mutex_);
                  progress_.push_back(progress);
              },
              [this](LogLevel level, const std::string& message) {
                  std::lock_guard lock(mutex_);
                  logs_.emplace_back(level, message);
              }) {}

    CallControl& control() { return control_; }
    std::vector<CallControl::Progress> progress() const {
        std::lock_guard lock(mutex_);
        return progress_;
    }
    std::vector<std::pair<LogLevel, std::string>> logs() const {
        std::lock_guard lock(mutex_);
        return logs_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<CallControl::Progress> progress_;
    std::vector<std::pair<LogLevel, std::string>> logs_;
    CallControl control_;
};

inline const Response& response_of(const Outcome& outcome) {
    static const Response kNone{};
    const auto* response = std::get_if<Response>(&outcome);
    return response != nullptr ? *response : kNone;
}

inline const Failure& failure_of(const Outcome& outcome) {
    static const Failure kNone{};
    const auto* failure = std::get_if<Failure>(&outcome);
    return failure != nullptr ? *failure : kNone;
}

}  // namespace cmcp::upstream::testing
