// HttpUpstream against a peer that speaks raw bytes: what goes on the wire, and what comes back
// when the peer's framing or behaviour is not what a well-behaved server would do.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "testing/fakes.hpp"
#include "testing/loopback_listener.hpp"
#include "upstream/http_upstream.hpp"
#include "upstream/upstream_harness.hpp"

namespace cmcp::upstream {
namespace {

using std::chrono::milliseconds;
using testing::contains;
using testing::fast_options;
using testing::planetscale_post;
using testing::RecordingControl;
using testing::scaleway_get;
using testing::test_credentials;

// Accepts connections on 127.0.0.1 and a free port, one at a time, and runs the script on each
// (with its index) on the server's thread.
class ScriptedPeer {
  public:
    using Script = std::function<void(int fd, int index)>;

    explicit ScriptedPeer(Script script) : script_(std::move(script)) {
        const auto listener = cmcp::testing::listen_on_loopback(8);
        listener_ = listener.fd;
        port_ = listener.port;
        thread_ = std::thread([this] { serve(); });
    }
    ~ScriptedPeer() {
        stopping_ = true;
        // A client that keeps its connection for reuse would keep the script waiting for the
        // next request: end the connection from this side.
        if (const int fd = serving_.load(); fd >= 0) {
            ::shutdown(fd, SHUT_RDWR);
        }
        thread_.join();
        ::close(listener_);
    }
    ScriptedPeer(const ScriptedPeer&) = delete;
    ScriptedPeer& operator=(const ScriptedPeer&) = delete;

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int port() const { return port_; }
    int connections() const { return accepted_; }

  private:
    void serve() {
        for (int fd; (fd = cmcp::testing::accept_next(listener_, stopping_)) >= 0;) {
            serving_ = fd;
            if (!stopping_) {
                script_(fd, accepted_++);
            }
            serving_ = -1;
            ::close(fd);
        }
    }

