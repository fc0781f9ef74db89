#pragma once

#include <atomic>
#include <cstddef>

namespace cmcp::protocol {

// How many tool calls may run at once, across every session of a server: beyond it a call is
// refused at once with an error result (nothing sent upstream), rather than queued without
// bound. Thread-safe.
class CallLimit {
  public:
    explicit CallLimit(std::size_t max) : max_(max) {}

    bool try_acquire() {
        if (running_.fetch_add(1) >= max_) {
            running_.fetch_sub(1);
            return false;
        }
        return true;
    }
    void release() { running_.fetch_sub(1); }
    std::size_t running() const { return running_.load(); }

  private:
    const std::size_t max_;
    std::atomic<std::size_t> running_{0};
};

}  // namespace cmcp::protocol
