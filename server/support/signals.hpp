#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace cmcp {

// Turns SIGINT, SIGTERM and SIGHUP into a callback on a dedicated thread. Construct it before any
// other thread exists: it blocks those signals in the calling thread, and threads started later
// inherit the mask, so no thread is interrupted at a random point. SIGPIPE is ignored so a
// closed peer shows up as a write error instead of killing the process.
class SignalWatcher {
  public:
    explicit SignalWatcher(std::function<void(int signal)> on_signal);
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

  private:
    std::atomic<bool> stopping_{false};
    std::jthread thread_;
};

}  // namespace cmcp