    Script script_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<int> accepted_{0};
    std::atomic<bool> stopping_{false};
    std::atomic<int> serving_{-1};
    std::thread thread_;
};

// One request's bytes: the head, and as much body as Content-Length says. "" at end of stream.
std::string read_request(int fd) {
    std::string data;
    char chunk[4096];
    std::size_t body_needed = std::string::npos;
    std::size_t head_end = std::string::npos;
    while (head_end == std::string::npos || data.size() < head_end + body_needed) {
        const ssize_t read = ::recv(fd, chunk, sizeof(chunk), 0);
        if (read <= 0) {
            return "";
        }
        data.append(chunk, static_cast<std::size_t>(read));
        if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != data.npos) {
            head_end += 4;
            const auto length = data.find("Content-Length: ");
            body_needed =
                length != data.npos && length < head_end ? std::stoul(data.substr(length + 16)) : 0;
        }
    }
    return data;
}

// The client may hang up first (that is what some tests check), so failures are not errors.
void send_text(int fd, const std::string& text) {
    ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

const std::string kOk =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

// One io_context for every call of a test, as in a server: its pooled connections live there.
class HttpWire : public ::testing::Test {
  protected:
    cmcp::testing::UpstreamRunner runner_;
};

TEST_F(HttpWire, RequestCarriesHostAndLengthsAsAServerExpects) {
    std::vector<std::string> seen;
    std::mutex mutex;
    ScriptedPeer peer([&](int fd, int) {
        for (std::string request; !(request = read_request(fd)).empty();) {
            {
                std::lock_guard lock(mutex);
                seen.push_back(request);
            }
            send_text(fd, kOk);
        }
    });
    HttpUpstream upstream(fast_options(peer.base_url()), test_credentials(), make_null_logger());
    RecordingControl recorder;
    Request bodiless_post = planetscale_post();
    bodiless_post.body.reset();
    ASSERT_TRUE(std::holds_alternative<Response>(
        runner_.send(upstream, scaleway_get(), recorder.control())));
    ASSERT_TRUE(std::holds_alternative<Response>(
        runner_.send(upstream, bodiless_post, recorder.control())));
    ASSERT_TRUE(std::holds_alternative<Response>(
        runner_.send(upstream, planetscale_post(), recorder.control())));

    std::lock_guard lock(mutex);
    ASSERT_EQ(seen.size(), 3U);
    const std::string host = "\r\nHost: 127.0.0.1:" + std::to_string(peer.port()) + "\r\n";
    EXPECT_EQ(seen[0].rfind("GET /iam/v1alpha1/jwts HTTP/1.1\r\n", 0), 0U) << seen[0];
    EXPECT_TRUE(contains(seen[0], host)) << seen[0];
    EXPECT_FALSE(contains(seen[0], "Content-Length")) << seen[0];
    EXPECT_TRUE(contains(seen[1], "\r\nContent-Length: 0\r\n")) << seen[1];
    EXPECT_FALSE(contains(seen[1], "Content-Type")) << seen[1];
    EXPECT_TRUE(contains(seen[2], "\r\nContent-Length: 2\r\n\r\n{}")) << seen[2];
    EXPECT_EQ(peer.connections(), 1);
}

// Issue 17: a body without a length that ends with a plain TCP close cannot be told from a cut
// one; only a length (or chunked framing) received in full makes a response complete.
TEST_F(HttpWire, ChunkedBodiesAreReadWholeAndCloseDelimitedOnesRefused) {
    ScriptedPeer peer([](int fd, int index) {
        if (read_request(fd).empty()) {
            return;
        }
        if (index == 0) {
            send_text(fd,
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nRetry-After: 7\r\n\r\n"
                      "3\r\n{\"a\r\n5\r\n\":12}\r\n0\r\n\r\n");
            if (read_request(fd).empty()) {
                return;
            }
        }
        // HTTP/1.0 style: no length, the body ends when the connection does.
        send_text(fd, "HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\nnot here");
    });
    HttpUpstream upstream(fast_options(peer.base_url()), test_credentials(), make_null_logger());
    RecordingControl recorder;

    const Outcome chunked = runner_.send(upstream, scaleway_get(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Response>(chunked)) << std::get<Failure>(chunked).message;
    EXPECT_EQ(std::get<Response>(chunked).body, R"({"a":12})");
    EXPECT_EQ(std::get<Response>(chunked).retry_after, "7");
    EXPECT_EQ(upstream.idle_connections(Provider::scaleway, runner_.context()), 1U);

    const Outcome closed = runner_.send(upstream, scaleway_get(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Failure>(closed));
    EXPECT_EQ(std::get<Failure>(closed).kind, FailureKind::connection);
    EXPECT_TRUE(contains(std::get<Failure>(closed).message,
                         "was closed before a complete response arrived"))
        << std::get<Failure>(closed).message;
    EXPECT_EQ(upstream.idle_connections(Provider::scaleway, runner_.context()), 0U);
}

TEST_F(HttpWire, InterimAnswersArePassedOverForTheFinalOne) {
    ScriptedPeer peer([](int fd, int) {
        for (std::string request; !(request = read_request(fd)).empty();) {
            send_text(fd,
                      "HTTP/1.1 100 Continue\r\n\r\n"
                      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                      "Content-Length: 11\r\n\r\n{\"id\":\"t1\"}");
        }
    });
    HttpUpstream upstream(fast_options(peer.base_url()), test_credentials(), make_null_logger());
    RecordingControl recorder;
    for (int i = 0; i < 2; ++i) {
        const Outcome outcome = runner_.send(upstream, planetscale_post(), recorder.control());
        ASSERT_TRUE(std::holds_alternative<Response>(outcome))
            << std::get<Failure>(outcome).message;
        EXPECT_EQ(std::get<Response>(outcome).status, 201);
        EXPECT_EQ(std::get<Response>(outcome).body, R"({"id":"t1"})");
    }
    EXPECT_EQ(peer.connections(), 1);  // and the connection stays usable
}

TEST_F(HttpWire, AResponseThatIsNotHttpIsAClearError) {
    ScriptedPeer peer([](int fd, int) {
        if (!read_request(fd).empty()) {
            send_text(fd, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
        }
    });
    auto options = fast_options(peer.base_url());
    options.retry.max_attempts = 1;
    HttpUpstream upstream(options, test_credentials(), make_null_logger());
    RecordingControl recorder;
    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    EXPECT_EQ(std::get<Failure>(outcome).kind, FailureKind::connection);
    EXPECT_TRUE(contains(std::get<Failure>(outcome).message,
                         "The response from Scaleway at 127.0.0.1:" + std::to_string(peer.port()) +
                             " is not valid HTTP ("))
        << std::get<Failure>(outcome).message;
}

TEST_F(HttpWire, HugeHeadersAreRefused) {
    ScriptedPeer peer([](int fd, int) {
        if (!read_request(fd).empty()) {
            send_text(fd, "HTTP/1.1 200 OK\r\nX-Padding: " + std::string(70 * 1024, 'p') +
                              "\r\nContent-Length: 2\r\n\r\n{}");
        }
    });
    auto options = fast_options(peer.base_url());
    options.retry.max_attempts = 1;
    HttpUpstream upstream(options, test_credentials(), make_null_logger());
    RecordingControl recorder;
    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    EXPECT_TRUE(contains(std::get<Failure>(outcome).message, "headers are larger than 64 KiB"))
        << std::get<Failure>(outcome).message;
}

TEST_F(HttpWire, AnIdleConnectionThePeerClosedIsNotReused) {
    ScriptedPeer peer([](int fd, int) {
        if (!read_request(fd).empty()) {
            send_text(fd, kOk);  // keep-alive, then the peer closes it anyway
        }
    });
    HttpUpstream upstream(fast_options(peer.base_url()), test_credentials(), make_null_logger());
    RecordingControl recorder;
    for (int i = 0; i < 3; ++i) {
        const Outcome outcome = runner_.send(upstream, planetscale_post(), recorder.control());
        ASSERT_TRUE(std::holds_alternative<Response>(outcome))
            << i << ": " << std::get<Failure>(outcome).message;
        EXPECT_EQ(std::get<Response>(outcome).attempts, 1);
        // Let the peer close, as a server's idle timeout would.
        std::this_thread::sleep_for(milliseconds(30));
    }
    EXPECT_EQ(peer.connections(), 3);
}

TEST_F(HttpWire, APooledConnectionLostMidRequestIsRetriedOnlyWhenSafe) {
    // The peer answers the first request, then reads the second and drops the connection
    // without a word, as a server closing an idle connection at that very moment would.
    const auto drop_second = [](int fd, int) {
        if (read_request(fd).empty()) {
            return;
        }
        send_text(fd, kOk);
        read_request(fd);
    };
    {
        ScriptedPeer peer(drop_second);
        HttpUpstream upstream(fast_options(peer.base_url()), test_credentials(),
                              make_null_logger());
        RecordingControl recorder;
        ASSERT_TRUE(std::holds_alternative<Response>(
            runner_.send(upstream, scaleway_get(), recorder.control())));
        const Outcome again = runner_.send(upstream, scaleway_get(), recorder.control());
        ASSERT_TRUE(std::holds_alternative<Response>(again)) << std::get<Failure>(again).message;
        EXPECT_EQ(std::get<Response>(again).attempts, 2);
        EXPECT_EQ(peer.connections(), 2);
    }
    {
        ScriptedPeer peer(drop_second);
        HttpUpstream upstream(fast_options(peer.base_url()), test_credentials(),
                              make_null_logger());
        RecordingControl recorder;
        ASSERT_TRUE(std::holds_alternative<Response>(
            runner_.send(upstream, planetscale_post(), recorder.control())));
        const Outcome again = runner_.send(upstream, planetscale_post(), recorder.control());
        ASSERT_TRUE(std::holds_alternative<Failure>(again));
        EXPECT_EQ(std::get<Failure>(again).attempts, 1);
        EXPECT_TRUE(contains(std::get<Failure>(again).message,
                             "was closed before a complete response arrived"))
            << std::get<Failure>(again).message;
        EXPECT_TRUE(contains(std::get<Failure>(again).message, "may already have been applied"));
        EXPECT_EQ(peer.connections(), 1);
    }
}

}  // namespace
}  // namespace cmcp::upstream
