// Issue 17: upstream calls against a hostile upstream, through the real binary with a single I/O
// thread. Each trick (a body or head dripped a byte at a time, an endless run of 1xx answers, a
// peer that never answers, a TLS peer that cuts the body without close_notify, a name that
// never resolves, a cancellation mid-exchange) must end within its deadline with a clear
// isError, while calls to a healthy upstream on other connections keep being answered: nothing
// blocks the thread they all share.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "hardening_support.hpp"
#include "testing/loopback_listener.hpp"
#include "testing/tls_fixture.hpp"

namespace cmcp::hardening {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// One accepted connection of a HostilePeer, plain or TLS.
class Channel {
  public:
    Channel(int fd, SSL* tls, const std::atomic<bool>& stopping)
        : fd_(fd), tls_(tls), stopping_(stopping) {}

    bool send(std::string_view bytes) {
        if (tls_ != nullptr) {
            return SSL_write(tls_, bytes.data(), static_cast<int>(bytes.size())) > 0;
        }
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    // The request's head (and no more): enough for every script here.
    std::string read_request() {
        std::string data;
        char chunk[4096];
        while (data.find("\r\n\r\n") == std::string::npos) {
            const int got = tls_ != nullptr
                                ? SSL_read(tls_, chunk, sizeof(chunk))
                                : static_cast<int>(::recv(fd_, chunk, sizeof(chunk), 0));
            if (got <= 0) {
                return "";
            }
            data.append(chunk, static_cast<std::size_t>(got));
        }
        return data;
    }
    // Sleeps, unless the peer is being torn down; false then.
    bool pause(milliseconds duration) {
        const auto until = std::chrono::steady_clock::now() + duration;
        while (std::chrono::steady_clock::now() < until) {
            if (stopping_) {
                return false;
            }
            std::this_thread::sleep_for(5ms);
        }
        return !stopping_;
    }
    // True when the client closed its side within the timeout.
    bool client_closed_within(milliseconds timeout) {
        pollfd watch{fd_, POLLIN, 0};
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until && !stopping_) {
            if (::poll(&watch, 1, 20) > 0) {
                char byte = 0;
                return ::recv(fd_, &byte, 1, MSG_PEEK) <= 0;
            }
        }
        return false;
    }

  private:
    int fd_;
    SSL* tls_;
    const std::atomic<bool>& stopping_;
};

// A scripted upstream on 127.0.0.1: each connection is served on a thread of its own, by the
// script; with a certificate, over TLS (the connection is simply closed afterwards: no
// close_notify).
class HostilePeer {
  public:
    using Script = std::function<void(Channel&)>;

    explicit HostilePeer(Script script, const testing::SelfSignedCertificate* certificate = nullptr)
        : script_(std::move(script)) {
        if (certificate != nullptr) {
            tls_.reset(SSL_CTX_new(TLS_server_method()));
            SSL_CTX_use_certificate(tls_.get(), certificate->certificate());
            SSL_CTX_use_PrivateKey(tls_.get(), certificate->key());
        }
        const auto listener = testing::listen_on_loopback(16);
        listener_ = listener.fd;
        port_ = listener.port;
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~HostilePeer() {
        stopping_ = true;
        acceptor_.join();
        {
            std::lock_guard lock(mutex_);
            for (const int fd : open_) {
                ::shutdown(fd, SHUT_RDWR);
            }
        }
        for (auto& thread : served_) {
            thread.join();
        }
        ::close(listener_);
    }
    HostilePeer(const HostilePeer&) = delete;
    HostilePeer& operator=(const HostilePeer&) = delete;

    std::string base_url() const {
        return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
    }

  private:
    struct FreeContext {
        void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
    };

    void accept_loop() {
        for (int fd; (fd = testing::accept_next(listener_, stopping_)) >= 0;) {
            std::lock_guard lock(mutex_);
            open_.push_back(fd);
            served_.emplace_back([this, fd] { serve(fd); });
        }
    }
    void serve(int fd) {
        SSL* tls = nullptr;
        if (tls_) {
            tls = SSL_new(tls_.get());
            SSL_set_fd(tls, fd);
            if (SSL_accept(tls) != 1) {
                SSL_free(tls);
                ERR_clear_error();
                return;
            }
        }
        Channel channel(fd, tls, stopping_);
        script_(channel);
        if (tls != nullptr) {
            SSL_free(tls);  // without SSL_shutdown: no close_notify
        }
        ::shutdown(fd, SHUT_RDWR);
    }

    Script script_;
    std::unique_ptr<SSL_CTX, FreeContext> tls_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<int> open_;
    std::vector<std::thread> served_;
};

constexpr std::string_view kTokenId = "6c817983-ed16-424d-947b-c7e29fb0e8e0";

// The binary with one I/O thread, Scaleway at `scaleway_url` and PlanetScale at a healthy
// sandbox, and tight limits: connect 500 ms, a whole response 1000 ms, a whole call 2500 ms.
class Stage {
  public:
    explicit Stage(const std::string& scaleway_url, std::vector<std::string> extra_env = {})
        : canaries_(make_canaries()), sandbox_(make_sandbox(canaries_, false)) {
        auto env = upstream_env(canaries_, sandbox_->base_url(), sandbox_->demo());
        for (auto& entry : env) {
            if (entry.starts_with("SCALEWAY_API_URL=")) {
                entry = "SCALEWAY_API_URL=" + scaleway_url;
            }
        }
        for (auto& entry : extra_env) {
            if (const auto at = entry.find("{sandbox port}"); at != std::string::npos) {
                entry.replace(at, 14, std::to_string(sandbox_->port()));
            }
            const auto name = entry.substr(0, entry.find('=') + 1);
            std::erase_if(env, [&name](const std::string& old) { return old.starts_with(name); });
            env.push_back(entry);
        }
        server_ = std::make_unique<ServerProcess>(
            std::vector<std::string>{"--io-threads", "1", "--connect-timeout-ms", "500",
                                     "--read-timeout-ms", "1000", "--call-timeout-ms", "2500",
                                     "--max-attempts", "1"},
            env);
    }
    ServerProcess& server() { return *server_; }

