#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "identity/digest.hpp"
#include "protocol/session.hpp"

namespace cmcp::transport::http {

// What a session is bound to: the digest of its opener's identity (a static token, a principal,
// an OAuth subject); see identity::Caller::owner.
using Credential = identity::Digest;
inline bool same_credential(const Credential& a, const Credential& b) {
    return identity::same_digest(a, b);
}

// One Streamable HTTP session: its MCP session, the credential that opened it, and what idle
// expiry and eviction need.
class HttpSession {
  public:
    // `owner`: the bearer credential that opened the session; none when no tokens are set.
    HttpSession(std::string id, std::shared_ptr<protocol::Session> session,
                std::optional<Credential> owner = std::nullopt);

    const std::string& id() const { return id_; }
    const std::shared_ptr<protocol::Session>& mcp() const { return session_; }

    // True when a request presenting `credential` may use the session: it is the one that
    // opened it, or the session was opened without one.
    bool usable_with(const std::optional<Credential>& credential) const;
    // True when `owner` opened it: the same credential, or none on both sides.
    bool owned_by(const std::optional<Credential>& owner) const;
    // True while a request is open on it or a tool call runs.
    bool busy() const;
    std::chrono::steady_clock::time_point last_active() const;
    // True when no request is open, no tool call runs, and nothing happened since `cutoff`.
    bool idle_since(std::chrono::steady_clock::time_point cutoff) const;

  private:
    friend class ActiveRequest;
    void touch();

    const std::string id_;
    const std::shared_ptr<protocol::Session> session_;
    const std::optional<Credential> owner_;
    std::atomic<std::int64_t> last_active_;  // steady_clock ticks
    std::atomic<int> open_requests_{0};
};

// Marks a session busy for as long as an HTTP request on it is being answered.
class ActiveRequest {
  public:
    ActiveRequest() = default;
    explicit ActiveRequest(std::shared_ptr<HttpSession> session);
    ActiveRequest(ActiveRequest&& other) noexcept;
    ActiveRequest& operator=(ActiveRequest&& other) noexcept;
    ActiveRequest(const ActiveRequest&) = delete;
    ActiveRequest& operator=(const ActiveRequest&) = delete;
    ~ActiveRequest();

    const std::shared_ptr<HttpSession>& session() const { return session_; }

  private:
    void release();
    std::shared_ptr<HttpSession> session_;
};

// Live sessions by id, in shards so that requests of different sessions do not wait on one
// lock; each critical section is a map operation.
class SessionStore {
  public:
    using CountObserver = std::function<void(std::size_t live)>;

    SessionStore(std::size_t max_sessions, std::chrono::steady_clock::duration idle_timeout,
                 CountObserver on_count);

    bool full() const;
    // True when a new session of `owner` could be stored: below the cap, or one of its own
    // sessions is not busy and could be evicted. Scans the shards only at the cap.
    bool has_room(const std::optional<Credential>& owner = std::nullopt) const;
    std::size_t size() const { return live_.load(); }
    // False when max_sessions are already live (the session is then not stored).
    bool insert(std::shared_ptr<HttpSession> session);
    // The session, marked busy; an empty ActiveRequest when the id is unknown or expired
    // (expired sessions are removed on the way), or when the session belongs to another
    // credential than `credential`: to the caller, another client's session does not exist.
    ActiveRequest acquire(std::string_view id,
                          const std::optional<Credential>& credential = std::nullopt);
    // Removes and returns the session (null when unknown, or another credential's); the caller
    // ends its calls.
    std::shared_ptr<HttpSession> remove(std::string_view id,
                                        const std::optional<Credential>& credential = std::nullopt);
    // Removes and returns the least recently used session of `owner` that is not busy, to make
    // room at the cap for another of its sessions; null when each of them is busy (or it has
    // none): one credential's clients never log another's out. The caller ends its calls.
    // Scans every shard, which is fine since this only happens at the cap.
    std::shared_ptr<HttpSession> evict_least_recent(
        const std::optional<Credential>& owner = std::nullopt);
    // Removes the sessions idle for longer than the timeout and returns them.
    std::vector<std::shared_ptr<HttpSession>> reap(std::chrono::steady_clock::time_point now);
    std::vector<std::shared_ptr<HttpSession>> snapshot() const;
    std::vector<std::shared_ptr<HttpSession>> remove_all();

  private:
    static constexpr std::size_t kShards = 16;
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, std::shared_ptr<HttpSession>> sessions;
    };

    Shard& shard_for(std::string_view id);
    void changed(std::ptrdiff_t delta);

    const std::size_t max_sessions_;
    const std::chrono::steady_clock::duration idle_timeout_;
    const CountObserver on_count_;
    std::atomic<std::size_t> live_{0};
    std::array<Shard, kShards> shards_;
};

}  // namespace cmcp::transport::http
