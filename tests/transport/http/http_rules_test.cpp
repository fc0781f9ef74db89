// One test per status-code rule of the Streamable HTTP transport (issue #4).
#include <gtest/gtest.h>

#include "server_harness.hpp"
#include "test_client.hpp"

namespace cmcp::transport::http {
namespace {

namespace json = boost::json;
using test_support::Headers;
using test_support::HttpReply;
using test_support::initialize_body;
using test_support::McpClient;
using test_support::ServerHarness;
using test_support::test_options;

constexpr auto kToolsList = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";

// A JSON-RPC error body without an id (id null), as the transport sends for refusals.
void expect_transport_error(const HttpReply& reply, std::string_view message_part = "") {
    ASSERT_EQ(reply.header("Content-Type"), "application/json") << reply.body;
    const auto body = reply.json();
    EXPECT_EQ(body.at("jsonrpc").as_string(), "2.0");
    EXPECT_TRUE(body.at("id").is_null());
    const auto code = body.at("error").at("code").as_int64();
    EXPECT_FALSE(code <= -32020 && code >= -32099) << code;
    const std::string message(body.at("error").at("message").as_string());
    EXPECT_NE(message.find(message_part), std::string::npos) << message;
}

TEST(HttpRules, PostWithoutBothAcceptTypesIs406) {
    ServerHarness server;
    McpClient client(server.port());
    for (const auto* accept : {"application/json", "text/event-stream", ""}) {
        const auto reply = client.post(initialize_body(), {{"Accept", accept}});
        EXPECT_EQ(reply.status, 406) << accept;
        expect_transport_error(reply, "Accept");
    }
    EXPECT_EQ(client.post(initialize_body(), {{"Accept", "*/*"}}).status, 200);
}

TEST(HttpRules, PostWithoutJsonContentTypeIs415) {
    ServerHarness server;
    McpClient client(server.port());
    for (const auto* type : {"text/plain", "application/x-www-form-urlencoded", ""}) {
        const auto reply = client.post(initialize_body(), {{"Content-Type", type}});
        EXPECT_EQ(reply.status, 415) << type;
        expect_transport_error(reply, "Content-Type");
    }
    const auto reply =
        client.post(initialize_body(), {{"Content-Type", "application/json; charset=utf-8"}});
    EXPECT_EQ(reply.status, 200);
}

TEST(HttpRules, BodyOverTheLimitIs413) {
    auto options = test_options();
    options.max_body_bytes = 1024;
    ServerHarness server(options);
    McpClient client(server.port());
    const std::string big = R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":")" +
                            std::string(2000, 'x') + R"("}})";
    const auto reply = client.post(big);
    EXPECT_EQ(reply.status, 413);
    expect_transport_error(reply, "1024");
    EXPECT_EQ(reply.header("Connection"), "close");

    // Announced but never sent: refused from the head alone, without waiting for the body.
    test_support::RawConnection raw(server.port());
    raw.write(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nContent-Length: 100000000\r\n\r\n");
    EXPECT_EQ(raw.read_response().status, 413);

    // Chunked bodies are counted as they arrive.
    test_support::RawConnection chunked(server.port());
    chunked.write(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        "800\r\n" +
        std::string(0x800, ' ') + "\r\n");
    EXPECT_EQ(chunked.read_response().status, 413);

    client.reconnect();
    EXPECT_EQ(client.post(initialize_body()).status, 200);  // under the limit
}

TEST(HttpRules, UnknownPathIs404) {
    ServerHarness server;
    McpClient client(server.port());
    for (const auto* target : {"/", "/mcp/", "/sse", "/mcpx", "/.well-known/oauth"}) {
        const auto reply = client.send(boost::beast::http::verb::post, target, initialize_body());
        EXPECT_EQ(reply.status, 404) << target;
    }
    EXPECT_EQ(client.send(boost::beast::http::verb::post, "/mcp?x=1", initialize_body()).status,
              200);
}

TEST(HttpRules, UnknownSessionIs404) {
    ServerHarness server;
    McpClient client(server.port());
    client.session_id = std::string(32, 'a');
    const auto reply = client.post(kToolsList);
    EXPECT_EQ(reply.status, 404);
    expect_transport_error(reply, "session");
    EXPECT_EQ(client.del().status, 404);
}

TEST(HttpRules, MissingSessionIdIs400) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    client.session_id.clear();
    const auto reply = client.post(kToolsList);
    EXPECT_EQ(reply.status, 400);
    expect_transport_error(reply, "Mcp-Session-Id");
    // Also for notifications and batches: only initialize may come without a session.
    EXPECT_EQ(client.post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").status, 400);
    EXPECT_EQ(client.del().status, 400);
}

