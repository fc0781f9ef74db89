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

}  // namespace cmcp::app
