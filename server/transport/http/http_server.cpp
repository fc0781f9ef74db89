#include "transport/http/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "identity/authenticator.hpp"
#include "transport/http/connection.hpp"
#include "transport/http/metrics.hpp"
#include "transport/http/router.hpp"
#include "transport/http/session_store.hpp"

namespace cmcp::transport::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// How often shutdown checks whether everything has drained.
constexpr std::chrono::milliseconds kDrainPoll{10};
// After cancelling what outlived the grace period: time to write the final (empty) answers.
constexpr std::chrono::seconds kCancelWriteGrace{2};
// The reaper runs a few times per idle timeout, within these bounds.
constexpr std::chrono::milliseconds kMinReapPeriod{250};
constexpr std::chrono::milliseconds kMaxReapPeriod{30'000};
// When accept fails (e.g. out of file descriptors), wait before trying again.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Sent to connections beyond max_connections, before closing them.
constexpr std::string_view kTooManyConnections =
    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
    "Connection: close\r\n\r\n";

unsigned thread_count(unsigned configured) {
    return configured != 0 ? configured : std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace

class HttpServer::Core {
  public:
    Core(const protocol::Services& services, HttpServerOptions options, Metrics& metrics,
         Logger logger);

    unsigned short port() const { return port_; }
    int run();
    void stop();

  private:
    enum class Drain { grace, cancelling };

    void begin_drain();
    void accept();
    void on_accept(boost::system::error_code ec, tcp::socket socket);
    void refuse(tcp::socket socket);
    void schedule_reap();
    void reap();
    void begin_shutdown();
    void drain_check();
    void finish_shutdown();
    void run_loop();

    // Declared first, destroyed last: connections still queued in the io_context refer to
    // everything up to `next_stream_` until the io_context itself is gone.
    const protocol::Services& services_;
    const HttpServerOptions options_;
    Metrics& metrics_;
    Logger logger_;
    SessionStore sessions_;
    ConnectionRegistry connections_;
    std::atomic<std::uint64_t> next_stream_{1};
    Readiness readiness_;
    std::optional<Router> router_;
    std::optional<ConnectionContext> context_;

    net::io_context ioc_;
    net::strand<net::io_context::executor_type> control_;  // acceptor, reaper, shutdown
    tcp::acceptor acceptor_;
    net::steady_timer reap_timer_;
    net::steady_timer drain_timer_;
    net::steady_timer drain_period_timer_;
    net::steady_timer accept_retry_timer_;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
    unsigned short port_ = 0;

    std::atomic<bool> stopping_{false};  // no longer accepting
    std::atomic<int> stop_requests_{0};
    std::atomic<bool> ran_{false};
    Drain drain_ = Drain::grace;
    std::chrono::steady_clock::time_point drain_deadline_;
};

HttpServer::Core::Core(const protocol::Services& services, HttpServerOptions options,
                       Metrics& metrics, Logger logger)
    : services_(services),
      options_(std::move(options)),
      metrics_(metrics),
      logger_(std::move(logger)),
      sessions_(options_.max_sessions, options_.session_idle_timeout,
                [&metrics](std::size_t live) { metrics.set_live_sessions(live); }),
      ioc_(static_cast<int>(thread_count(options_.io_threads))),
      control_(net::make_strand(ioc_)),
      acceptor_(control_),
      reap_timer_(control_),
      drain_timer_(control_),
      drain_period_timer_(control_),
      accept_retry_timer_(control_) {
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    boost::system::error_code ec;
    tcp::resolver resolver(ioc_);
    const auto endpoints =
        resolver.resolve(options_.host, std::to_string(options_.port), tcp::resolver::passive, ec);
    if (ec || endpoints.empty()) {
        throw std::runtime_error("cannot listen on " + where + ": cannot resolve the host (" +
                                 ec.message() + ")");
    }
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    if (acceptor_.open(endpoint.protocol(), ec);
        !ec && (acceptor_.set_option(net::socket_base::reuse_address(true), ec), !ec) &&
        (acceptor_.bind(endpoint, ec), !ec)) {
        acceptor_.listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    identity::AuthenticatorOptions auth;
    auth.static_tokens = options_.auth_tokens;
    auth.principals = options_.principals;
    auth.issuer = options_.oauth_issuer;
    if (auth.issuer) {
        auth.token_policy.issuer = auth.issuer->issuer();
        auth.token_policy.audience =
            options_.oauth_resource.empty()
                ? "http://" +
                      (options_.host.find(':') != std::string::npos ? "[" + options_.host + "]"
                                                                    : options_.host) +
                      ":" + std::to_string(port_) + "/mcp"
                : options_.oauth_resource;
    }
    auto authenticator = std::make_shared<const identity::Authenticator>(std::move(auth));
    const char* const auth_mode = options_.oauth_issuer      ? "OAuth access tokens required"
                                  : options_.principals      ? "principals' bearer tokens required"
                                  : authenticator->enabled() ? "bearer token required"
                                                             : "no authentication";
    router_.emplace(
        services_, options_,
        OriginPolicy(options_.host, port_, options_.allowed_hosts, options_.allowed_origins),
        authenticator, sessions_, metrics_, readiness_, logger_);
    context_.emplace(ConnectionContext{*router_, metrics_, logger_, options_, connections_,
                                       next_stream_, readiness_});
    metrics_.set_live_sessions(0);
    if (options_.rest) {
        logger_->info("REST listening on http://{}:{}/v1 (document: /v1/openapi.json, {})",
                      options_.host, port_, auth_mode);
    } else {
        logger_->info("listening on http://{}:{}/mcp ({}, {})", options_.host, port_,
                      options_.stateless ? "stateless" : "sessions", auth_mode);
    }
}

int HttpServer::Core::run() {
    if (ran_.exchange(true)) {
        throw std::logic_error("HttpServer::run called twice");
    }
    work_.emplace(ioc_.get_executor());
    net::post(control_, [this] {
        if (!stopping_) {
            accept();
            schedule_reap();
        }
    });
    std::vector<std::jthread> pool;
    for (unsigned i = 1; i < thread_count(options_.io_threads); ++i) {
        pool.emplace_back([this] { run_loop(); });
    }
    run_loop();
    pool.clear();  // joins
    // Workers may still finish cancelled calls later; they must not reach connections whose
    // io_context is about to go away.
    for (const auto& connection : connections_.snapshot()) {
        connection->detach_exchange();
    }
    logger_->info("HTTP server stopped");
    return 0;
}

void HttpServer::Core::run_loop() {
    for (;;) {
        try {
            ioc_.run();
            return;
        } catch (const std::exception& error) {
            // A handler threw (a bug, or memory exhaustion): log it and keep serving the rest.
            logger_->error("unexpected error in the HTTP server: {}", error.what());
        }
    }
}

void HttpServer::Core::stop() {
    const int request = stop_requests_.fetch_add(1);
    if (request == 0 && options_.drain_period.count() > 0) {
        net::post(control_, [this] { begin_drain(); });
        return;
    }
    if (stopping_.exchange(true)) {
        return;
    }
    net::post(control_, [this] { begin_shutdown(); });
}

void HttpServer::Core::begin_drain() {
    readiness_.start_draining();
    logger_->info(
        "draining for {} s: /readyz answers 503 and responses close their connections while "
        "requests are still served; then the server stops accepting (signal again to stop now)",
        options_.drain_period.count());
    drain_period_timer_.expires_after(options_.drain_period);
    drain_period_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && !stopping_.exchange(true)) {
            begin_shutdown();
        }
    });
}

