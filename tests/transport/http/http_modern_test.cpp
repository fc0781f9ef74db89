// Issue 16 over HTTP: MCP 2026-07-28 beside the legacy revisions on one endpoint. One test per
// rule of the revision's Streamable HTTP transport: the ladder of header and envelope checks
// with the status code each one gets, unknown methods (404), sessions ignored, per-request
// narrowing, Host/Origin checks kept, and cancellation by closing the request's connection.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "server_harness.hpp"
#include "test_client.hpp"

namespace cmcp::transport::http {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test_support::Headers;
using test_support::HttpReply;
using test_support::McpClient;
using test_support::RawConnection;
using test_support::ServerHarness;
using test_support::test_options;

constexpr std::string_view kEnvelope =
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
    R"("io.modelcontextprotocol/clientInfo":{"name":"wire","version":"1"},)"
    R"("io.modelcontextprotocol/clientCapabilities":{}})";
constexpr std::string_view kTokenId = "6c817983-ed16-424d-947b-c7e29fb0e8e0";

std::string request(int id, std::string_view method, std::string_view params = "") {
    return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" +
           std::string(method) + R"(","params":{)" + std::string(params) +
           (params.empty() ? "" : ",") + std::string(kEnvelope) + "}}";
}

std::string get_token_call(int id) {
    return request(id, "tools/call",
                   R"("name":"get-token","arguments":{"region":"fr-par","token_id":")" +
                       std::string(kTokenId) + R"("})");
}

