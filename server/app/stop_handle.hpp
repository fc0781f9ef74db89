#pragma once

#include <functional>
#include <mutex>

namespace cmcp::app {

// Lets a signal that arrives before the server exists still stop it: the request is
// remembered and honoured as soon as a stop function is attached. The stop function runs under
// the lock, so detach() cannot return (and the server cannot be destroyed) while it runs; stop
// functions must therefore be quick and must not call back into this handle.
class StopHandle {
  public:
    void request_stop() {
        std::lock_guard lock(mutex_);
        requested_ = true;
        if (stop_) {
            stop_();
        }
    }

    void attach(std::function<void()> stop) {
        std::lock_guard lock(mutex_);
        stop_ = std::move(stop);
        if (requested_ && stop_) {
            stop_();
        }
    }

    void detach() {
        std::lock_guard lock(mutex_);
        stop_ = nullptr;
    }

  private:
    std::mutex mutex_;
    std::function<void()> stop_;
    bool requested_ = false;
};

// An action a signal may trigger (SIGHUP: reload) once the server has set it. Runs under the
// lock, so clear() cannot return while the action runs.
class Hook {
  public:
    void set(std::function<void()> action) {
        std::lock_guard lock(mutex_);
        action_ = std::move(action);
    }
    void clear() {
        std::lock_guard lock(mutex_);
        action_ = nullptr;
    }
    // False when no action is set.
    bool run() {
        std::lock_guard lock(mutex_);
        if (!action_) {
            return false;
        }
        action_();
        return true;
    }

  private:
    std::mutex mutex_;
    std::function<void()> action_;
};

}  // namespace cmcp::app
