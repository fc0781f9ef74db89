#pragma once

#include <atomic>
#include <cstddef>
#include <functional>

namespace cmcp {

// Somewhere to run blocking work (tool calls) off the transport's threads.
class TaskRunner {
  public:
    virtual ~TaskRunner() = default;
    // False when the runner is saturated or shutting down; the task is then not run.
    virtual bool try_post(std::function<void()> task) = 0;
};

// Runs each task at once on the caller's thread, so a tools/call completes inside the call that
// handed it over: for in-process drivers (benchmarks, fuzzers) that measure without threads.
class InlineRunner final : public TaskRunner {
  public:
    bool try_post(std::function<void()> task) override {
        task();
        return true;
    }
};

// Runs a task at once on the caller's thread while fewer than `limit` callers are doing so, and
// refuses otherwise. HTTP lends its I/O threads this way: a tool call runs on the thread that
// read it, saving the hand-offs to a worker and back (each one a wake-up of another thread,
// the larger part of a fast call's latency), while enough I/O threads stay free to serve
// everything else.
class BoundedInlineRunner final : public TaskRunner {
  public:
    explicit BoundedInlineRunner(std::size_t limit) : limit_(limit) {}
    bool try_post(std::function<void()> task) override {
        if (running_.fetch_add(1) >= limit_) {
            running_.fetch_sub(1);
            return false;
        }
        struct Release {
            std::atomic<std::size_t>& running;
            ~Release() { running.fetch_sub(1); }
        } release{running_};
        task();
        return true;
    }
    std::size_t running() const { return running_.load(); }

  private:
    const std::size_t limit_;
    std::atomic<std::size_t> running_{0};
};

}  // namespace cmcp
