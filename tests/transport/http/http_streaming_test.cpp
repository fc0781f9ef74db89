// Answers as Server-Sent Events: notifications before the response, cancellation.
#include <gtest/gtest.h>

#include "server_harness.hpp"
#include "test_client.hpp"

namespace cmcp::transport::http {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test_support::McpClient;
using test_support::parse_sse;
using test_support::ServerHarness;
using test_support::tools_call_body;

TEST(HttpStreaming, ProgressTokenTurnsTheAnswerIntoAnEventStream) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    server.upstream.push_json(200, R"({"jti":"abc"})");
    const auto reply = client.post(tools_call_body(21, R"(,"_meta":{"progressToken":"p-1"})"));
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "text/event-stream");
    EXPECT_EQ(reply.header("Transfer-Encoding"), "chunked");  // and the stream ended: read whole
    const auto events = parse_sse(reply.body);
    ASSERT_GE(events.size(), 3U) << reply.body;
    std::vector<std::string> ids;
    for (const auto& event : events) {
        EXPECT_EQ(event.event, "message");
        EXPECT_FALSE(event.id.empty());
        ids.push_back(event.id);
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end()) << "event ids must be unique";
    double last_progress = -1;
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
        const auto message = json::parse(events[i].data);
        EXPECT_EQ(message.at("method").as_string(), "notifications/progress");
        EXPECT_EQ(message.at("params").at("progressToken").as_string(), "p-1");
        const auto progress = message.at("params").at("progress").to_number<double>();
        EXPECT_GT(progress, last_progress);
        last_progress = progress;
    }
    const auto response = json::parse(events.back().data);
    EXPECT_EQ(response.at("id").as_int64(), 21);
    EXPECT_EQ(response.at("result").at("structuredContent").at("jti").as_string(), "abc");
    // The connection stays usable after the stream.
    EXPECT_EQ(client.post(R"({"jsonrpc":"2.0","id":22,"method":"ping"})").status, 200);
}

TEST(HttpStreaming, LogMessagesAlsoStream) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    ASSERT_EQ(
        client
            .post(
                R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"debug"}})")
            .status,
        200);
    server.upstream.push_json(200, R"({"jti":"abc"})");
    const auto reply = client.post(tools_call_body(2));
    ASSERT_EQ(reply.header("Content-Type"), "text/event-stream");
    const auto events = parse_sse(reply.body);
    ASSERT_EQ(events.size(), 2U) << reply.body;
    EXPECT_EQ(json::parse(events[0].data).at("method").as_string(), "notifications/message");
    EXPECT_EQ(json::parse(events[1].data).at("id").as_int64(), 2);
}

TEST(HttpStreaming, CancelledRequestEndsTheStreamWithoutAResponse) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    cmcp::testing::FakeUpstream::Script held;
    held.hold = true;
    server.upstream.push(held);
    McpClient caller(server.port());
    caller.session_id = client.session_id;
    caller.protocol_version = client.protocol_version;
    auto streamed = std::async(std::launch::async, [&] {
        return caller.post(tools_call_body(31, R"(,"_meta":{"progressToken":7})"));
    });
    ASSERT_TRUE(server.upstream.wait_for_requests(1, 5s));
    const auto cancel = client.post(
        R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":31,"reason":"user"}})");
    EXPECT_EQ(cancel.status, 202);
    const auto reply = streamed.get();
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "text/event-stream");
    for (const auto& event : parse_sse(reply.body)) {
        EXPECT_FALSE(json::parse(event.data).as_object().contains("id")) << event.data;
    }
}

TEST(HttpStreaming, CancelledRequestBeforeAnyEventIsAnEmptyStream) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    cmcp::testing::FakeUpstream::Script held;
    held.hold = true;
    server.upstream.push(held);
    McpClient caller(server.port());
    caller.session_id = client.session_id;
    caller.protocol_version = client.protocol_version;
    auto pending = std::async(std::launch::async, [&] { return caller.post(tools_call_body(41)); });
    ASSERT_TRUE(server.upstream.wait_for_requests(1, 5s));
    EXPECT_EQ(
        client
            .post(
                R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":41}})")
            .status,
        202);
    const auto reply = pending.get();
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "text/event-stream");
    EXPECT_TRUE(reply.body.empty());
}

}  // namespace
}  // namespace cmcp::transport::http
