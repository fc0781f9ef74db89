// Sessions (stateful mode) and stateless mode.
#include <gtest/gtest.h>

#include <future>
#include <sstream>
#include <thread>

#include "server_harness.hpp"
#include "test_client.hpp"

namespace cmcp::transport::http {
namespace {

using namespace std::chrono_literals;
using test_support::initialize_body;
using test_support::McpClient;
using test_support::ServerHarness;
using test_support::test_options;
using test_support::tools_call_body;

constexpr auto kToolsList = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";

TEST(HttpSessions, SdkClientWireFlow) {
    ServerHarness server;
    McpClient client(server.port());
    const auto init = client.post(initialize_body());  // no MCP-Protocol-Version, like the SDK
    ASSERT_EQ(init.status, 200);
    EXPECT_EQ(init.json().at("result").at("protocolVersion").as_string(), "2025-11-25");
    client.session_id = init.header("Mcp-Session-Id");
    client.protocol_version = "2025-11-25";
    EXPECT_EQ(client.post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").status, 202);
    EXPECT_EQ(client.get().status, 405);
    EXPECT_EQ(client.post(kToolsList).status, 200);
    server.upstream.push_json(200, R"({"jti":"abc"})");
    const auto call = client.post(tools_call_body(2));
    EXPECT_EQ(call.status, 200);
    EXPECT_EQ(call.json().at("result").at("structuredContent").at("jti").as_string(), "abc");
    EXPECT_EQ(client.post(R"({"jsonrpc":"2.0","id":3,"method":"ping"})").json().at("result"),
              boost::json::object());
}

TEST(HttpSessions, SessionIdIsRandomVisibleAsciiAndOnlyOnInitialize) {
    ServerHarness server;
    McpClient client(server.port());
    const auto first = client.initialize();
    const auto id = first.header("Mcp-Session-Id");
    EXPECT_GE(id.size(), 32U);  // 128 bits in hex
    for (const char c : id) {
        EXPECT_TRUE(c >= 0x21 && c <= 0x7E) << static_cast<int>(c);
    }
    const auto later = client.post(kToolsList);
    EXPECT_FALSE(later.has_header("Mcp-Session-Id"));

    McpClient other(server.port());
    other.initialize();
    EXPECT_NE(other.session_id, id);

    // A failed initialize opens no session.
    McpClient failing(server.port());
    const auto refused =
        failing.post(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{}})");
    EXPECT_EQ(refused.status, 200);
    EXPECT_TRUE(refused.json().as_object().contains("error"));
    EXPECT_FALSE(refused.has_header("Mcp-Session-Id"));
}

TEST(HttpSessions, SecondInitializeOnASessionIsRefusedBySession) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    const auto again = client.post(initialize_body());
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.json().at("error").at("code").as_int64(), -32600);
    EXPECT_FALSE(again.has_header("Mcp-Session-Id"));
    EXPECT_EQ(client.post(kToolsList).status, 200);  // the session lives on
}

TEST(HttpSessions, DeleteEndsTheSessionThen404) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    const auto deleted = client.del();
    EXPECT_EQ(deleted.status, 200);
    const auto after = client.post(kToolsList);
    EXPECT_EQ(after.status, 404);
    EXPECT_EQ(client.del().status, 404);
    // The client may start over.
    EXPECT_EQ(client.initialize().status, 200);
    EXPECT_EQ(client.post(kToolsList).status, 200);
}

TEST(HttpSessions, DeleteCancelsCallsInFlight) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    cmcp::testing::FakeUpstream::Script held;
    held.hold = true;
    server.upstream.push(held);
    McpClient caller(server.port());
    caller.session_id = client.session_id;
    caller.protocol_version = client.protocol_version;
    auto pending = std::async(std::launch::async, [&] { return caller.post(tools_call_body(9)); });
    ASSERT_TRUE(server.upstream.wait_for_requests(1, 5s));
    EXPECT_EQ(client.del().status, 200);
    const auto reply = pending.get();
    // Cancelled: no JSON-RPC response, just an event stream that ends.
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "text/event-stream");
    EXPECT_TRUE(reply.body.empty());
}

TEST(HttpSessions, IdleSessionsExpire) {
    auto options = test_options();
    options.session_idle_timeout = std::chrono::seconds(1);
    ServerHarness server(options);
    McpClient active(server.port());
    active.initialize();
    McpClient idle(server.port());
    idle.initialize();
    for (int i = 0; i < 4; ++i) {
        std::this_thread::sleep_for(400ms);
        ASSERT_EQ(active.post(kToolsList).status, 200) << i;  // requests keep it alive
    }
    EXPECT_EQ(idle.post(kToolsList).status, 404);
    const auto metrics = active.send(boost::beast::http::verb::get, "/metrics", "");
    EXPECT_NE(metrics.body.find("mcp_sessions_live 1\n"), std::string::npos) << metrics.body;
}

