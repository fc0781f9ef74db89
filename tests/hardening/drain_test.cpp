// Issue 15 §3-4: a replica drains before it stops. On SIGTERM it first turns unready (/readyz
// 503) while still serving, every answer closing its connection, for --drain-seconds; only then
// does it stop accepting, finish calls in flight and exit 0. A second signal cuts the drain
// short. Before this, the listener and every idle keep-alive connection closed at once.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "hardening_support.hpp"

namespace cmcp::hardening {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kToolsList = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";

std::string get(int port, std::string_view path) {
    RawSocket socket(port);
    socket.send("GET " + std::string(path) + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    return socket.read_some(1s);
}

TEST(Drain, AReplicaTurnsUnreadyWhileStillServingThenStops) {
    ServerProcess server({"--sandbox", "--stateless", "--drain-seconds", "2"},
                         {"PATH=/usr/bin:/bin"});
    EXPECT_TRUE(get(server.port(), "/readyz").starts_with("HTTP/1.1 200"));
    // A keep-alive connection opened before the drain, idle when it starts.
    McpClient idle(server.port());
    ASSERT_EQ(idle.post(std::string(kToolsList)).status, 200);

    const auto signalled = std::chrono::steady_clock::now();
    ::kill(server.pid(), SIGTERM);
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(get(server.port(), "/readyz").starts_with("HTTP/1.1 503"));
    EXPECT_TRUE(get(server.port(), "/healthz").starts_with("HTTP/1.1 200"));
    // The idle connection's next request is still answered, and told to go elsewhere next.
    RawSocket fresh(server.port());
    const std::string body(kToolsList);
    fresh.send(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    const auto answer = fresh.read_some(2s);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer.substr(0, 200);
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer.substr(0, 300);
    EXPECT_EQ(idle.post(std::string(kToolsList)).status, 200);

    const auto status = server.wait_exit(10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0);
    const auto took = std::chrono::steady_clock::now() - signalled;
    EXPECT_GE(took, 1900ms);
    EXPECT_LT(took, 6s);
    EXPECT_NE(server.log().find("draining for 2 s"), std::string::npos) << server.log();
}

TEST(Drain, ASecondSignalStopsAtOnce) {
    ServerProcess server({"--sandbox", "--stateless", "--drain-seconds", "30"},
                         {"PATH=/usr/bin:/bin"});
    const auto signalled = std::chrono::steady_clock::now();
    ::kill(server.pid(), SIGTERM);
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(get(server.port(), "/readyz").starts_with("HTTP/1.1 503"));
    const auto status = server.stop(10s);  // the second SIGTERM
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, 5s);
}

TEST(Drain, WithoutADrainPeriodTheServerIsReadyAndStopsAtOnce) {
    ServerProcess server({"--sandbox"}, {"PATH=/usr/bin:/bin"});
    const auto ready = get(server.port(), "/readyz");
    EXPECT_TRUE(ready.starts_with("HTTP/1.1 200")) << ready.substr(0, 200);
    EXPECT_NE(ready.find(R"({"status":"ready"})"), std::string::npos);
    const auto signalled = std::chrono::steady_clock::now();
    EXPECT_EQ(server.stop(10s).value_or(-1), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, 2s);
}

}  // namespace
}  // namespace cmcp::hardening
