#include "upstream/connection_pool.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace cmcp::upstream {

ConnectionPool::Lease::~Lease() {
    if (connection_ && connection_->reusable()) {
        pool_->give_back(std::move(connection_));
    }
    // else, or beyond the pool's cap, the connection closes here, outside the pool's lock.
}

ConnectionPool::Lease ConnectionPool::acquire() {
    std::vector<Idle> closed;
    std::unique_ptr<HttpConnection> found;
    while (!found) {
        std::unique_ptr<HttpConnection> candidate;
        {
            std::lock_guard lock(mutex_);
            const auto oldest_usable = std::chrono::steady_clock::now() - kMaxIdleAge;
            const auto fresh = std::partition(idle_.begin(), idle_.end(), [&](const Idle& idle) {
                return idle.since < oldest_usable;
            });
            std::move(idle_.begin(), fresh, std::back_inserter(closed));
            idle_.erase(idle_.begin(), fresh);
            if (idle_.empty()) {
                break;
            }
            candidate = std::move(idle_.back().connection);
            idle_.pop_back();
        }
        if (candidate->still_open()) {
            found = std::move(candidate);
        } else {
            closed.push_back({std::move(candidate), {}});
        }
    }
    // `closed` closes its connections here, outside the lock.
    return Lease(*this, std::move(found));
}

std::size_t ConnectionPool::idle_count() const {
    std::lock_guard lock(mutex_);
    return idle_.size();
}

void ConnectionPool::give_back(std::unique_ptr<HttpConnection> connection) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) {
        idle_.push_back({std::move(connection), std::chrono::steady_clock::now()});
    }
}

}  // namespace cmcp::upstream
