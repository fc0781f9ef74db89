#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cmcp {

// Sleeping in poll() until a fast peer answers costs two thread wake-ups, tens of µs each on a
// VM; polling without sleeping for a short while first avoids them when the answer is near.
// One budget is shared by every wait that may spin (the upstream's answer, a client's next
// request), and caps how many threads spin at once, so that spinning never takes every core
// from the processes that produce the answers. Thread-safe.
class SpinBudget {
  public:
    SpinBudget(std::chrono::microseconds per_wait, int max_spinners)
        : per_wait_(per_wait), max_spinners_(max_spinners) {}
    SpinBudget(const SpinBudget&) = delete;
    SpinBudget& operator=(const SpinBudget&) = delete;

    std::chrono::microseconds per_wait() const { return per_wait_; }

    // Polls `fd` for `events` without sleeping, for up to per_wait() and never past
    // `not_after`, if a spinning slot is free and no work is in progress beyond the caller's
    // own `own_work` items. True if the socket became ready (or showed an error); false if it
    // did not, or if the wait may not spin.
    bool poll_briefly(int fd, short events, std::chrono::steady_clock::time_point not_after,
                      int own_work);

    // Work in progress (requests being answered). Under load a spinning thread would take
    // CPU from that work, so waits spin only when there is none besides their own.
    void work_started() { work_.fetch_add(1, std::memory_order_relaxed); }
    void work_finished() { work_.fetch_sub(1, std::memory_order_relaxed); }
    int work_in_progress() const { return work_.load(std::memory_order_relaxed); }

    // A slot to spin in, or false if spinning is off or every slot is taken (poll_briefly()
    // takes one itself).
    bool try_enter();
    void leave() { spinners_.fetch_sub(1, std::memory_order_relaxed); }

  private:
    std::chrono::microseconds per_wait_;
    int max_spinners_;
    std::atomic<int> spinners_{0};
    std::atomic<int> work_{0};
};

// Predicts whether the next wait of a kind is short enough to spin through, from the waits
// before it: spinning through a wait that then sleeps anyway only burns CPU. Thread-safe (a
// race between updates loses one sample, which does no harm).
class WaitPredictor {
  public:
    void record(std::chrono::steady_clock::duration waited);
    bool short_enough(const SpinBudget& budget) const;

  private:
    // Moving average of recent waits in nanoseconds, weighting the newest by 1/4: one slow
    // answer does not stop spinning for good, and a run of them does.
    std::atomic<std::int64_t> average_ns_{0};
};

}  // namespace cmcp
