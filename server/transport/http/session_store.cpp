#include "transport/http/session_store.hpp"

namespace cmcp::transport::http {

namespace {

std::int64_t ticks(std::chrono::steady_clock::time_point time) {
    return time.time_since_epoch().count();
}

}  // namespace

HttpSession::HttpSession(std::string id, std::shared_ptr<protocol::Session> session)
    : id_(std::move(id)),
      session_(std::move(session)),
      last_active_(ticks(std::chrono::steady_clock::now())) {}

void HttpSession::touch() {
    last_active_.store(ticks(std::chrono::steady_clock::now()));
}

bool HttpSession::idle_since(std::chrono::steady_clock::time_point cutoff) const {
    return open_requests_.load() == 0 && last_active_.load() < ticks(cutoff) &&
           session_->calls_in_flight() == 0;
}

ActiveRequest::ActiveRequest(std::shared_ptr<HttpSession> session) : session_(std::move(session)) {
    if (session_) {
        session_->open_requests_.fetch_add(1);
        session_->touch();
    }
}

ActiveRequest::ActiveRequest(ActiveRequest&& other) noexcept
    : session_(std::move(other.session_)) {}

ActiveRequest& ActiveRequest::operator=(ActiveRequest&& other) noexcept {
    if (this != &other) {
        release();
        session_ = std::move(other.session_);
    }
    return *this;
}

ActiveRequest::~ActiveRequest() {
    release();
}

void ActiveRequest::release() {
    if (session_) {
        session_->touch();  // idle time counts from the end of the last request
        session_->open_requests_.fetch_sub(1);
        session_.reset();
    }
}

SessionStore::SessionStore(std::size_t max_sessions,
                           std::chrono::steady_clock::duration idle_timeout, CountObserver on_count)
    : max_sessions_(max_sessions), idle_timeout_(idle_timeout), on_count_(std::move(on_count)) {}

SessionStore::Shard& SessionStore::shard_for(std::string_view id) {
    return shards_[std::hash<std::string_view>{}(id) % kShards];
}

void SessionStore::changed(std::ptrdiff_t delta) {
    const auto now =
        delta >= 0
            ? live_.fetch_add(static_cast<std::size_t>(delta)) + static_cast<std::size_t>(delta)
            : live_.fetch_sub(static_cast<std::size_t>(-delta)) - static_cast<std::size_t>(-delta);
    if (on_count_) {
        on_count_(now);
    }
}

bool SessionStore::full() const {
    return live_.load() >= max_sessions_;
}

bool SessionStore::insert(std::shared_ptr<HttpSession> session) {
    // Reserve the slot first, so concurrent initializes cannot overshoot the cap.
    auto live = live_.load();
    do {
        if (live >= max_sessions_) {
            return false;
        }
    } while (!live_.compare_exchange_weak(live, live + 1));
    auto& shard = shard_for(session->id());
    {
        std::lock_guard lock(shard.mutex);
        shard.sessions.emplace(session->id(), std::move(session));
    }
    if (on_count_) {
        on_count_(live + 1);
    }
    return true;
}

ActiveRequest SessionStore::acquire(std::string_view id) {
    auto& shard = shard_for(id);
    std::shared_ptr<HttpSession> expired;
    {
        std::lock_guard lock(shard.mutex);
        const auto found = shard.sessions.find(std::string(id));
        if (found == shard.sessions.end()) {
            return {};
        }
        if (!found->second->idle_since(std::chrono::steady_clock::now() - idle_timeout_)) {
            // Marked busy under the shard lock, so the reaper cannot take it meanwhile.
            return ActiveRequest(found->second);
        }
        expired = std::move(found->second);
        shard.sessions.erase(found);
    }
    changed(-1);
    expired->mcp()->cancel_all();
    return {};
}

std::shared_ptr<HttpSession> SessionStore::remove(std::string_view id) {
    auto& shard = shard_for(id);
    std::shared_ptr<HttpSession> removed;
    {
        std::lock_guard lock(shard.mutex);
        const auto found = shard.sessions.find(std::string(id));
        if (found == shard.sessions.end()) {
            return nullptr;
        }
        removed = std::move(found->second);
        shard.sessions.erase(found);
    }
    changed(-1);
    return removed;
}

std::vector<std::shared_ptr<HttpSession>> SessionStore::reap(
    std::chrono::steady_clock::time_point now) {
    const auto cutoff = now - idle_timeout_;
    std::vector<std::shared_ptr<HttpSession>> expired;
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (auto it = shard.sessions.begin(); it != shard.sessions.end();) {
            if (it->second->idle_since(cutoff)) {
                expired.push_back(std::move(it->second));
                it = shard.sessions.erase(it);
            } else {
                ++it;
            }
        }
    }
    if (!expired.empty()) {
        changed(-static_cast<std::ptrdiff_t>(expired.size()));
    }
    return expired;
}

std::vector<std::shared_ptr<HttpSession>> SessionStore::snapshot() const {
    std::vector<std::shared_ptr<HttpSession>> all;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (const auto& [_, session] : shard.sessions) {
            all.push_back(session);
        }
    }
    return all;
}

std::vector<std::shared_ptr<HttpSession>> SessionStore::remove_all() {
    std::vector<std::shared_ptr<HttpSession>> all;
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (auto& [_, session] : shard.sessions) {
            all.push_back(std::move(session));
        }
        shard.sessions.clear();
    }
    if (!all.empty()) {
        changed(-static_cast<std::ptrdiff_t>(all.size()));
    }
    return all;
}

}  // namespace cmcp::transport::http
