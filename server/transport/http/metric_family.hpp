#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

namespace cmcp::transport::http::metrics_detail {

class Counter {
  public:
    void add(std::uint64_t amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

// Upper bounds in seconds; observations are counted per bucket and summed in milliseconds, so
// recording is a few relaxed atomic increments.
class Histogram {
  public:
    static constexpr std::size_t kMaxBuckets = 16;

    explicit Histogram(std::span<const double> bounds);
    void observe(std::chrono::milliseconds duration);

    struct Snapshot {
        std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
        std::uint64_t sum_ms = 0;
        std::uint64_t count = 0;
    };
    Snapshot snapshot() const;
    std::span<const double> bounds() const { return bounds_; }

  private:
    std::span<const double> bounds_;
    std::array<std::atomic<std::uint64_t>, kMaxBuckets + 1> buckets_{};
    std::atomic<std::uint64_t> sum_ms_{0};
    std::atomic<std::uint64_t> count_{0};
};

// Cells by label values. Finding an existing cell takes a shared lock; only the first use of a
// label set takes the exclusive one. Cells never move, so callers update them lock-free.
template <class Cell>
class Family {
  public:
    using Labels = std::vector<std::string>;

    template <class... Args>
    Cell& at(Labels labels, Args&&... args) {
        {
            std::shared_lock lock(mutex_);
            if (const auto found = cells_.find(labels); found != cells_.end()) {
                return *found->second;
            }
        }
        std::unique_lock lock(mutex_);
        auto& cell = cells_[std::move(labels)];
        if (!cell) {
            cell = std::make_unique<Cell>(std::forward<Args>(args)...);
        }
        return *cell;
    }

    // Calls fn(labels, cell) in label order, holding the shared lock.
    template <class Fn>
    void for_each(Fn&& fn) const {
        std::shared_lock lock(mutex_);
        for (const auto& [labels, cell] : cells_) {
            fn(labels, *cell);
        }
    }

  private:
    mutable std::shared_mutex mutex_;
    std::map<Labels, std::unique_ptr<Cell>> cells_;
};

}  // namespace cmcp::transport::http::metrics_detail
