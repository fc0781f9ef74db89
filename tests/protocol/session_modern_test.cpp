// Issue 16, transport-free: a Session serves MCP 2026-07-28 requests beside the legacy era. The
// envelope and its errors, the methods the revision has, resultType and serverInfo on every
// result, caching hints, per-request log levels, progress and cancellation, and how a stdio
// connection's era follows from its first message yet every request is still judged alone.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/text.hpp"
#include "testing/fakes.hpp"

namespace cmcp::protocol {
namespace {

namespace json = boost::json;
using testing::SessionFixture;

constexpr std::string_view kEnvelope =
    R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
    R"("io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},)"
    R"("io.modelcontextprotocol/clientCapabilities":{}})";

std::string modern(int id, std::string_view method, std::string_view params = "",
                   std::string_view meta = kEnvelope) {
    return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" +
           std::string(method) + R"(","params":{)" + std::string(params) +
           (params.empty() ? "" : ",") + R"("_meta":)" + std::string(meta) + "}}";
}

// The envelope with one more key (log level, progress token).
std::string envelope_with(std::string_view member) {
    return concat({kEnvelope.substr(0, kEnvelope.size() - 1), ",", member, "}"});
}

constexpr std::string_view kJwtArguments = R"("name":"get-jwt","arguments":{"jti":"abc"})";

int error_code_of(const std::optional<json::value>& reply) {
    return static_cast<int>(reply->at("error").at("code").as_int64());
}

void expect_modern_result(const json::object& result) {
    EXPECT_EQ(result.at("resultType").as_string(), "complete");
    const auto& info = result.at("_meta").at("io.modelcontextprotocol/serverInfo");
    EXPECT_EQ(info.at("name").as_string(), "credentials-mcp");
    EXPECT_TRUE(info.as_object().contains("version"));
}

TEST(SessionModern, DiscoverNeedsNoInitialize) {
    SessionFixture fixture;
    const auto reply = fixture.send(modern(1, "server/discover"));
    const auto& result = reply->at("result").as_object();
    EXPECT_EQ(result.at("supportedVersions").as_array().front().as_string(), "2026-07-28");
    EXPECT_EQ(result.at("supportedVersions").as_array().size(), 5U);
    EXPECT_FALSE(result.at("capabilities").at("tools").at("listChanged").as_bool());
    EXPECT_EQ(result.at("cacheScope").as_string(), "public");
    EXPECT_GT(result.at("ttlMs").as_int64(), 0);
    expect_modern_result(result);
}

TEST(SessionModern, EveryResultCarriesResultTypeAndServerInfo) {
    SessionFixture fixture;
    const auto list = fixture.send(modern(1, "tools/list"));
    const auto& tools = list->at("result").as_object();
    EXPECT_EQ(tools.at("tools").as_array().size(), 23U);
    EXPECT_EQ(tools.at("cacheScope").as_string(), "public");
    expect_modern_result(tools);
    fixture.upstream.push_json(200, R"({"jti":"abc"})");
    const auto call = fixture.send(modern(2, "tools/call", kJwtArguments));
    const auto& result = call->at("result").as_object();
    EXPECT_EQ(result.at("structuredContent").at("jti").as_string(), "abc");
    expect_modern_result(result);
    // Invalid arguments and vendor errors are results too.
    const auto invalid =
        fixture.send(modern(3, "tools/call", R"("name":"get-jwt","arguments":{})"));
    EXPECT_TRUE(invalid->at("result").at("isError").as_bool());
    expect_modern_result(invalid->at("result").as_object());
    fixture.upstream.push_json(404, R"({"message":"not found","type":"not_found"})");
    const auto vendor = fixture.send(modern(4, "tools/call", kJwtArguments));
    EXPECT_TRUE(vendor->at("result").at("isError").as_bool());
    expect_modern_result(vendor->at("result").as_object());
}