// The headers a 2026-07-28 client sends with a request.
Headers modern_headers(std::string_view method, std::string_view name = "") {
    Headers headers{{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", std::string(method)}};
    if (!name.empty()) {
        headers.emplace_back("Mcp-Name", std::string(name));
    }
    return headers;
}

// A JSON-RPC error reply with this code, echoing the request id.
void expect_error(const HttpReply& reply, int status, int code, std::string_view text = "",
                  json::value id = 1) {
    EXPECT_EQ(reply.status, status) << reply.body;
    ASSERT_EQ(reply.header("Content-Type"), "application/json") << reply.body;
    const auto body = reply.json();
    EXPECT_EQ(body.at("id"), id) << reply.body;
    EXPECT_EQ(body.at("error").at("code").as_int64(), code) << reply.body;
    EXPECT_NE(std::string(body.at("error").at("message").as_string()).find(text), std::string::npos)
        << reply.body;
}

void expect_modern_result(const json::object& result) {
    EXPECT_EQ(result.at("resultType").as_string(), "complete");
    EXPECT_EQ(result.at("_meta").at("io.modelcontextprotocol/serverInfo").at("name").as_string(),
              "credentials-mcp");
}

TEST(HttpModern, DiscoverListsBothErasAndCacheHints) {
    ServerHarness server;
    McpClient client(server.port());
    const auto reply =
        client.post(request(1, "server/discover"), modern_headers("server/discover"));
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.header("Content-Type"), "application/json");
    EXPECT_FALSE(reply.has_header("Mcp-Session-Id"));
    const auto result = reply.json().at("result").as_object();
    EXPECT_EQ(json::serialize(result.at("supportedVersions")),
              R"(["2026-07-28","2025-11-25","2025-06-18","2025-03-26","2024-11-05"])");
    EXPECT_TRUE(result.at("capabilities").at("tools").is_object());
    EXPECT_TRUE(result.at("capabilities").at("logging").is_object());
    EXPECT_EQ(result.at("ttlMs").as_int64(), 300000);
    EXPECT_EQ(result.at("cacheScope").as_string(), "public");
    expect_modern_result(result);
}

TEST(HttpModern, ToolsListAndCallCarryTheRevisionsFields) {
    ServerHarness server;
    McpClient client(server.port());
    const auto listed = client.post(request(1, "tools/list"), modern_headers("tools/list"));
    ASSERT_EQ(listed.status, 200) << listed.body;
    const auto list = listed.json().at("result").as_object();
    EXPECT_EQ(list.at("tools").as_array().size(), 23U);
    EXPECT_EQ(list.at("cacheScope").as_string(), "public");
    EXPECT_EQ(list.at("ttlMs").as_int64(), 300000);
    expect_modern_result(list);

    server.upstream.push_json(200, R"({"id":"6c817983-ed16-424d-947b-c7e29fb0e8e0"})");
    const auto called = client.post(get_token_call(2), modern_headers("tools/call", "get-token"));
    ASSERT_EQ(called.status, 200) << called.body;
    const auto result = called.json().at("result").as_object();
    EXPECT_EQ(result.at("structuredContent").at("id").as_string(), kTokenId);
    EXPECT_FALSE(result.contains("ttlMs"));
    expect_modern_result(result);
}

TEST(HttpModern, ListsThatDifferPerCallerAreCachedPrivatelyOrNotAtAll) {
    auto options = test_options();
    options.auth_tokens = {"token-a"};
    ServerHarness server(options);
    McpClient client(server.port());
    auto headers = modern_headers("tools/list");
    headers.emplace_back("Authorization", "Bearer token-a");
    const auto authenticated = client.post(request(1, "tools/list"), headers).json();
    EXPECT_EQ(authenticated.at("result").at("cacheScope").as_string(), "private");
    EXPECT_EQ(authenticated.at("result").at("ttlMs").as_int64(), 300000);
    headers.emplace_back("X-MCP-Toolsets", "scaleway-iam");
    const auto narrowed = client.post(request(2, "tools/list"), headers).json();
    EXPECT_EQ(narrowed.at("result").at("tools").as_array().size(), 3U);
    EXPECT_EQ(narrowed.at("result").at("cacheScope").as_string(), "private");
    EXPECT_EQ(narrowed.at("result").at("ttlMs").as_int64(), 0);
}

TEST(HttpModern, HeadersMustAgreeWithTheBody) {
    ServerHarness server;
    McpClient client(server.port());
    const auto call = get_token_call(1);
    const std::vector<std::pair<Headers, std::string>> cases = {
        {{{"Mcp-Method", "tools/call"}, {"Mcp-Name", "get-token"}}, "MCP-Protocol-Version"},
        {{{"MCP-Protocol-Version", "2025-11-25"},
          {"Mcp-Method", "tools/call"},
          {"Mcp-Name", "get-token"}},
         "MCP-Protocol-Version"},
        {{{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Name", "get-token"}}, "Mcp-Method"},
        {{{"MCP-Protocol-Version", "2026-07-28"},
          {"Mcp-Method", "tools/list"},
          {"Mcp-Name", "get-token"}},
         "Mcp-Method"},
        {{{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/call"}}, "Mcp-Name"},
        {{{"MCP-Protocol-Version", "2026-07-28"},
          {"Mcp-Method", "tools/call"},
          {"Mcp-Name", "get-jwt"}},
         "Mcp-Name"},
        {{{"MCP-Protocol-Version", "2026-07-28"},
          {"Mcp-Method", "tools/call"},
          {"Mcp-Name", "=?base64?not base64!?="}},
         "Mcp-Name"},
    };
    for (const auto& [headers, named] : cases) {
        const auto reply = client.post(call, headers);
        expect_error(reply, 400, -32020, named);
        EXPECT_EQ(reply.json().at("error").at("data").at("header").as_string(), named);
    }
    server.upstream.push_json(200, R"({"id":"x"})");
    // Values may come base64-encoded: "get-token".
    const auto encoded = client.post(call, {{"MCP-Protocol-Version", "2026-07-28"},
                                            {"Mcp-Method", "=?base64?dG9vbHMvY2FsbA==?="},
                                            {"Mcp-Name", "=?base64?Z2V0LXRva2Vu?="}});
    EXPECT_EQ(encoded.status, 200) << encoded.body;
}

TEST(HttpModern, AMalformedEnvelopeIs400InvalidParams) {
    ServerHarness server;
    McpClient client(server.port());
    const auto headers = modern_headers("tools/list");
    const auto without_capabilities =
        client.post(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{)"
                    R"("io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})",
                    headers);
    expect_error(without_capabilities, 400, -32602, "clientCapabilities: missing");
    const auto loud =
        client.post(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{)"
                    R"("io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
                    R"("io.modelcontextprotocol/clientCapabilities":{},)"
                    R"("io.modelcontextprotocol/logLevel":"loud"}}})",
                    headers);
    expect_error(loud, 400, -32602, "logLevel");
    const auto not_a_string =
        client.post(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{)"
                    R"("io.modelcontextprotocol/protocolVersion":20260728,)"
                    R"("io.modelcontextprotocol/clientCapabilities":{}}}})",
                    headers);
    expect_error(not_a_string, 400, -32602, "protocolVersion");
}

TEST(HttpModern, AnUnsupportedVersionIs400WithEveryVersionListed) {
    ServerHarness server;
    McpClient client(server.port());
    for (const auto* version : {"2099-01-01", "2025-11-25"}) {
        const auto reply = client.post(
            R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{)"
            R"("io.modelcontextprotocol/protocolVersion":")" +
                std::string(version) + R"(","io.modelcontextprotocol/clientCapabilities":{}}}})",
            {{"MCP-Protocol-Version", version}, {"Mcp-Method", "tools/list"}});
        expect_error(reply, 400, -32022, "Unsupported protocol version");
        const auto data = reply.json().at("error").at("data");
        EXPECT_EQ(data.at("requested").as_string(), version);
        EXPECT_EQ(data.at("supported").as_array().front().as_string(), "2026-07-28");
        EXPECT_EQ(data.at("supported").as_array().size(), 5U);
    }
}