TEST(HttpRules, UnsupportedProtocolVersionIs400) {
    ServerHarness server;
    McpClient client(server.port());
    for (const auto* version : {"2099-01-01", "1999-01-01", "latest"}) {
        const auto reply = client.post(initialize_body(), {{"MCP-Protocol-Version", version}});
        EXPECT_EQ(reply.status, 400) << version;
        expect_transport_error(reply, "2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05");
    }
    // 2026-07-28 is supported, but only with the per-request envelope (tests HttpModern.*).
    client.initialize();
    const auto reply = client.post(kToolsList, {{"MCP-Protocol-Version", "2026-07-28"}});
    EXPECT_EQ(reply.status, 400);
}

// Regression (fuzz/reproducers/fuzz_http_router-version-header-not-utf8): the unsupported
// version was echoed byte for byte, and a header that is not UTF-8 made the body invalid JSON.
TEST(HttpRules, UnsupportedProtocolVersionIsEchoedAsValidUtf8) {
    ServerHarness server;
    McpClient client(server.port());
    const auto reply = client.post(initialize_body(), {{"MCP-Protocol-Version", "2025-\xE9-\xFF"}});
    EXPECT_EQ(reply.status, 400);
    expect_transport_error(reply, "Unsupported protocol version: 2025-?-? (supported versions:");
    const auto long_reply =
        client.post(initialize_body(), {{"MCP-Protocol-Version", std::string(4000, 'v')}});
    EXPECT_EQ(long_reply.status, 400);
    EXPECT_LT(long_reply.body.size(), 500U);
}

TEST(HttpRules, ASupportedProtocolVersionDifferentFromTheSessionsIsAccepted) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize("2025-06-18");
    EXPECT_EQ(client.post(kToolsList).status, 200);
    // Only invalid or unsupported values are refused; the session keeps its own version.
    const auto reply = client.post(kToolsList, {{"MCP-Protocol-Version", "2025-03-26"}});
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(client.post(kToolsList, {{"MCP-Protocol-Version", "2026-07-28"}}).status, 400);
    // Absent: the session's version applies.
    EXPECT_EQ(client.post(kToolsList, {{"MCP-Protocol-Version", ""}}).status, 200);
}

TEST(HttpRules, ParseErrorIs400WithJsonRpcParseError) {
    ServerHarness server;
    McpClient client(server.port());
    for (const auto* body : {"{", "", "not json", R"({"jsonrpc":"2.0",})"}) {
        const auto reply = client.post(body);
        EXPECT_EQ(reply.status, 400) << body;
        EXPECT_EQ(reply.json().at("error").at("code").as_int64(), -32700) << body;
        EXPECT_TRUE(reply.json().at("id").is_null());
    }
    // Hostile nesting is a parse error too, not a stack overflow.
    const auto reply = client.post(std::string(100000, '['));
    EXPECT_EQ(reply.status, 400);
}

TEST(HttpRules, ForeignHostIs403) {
    ServerHarness server;
    McpClient client(server.port());
    for (const auto* host : {"evil.example.com", "evil.example.com:80", "localhost.evil.com"}) {
        const auto reply = client.post(initialize_body(), {{"Host", host}});
        EXPECT_EQ(reply.status, 403) << host;
        expect_transport_error(reply, "Host");
    }
    // Also on /healthz and /metrics.
    EXPECT_EQ(
        client.send(boost::beast::http::verb::get, "/healthz", "", {{"Host", "evil.example.com"}})
            .status,
        403);
    EXPECT_EQ(
        client.send(boost::beast::http::verb::get, "/metrics", "", {{"Host", "evil.example.com"}})
            .status,
        403);
}

TEST(HttpRules, ForeignOriginIs403) {
    ServerHarness server;
    McpClient client(server.port());
    for (const auto* origin : {"http://evil.example.com", "null", "https://localhost.evil.com"}) {
        const auto reply = client.post(initialize_body(), {{"Origin", origin}});
        EXPECT_EQ(reply.status, 403) << origin;
        expect_transport_error(reply, "Origin");
    }
}

TEST(HttpRules, LoopbackHostsAndOriginsPass) {
    ServerHarness server;
    McpClient client(server.port());
    const auto port = std::to_string(server.port());
    for (const auto& [host, origin] : std::vector<std::pair<std::string, std::string>>{
             {"localhost:" + port, "http://localhost:" + port},
             {"127.0.0.1:" + port, "http://127.0.0.1:6274"},
             {"[::1]:" + port, "https://[::1]"},
             {"localhost", ""}}) {
        const auto reply = client.post(initialize_body(), {{"Host", host}, {"Origin", origin}});
        EXPECT_EQ(reply.status, 200) << host << " " << origin;
    }
}

