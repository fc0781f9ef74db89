#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "transport/http/metric_family.hpp"

namespace cmcp::transport::http {

// Counters and histograms for /metrics, in the Prometheus text format 0.0.4. Every method is
// thread-safe; recording touches only atomics once a label set exists.
class Metrics {
  public:
    Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    void record_http_request(std::string_view method, int status);
    // outcome: "ok", "error", "cancelled", "invalid_arguments", "busy" (see protocol::Session).
    void record_tool_call(std::string_view tool, std::string_view outcome, std::string_view era,
                          std::chrono::milliseconds duration);
    // One attempt against a vendor API; status 0 means no HTTP response (network failure,
    // timeout, cancellation). `tool` is accepted for the observer's signature but not used as
    // a label, to keep the series count small.
    void record_upstream(std::string_view provider, std::string_view tool, int status,
                         std::chrono::milliseconds latency);
    void set_live_sessions(std::size_t count);

    std::string render_prometheus() const;

  private:
    metrics_detail::Family<metrics_detail::Counter> http_requests_;
    metrics_detail::Family<metrics_detail::Counter> tool_calls_;
    metrics_detail::Family<metrics_detail::Histogram> tool_durations_;
    metrics_detail::Family<metrics_detail::Counter> upstream_requests_;
    metrics_detail::Family<metrics_detail::Histogram> upstream_durations_;
    std::atomic<std::size_t> live_sessions_{0};
};

}  // namespace cmcp::transport::http
