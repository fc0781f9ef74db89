#include "transport/http/session_store.hpp"

namespace cmcp::transport::http {

namespace {

// The session picked by an eviction scan may become busy before it is taken; look again this
// many times before answering that every session is busy.
constexpr int kEvictAttempts = 3;

std::int64_t ticks(std::chrono::steady_clock::time_point time) {
    return time.time_since_epoch().count();
}

}  // namespace

HttpSession::HttpSession(std::string id, std::shared_ptr<protocol::Session> session,
                         std::optional<Credential> owner)
    : id_(std::move(id)),
      session_(std::move(session)),
      owner_(owner),
      last_active_(ticks(std::chrono::steady_clock::now())) {}

bool HttpSession::usable_with(const std::optional<Credential>& credential) const {
    if (!owner_) {
        return true;
    }
    return credential && same_credential(*owner_, *credential);
}

bool HttpSession::owned_by(const std::optional<Credential>& owner) const {
    if (!owner_ || !owner) {
        return !owner_ && !owner;
    }
    return same_credential(*owner_, *owner);
}

bool HttpSession::busy() const {
    return open_requests_.load() != 0 || session_->calls_in_flight() != 0;
}

std::chrono::steady_clock::time_point HttpSession::last_active() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(last_active_.load()));
}

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

bool SessionStore::has_room(const std::optional<Credential>& owner) const {
    if (!full()) {
        return true;
    }
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (const auto& [_, session] : shard.sessions) {
            if (!session->busy() && session->owned_by(owner)) {
                return true;
            }
        }
    }
    return false;
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

ActiveRequest SessionStore::acquire(std::string_view id,
                                    const std::optional<Credential>& credential) {
    auto& shard = shard_for(id);
    std::shared_ptr<HttpSession> expired;
    {
        std::lock_guard lock(shard.mutex);
        const auto found = shard.sessions.find(std::string(id));
        // Another credential's session is not even touched: its idle time runs on.
        if (found == shard.sessions.end() || !found->second->usable_with(credential)) {
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

std::shared_ptr<HttpSession> SessionStore::remove(std::string_view id,
                                                  const std::optional<Credential>& credential) {
    auto& shard = shard_for(id);
    std::shared_ptr<HttpSession> removed;
    {
        std::lock_guard lock(shard.mutex);
        const auto found = shard.sessions.find(std::string(id));
        if (found == shard.sessions.end() || !found->second->usable_with(credential)) {
            return nullptr;
        }
        removed = std::move(found->second);
        shard.sessions.erase(found);
    }
    changed(-1);
    return removed;
}

std::shared_ptr<HttpSession> SessionStore::evict_least_recent(
    const std::optional<Credential>& owner) {
    for (int attempt = 0; attempt < kEvictAttempts; ++attempt) {
        std::shared_ptr<HttpSession> oldest;
        auto oldest_active = std::chrono::steady_clock::time_point::max();
        for (auto& shard : shards_) {
            std::lock_guard lock(shard.mutex);
            for (const auto& [_, session] : shard.sessions) {
                const auto active = session->last_active();
                if (active < oldest_active && !session->busy() && session->owned_by(owner)) {
                    oldest = session;
                    oldest_active = active;
                }
            }
        }
        if (!oldest) {
            return nullptr;
        }
        auto& shard = shard_for(oldest->id());
        {
            std::lock_guard lock(shard.mutex);
            // A request may have acquired it (or a DELETE removed it) since the scan; under
            // the shard lock no request can start on it while it is taken.
            const auto found = shard.sessions.find(oldest->id());
            if (found == shard.sessions.end() || found->second != oldest || oldest->busy()) {
                continue;
            }
            shard.sessions.erase(found);
        }
        changed(-1);
        return oldest;
    }
    return nullptr;
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