TEST(HttpModern, MethodsTheRevisionDoesNotHaveAre404) {
    ServerHarness server;
    McpClient client(server.port());
    for (const auto* method :
         {"ping", "logging/setLevel", "initialize", "resources/list", "no/such"}) {
        expect_error(client.post(request(1, method), modern_headers(method)), 404, -32601,
                     "Method not found");
    }
}

TEST(HttpModern, LegacyBodiesWithAModernHeaderAreRefused) {
    ServerHarness server;
    McpClient client(server.port());
    expect_error(client.post(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})",
                             modern_headers("tools/list")),
                 400, -32602, "envelope");
    expect_error(client.post(test_support::initialize_body("2025-11-25", 1),
                             {{"MCP-Protocol-Version", "2026-07-28"}}),
                 400, -32020, "initialize");
}

TEST(HttpModern, BatchesWithModernRequestsAreRefused) {
    ServerHarness server;
    McpClient client(server.port());
    const auto reply =
        client.post("[" + request(1, "tools/list") + "]", {{"MCP-Protocol-Version", "2026-07-28"}});
    expect_error(reply, 400, -32600, "batches", nullptr);
}

TEST(HttpModern, NotificationsAreAccepted) {
    ServerHarness server;
    McpClient client(server.port());
    const auto reply = client.post(
        R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9,)" +
            std::string(kEnvelope) + "}}",
        {{"MCP-Protocol-Version", "2026-07-28"}});
    EXPECT_EQ(reply.status, 202) << reply.body;
}

TEST(HttpModern, AnUnknownToolIsAnInBandError) {
    ServerHarness server;
    McpClient client(server.port());
    const auto reply = client.post(request(1, "tools/call", R"("name":"nope","arguments":{})"),
                                   modern_headers("tools/call", "nope"));
    expect_error(reply, 200, -32602, "Unknown tool");
}

TEST(HttpModern, SessionsPlayNoPart) {
    ServerHarness server;  // stateful mode
    McpClient client(server.port());
    auto headers = modern_headers("tools/list");
    headers.emplace_back("Mcp-Session-Id", std::string(32, 'f'));  // unknown: ignored
    const auto reply = client.post(request(1, "tools/list"), headers);
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_FALSE(reply.has_header("Mcp-Session-Id"));
    // And the legacy era still works beside it.
    client.initialize();
    EXPECT_FALSE(client.session_id.empty());
    EXPECT_EQ(client.post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})").status, 200);
}

