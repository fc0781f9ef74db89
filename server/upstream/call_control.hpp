#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "support/log_level.hpp"

namespace cmcp::upstream {

// Links one in-flight tool call to whoever asked for it: cancellation flows down,
// progress and log messages flow up. Thread-safe.
class CallControl {
  public:
    struct Progress {
        double progress = 0;
        std::optional<double> total;
        std::string message;
    };
    using ProgressSink = std::function<void(const Progress&)>;
    using LogSink = std::function<void(LogLevel, const std::string&)>;

    CallControl() = default;
    CallControl(ProgressSink progress, LogSink log);

    void cancel();
    bool cancelled() const;
    // Called just before the request's first byte goes out. False, and nothing may be sent,
    // when the call is already cancelled: so after cancel() returns, request_sent() says for
    // good whether the vendor may have received the request.
    [[nodiscard]] bool begin_sending();
    // True once a request went out (perhaps unanswered): the vendor may have applied it.
    bool request_sent() const;
    // Sleeps for the given time unless cancelled first; returns false if cancelled.
    bool sleep_for(std::chrono::milliseconds duration);

    void report_progress(const Progress& progress) const;
    void log(LogLevel level, const std::string& message) const;

    using CancelHook = std::function<void()>;

    // Keeps a hook registered; destroying it unregisters the hook, waiting for the hook to
    // return if cancel() is running it at that moment, so the hook's captures may die after.
    class CancelRegistration {
      public:
        CancelRegistration() = default;
        CancelRegistration(CancelRegistration&& other) noexcept;
        CancelRegistration& operator=(CancelRegistration&& other) noexcept;
        CancelRegistration(const CancelRegistration&) = delete;
        CancelRegistration& operator=(const CancelRegistration&) = delete;
        ~CancelRegistration();

      private:
        friend class CallControl;
        CancelRegistration(CallControl* control, std::uint64_t id) : control_(control), id_(id) {}
        void release();

        CallControl* control_ = nullptr;
        std::uint64_t id_ = 0;
    };

    // Runs `hook` on the thread that calls cancel() (at once, on this thread, if the call is
    // already cancelled). Hooks run under a lock: they must be quick, must not block, and must
    // not call back into this CallControl.
    [[nodiscard]] CancelRegistration on_cancel(CancelHook hook);

  private:
    void remove_hook(std::uint64_t id);

    ProgressSink progress_;
    LogSink log_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool cancelled_ = false;
    bool sent_ = false;
    // Separate from mutex_ so that sleep_for() and cancelled() never wait for a running hook.
    std::mutex hooks_mutex_;
    std::map<std::uint64_t, CancelHook> hooks_;
    std::uint64_t next_hook_id_ = 1;
    bool hooks_fired_ = false;
};

}  // namespace cmcp::upstream
