// Connections, limits, concurrency and graceful shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "server_harness.hpp"
#include "test_client.hpp"

namespace cmcp::transport::http {
namespace {

using namespace std::chrono_literals;
using test_support::initialize_body;
using test_support::McpClient;
using test_support::RawConnection;
using test_support::ServerHarness;
using test_support::test_options;
using test_support::tools_call_body;

constexpr auto kToolsList = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";

TEST(HttpConnections, SlowHeaderIsCutOff) {
    auto options = test_options();
    options.header_timeout = std::chrono::seconds(1);
    ServerHarness server(options);
    RawConnection slow(server.port());
    const auto start = std::chrono::steady_clock::now();
    slow.write("POST /mcp HTTP/1.1\r\nHost: localhost\r\n");  // and never the rest
    EXPECT_TRUE(slow.closed_within(5s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_TRUE(slow.received().empty());

    RawConnection silent(server.port());
    EXPECT_TRUE(silent.closed_within(5s));
}

TEST(HttpConnections, IdleKeepAliveConnectionIsClosed) {
    auto options = test_options();
    options.idle_connection_timeout = std::chrono::seconds(1);
    ServerHarness server(options);
    RawConnection raw(server.port());
    raw.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
    EXPECT_EQ(raw.read_response().status, 200);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(raw.closed_within(5s));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 800ms);
}

TEST(HttpConnections, KeepAliveServesSeveralRequests) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    for (int i = 0; i < 10; ++i) {
        const auto reply = client.post(kToolsList);
        ASSERT_EQ(reply.status, 200) << i;
        EXPECT_NE(reply.header("Connection"), "close");
    }
    // Pipelined requests are answered in order.
    RawConnection raw(server.port());
    raw.write(
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
        "GET /nothing HTTP/1.1\r\nHost: localhost\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(raw.read_response().status, 200);
    EXPECT_EQ(raw.read_response().status, 404);
    const auto last = raw.read_response();
    EXPECT_EQ(last.status, 200);
    EXPECT_EQ(last.header("Connection"), "close");
    EXPECT_TRUE(raw.closed_within(2s));
}

TEST(HttpConnections, ExpectContinueIsHonoured) {
    ServerHarness server;
    RawConnection raw(server.port());
    const std::string body = initialize_body();
    raw.write(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nExpect: 100-continue\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n");
    EXPECT_EQ(raw.read_response().status, 100);
    raw.write(body);
    EXPECT_EQ(raw.read_response().status, 200);
}

TEST(HttpConnections, ConnectionsBeyondTheCapAreRefused) {
    auto options = test_options();
    options.max_connections = 2;
    ServerHarness server(options);
    McpClient first(server.port());
    McpClient second(server.port());
    ASSERT_EQ(first.post(initialize_body()).status, 200);
    ASSERT_EQ(second.post(initialize_body()).status, 200);
    RawConnection third(server.port());
    EXPECT_TRUE(third.closed_within(3s));
    EXPECT_NE(third.received().find("503"), std::string::npos) << third.received();
    // The held connections still work.
    EXPECT_EQ(first.post(initialize_body()).status, 200);
}

TEST(HttpConnections, ClientGoingAwayMidCallIsHarmless) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    cmcp::testing::FakeUpstream::Script held;
    held.hold = true;
    server.upstream.push(held);
    {
        RawConnection raw(server.port());
        const auto body = tools_call_body(3, R"(,"_meta":{"progressToken":1})");
        raw.write(
            "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            "Accept: application/json, text/event-stream\r\nMcp-Session-Id: " +
            client.session_id + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
            body);
        ASSERT_TRUE(server.upstream.wait_for_requests(1, 5s));
    }  // closed with the call still running
    server.upstream.release_all();
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(client.post(kToolsList).status, 200);
}

TEST(HttpConnections, ManyParallelPosts) {
    ServerHarness server;
    McpClient setup(server.port());
    setup.initialize();
    constexpr int kThreads = 8;
    constexpr int kRequestsEach = 25;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            McpClient client(server.port());
            if (t % 2 == 0) {
                client.session_id = setup.session_id;  // several connections, one session
                client.protocol_version = setup.protocol_version;
            } else {
                client.initialize();
            }
            for (int i = 0; i < kRequestsEach; ++i) {
                const auto id = t * 1000 + i;
                const auto body = i % 5 == 0 ? tools_call_body(id)
                                             : R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
                                                   R"(,"method":"tools/list"})";
                const auto reply = client.post(body);
                if (reply.status == 200 && reply.json().at("id").as_int64() == id) {
                    ++ok;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(ok.load(), kThreads * kRequestsEach);
}

// A tool call may run on the I/O thread that read it, but never on the last free one: with
// two I/O threads, one call held upstream inline and another held on a worker, the server still
// answers everything else.
TEST(HttpInlineCalls, HeldCallsNeverTakeTheLastIoThread) {
    for (const unsigned io_threads : {1U, 2U, 3U}) {
        auto options = test_options();
        options.io_threads = io_threads;
        ServerHarness server(options);
        cmcp::testing::FakeUpstream::Script held;
        held.hold = true;
        held.outcome = cmcp::testing::json_response(200, R"({"jti":"abc"})");
        server.upstream.push(held);
        server.upstream.push(held);
        server.upstream.push(held);
        std::vector<std::unique_ptr<McpClient>> callers;
        std::vector<std::future<test_support::HttpReply>> pending;
        for (int i = 0; i < 3; ++i) {
            callers.push_back(std::make_unique<McpClient>(server.port()));
            callers.back()->initialize();
            pending.push_back(std::async(std::launch::async, [&caller = *callers.back(), i] {
                return caller.post(tools_call_body(i + 1));
            }));
            ASSERT_TRUE(server.upstream.wait_for_requests(static_cast<std::size_t>(i) + 1, 5s))
                << io_threads << " I/O threads, call " << i;
        }
        McpClient other(server.port());
        other.initialize();
        EXPECT_EQ(other.post(R"({"jsonrpc":"2.0","id":7,"method":"ping"})").status, 200)
            << io_threads;
        EXPECT_EQ(other.post(kToolsList).status, 200) << io_threads;
        server.upstream.release_all();
        for (auto& reply : pending) {
            const auto answer = reply.get();
            EXPECT_EQ(answer.status, 200);
            EXPECT_EQ(answer.json().at("result").at("structuredContent").at("jti").as_string(),
                      "abc");
        }
    }
}

TEST(HttpShutdown, CallInFlightFinishesWithinTheGrace) {
    auto options = test_options();
    options.shutdown_grace = std::chrono::seconds(10);
    ServerHarness server(options);
    McpClient client(server.port());
    client.initialize();
    McpClient idle(server.port());  // a keep-alive connection with nothing to do
    idle.initialize();
    cmcp::testing::FakeUpstream::Script held;
    held.hold = true;
    held.outcome = cmcp::testing::json_response(200, R"({"jti":"abc"})");
    server.upstream.push(held);
    auto pending = std::async(std::launch::async, [&] { return client.post(tools_call_body(8)); });
    ASSERT_TRUE(server.upstream.wait_for_requests(1, 5s));

    std::thread stopper([&] { server.stop(); });
    stopper.join();
    EXPECT_FALSE(server.wait_exit(300ms).has_value()) << "run() must wait for the call";
    server.upstream.release_all();

    const auto reply = pending.get();
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.json().at("result").at("structuredContent").at("jti").as_string(), "abc");
    EXPECT_EQ(reply.header("Connection"), "close");
    EXPECT_EQ(server.wait_exit(5s), 0);
    // Nothing listens any more.
    EXPECT_THROW(RawConnection late(server.port()), std::exception);
}

TEST(HttpShutdown, CallPastTheGraceIsCancelled) {
    auto options = test_options();
    options.shutdown_grace = std::chrono::seconds(1);
    ServerHarness server(options);
    McpClient client(server.port());
    client.initialize();
    cmcp::testing::FakeUpstream::Script held;
    held.hold = true;
    server.upstream.push(held);
    auto pending = std::async(std::launch::async, [&] {
        return client.post(tools_call_body(8, R"(,"_meta":{"progressToken":"t"})"));
    });
    ASSERT_TRUE(server.upstream.wait_for_requests(1, 5s));
    const auto start = std::chrono::steady_clock::now();
    server.stop();
    server.stop();  // idempotent
    EXPECT_EQ(server.wait_exit(10s), 0);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
    // The stream ends with an answer saying the call was cut short, so the client does not wait.
    const auto reply = pending.get();
    EXPECT_EQ(reply.status, 200);
    int answers = 0;
    for (const auto& event : test_support::parse_sse(reply.body)) {
        const auto message = boost::json::parse(event.data).as_object();
        if (message.contains("id")) {
            ++answers;
            EXPECT_EQ(message.at("id").as_int64(), 8);
            EXPECT_EQ(message.at("error").at("code").as_int64(), -32603);
        }
    }
    EXPECT_EQ(answers, 1);
}

TEST(HttpShutdown, IdleServerStopsAtOnce) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    const auto start = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_EQ(server.wait_exit(5s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(HttpServerSetup, BindFailureIsAClearError) {
    ServerHarness first;
    auto options = test_options();
    options.port = first.port();
    cmcp::testing::FakeUpstream upstream;
    protocol::CallLimit calls(1);
    const protocol::Services services{
        cmcp::testing::embedded_catalog(), upstream, calls, make_null_logger(),
        protocol::ServerIdentity{},        {},       {}};
    Metrics metrics;
    try {
        HttpServer second(services, options, metrics, make_null_logger());
        FAIL() << "bound twice";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find(std::to_string(first.port())), std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace cmcp::transport::http

namespace cmcp::transport::http {
namespace {

TEST(HttpLogging, OneLinePerRequestWithoutSecrets) {
    std::ostringstream log;
    auto options = test_support::test_options();
    options.auth_tokens = {"very-secret-token"};
    {
        test_support::ServerHarness server(options, make_stream_logger(log, LogLevel::debug));
        test_support::McpClient client(server.port());
        const test_support::Headers auth = {{"Authorization", "Bearer very-secret-token"}};
        const auto init = client.post(test_support::initialize_body(), auth);
        ASSERT_EQ(init.status, 200);
        client.session_id = init.header("Mcp-Session-Id");
        EXPECT_EQ(client.post(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})", auth).status,
                  200);
        EXPECT_EQ(client.post("{}", {{"Authorization", "Bearer not-the-token"}}).status, 401);
        server.stop();
        ASSERT_EQ(server.wait_exit(std::chrono::seconds(5)), 0);
        const auto text = log.str();
        EXPECT_NE(text.find("POST /mcp 200"), std::string::npos) << text;
        EXPECT_NE(text.find("session=" + client.session_id.substr(0, 8)), std::string::npos)
            << text;
        EXPECT_EQ(text.find(client.session_id), std::string::npos) << "whole session id logged";
        EXPECT_NE(text.find("rejected POST /mcp: 401"), std::string::npos) << text;
    }
    EXPECT_EQ(log.str().find("secret"), std::string::npos);
    EXPECT_EQ(log.str().find("not-the-token"), std::string::npos);
}

}  // namespace
}  // namespace cmcp::transport::http

namespace cmcp::transport::http {
namespace {

TEST(HttpConnections, GarbageNeverTakesTheServerDown) {
    test_support::ServerHarness server;
    const std::vector<std::string> inputs = {
        "\r\n\r\n",
        "GET\r\n\r\n",
        "GET / HTTP/9.9\r\n\r\n",
        "G@T /mcp HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n",
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
        "fffffffffffffffff\r\n",
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
        "Content-Length: 3\r\n\r\n0\r\n\r\n",
        "POST /mcp HTTP/1.1\nHost: localhost\n\n",
        "GET /mcp HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n",
        std::string("GET /\0 HTTP/1.1\r\n\r\n", 19),
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nContent-Length: 4\r\n\r\n\xff\xfe\x00\x01",
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nContent-Length: 24\r\n\r\n"
        "{\"jsonrpc\":\"2.0\",\"id\":{}}",
    };
    for (const auto& input : inputs) {
        test_support::RawConnection raw(server.port());
        raw.write(input);
        raw.closed_within(std::chrono::milliseconds(300));  // answered or not; must not crash
    }
    test_support::McpClient client(server.port());
    EXPECT_EQ(client.send(boost::beast::http::verb::get, "/healthz", "").status, 200);
    EXPECT_EQ(client.post(test_support::initialize_body()).status, 200);
}

}  // namespace
}  // namespace cmcp::transport::http
