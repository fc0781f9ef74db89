#pragma once

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

}  // namespace cmcp
