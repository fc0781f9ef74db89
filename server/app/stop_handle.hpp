#pragma once

#include <functional>
#include <mutex>

namespace cmcp::app {

// Lets a signal that arrives before the server exists still stop it: the request is
// remembered and honoured as soon as a stop function is attached.
class StopHandle {
  public:
    void request_stop() {
        std::function<void()> stop;
        {
            std::lock_guard lock(mutex_);
            requested_ = true;
            stop = stop_;
        }
        if (stop) {
            stop();
        }
    }

    void attach(std::function<void()> stop) {
        bool requested = false;
        {
            std::lock_guard lock(mutex_);
            stop_ = stop;
            requested = requested_;
        }
        if (requested && stop) {
            stop();
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
