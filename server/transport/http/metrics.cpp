#include "transport/http/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

namespace cmcp::transport::http {

namespace metrics_detail {

Histogram::Histogram(std::span<const double> bounds) : bounds_(bounds) {
    if (bounds.size() > kMaxBuckets) {
        throw std::logic_error("too many histogram buckets");
    }
}

void Histogram::observe(std::chrono::milliseconds duration) {
    const auto ms = static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0));
    const double seconds = static_cast<double>(ms) / 1000.0;
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin());
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_ms_.fetch_add(ms, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot snapshot;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        snapshot.cumulative.push_back(running);
    }
    snapshot.sum_ms = sum_ms_.load(std::memory_order_relaxed);
    // The total of the buckets, not count_, so that _count always equals the +Inf bucket even
    // while another thread is in the middle of observe().
    snapshot.count = running;
    return snapshot;
}

}  // namespace metrics_detail

namespace {

using metrics_detail::Counter;
using metrics_detail::Family;
using metrics_detail::Histogram;

// Vendor calls are retried and may legitimately take up to the 30 s read timeout.
constexpr std::array<double, 9> kDurationBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

std::string format_number(double value) {
    std::array<char, 32> buffer{};
    const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    if (error != std::errc()) {
        return "0";
    }
    return std::string(buffer.data(), end);
}

void append_escaped(std::string& out, std::string_view value) {
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
}

std::string label_set(const std::vector<std::string_view>& names,
                      const std::vector<std::string>& values, std::string_view extra_name = {},
                      std::string_view extra_value = {}) {
    std::string out = "{";
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
        if (i > 0) {
            out.push_back(',');
        }
        out += names[i];
        out += "=\"";
        append_escaped(out, values[i]);
        out.push_back('"');
    }
    if (!extra_name.empty()) {
        if (out.size() > 1) {
            out.push_back(',');
        }
        out += extra_name;
        out += "=\"";
        append_escaped(out, extra_value);
        out.push_back('"');
    }
    out.push_back('}');
    return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out.push_back(' ');
    out += help;
    out += "\n# TYPE ";
    out += name;
    out.push_back(' ');
    out += type;
    out.push_back('\n');
}

void render_counters(std::string& out, std::string_view name, std::string_view help,
                     const std::vector<std::string_view>& label_names,
                     const Family<Counter>& family) {
    header(out, name, "counter", help);
    family.for_each([&](const std::vector<std::string>& labels, const Counter& counter) {
        out += name;
        out += label_set(label_names, labels);
        out.push_back(' ');
        out += std::to_string(counter.value());
        out.push_back('\n');
    });
}

void render_histograms(std::string& out, std::string_view name, std::string_view help,
                       const std::vector<std::string_view>& label_names,
                       const Family<Histogram>& family) {
    header(out, name, "histogram", help);
    family.for_each([&](const std::vector<std::string>& labels, const Histogram& histogram) {
        const auto snapshot = histogram.snapshot();
        const auto bounds = histogram.bounds();
        for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
            out += name;
            out += "_bucket";
            out += label_set(label_names, labels, "le",
                             i < bounds.size() ? format_number(bounds[i]) : "+Inf");
            out.push_back(' ');
            out += std::to_string(snapshot.cumulative[i]);
            out.push_back('\n');
        }
        const auto labels_text = label_set(label_names, labels);
        out += name;
        out += "_sum";
        out += labels_text;
        out.push_back(' ');
        out += format_number(static_cast<double>(snapshot.sum_ms) / 1000.0);
        out.push_back('\n');
        out += name;
        out += "_count";
        out += labels_text;
        out.push_back(' ');
        out += std::to_string(snapshot.count);
        out.push_back('\n');
    });
}

}  // namespace

Metrics::Metrics() = default;

void Metrics::record_http_request(std::string_view method, int status) {
    http_requests_.at({std::string(method), std::to_string(status)}).add();
}

void Metrics::record_tool_call(std::string_view tool, std::string_view outcome,
                               std::string_view era, std::chrono::milliseconds duration) {
    tool_calls_.at({std::string(tool), std::string(outcome), std::string(era)}).add();
    tool_durations_.at({std::string(tool)}, std::span<const double>(kDurationBuckets))
        .observe(duration);
}

void Metrics::record_upstream(std::string_view provider, std::string_view /*tool*/, int status,
                              std::chrono::milliseconds latency) {
    upstream_requests_.at({std::string(provider), std::to_string(status)}).add();
    upstream_durations_.at({std::string(provider)}, std::span<const double>(kDurationBuckets))
        .observe(latency);
}

void Metrics::set_live_sessions(std::size_t count) {
    live_sessions_.store(count, std::memory_order_relaxed);
}

std::string Metrics::render_prometheus() const {
    std::string out;
    render_counters(out, "mcp_http_requests_total",
                    "HTTP requests served, by method and response status.", {"method", "status"},
                    http_requests_);
    render_counters(out, "mcp_tool_calls_total",
                    "Finished tool calls, by tool, outcome and protocol era (legacy: "
                    "initialize-based revisions; modern: 2026-07-28).",
                    {"tool", "outcome", "era"}, tool_calls_);
    render_histograms(out, "mcp_tool_call_duration_seconds",
                      "Time from tools/call to its result, by tool.", {"tool"}, tool_durations_);
    render_counters(out, "mcp_upstream_requests_total",
                    "Vendor API attempts, by provider and HTTP status (0: no response).",
                    {"provider", "status"}, upstream_requests_);
    render_histograms(out, "mcp_upstream_request_duration_seconds",
                      "Latency of one vendor API attempt, by provider.", {"provider"},
                      upstream_durations_);
    header(out, "mcp_sessions_live", "gauge", "Streamable HTTP sessions currently open.");
    out += "mcp_sessions_live ";
    out += std::to_string(live_sessions_.load(std::memory_order_relaxed));
    out.push_back('\n');
    return out;
}

}  // namespace cmcp::transport::http
