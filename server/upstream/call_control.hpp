#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
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
    // Sleeps for the given time unless cancelled first; returns false if cancelled.
    bool sleep_for(std::chrono::milliseconds duration);

    void report_progress(const Progress& progress) const;
    void log(LogLevel level, const std::string& message) const;

private:
    ProgressSink progress_;
    LogSink log_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool cancelled_ = false;
};

}  // namespace cmcp::upstream
