#include "upstream/connection_pool.hpp"

#include <httplib.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <utility>

namespace cmcp::upstream {

ConnectionPool::Lease::Lease(ConnectionPool& pool, std::unique_ptr<httplib::ClientImpl> client)
    : pool_(&pool), client_(std::move(client)) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), client_(std::move(other.client_)), discarded_(other.discarded_) {}

ConnectionPool::Lease::~Lease() {
    if (client_ && !discarded_) {
        pool_->give_back(std::move(client_));
    }
}

ConnectionPool::ConnectionPool(ConnectionSettings settings) : settings_(std::move(settings)) {}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease ConnectionPool::acquire() {
    std::vector<Idle> expired;
    std::unique_ptr<httplib::ClientImpl> client;
    {
        std::lock_guard lock(mutex_);
        const auto oldest_usable = std::chrono::steady_clock::now() - kMaxIdleAge;
        const auto fresh = std::partition(idle_.begin(), idle_.end(), [&](const Idle& idle) {
            return idle.since < oldest_usable;
        });
        std::move(idle_.begin(), fresh, std::back_inserter(expired));
        idle_.erase(idle_.begin(), fresh);
        if (!idle_.empty()) {
            client = std::move(idle_.back().client);
            idle_.pop_back();
        }
    }
    // `expired` closes its connections here, outside the lock.
    return Lease(*this, client ? std::move(client) : make_client());
}

std::size_t ConnectionPool::idle_count() const {
    std::lock_guard lock(mutex_);
    return idle_.size();
}

void ConnectionPool::give_back(std::unique_ptr<httplib::ClientImpl> client) {
    std::unique_ptr<httplib::ClientImpl> surplus;
    {
        std::lock_guard lock(mutex_);
        if (idle_.size() < settings_.max_idle) {
            idle_.push_back({std::move(client), std::chrono::steady_clock::now()});
        } else {
            surplus = std::move(client);
        }
    }
}

std::unique_ptr<httplib::ClientImpl> ConnectionPool::make_client() const {
    const auto& origin = settings_.origin;
    std::unique_ptr<httplib::ClientImpl> client;
    if (origin.https) {
        auto tls = std::make_unique<httplib::SSLClient>(origin.host, origin.port);
        if (SSL_CTX* context = tls->ssl_context(); context != nullptr) {
            SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
        }
        tls->enable_server_certificate_verification(true);
        if (!settings_.ca_bundle_path.empty()) {
            tls->set_ca_cert_path(settings_.ca_bundle_path);
        }
        client = std::move(tls);
    } else {
        client = std::make_unique<httplib::ClientImpl>(origin.host, origin.port);
    }
    client->set_connection_timeout(settings_.connect_timeout);
    client->set_read_timeout(settings_.read_timeout);
    client->set_write_timeout(settings_.write_timeout);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_follow_location(false);
    // Request::target() is already percent-encoded; encoding it again would double the '%'.
    client->set_url_encode(false);
    return client;
}

}  // namespace cmcp::upstream