TEST(SessionModern, EnvelopeErrors) {
    SessionFixture fixture;
    EXPECT_EQ(
        error_code_of(fixture.send(modern(
            1, "tools/list", "", R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28"})"))),
        -32602);
    EXPECT_EQ(
        error_code_of(fixture.send(modern(
            2, "tools/list", "", envelope_with(R"("io.modelcontextprotocol/logLevel":"loud")")))),
        -32602);
    EXPECT_EQ(
        error_code_of(fixture.send(modern(
            3, "tools/list", "", envelope_with(R"("io.modelcontextprotocol/clientInfo":7)")))),
        -32602);
    const auto unsupported = fixture.send(modern(
        4, "tools/list", "",
        R"({"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}})"));
    EXPECT_EQ(error_code_of(unsupported), -32022);
    const auto& data = unsupported->at("error").at("data");
    EXPECT_EQ(data.at("requested").as_string(), "2099-01-01");
    EXPECT_EQ(json::serialize(data.at("supported")),
              R"(["2026-07-28","2025-11-25","2025-06-18","2025-03-26","2024-11-05"])");
}

TEST(SessionModern, MethodsTheRevisionRemovedAreUnknown) {
    SessionFixture fixture;
    for (const auto* method : {"ping", "logging/setLevel", "initialize", "resources/list"}) {
        EXPECT_EQ(error_code_of(fixture.send(modern(1, method))), -32601) << method;
    }
}

TEST(SessionModern, AModernConnectionRefusesRequestsWithoutTheEnvelope) {
    SessionFixture fixture;
    fixture.send(modern(1, "server/discover"));
    const auto bare = fixture.send(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})");
    EXPECT_EQ(error_code_of(bare), -32602);
    EXPECT_NE(std::string(bare->at("error").at("message").as_string()).find("envelope"),
              std::string::npos);
    EXPECT_EQ(error_code_of(fixture.send(R"({"jsonrpc":"2.0","id":3,"method":"ping"})")), -32602);
    EXPECT_EQ(error_code_of(fixture.send(modern(4, "ping"))), -32601);
}

TEST(SessionModern, ADualEraClientFallsBackWithInitialize) {
    SessionFixture fixture;
    const auto probe = fixture.send(modern(1, "server/discover"));
    EXPECT_TRUE(probe->as_object().contains("result"));
    const auto initialized = fixture.initialize();
    EXPECT_EQ(initialized.at("result").at("protocolVersion").as_string(), "2025-11-25");
    const auto legacy = fixture.send(R"({"jsonrpc":"2.0","id":5,"method":"tools/list"})");
    EXPECT_FALSE(legacy->at("result").as_object().contains("resultType"));
    EXPECT_TRUE(fixture.send(R"({"jsonrpc":"2.0","id":6,"method":"ping"})")
                    ->as_object()
                    .contains("result"));
}

TEST(SessionModern, ALegacyConnectionStillServesAModernRequestAsModern) {
    SessionFixture fixture;
    fixture.initialize();
    const auto reply = fixture.send(modern(7, "tools/list"));
    expect_modern_result(reply->at("result").as_object());
}

TEST(SessionModern, BatchesWithModernRequestsAreRefused) {
    SessionFixture fixture;
    fixture.initialize("2025-03-26");
    const auto reply = fixture.send("[" + modern(1, "tools/list") + "]");
    EXPECT_EQ(error_code_of(reply), -32600);
}

TEST(SessionModern, LogMessagesOnlyWhenTheEnvelopeAsksForThem) {
    SessionFixture fixture;
    fixture.upstream.push_json(200, R"({"jti":"abc"})");
    auto quiet = fixture.send_async(modern(1, "tools/call", kJwtArguments));
    ASSERT_TRUE(quiet->wait_finished());
    EXPECT_TRUE(quiet->notifications().empty());

    fixture.upstream.push_json(200, R"({"jti":"abc"})");
    auto chatty =
        fixture.send_async(modern(2, "tools/call", kJwtArguments,
                                  envelope_with(R"("io.modelcontextprotocol/logLevel":"debug")")));
    ASSERT_TRUE(chatty->wait_finished());
    const auto notes = chatty->notifications();
    ASSERT_FALSE(notes.empty());
    EXPECT_EQ(notes.back().at("method").as_string(), "notifications/message");
    EXPECT_EQ(notes.back().at("params").at("level").as_string(), "debug");
}

