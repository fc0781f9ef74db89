#include "upstream/call_control.hpp"

#include <utility>

namespace cmcp::upstream {

CallControl::CallControl(ProgressSink progress, LogSink log)
    : progress_(std::move(progress)), log_(std::move(log)) {}

void CallControl::cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
}

bool CallControl::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

bool CallControl::begin_sending() {
    std::lock_guard lock(mutex_);
    if (cancelled_) {
        return false;
    }
    sent_ = true;
    return true;
}

bool CallControl::request_sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
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