    // Calls get-token (Scaleway: the hostile side) while a healthy client calls PlanetScale over
    // and over; returns the hostile call's answer and how long it took, and checks the healthy
    // calls.
    std::pair<HttpAnswer, milliseconds> hostile_call(const std::string& session = "") {
        std::atomic<bool> done{false};
        std::atomic<int> healthy{0};
        std::atomic<long> slowest{0};
        std::string healthy_failure;
        std::thread bystander([&] {
            McpClient client(server_->port());
            const std::string own = client.initialize();
            long long id = 100;
            while (!done) {
                const auto started = std::chrono::steady_clock::now();
                const auto answer = client.call(id++, "list-service-tokens", "{}", own);
                const auto took = std::chrono::duration_cast<milliseconds>(
                    std::chrono::steady_clock::now() - started);
                const auto result = tool_result(answer);
                if (!result || is_error_result(*result)) {
                    healthy_failure = answer.error + answer.body.substr(0, 200);
                    return;
                }
                ++healthy;
                slowest = std::max<long>(slowest, took.count());
                std::this_thread::sleep_for(20ms);
            }
        });
        McpClient client(server_->port());
        const std::string own = session.empty() ? client.initialize() : session;
        const auto started = std::chrono::steady_clock::now();
        auto answer =
            client.call(1, "get-token", R"({"token_id":")" + std::string(kTokenId) + R"("})", own);
        const auto took =
            std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
        done = true;
        bystander.join();
        EXPECT_TRUE(healthy_failure.empty()) << healthy_failure;
        EXPECT_GE(healthy.load(), took >= 500ms ? 3 : 0) << "healthy calls went on meanwhile";
        EXPECT_LT(slowest.load(), 500) << "a healthy call waited behind the hostile one";
        return {answer, took};
    }