void HttpServer::Core::accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           [this](boost::system::error_code ec, tcp::socket socket) {
                               on_accept(ec, std::move(socket));
                           });
}

void HttpServer::Core::on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (stopping_ || !acceptor_.is_open()) {
        return;
    }
    if (ec) {
        logger_->warn("accepting a connection failed: {}", ec.message());
        accept_retry_timer_.expires_after(kAcceptRetryDelay);
        accept_retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
            if (!wait_ec && !stopping_) {
                accept();
            }
        });
        return;
    }
    // SSE answers are several small writes; Nagle plus the peer's delayed ACK would hold each
    // one back ~40 ms. Failure only costs latency, so it is not an error.
    boost::system::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    if (connections_.size() >= options_.max_connections) {
        refuse(std::move(socket));
    } else {
        std::make_shared<Connection>(std::move(socket), *context_)->start();
    }
    accept();
}

void HttpServer::Core::refuse(tcp::socket socket) {
    logger_->warn("refused a connection: {} connections open", options_.max_connections);
    auto held = std::make_shared<tcp::socket>(std::move(socket));
    net::async_write(*held, net::buffer(kTooManyConnections),
                     [held](boost::system::error_code, std::size_t) {
                         boost::system::error_code ignored;
                         held->shutdown(tcp::socket::shutdown_both, ignored);
                         held->close(ignored);
                     });
}

