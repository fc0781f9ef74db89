#include "upstream/call_control.hpp"

namespace cmcp::upstream {

CallControl::CallControl(ProgressSink progress, LogSink log)
    : progress_(std::move(progress)), log_(std::move(log)) {}

void CallControl::cancel() {
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
    }
    wake_.notify_all();
}

bool CallControl::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

bool CallControl::sleep_for(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, duration, [this] { return cancelled_; });
}

void CallControl::report_progress(const Progress& progress) const {
    if (progress_) {
        progress_(progress);
    }
}

void CallControl::log(LogLevel level, const std::string& message) const {
    if (log_) {
        log_(level, message);
    }
}

}  // namespace cmcp::upstream