TEST(HttpSessions, SessionWithACallInFlightDoesNotExpire) {
    auto options = test_options();
    options.session_idle_timeout = std::chrono::seconds(1);
    ServerHarness server(options);
    McpClient client(server.port());
    client.initialize();
    cmcp::testing::FakeUpstream::Script held;
    held.hold = true;
    held.outcome = cmcp::testing::json_response(200, R"({"jti":"abc"})");
    server.upstream.push(held);
    auto pending = std::async(std::launch::async, [&] { return client.post(tools_call_body(4)); });
    ASSERT_TRUE(server.upstream.wait_for_requests(1, 5s));
    std::this_thread::sleep_for(1600ms);
    server.upstream.release_all();
    const auto reply = pending.get();
    EXPECT_EQ(reply.status, 200);
    EXPECT_FALSE(reply.json().at("result").as_object().contains("isError"));
    EXPECT_EQ(client.post(kToolsList).status, 200);
}

TEST(HttpSessions, SessionCapEvictsTheLeastRecentlyUsedIdleSession) {
    std::ostringstream log;
    auto options = test_options();
    options.max_sessions = 3;
    {
        ServerHarness server(options, make_stream_logger(log, LogLevel::info));
        McpClient first(server.port());
        McpClient second(server.port());
        McpClient third(server.port());
        ASSERT_EQ(first.initialize().status, 200);
        ASSERT_EQ(second.initialize().status, 200);
        ASSERT_EQ(third.initialize().status, 200);
        ASSERT_EQ(first.post(kToolsList).status, 200);  // now `second` is the least recent

        McpClient fourth(server.port());
        ASSERT_EQ(fourth.initialize().status, 200);
        EXPECT_EQ(fourth.post(kToolsList).status, 200);
        EXPECT_EQ(second.post(kToolsList).status, 404);
        EXPECT_EQ(first.post(kToolsList).status, 200);
        EXPECT_EQ(third.post(kToolsList).status, 200);
        const auto metrics = first.send(boost::beast::http::verb::get, "/metrics", "");
        EXPECT_NE(metrics.body.find("mcp_sessions_live 3\n"), std::string::npos) << metrics.body;

        // Ending a session frees its slot without evicting anyone.
        EXPECT_EQ(first.del().status, 200);
        McpClient fifth(server.port());
        ASSERT_EQ(fifth.initialize().status, 200);
        for (auto* client : {&third, &fourth, &fifth}) {
            EXPECT_EQ(client->post(kToolsList).status, 200);
        }
        server.stop();
        ASSERT_EQ(server.wait_exit(5s), 0);
        const auto text = log.str();
        EXPECT_NE(text.find("session " + second.session_id.substr(0, 8) + " evicted"),
                  std::string::npos)
            << text;
        EXPECT_EQ(text.find(" evicted"), text.rfind(" evicted")) << "one eviction only:\n" << text;
    }
}

TEST(HttpSessions, SessionCapAnswers503WhenEverySessionIsBusy) {
    auto options = test_options();
    options.max_sessions = 3;
    ServerHarness server(options);
    std::vector<std::unique_ptr<McpClient>> clients;
    std::vector<std::future<test_support::HttpReply>> calls;
    for (int i = 0; i < 3; ++i) {
        cmcp::testing::FakeUpstream::Script held;
        held.hold = true;
        held.outcome = cmcp::testing::json_response(200, R"({"jti":"abc"})");
        server.upstream.push(held);
    }
    for (int i = 0; i < 3; ++i) {
        auto& client = *clients.emplace_back(std::make_unique<McpClient>(server.port()));
        ASSERT_EQ(client.initialize().status, 200);
        calls.push_back(std::async(std::launch::async,
                                   [&client, i] { return client.post(tools_call_body(i)); }));
    }
    ASSERT_TRUE(server.upstream.wait_for_requests(3, 5s));

    McpClient late(server.port());
    const auto refused = late.post(initialize_body());
    EXPECT_EQ(refused.status, 503);
    EXPECT_FALSE(refused.header("Retry-After").empty());
    EXPECT_EQ(refused.json().at("error").at("code").as_int64(), -32000);
    EXPECT_FALSE(refused.has_header("Mcp-Session-Id"));

    // No call was cancelled to make room.
    server.upstream.release_all();
    for (auto& call : calls) {
        const auto reply = call.get();
        EXPECT_EQ(reply.status, 200);
        EXPECT_EQ(reply.json().at("result").at("structuredContent").at("jti").as_string(), "abc");
    }
    // Idle again: the least recently used one makes room.
    EXPECT_EQ(clients[1]->post(kToolsList).status, 200);
    EXPECT_EQ(clients[2]->post(kToolsList).status, 200);
    ASSERT_EQ(late.initialize().status, 200);
    EXPECT_EQ(late.post(kToolsList).status, 200);
    EXPECT_EQ(clients[0]->post(kToolsList).status, 404);
}

