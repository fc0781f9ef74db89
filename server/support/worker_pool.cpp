#include "support/worker_pool.hpp"

namespace cmcp {

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued)
    : max_queued_(max_queued), running_threads_(threads) {
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { run(); });
    }
}

WorkerPool::~WorkerPool() {
    shutdown();
}

bool WorkerPool::try_post(std::function<void()> task) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= max_queued_) {
            return false;
        }
        queue_.push_back(std::move(task));
    }
    ready_.notify_one();
    return true;
}

bool WorkerPool::shutdown_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    ready_.notify_all();
    if (!finished_.wait_until(lock, deadline, [this] { return running_threads_ == 0; })) {
        return false;
    }
    lock.unlock();
    shutdown();
    return true;
}

void WorkerPool::shutdown() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) {
        if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) {
            thread.join();
        }
    }
}

void WorkerPool::run() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                --running_threads_;
                finished_.notify_all();
                return;
            }
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            task();
        } catch (...) {
            // Tasks report their own failures; this only keeps the worker thread alive.
        }
    }
}

}  // namespace cmcp