TEST(HttpRules, ConfiguredHostsAndOriginsPass) {
    auto options = test_options();
    options.allowed_hosts = {"mcp.example.com"};
    options.allowed_origins = {"https://app.example.com"};
    ServerHarness server(options);
    McpClient client(server.port());
    EXPECT_EQ(client
                  .post(initialize_body(),
                        {{"Host", "mcp.example.com"}, {"Origin", "https://app.example.com"}})
                  .status,
              200);
    EXPECT_EQ(client
                  .post(initialize_body(),
                        {{"Host", "mcp.example.com"}, {"Origin", "https://other.example.com"}})
                  .status,
              403);
}

// What the conformance suite's dns-rebinding-protection scenario sends.
TEST(HttpRules, DnsRebindingScenario) {
    ServerHarness server;
    McpClient client(server.port());
    const auto evil = client.post(
        initialize_body(), {{"Host", "evil.example.com"}, {"Origin", "http://evil.example.com"}});
    EXPECT_GE(evil.status, 400);
    EXPECT_LT(evil.status, 500);
    const auto local = "localhost:" + std::to_string(server.port());
    const auto good =
        client.post(initialize_body(), {{"Host", local}, {"Origin", "http://" + local}});
    EXPECT_GE(good.status, 200);
    EXPECT_LT(good.status, 300);
}

TEST(HttpRules, MissingOrWrongTokenIs401) {
    auto options = test_options();
    options.auth_tokens = {"s3cret-token"};
    ServerHarness server(options);
    McpClient client(server.port());

    const auto missing = client.post(initialize_body());
    EXPECT_EQ(missing.status, 401);
    EXPECT_EQ(missing.header("WWW-Authenticate"), R"(Bearer realm="credentials-mcp")");
    expect_transport_error(missing, "Unauthorized");

    for (const auto* value :
         {"Bearer wrong", "Bearer s3cret-token-", "Basic czNjcmV0LXRva2Vu", "Bearer s3cret-toke"}) {
        const auto wrong = client.post(initialize_body(), {{"Authorization", value}});
        EXPECT_EQ(wrong.status, 401) << value;
        EXPECT_EQ(wrong.header("WWW-Authenticate"),
                  R"(Bearer realm="credentials-mcp", error="invalid_token")");
    }
    EXPECT_EQ(client.post(initialize_body(), {{"Authorization", "Bearer s3cret-token"}}).status,
              200);
    // Probes and scrapers need no token.
    EXPECT_EQ(client.send(boost::beast::http::verb::get, "/healthz", "").status, 200);
    EXPECT_EQ(client.send(boost::beast::http::verb::get, "/metrics", "").status, 200);
}

TEST(HttpRules, AnyOfSeveralTokensIsAccepted) {
    auto options = test_options();
    options.auth_tokens = {"old-token", "new-token-after-rotation"};
    ServerHarness server(options);
    McpClient client(server.port());
    for (const auto* token : {"old-token", "new-token-after-rotation"}) {
        const Headers auth = {{"Authorization", std::string("Bearer ") + token}};
        const auto reply = client.post(initialize_body(), auth);
        ASSERT_EQ(reply.status, 200) << token;
        client.session_id = reply.header("Mcp-Session-Id");
        EXPECT_EQ(client.post(kToolsList, auth).status, 200) << token;
        client.session_id.clear();
    }
}

TEST(HttpRules, GetIs405) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    const auto reply = client.get();
    EXPECT_EQ(reply.status, 405);
    EXPECT_EQ(reply.header("Allow"), "POST, DELETE");
}

TEST(HttpRules, StatelessGetAndDeleteAre405) {
    auto options = test_options();
    options.stateless = true;
    ServerHarness server(options);
    McpClient client(server.port());
    for (const auto method : {boost::beast::http::verb::get, boost::beast::http::verb::delete_,
                              boost::beast::http::verb::put}) {
        const auto reply = client.send(method, "/mcp", "");
        EXPECT_EQ(reply.status, 405);
        EXPECT_EQ(reply.header("Allow"), "POST");
    }
}

TEST(HttpRules, NotificationIs202WithEmptyBody) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    const auto reply = client.post(
        R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})");
    EXPECT_EQ(reply.status, 202);
    EXPECT_TRUE(reply.body.empty());
}

