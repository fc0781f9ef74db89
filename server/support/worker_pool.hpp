#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "support/task_runner.hpp"

namespace cmcp {

// Fixed threads and a bounded queue: a flood of tool calls is refused, never queued without end.
class WorkerPool final : public TaskRunner {
  public:
    WorkerPool(std::size_t threads, std::size_t max_queued);
    ~WorkerPool() override;
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    bool try_post(std::function<void()> task) override;
    // Refuses new work, runs what is queued, joins the threads. Idempotent.
    void shutdown();
    // The same, but gives up waiting at `deadline`: false when a task is still running (stuck
    // in a blocking write, say). The pool must then not be destroyed; exit the process instead.
    bool shutdown_until(std::chrono::steady_clock::time_point deadline);

  private:
    void run();

    const std::size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::size_t running_threads_ = 0;
    std::condition_variable finished_;
    std::vector<std::jthread> threads_;
};

}  // namespace cmcp
