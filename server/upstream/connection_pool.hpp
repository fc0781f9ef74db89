#pragma once

#include <boost/asio/execution_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "upstream/upstream_connection.hpp"

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

        UpstreamConnection* connection() const { return connection_.get(); }
        // Whether the connection came from the pool (it may have closed under the request).
        bool pooled() const { return pooled_; }
        void set(std::unique_ptr<UpstreamConnection> connection) {
            connection_ = std::move(connection);
            pooled_ = false;
        }
        // After a failure or a cancellation the connection's state is unknown; close it.
        void discard() { connection_.reset(); }

      private:
        friend class ConnectionPool;
        Lease(ConnectionPool& pool, std::unique_ptr<UpstreamConnection> connection)
            : pool_(&pool), connection_(std::move(connection)), pooled_(connection_ != nullptr) {}

        ConnectionPool* pool_;
        std::unique_ptr<UpstreamConnection> connection_;
        bool pooled_;
    };

    explicit ConnectionPool(std::size_t max_idle) : max_idle_(max_idle) {}
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    Lease acquire();
    std::size_t idle_count() const;

  private:
    struct Idle {
        std::unique_ptr<UpstreamConnection> connection;
        std::chrono::steady_clock::time_point since;
    };

    void give_back(std::unique_ptr<UpstreamConnection> connection);

    std::size_t max_idle_;
    mutable std::mutex mutex_;
    std::vector<Idle> idle_;  // most recently used last
};

// Every ConnectionPool of one io_context, as a service of that io_context: a connection's
// sockets and timers belong to the io_context it was opened on, so they must neither move to
// another one nor outlive it. The io_context shuts this service down (closing every idle
// connection) before the services those sockets use. Keyed by origin (which includes how TLS
// was verified). Thread-safe.
class ConnectionPools final : public boost::asio::execution_context::service {
  public:
    static inline boost::asio::execution_context::id id;

    explicit ConnectionPools(boost::asio::execution_context& context);
    ConnectionPool& pool(const std::string& origin, std::size_t max_idle);
    // Idle connections held for the origin; 0 when there is no such pool.
    std::size_t idle_count(const std::string& origin) const;

  private:
    void shutdown() override;

    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<ConnectionPool>, std::less<>> pools_;
};

}  // namespace cmcp::upstream