TEST(HttpRules, ClientResponseIs202) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    const auto result = client.post(R"({"jsonrpc":"2.0","id":"s-1","result":{}})");
    EXPECT_EQ(result.status, 202);
    EXPECT_TRUE(result.body.empty());
    const auto error =
        client.post(R"({"jsonrpc":"2.0","id":"s-2","error":{"code":-1,"message":"no"}})");
    EXPECT_EQ(error.status, 202);
}

TEST(HttpRules, InvalidMessageWithoutRequestIs400) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    const auto reply = client.post(R"({"jsonrpc":"1.0","method":"notifications/initialized"})");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.json().at("error").at("code").as_int64(), -32600);
}

TEST(HttpRules, RequestIs200Json) {
    ServerHarness server;
    McpClient client(server.port());
    client.initialize();
    const auto reply = client.post(kToolsList);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "application/json");
    EXPECT_EQ(reply.json().at("id").as_int64(), 1);
    EXPECT_EQ(reply.json().at("result").at("tools").as_array().size(), 23U);
    // Session-level errors are normal JSON-RPC answers.
    const auto unknown = client.post(R"({"jsonrpc":"2.0","id":2,"method":"resources/list"})");
    EXPECT_EQ(unknown.status, 200);
    EXPECT_EQ(unknown.json().at("error").at("code").as_int64(), -32601);
}

TEST(HttpRules, HealthzAndMetrics) {
    ServerHarness server;
    McpClient client(server.port());
    const auto health = client.send(boost::beast::http::verb::get, "/healthz", "");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.json(), json::parse(R"({"status":"ok"})"));
    EXPECT_EQ(client.send(boost::beast::http::verb::post, "/healthz", "").status, 405);

    client.initialize();
    server.upstream.push_json(200, R"({"jti":"abc"})");
    ASSERT_EQ(client.post(test_support::tools_call_body(5)).status, 200);
    client.post(kToolsList);
    const auto first = client.send(boost::beast::http::verb::get, "/metrics", "");
    EXPECT_EQ(first.status, 200);
    EXPECT_EQ(first.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    for (const auto* line : {
             "# TYPE mcp_http_requests_total counter\n",
             "mcp_http_requests_total{method=\"POST\",status=\"200\"} 3\n",
             "mcp_http_requests_total{method=\"POST\",status=\"202\"} 1\n",
             "mcp_http_requests_total{method=\"GET\",status=\"200\"} 1\n",
             "mcp_tool_calls_total{tool=\"get-jwt\",outcome=\"ok\",era=\"legacy\"} 1\n",
             "mcp_tool_call_duration_seconds_bucket{tool=\"get-jwt\",le=\"+Inf\"} 1\n",
             "mcp_tool_call_duration_seconds_count{tool=\"get-jwt\"} 1\n",
             "# TYPE mcp_upstream_request_duration_seconds histogram\n",
             "# TYPE mcp_upstream_requests_total counter\n",
             "mcp_sessions_live 1\n",
         }) {
        EXPECT_NE(first.body.find(line), std::string::npos) << line << "\nin:\n" << first.body;
    }
    client.post(kToolsList);
    const auto second = client.send(boost::beast::http::verb::get, "/metrics", "");
    EXPECT_NE(second.body.find("mcp_http_requests_total{method=\"POST\",status=\"200\"} 4\n"),
              std::string::npos);
    EXPECT_NE(second.body.find("mcp_http_requests_total{method=\"GET\",status=\"200\"} 2\n"),
              std::string::npos);
}

TEST(HttpRules, HeaderTooLargeIs431) {
    ServerHarness server;
    McpClient client(server.port());
    const auto reply = client.post(initialize_body(), {{"X-Padding", std::string(10000, 'p')}});
    EXPECT_EQ(reply.status, 431);
}

TEST(HttpRules, MalformedHttpIs400AndCloses) {
    ServerHarness server;
    test_support::RawConnection raw(server.port());
    raw.write("POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Length: banana\r\n\r\n");
    EXPECT_EQ(raw.read_response().status, 400);
    EXPECT_TRUE(raw.closed_within(std::chrono::seconds(3)));

    test_support::RawConnection garbage(server.port());
    garbage.write(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15));
    EXPECT_TRUE(garbage.closed_within(std::chrono::seconds(3)));
}

TEST(HttpRules, Http10Is505) {
    ServerHarness server;
    test_support::RawConnection raw(server.port());
    raw.write("GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n");
    EXPECT_EQ(raw.read_response().status, 505);
    // HTTP/1.0 may omit Host.
    test_support::RawConnection without_host(server.port());
    without_host.write("GET /healthz HTTP/1.0\r\n\r\n");
    EXPECT_EQ(without_host.read_response().status, 505);
}

}  // namespace
}  // namespace cmcp::transport::http