TEST(HttpSessions, ASessionBelongsToTheTokenThatOpenedIt) {
    auto options = test_options();
    options.auth_tokens = {"token-of-alice", "token-of-bob"};
    ServerHarness server(options);
    const test_support::Headers alice = {{"Authorization", "Bearer token-of-alice"}};
    const test_support::Headers bob = {{"Authorization", "Bearer token-of-bob"}};
    McpClient client(server.port());
    const auto init = client.post(initialize_body(), alice);
    ASSERT_EQ(init.status, 200);
    client.session_id = init.header("Mcp-Session-Id");
    ASSERT_EQ(
        client.post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", alice).status,
        202);
    EXPECT_EQ(client.post(kToolsList, alice).status, 200);

    // What Bob gets for a session id that does not exist at all...
    McpClient stranger(server.port());
    stranger.session_id = std::string(32, 'f');
    const auto unknown_post = stranger.post(kToolsList, bob);
    const auto unknown_delete = stranger.del(bob);
    ASSERT_EQ(unknown_post.status, 404);
    ASSERT_EQ(unknown_delete.status, 404);
    // ...is exactly what he gets for Alice's.
    const auto foreign_post = client.post(kToolsList, bob);
    EXPECT_EQ(foreign_post.status, 404);
    EXPECT_EQ(foreign_post.body, unknown_post.body);
    EXPECT_EQ(foreign_post.header("Content-Type"), unknown_post.header("Content-Type"));
    const auto foreign_delete = client.del(bob);
    EXPECT_EQ(foreign_delete.status, 404);
    EXPECT_EQ(foreign_delete.body, unknown_delete.body);

    // Alice's session lives on, and is hers to end.
    EXPECT_EQ(client.post(kToolsList, alice).status, 200);
    EXPECT_EQ(client.del(alice).status, 200);
    EXPECT_EQ(client.post(kToolsList, alice).status, 404);
}

TEST(HttpSessions, SessionsAreIndependent) {
    ServerHarness server;
    McpClient a(server.port());
    McpClient b(server.port());
    a.initialize("2025-06-18");
    b.initialize("2025-03-26");
    EXPECT_EQ(a.protocol_version, "2025-06-18");
    EXPECT_EQ(b.protocol_version, "2025-03-26");
    // Batches follow each session's negotiated version.
    const auto batch =
        R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}])";
    const auto on_b = b.post(batch);
    EXPECT_EQ(on_b.status, 200);
    EXPECT_EQ(on_b.json().as_array().size(), 2U);
    const auto on_a = a.post(batch);
    EXPECT_EQ(on_a.status, 200);
    EXPECT_EQ(on_a.json().at("error").at("code").as_int64(), -32600);
}

class Stateless : public ::testing::Test {
  protected:
    static HttpServerOptions options() {
        auto options = test_options();
        options.stateless = true;
        return options;
    }
    ServerHarness server_{options()};
};

TEST_F(Stateless, ToolsWorkWithoutInitializeOrSessionHeader) {
    McpClient client(server_.port());
    const auto list = client.post(kToolsList);
    EXPECT_EQ(list.status, 200);
    EXPECT_EQ(list.json().at("result").at("tools").as_array().size(), 23U);
    EXPECT_FALSE(list.has_header("Mcp-Session-Id"));
    server_.upstream.push_json(200, R"({"jti":"abc"})");
    const auto call = client.post(tools_call_body(2), {{"MCP-Protocol-Version", "2025-06-18"}});
    EXPECT_EQ(call.status, 200);
    EXPECT_FALSE(call.has_header("Mcp-Session-Id"));
    EXPECT_EQ(call.json().at("result").at("structuredContent").at("jti").as_string(), "abc");
}

TEST_F(Stateless, InitializeWorksAndReturnsNoSessionId) {
    McpClient client(server_.port());
    const auto init = client.post(initialize_body());
    EXPECT_EQ(init.status, 200);
    EXPECT_EQ(init.json().at("result").at("protocolVersion").as_string(), "2025-11-25");
    EXPECT_FALSE(init.has_header("Mcp-Session-Id"));
    EXPECT_EQ(client.post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").status, 202);
}

TEST_F(Stateless, ClientSessionIdsAreIgnored) {
    McpClient client(server_.port());
    client.session_id = "made-up";
    EXPECT_EQ(client.post(kToolsList).status, 200);
}

TEST_F(Stateless, VersionHeaderShapesTheAnswer) {
    McpClient client(server_.port());
    // Without the header, 2025-03-26 applies: no structuredContent, batches allowed.
    server_.upstream.push_json(200, R"({"jti":"abc"})");
    const auto old = client.post(tools_call_body(1));
    EXPECT_FALSE(old.json().at("result").as_object().contains("structuredContent"));
    const auto batch =
        client.post(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"x"}])");
    EXPECT_EQ(batch.status, 200);
    EXPECT_EQ(batch.json().as_array().size(), 1U);
}

}  // namespace
}  // namespace cmcp::transport::http
