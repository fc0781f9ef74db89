#include "support/spin_budget.hpp"

#include <poll.h>

#include <algorithm>

namespace cmcp {

bool SpinBudget::try_enter() {
    if (per_wait_.count() <= 0) {
        return false;
    }
    if (spinners_.fetch_add(1, std::memory_order_relaxed) < max_spinners_) {
        return true;
    }
    leave();
    return false;
}

bool SpinBudget::poll_briefly(int fd, short events, std::chrono::steady_clock::time_point not_after,
                              int own_work) {
    if (work_.load(std::memory_order_relaxed) > own_work || !try_enter()) {
        return false;
    }
    const auto end = std::min(not_after, std::chrono::steady_clock::now() + per_wait_);
    pollfd watch{fd, events, 0};
    int ready = 0;
    do {
        ready = ::poll(&watch, 1, 0);
    } while (ready == 0 && std::chrono::steady_clock::now() < end);
    leave();
    return ready > 0;
}

void WaitPredictor::record(std::chrono::steady_clock::duration waited) {
    const std::int64_t sample =
        std::chrono::duration_cast<std::chrono::nanoseconds>(waited).count();
    const std::int64_t average = average_ns_.load(std::memory_order_relaxed);
    average_ns_.store(average + (sample - average) / 4, std::memory_order_relaxed);
}

bool WaitPredictor::short_enough(const SpinBudget& budget) const {
    return average_ns_.load(std::memory_order_relaxed) <
           std::chrono::duration_cast<std::chrono::nanoseconds>(budget.per_wait()).count();
}

}  // namespace cmcp