TEST(HttpModern, StatelessModeServesBothEras) {
    auto options = test_options();
    options.stateless = true;
    ServerHarness server(options);
    McpClient client(server.port());
    EXPECT_EQ(client.post(request(1, "tools/list"), modern_headers("tools/list")).status, 200);
    const auto legacy = client.post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})",
                                    {{"MCP-Protocol-Version", "2025-11-25"}});
    ASSERT_EQ(legacy.status, 200);
    EXPECT_FALSE(legacy.json().at("result").as_object().contains("resultType"));
}

TEST(HttpModern, HostAndOriginAreCheckedToo) {
    ServerHarness server;
    McpClient client(server.port());
    auto headers = modern_headers("tools/list");
    headers.emplace_back("Origin", "http://evil.example");
    EXPECT_EQ(client.post(request(1, "tools/list"), headers).status, 403);
    auto host = modern_headers("tools/list");
    host.emplace_back("Host", "evil.example");
    EXPECT_EQ(client.post(request(1, "tools/list"), host).status, 403);
}

TEST(HttpModern, ProgressComesOnTheRequestsOwnStream) {
    ServerHarness server;
    McpClient client(server.port());
    server.upstream.push_json(200, R"({"id":"6c817983-ed16-424d-947b-c7e29fb0e8e0"})");
    const auto reply =
        client.post(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-token",)"
                    R"("arguments":{"region":"fr-par","token_id":")" +
                        std::string(kTokenId) + R"("},"_meta":{"progressToken":"p1",)" +
                        std::string(kEnvelope.substr(9)) + "}}",
                    modern_headers("tools/call", "get-token"));
    ASSERT_EQ(reply.status, 200) << reply.body;
    ASSERT_EQ(reply.header("Content-Type"), "text/event-stream") << reply.body;
    const auto events = test_support::parse_sse(reply.body);
    ASSERT_GE(events.size(), 3U);
    const auto first = json::parse(events.front().data);
    EXPECT_EQ(first.at("method").as_string(), "notifications/progress");
    EXPECT_EQ(first.at("params").at("progressToken").as_string(), "p1");
    EXPECT_TRUE(first.at("params").as_object().contains("message"));
    const auto last = json::parse(events.back().data);
    expect_modern_result(last.at("result").as_object());
}

TEST(HttpModern, ClosingTheConnectionCancelsTheCall) {
    ServerHarness server;
    std::mutex mutex;
    std::vector<std::pair<std::string, bool>> audited;
    server.on_audit = [&](const protocol::AuditRecord& record) {
        std::lock_guard lock(mutex);
        audited.emplace_back(std::string(record.outcome), record.request_sent);
    };
    cmcp::testing::FakeUpstream::Script held;
    held.hold = true;
    held.during = [](upstream::CallControl& control) { (void)control.begin_sending(); };
    server.upstream.push(held);
    {
        RawConnection connection(server.port());
        const auto body =
            request(1, "tools/call", R"("name":"delete-jwt","arguments":{"jti":"abc"})");
        connection.write(
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n"
            "Mcp-Method: tools/call\r\nMcp-Name: delete-jwt\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
        ASSERT_TRUE(server.upstream.wait_for_requests(1, 5s));
    }  // the client goes away
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
        {
            std::lock_guard lock(mutex);
            if (!audited.empty()) {
                break;
            }
        }
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the call was not cancelled";
        std::this_thread::sleep_for(10ms);
    }
    std::lock_guard lock(mutex);
    EXPECT_EQ(audited.front().first, "cancelled");
    EXPECT_TRUE(audited.front().second) << "the request had gone out";
}

}  // namespace
}  // namespace cmcp::transport::http
