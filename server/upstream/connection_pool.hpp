#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "support/spin_budget.hpp"
#include "upstream/http_connection.hpp"

namespace cmcp::upstream {

// Idle keep-alive connections to one origin. Callers lease one (an idle one if any is still
// open, else none: the caller connects) and the lease hands it back if it is still reusable.
// Thread-safe.
class ConnectionPool {
  public:
    // A connection idle for longer than this has probably been dropped by a load balancer or
    // NAT on the way; reconnecting is cheaper than waiting for a read timeout to find out.
    static constexpr std::chrono::seconds kMaxIdleAge{30};

    class Lease {
      public:
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();  // returns a reusable connection to the pool

        HttpConnection* connection() const { return connection_.get(); }
        void set(std::unique_ptr<HttpConnection> connection) {
            connection_ = std::move(connection);
        }
        // After an abort the connection's state is unknown; close it rather than reuse it.
        void discard() { connection_.reset(); }

      private:
        friend class ConnectionPool;
        Lease(ConnectionPool& pool, std::unique_ptr<HttpConnection> connection)
            : pool_(&pool), connection_(std::move(connection)) {}

        ConnectionPool* pool_;
        std::unique_ptr<HttpConnection> connection_;
    };

    explicit ConnectionPool(std::size_t max_idle) : max_idle_(max_idle) {}
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    Lease acquire();
    std::size_t idle_count() const;
    // How long this origin takes to answer, to decide whether waiting for it may spin.
    WaitPredictor& answer_wait() { return answer_wait_; }

  private:
    struct Idle {
        std::unique_ptr<HttpConnection> connection;
        std::chrono::steady_clock::time_point since;
    };

    void give_back(std::unique_ptr<HttpConnection> connection);

    std::size_t max_idle_;
    mutable std::mutex mutex_;
    std::vector<Idle> idle_;  // most recently used last
    WaitPredictor answer_wait_;
};

}  // namespace cmcp::upstream