  private:
    Canaries canaries_;
    std::unique_ptr<sandbox::Sandbox> sandbox_;
    std::unique_ptr<ServerProcess> server_;
};

void expect_clear_error(const HttpAnswer& answer, std::string_view text) {
    const auto result = tool_result(answer);
    ASSERT_TRUE(result) << answer.status << " " << answer.error << " " << answer.body;
    EXPECT_TRUE(is_error_result(*result)) << result_text(*result);
    EXPECT_NE(result_text(*result).find(text), std::string::npos) << result_text(*result);
}

constexpr std::string_view kHeadWithLength =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";

// Answers with `opening`, then one more byte every 100 ms for as long as the client listens:
// each read completes quickly, only the whole response is slow.
void expect_drip_cut_at_read_timeout(std::string_view opening) {
    HostilePeer peer([opening](Channel& channel) {
        if (channel.read_request().empty() || !channel.send(opening)) {
            return;
        }
        while (channel.pause(100ms) && channel.send("x")) {
        }
    });
    Stage stage(peer.base_url());
    const auto [answer, took] = stage.hostile_call();
    expect_clear_error(answer, "read timeout of 1000 ms");
    EXPECT_LT(took, 2000ms);
}

TEST(HostileUpstream, ABodyDrippedAByteAtATimeEndsAtTheReadTimeout) {
    expect_drip_cut_at_read_timeout(kHeadWithLength);
}

TEST(HostileUpstream, AHeadDrippedAByteAtATimeEndsAtTheReadTimeout) {
    expect_drip_cut_at_read_timeout("HTTP/1.1 200 OK\r\nX-Drip: ");
}

TEST(HostileUpstream, AnEndlessRunOfInterimAnswersIsCutShort) {
    HostilePeer peer([](Channel& channel) {
        if (channel.read_request().empty()) {
            return;
        }
        while (channel.send("HTTP/1.1 100 Continue\r\n\r\n") && channel.pause(50ms)) {
        }
    });
    Stage stage(peer.base_url());
    const auto [answer, took] = stage.hostile_call();
    expect_clear_error(answer, "interim (1xx) answers");
    EXPECT_LT(took, 2000ms);
}

TEST(HostileUpstream, APeerThatNeverAnswersEndsAtTheReadTimeout) {
    HostilePeer peer([](Channel& channel) {
        channel.read_request();
        channel.pause(60s);
    });
    Stage stage(peer.base_url());
    const auto [answer, took] = stage.hostile_call();
    expect_clear_error(answer, "read timeout of 1000 ms");
    EXPECT_LT(took, 2000ms);
}

TEST(HostileUpstream, ATlsPeerThatCutsTheBodyWithoutCloseNotifyIsAnError) {
    const testing::SelfSignedCertificate certificate("127.0.0.1", {"IP:127.0.0.1"});
    const testing::TempFile trusted(certificate.pem());
    for (const std::string_view head :
         {std::string_view("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                           "Content-Length: 100\r\n\r\n"),
          // No length: only a close_notify could mark the end.
          std::string_view("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                           "Connection: close\r\n\r\n")}) {
        HostilePeer peer(
            [head](Channel& channel) {
                if (!channel.read_request().empty()) {
                    channel.send(std::string(head) + R"({"id":"6c817983-ed16-4)");
                }
            },
            &certificate);
        Stage stage(peer.base_url(), {"SSL_CERT_FILE=" + trusted.path()});
        const auto [answer, took] = stage.hostile_call();
        expect_clear_error(answer, "was closed before a complete response arrived");
        EXPECT_LT(took, 2000ms);
    }
}

TEST(HostileUpstream, ANameThatNeverResolvesEndsAtTheConnectTimeout) {
    // The healthy calls need a lookup too ("localhost"): lookups must not queue behind the
    // stuck one.
    Stage stage("http://api.hang.invalid:9",
                {"PLANETSCALE_API_URL=http://localhost:{sandbox port}",
                 "LD_PRELOAD=" + std::string(CMCP_HANGING_RESOLVER),
                 // The preloaded library comes before the sanitizer's runtime in that build.
                 "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0"});
    const auto [answer, took] = stage.hostile_call();
    expect_clear_error(answer, "resolving api.hang.invalid took too long");
    EXPECT_LT(took, 1500ms);
    // And again: the first lookup is still stuck in the resolver, and must not block this one.
    const auto [again, again_took] = stage.hostile_call();
    expect_clear_error(again, "resolving api.hang.invalid took too long");
    EXPECT_LT(again_took, 1500ms);
}

TEST(HostileUpstream, CancellationTearsDownTheExchangeMidway) {
    std::promise<bool> closed;
    HostilePeer peer([&closed](Channel& channel) {
        if (channel.read_request().empty()) {
            return;
        }
        closed.set_value(channel.client_closed_within(5s));
    });
    Stage stage(peer.base_url());
    McpClient caller(stage.server().port());
    const std::string session = caller.initialize();
    ASSERT_FALSE(session.empty());
    auto pending = std::async(std::launch::async, [&] {
        return caller.call(7, "get-token", R"({"token_id":")" + std::string(kTokenId) + R"("})",
                           session);
    });
    std::this_thread::sleep_for(300ms);
    McpClient canceller(stage.server().port());
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(
        canceller
            .post(
                R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})",
                session)
            .status,
        202);
    auto saw_close = closed.get_future();
    ASSERT_EQ(saw_close.wait_for(3s), std::future_status::ready);
    EXPECT_TRUE(saw_close.get()) << "the upstream connection was not closed";
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    const auto answer = pending.get();
    EXPECT_EQ(answer.status, 200);
    EXPECT_FALSE(tool_result(answer).has_value()) << "a cancelled request is not answered";
    // The server goes on.
    McpClient after(stage.server().port());
    EXPECT_FALSE(after.initialize().empty());
}

}  // namespace
}  // namespace cmcp::hardening