void HttpServer::Core::schedule_reap() {
    const auto period = std::clamp<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.session_idle_timeout) / 4,
        kMinReapPeriod, kMaxReapPeriod);
    reap_timer_.expires_after(period);
    reap_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_) {
            return;
        }
        reap();
        schedule_reap();
    });
}

void HttpServer::Core::reap() {
    const auto expired = sessions_.reap(std::chrono::steady_clock::now());
    for (const auto& session : expired) {
        session->mcp()->cancel_all();
        logger_->info("session {} expired after {} s idle", session->id().substr(0, 8),
                      options_.session_idle_timeout.count());
    }
}

void HttpServer::Core::begin_shutdown() {
    logger_->info("stopping: {} connection(s) open; calls in flight may finish within {} s",
                  connections_.size(), options_.shutdown_grace.count());
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    readiness_.start_draining();
    drain_period_timer_.cancel();
    reap_timer_.cancel();
    accept_retry_timer_.cancel();
    for (const auto& connection : connections_.snapshot()) {
        connection->stop_when_idle();
    }
    drain_ = Drain::grace;
    drain_deadline_ = std::chrono::steady_clock::now() + options_.shutdown_grace;
    drain_check();
}

void HttpServer::Core::drain_check() {
    const auto sessions = sessions_.snapshot();
    const bool calls_running =
        std::any_of(sessions.begin(), sessions.end(),
                    [](const auto& session) { return session->mcp()->calls_in_flight() > 0; });
    if (connections_.size() == 0 && !calls_running) {
        finish_shutdown();
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= drain_deadline_) {
        if (drain_ == Drain::grace) {
            logger_->warn("shutdown grace period over: cancelling what is still running");
            for (const auto& session : sessions) {
                session->mcp()->cancel_all(protocol::CancelReason::server_shutdown);
            }
            for (const auto& connection : connections_.snapshot()) {
                connection->cancel_calls();
            }
            drain_ = Drain::cancelling;
            drain_deadline_ = now + kCancelWriteGrace;
        } else {
            logger_->warn("closing {} connection(s) that did not finish", connections_.size());
            for (const auto& connection : connections_.snapshot()) {
                connection->force_close();
            }
            finish_shutdown();
            return;
        }
    }
    drain_timer_.expires_after(kDrainPoll);
    drain_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) {
            drain_check();
        }
    });
}

void HttpServer::Core::finish_shutdown() {
    for (const auto& session : sessions_.remove_all()) {
        session->mcp()->cancel_all();
    }
    work_.reset();
    ioc_.stop();
}

HttpServer::HttpServer(const protocol::Services& services, HttpServerOptions options,
                       Metrics& metrics, Logger logger)
    : core_(std::make_unique<Core>(services, std::move(options), metrics, std::move(logger))) {}

HttpServer::~HttpServer() = default;

unsigned short HttpServer::port() const {
    return core_->port();
}

int HttpServer::run() {
    return core_->run();
}

void HttpServer::stop() {
    core_->stop();
}

}  // namespace cmcp::transport::http
