#include "upstream/call_control.hpp"

#include <utility>

namespace cmcp::upstream {

CallControl::CallControl(ProgressSink progress, LogSink log)
    : progress_(std::move(progress)), log_(std::move(log)) {}

void CallControl::cancel() {
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
    }
    wake_.notify_all();
    std::lock_guard hooks_lock(hooks_mutex_);
    if (hooks_fired_) {
        return;
    }
    hooks_fired_ = true;
    for (const auto& [id, hook] : hooks_) {
        hook();
    }
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

CallControl::CancelRegistration CallControl::on_cancel(CancelHook hook) {
    std::lock_guard hooks_lock(hooks_mutex_);
    if (hooks_fired_) {
        hook();
        return {};
    }
    const std::uint64_t id = next_hook_id_++;
    hooks_.emplace(id, std::move(hook));
    return {this, id};
}

void CallControl::remove_hook(std::uint64_t id) {
    std::lock_guard hooks_lock(hooks_mutex_);
    hooks_.erase(id);
}

CallControl::CancelRegistration::CancelRegistration(CancelRegistration&& other) noexcept
    : control_(std::exchange(other.control_, nullptr)), id_(other.id_) {}

CallControl::CancelRegistration& CallControl::CancelRegistration::operator=(
    CancelRegistration&& other) noexcept {
    if (this != &other) {
        release();
        control_ = std::exchange(other.control_, nullptr);
        id_ = other.id_;
    }
    return *this;
}

CallControl::CancelRegistration::~CancelRegistration() {
    release();
}

void CallControl::CancelRegistration::release() {
    if (control_ != nullptr) {
        control_->remove_hook(id_);
        control_ = nullptr;
    }
}

}  // namespace cmcp::upstream
