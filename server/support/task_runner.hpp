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

}  // namespace cmcp
