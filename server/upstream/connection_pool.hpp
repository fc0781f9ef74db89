#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "upstream/base_url.hpp"

namespace httplib {
class ClientImpl;
}

namespace cmcp::upstream {

struct ConnectionSettings {
    BaseUrl origin;
    std::chrono::milliseconds connect_timeout{5000};  // also bounds the TLS handshake
    std::chrono::milliseconds read_timeout{30000};
    std::chrono::milliseconds write_timeout{30000};
    std::string ca_bundle_path;  // "" = OpenSSL's default store
    std::size_t max_idle = 8;
};

// Keep-alive connections to one origin. A client serves one request at a time: callers lease
// one (an idle one if there is any, else a new one) and hand it back when done. Thread-safe.
class ConnectionPool {
  public:
    // A connection idle for longer than this has probably been dropped by a load balancer or
    // NAT on the way; reconnecting is cheaper than waiting for a read timeout to find out.
    static constexpr std::chrono::seconds kMaxIdleAge{30};

    class Lease {
      public:
        Lease(Lease&& other) noexcept;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();  // returns the client to the pool unless discarded

        httplib::ClientImpl& client() const { return *client_; }
        // After an error the connection's state is unknown; close it rather than reuse it.
        void discard() { discarded_ = true; }

      private:
        friend class ConnectionPool;
        Lease(ConnectionPool& pool, std::unique_ptr<httplib::ClientImpl> client);

        ConnectionPool* pool_;
        std::unique_ptr<httplib::ClientImpl> client_;
        bool discarded_ = false;
    };

    explicit ConnectionPool(ConnectionSettings settings);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    Lease acquire();
    std::size_t idle_count() const;
    const ConnectionSettings& settings() const { return settings_; }

  private:
    struct Idle {
        std::unique_ptr<httplib::ClientImpl> client;
        std::chrono::steady_clock::time_point since;
    };

    std::unique_ptr<httplib::ClientImpl> make_client() const;
    void give_back(std::unique_ptr<httplib::ClientImpl> client);

    ConnectionSettings settings_;
    mutable std::mutex mutex_;
    std::vector<Idle> idle_;  // most recently used last
};

}  // namespace cmcp::upstream
