#include "upstream/in_flight.hpp"

#include <httplib.h>

namespace cmcp::upstream {

void InFlight::abort() {
    std::lock_guard lock(mutex_);
    if (client_ != nullptr) {
        client_->stop();
        aborted_ = true;
        client_ = nullptr;
    }
}

bool InFlight::finish() {
    std::lock_guard lock(mutex_);
    client_ = nullptr;
    return aborted_;
}

Aborter::Aborter() : thread_([this] { run(); }) {}

Aborter::~Aborter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void Aborter::post(std::shared_ptr<InFlight> exchange) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(exchange));
    }
    wake_.notify_one();
}

void Aborter::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
            return;
        }
        auto exchange = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        exchange->abort();
        lock.lock();
    }
}

}  // namespace cmcp::upstream
