#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "support/log_level.hpp"

namespace cmcp::upstream {

// Links one in-flight tool call to whoever asked for it: progress and log messages flow up, and
// what a cancellation needs to know flows both ways. The call's coroutine is stopped through
// asio's cancellation slot by its owner; this object only records that it was cancelled, and
// whether the request had gone out by then. Thread-safe.
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

    void report_progress(const Progress& progress) const;
    void log(LogLevel level, const std::string& message) const;

  private:
    ProgressSink progress_;
    LogSink log_;
    mutable std::mutex mutex_;
    bool cancelled_ = false;
    bool sent_ = false;
};

}  // namespace cmcp::upstream