TEST(SessionModern, ProgressWithAToken) {
    SessionFixture fixture;
    fixture.upstream.push_json(200, R"({"jti":"abc"})");
    auto call = fixture.send_async(
        modern(1, "tools/call", kJwtArguments, envelope_with(R"("progressToken":"p")")));
    ASSERT_TRUE(call->wait_finished());
    const auto notes = call->notifications();
    ASSERT_GE(notes.size(), 2U);
    EXPECT_EQ(notes.front().at("method").as_string(), "notifications/progress");
    EXPECT_EQ(notes.front().at("params").at("progressToken").as_string(), "p");
    EXPECT_TRUE(notes.front().at("params").as_object().contains("message"));
}

TEST(SessionModern, CancellationByNotification) {
    SessionFixture fixture;
    testing::FakeUpstream::Script held;
    held.hold = true;
    fixture.upstream.push(held);
    auto call = fixture.send_async(modern(9, "tools/call", kJwtArguments));
    ASSERT_TRUE(fixture.upstream.wait_for_requests(1, std::chrono::seconds(5)));
    fixture.send(
        R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9,"_meta":)" +
        std::string(kEnvelope) + "}}");
    ASSERT_TRUE(call->wait_finished());
    EXPECT_FALSE(call->reply().has_value()) << "a cancelled request is never answered";
}

TEST(SessionModern, AuditAndMetricsSeeModernCalls) {
    SessionFixture fixture;
    std::vector<std::string> seen;
    fixture.services.on_tool_call = [&seen](std::string_view tool, std::string_view outcome,
                                            std::string_view era, std::chrono::milliseconds) {
        seen.push_back(std::string(tool) + ":" + std::string(outcome) + ":" + std::string(era));
    };
    std::vector<std::string> audited;
    fixture.services.audit = [&audited](const AuditRecord& record) {
        if (record.event == "intent") {
            return true;  // written only with --audit-required; the final lines are checked
        }
        audited.push_back(std::string(record.tool) + ":" + std::string(record.outcome));
        return true;
    };
    fixture.upstream.push_json(204, "");
    fixture.send(modern(1, "tools/call", R"("name":"delete-jwt","arguments":{"jti":"abc"})"));
    fixture.initialize();
    fixture.upstream.push_json(204, "");
    fixture.send(
        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete-jwt","arguments":{"jti":"abc"}}})");
    EXPECT_EQ(seen, (std::vector<std::string>{"delete-jwt:ok:modern", "delete-jwt:ok:legacy"}));
    EXPECT_EQ(audited, (std::vector<std::string>{"delete-jwt:ok", "delete-jwt:ok"}));
}

TEST(SessionModern, NarrowingAppliesPerRequest) {
    SessionOptions options;
    options.callers_differ = true;
    SessionFixture fixture(options);
    catalog::Narrowing narrowing;
    narrowing.add(catalog::ToolSelection{{"scaleway-iam"}, {}, {}, false});
    auto exchange = std::make_shared<testing::RecordingExchange>();
    fixture.session->handle_text(modern(1, "tools/list"), exchange,
                                 RequestScope{&narrowing, fixture.io.executor()});
    ASSERT_TRUE(exchange->wait_finished());
    const auto reply = exchange->reply();
    const auto& result = reply->at("result").as_object();
    EXPECT_EQ(result.at("tools").as_array().size(), 3U);
    EXPECT_EQ(result.at("cacheScope").as_string(), "private");
    EXPECT_EQ(result.at("ttlMs").as_int64(), 0);
    const auto whole = fixture.send(modern(2, "tools/list"));
    EXPECT_EQ(whole->at("result").at("cacheScope").as_string(), "private");
    EXPECT_EQ(whole->at("result").at("tools").as_array().size(), 23U);
}

}  // namespace
}  // namespace cmcp::protocol
