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
    std::unique_ptr<UpstreamConnection> found;
    while (!found) {
        std::unique_ptr<UpstreamConnection> candidate;
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

void ConnectionPool::give_back(std::unique_ptr<UpstreamConnection> connection) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) {
        idle_.push_back({std::move(connection), std::chrono::steady_clock::now()});
    }
}

ConnectionPools::ConnectionPools(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context) {}

ConnectionPool& ConnectionPools::pool(const std::string& origin, std::size_t max_idle) {
    std::lock_guard lock(mutex_);
    auto& slot = pools_[origin];
    if (!slot) {
        slot = std::make_unique<ConnectionPool>(max_idle);
    }
    return *slot;
}

std::size_t ConnectionPools::idle_count(const std::string& origin) const {
    std::lock_guard lock(mutex_);
    const auto found = pools_.find(origin);
    return found == pools_.end() ? 0 : found->second->idle_count();
}

void ConnectionPools::shutdown() {
    std::map<std::string, std::unique_ptr<ConnectionPool>, std::less<>> closing;
    {
        std::lock_guard lock(mutex_);
        closing.swap(pools_);
    }
}

}  // namespace cmcp::upstream
