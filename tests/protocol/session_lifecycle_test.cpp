#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/versions.hpp"
#include "testing/fakes.hpp"
#include "testing/json.hpp"

namespace cmcp::protocol {
namespace {

namespace json = boost::json;
using testing::SessionFixture;

int error_code_of(const std::optional<json::value>& reply) {
    return static_cast<int>(reply->at("error").at("code").as_int64());
}

TEST(SessionLifecycle, InitializeEchoesEachSupportedVersion) {
    for (const auto version : kSupportedVersions) {
        SessionFixture fixture;
        const auto reply = fixture.initialize(version);
        EXPECT_EQ(reply.at("result").at("protocolVersion").as_string(), version);
    }
}

TEST(SessionLifecycle, UnknownVersionGetsTheLatest) {
    for (const auto requested : {"1999-01-01", "2026-07-28", "", "garbage"}) {
        SessionFixture fixture;
        const auto reply = fixture.initialize(requested);
        EXPECT_EQ(reply.at("result").at("protocolVersion").as_string(), "2025-11-25") << requested;
    }
}

TEST(SessionLifecycle, InitializeResultDescribesTheServer) {
    SessionFixture fixture;
    const auto reply = fixture.initialize();
    EXPECT_EQ(reply.at("jsonrpc").as_string(), "2.0");
    EXPECT_EQ(reply.at("id").as_int64(), 0);  // id 0 is a real id
    const auto& result = reply.at("result").as_object();
    const auto& info = result.at("serverInfo").as_object();
    EXPECT_EQ(info.at("name").as_string(), "credentials-mcp");
    EXPECT_EQ(info.at("version").as_string(), "0.0.0-test");
    EXPECT_EQ(info.at("title").as_string(), "Credentials MCP");
    const auto& capabilities = result.at("capabilities").as_object();
    EXPECT_TRUE(capabilities.at("tools").is_object());
    EXPECT_TRUE(capabilities.at("logging").is_object());
    EXPECT_FALSE(capabilities.contains("resources"));
    EXPECT_FALSE(capabilities.contains("prompts"));
    EXPECT_EQ(result.at("instructions").as_string(), "test instructions");
}

TEST(SessionLifecycle, InitializeWithoutProtocolVersionIsInvalidParams) {
    SessionFixture fixture;
    const auto reply =
        fixture.send(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
    EXPECT_EQ(error_code_of(reply), -32602);
    EXPECT_FALSE(fixture.session->initialized());
}

TEST(SessionLifecycle, SecondInitializeIsInvalidRequest) {
    SessionFixture fixture;
    fixture.initialize();
    const auto reply = fixture.send(
        R"({"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})");
    EXPECT_EQ(error_code_of(reply), -32600);
    EXPECT_EQ(reply->at("id").as_int64(), 7);
    EXPECT_EQ(fixture.session->protocol_version(), "2025-11-25");
}

TEST(SessionLifecycle, PingWorksBeforeAndAfterInitialize) {
    SessionFixture fixture;
    auto reply = fixture.send(R"({"jsonrpc":"2.0","id":"p1","method":"ping"})");
    EXPECT_EQ(reply->at("result"), json::object());
    EXPECT_EQ(reply->at("id").as_string(), "p1");
    fixture.initialize();
    reply = fixture.send(R"({"jsonrpc":"2.0","id":2,"method":"ping","params":{}})");
    EXPECT_EQ(reply->at("result"), json::object());
}

TEST(SessionLifecycle, RequestsBeforeInitializeAreRefused) {
    SessionFixture fixture;
    for (
        const auto* message :
        {R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})",
         R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get-jwt","arguments":{"jti":"x"}}})",
         R"({"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"info"}})"}) {
        const auto reply = fixture.send(message);
        EXPECT_EQ(error_code_of(reply), -32600) << message;
        EXPECT_NE(reply->at("error").at("message").as_string().find("initialize"),
                  std::string::npos);
    }
    EXPECT_TRUE(fixture.upstream.requests().empty());
}

TEST(SessionLifecycle, UnknownMethodsAreMethodNotFoundAtOnce) {
    SessionFixture fixture;
    // Dual-era clients probe server/discover before initialize and fall back on this error.
    auto reply = fixture.send(R"({"jsonrpc":"2.0","id":1,"method":"server/discover"})");
    EXPECT_EQ(error_code_of(reply), -32601);
    fixture.initialize();
    for (const auto* method : {"resources/list", "prompts/list", "completion/complete", "nope"}) {
        reply = fixture.send(std::string(R"({"jsonrpc":"2.0","id":5,"method":")") + method + "\"}");
        EXPECT_EQ(error_code_of(reply), -32601) << method;
    }
}

TEST(SessionLifecycle, NotificationsAreNeverAnswered) {
    SessionFixture fixture;
    for (const auto* message :
         {R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
          R"({"jsonrpc":"2.0","method":"notifications/unknown","params":{"x":1}})",
          R"({"jsonrpc":"2.0","method":"tools/list"})",
          R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}})",
          R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":"bad"})",
          R"({"jsonrpc":"2.0","method":"notifications/cancelled"})"}) {
        auto exchange = fixture.send_async(message);
        ASSERT_TRUE(exchange->wait_finished());
        EXPECT_FALSE(exchange->reply().has_value()) << message;
        EXPECT_EQ(exchange->finish_count(), 1);
    }
}

TEST(SessionLifecycle, ClientResponsesAreAcceptedSilently) {
    SessionFixture fixture;
    fixture.initialize();
    EXPECT_FALSE(fixture.send(R"({"jsonrpc":"2.0","id":5,"result":{}})").has_value());
    EXPECT_FALSE(
        fixture.send(R"({"jsonrpc":"2.0","id":6,"error":{"code":-1,"message":"x"}})").has_value());
}

TEST(SessionLifecycle, UnparseableInputIsParseError) {
    SessionFixture fixture;
    for (const auto* text : {"{", "not json", R"({"jsonrpc":"2.0",})", "{} {}", "\"\xff\xfe\""}) {
        const auto reply = fixture.send(text);
        EXPECT_EQ(error_code_of(reply), -32700) << text;
        EXPECT_TRUE(reply->at("id").is_null());
    }
}

// Regression (fuzz/reproducers/fuzz_session-infinity-id): id 1e999 was read as infinity and
// echoed in a reply that was not JSON.
TEST(SessionLifecycle, NumbersTooLargeForADoubleAreParseErrors) {
    SessionFixture fixture;
    fixture.initialize();
    for (const auto* text : {R"({"jsonrpc":"2.0","id":1e999,"method":"ping"})",
                             R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":-1e999}})"}) {
        const auto reply = fixture.send(text);
        ASSERT_TRUE(reply.has_value()) << text;
        EXPECT_EQ(error_code_of(reply), -32700) << text;
        EXPECT_TRUE(reply->at("id").is_null());
        boost::system::error_code ec;
        (void)json::parse(json::serialize(*reply), ec);
        EXPECT_FALSE(ec) << json::serialize(*reply);
    }
}

TEST(SessionLifecycle, DeepNestingIsRefusedNotCrashed) {
    SessionFixture fixture;
    const std::string deep(100000, '[');
    EXPECT_EQ(error_code_of(fixture.send(deep)), -32700);
}

TEST(SessionLifecycle, InvalidRequestsGetInvalidRequest) {
    SessionFixture fixture;
    fixture.initialize();
    struct Case {
        const char* text;
        bool id_echoed;
    };
    for (const auto& [text, id_echoed] : {
             Case{R"([1])", false},  // batch elements must be objects, batches refused anyway
             Case{R"(42)", false},
             Case{R"("ping")", false},
             Case{R"({"id":1,"method":"ping"})", true},
             Case{R"({"jsonrpc":"1.0","id":1,"method":"ping"})", true},
             Case{R"({"jsonrpc":"2.0","id":1})", true},
             Case{R"({"jsonrpc":"2.0","id":1,"method":42})", true},
             Case{R"({"jsonrpc":"2.0","id":null,"method":"ping"})", false},
             Case{R"({"jsonrpc":"2.0","id":true,"method":"ping"})", false},
             Case{R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})", false},
         }) {
        const auto reply = fixture.send(text);
        ASSERT_TRUE(reply.has_value()) << text;
        EXPECT_EQ(error_code_of(reply), -32600) << text;
        if (id_echoed) {
            EXPECT_EQ(reply->at("id").as_int64(), 1) << text;
        } else {
            EXPECT_TRUE(reply->at("id").is_null()) << text;
        }
    }
}

TEST(SessionLifecycle, NonObjectParamsAreInvalidParams) {
    SessionFixture fixture;
    fixture.initialize();
    const auto reply =
        fixture.send(R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":[1]})");
    EXPECT_EQ(error_code_of(reply), -32602);
}

TEST(SessionLifecycle, StringAndNumberIdsAreEchoedExactly) {
    SessionFixture fixture;
    fixture.initialize();
    EXPECT_EQ(fixture.send(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})")->at("id").as_string(),
              "abc");
    EXPECT_EQ(fixture.send(R"({"jsonrpc":"2.0","id":-5,"method":"ping"})")->at("id").as_int64(),
              -5);
    EXPECT_EQ(fixture.send(R"({"jsonrpc":"2.0","id":9007199254740993,"method":"ping"})")
                  ->at("id")
                  .as_int64(),
              9007199254740993);
}

TEST(SessionLifecycle, ToolsListRejectsCursors) {
    SessionFixture fixture;
    fixture.initialize();
    const auto reply =
        fixture.send(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"abc"}})");
    EXPECT_EQ(error_code_of(reply), -32602);
}

TEST(SessionLifecycle, ToolsListShapeFollowsTheNegotiatedVersion) {
    struct Expectation {
        const char* version;
        bool annotations;
        bool titles;
    };
    for (const auto& [version, annotations, titles] :
         {Expectation{"2024-11-05", false, false}, Expectation{"2025-03-26", true, false},
          Expectation{"2025-06-18", true, true}, Expectation{"2025-11-25", true, true}}) {
        SessionFixture fixture;
        fixture.initialize(version);
        const auto reply = fixture.send(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
        const auto& tools = reply->at("result").at("tools").as_array();
        ASSERT_EQ(tools.size(), 23U) << version;
        EXPECT_FALSE(reply->at("result").as_object().contains("nextCursor"));
        for (const auto& tool : tools) {
            const auto& object = tool.as_object();
            EXPECT_TRUE(object.contains("name"));
            EXPECT_TRUE(object.contains("description"));
            EXPECT_TRUE(object.contains("inputSchema"));
            EXPECT_EQ(object.contains("annotations"), annotations) << version;
            EXPECT_EQ(object.contains("title"), titles) << version;
        }
    }
}

TEST(SessionLifecycle, LoggingSetLevelAcceptsTheEightLevels) {
    SessionFixture fixture;
    fixture.initialize();
    for (const auto* level :
         {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}) {
        const auto reply = fixture.send(
            std::string(
                R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":")") +
            level + "\"}}");
        EXPECT_EQ(reply->at("result"), json::object()) << level;
    }
    for (const auto* params : {R"({"level":"verbose"})", R"({"level":3})", R"({})"}) {
        const auto reply = fixture.send(
            std::string(R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":)") +
            params + "}");
        EXPECT_EQ(error_code_of(reply), -32602) << params;
    }
}

TEST(SessionLifecycle, BatchesOnlyUnder20250326) {
    for (const auto version : kSupportedVersions) {
        SessionFixture fixture;
        fixture.initialize(version);
        const auto reply = fixture.send(
            R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}])");
        if (version == "2025-03-26") {
            ASSERT_TRUE(reply->is_array()) << version;
            ASSERT_EQ(reply->as_array().size(), 2U);
            std::set<std::int64_t> ids;
            for (const auto& element : reply->as_array()) {
                ids.insert(element.at("id").as_int64());
                EXPECT_EQ(element.at("result"), json::object());
            }
            EXPECT_EQ(ids, (std::set<std::int64_t>{1, 2}));
        } else {
            EXPECT_EQ(error_code_of(reply), -32600) << version;
        }
    }
}

TEST(SessionLifecycle, BatchBeforeInitializeIsRefused) {
    SessionFixture fixture;
    const auto reply = fixture.send(
        R"([{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}])");
    EXPECT_EQ(error_code_of(reply), -32600);
    EXPECT_FALSE(fixture.session->initialized());
}

TEST(SessionLifecycle, BatchRules) {
    SessionFixture fixture;
    fixture.initialize("2025-03-26");
    EXPECT_EQ(error_code_of(fixture.send("[]")), -32600);
    // Only notifications: nothing is owed.
    EXPECT_FALSE(
        fixture.send(R"([{"jsonrpc":"2.0","method":"notifications/initialized"}])").has_value());
    // initialize inside a batch is refused; the rest is answered; invalid members get errors.
    const auto reply = fixture.send(
        R"([{"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-03-26"}},)"
        R"({"jsonrpc":"2.0","id":"p","method":"ping"},)"
        R"({"jsonrpc":"2.0","method":"notifications/initialized"},)"
        R"(17])");
    ASSERT_TRUE(reply->is_array());
    ASSERT_EQ(reply->as_array().size(), 3U);
    std::map<std::string, int> codes;
    for (const auto& element : reply->as_array()) {
        const auto& object = element.as_object();
        const std::string key =
            object.at("id").is_null() ? "null" : std::string(object.at("id").as_string());
        codes[key] = object.contains("error")
                         ? static_cast<int>(object.at("error").at("code").as_int64())
                         : 0;
    }
    EXPECT_EQ(codes.at("i"), -32600);
    EXPECT_EQ(codes.at("p"), 0);
    EXPECT_EQ(codes.at("null"), -32600);
}

TEST(SessionLifecycle, StatelessSessionsServeWithoutInitialize) {
    SessionOptions options;
    options.require_initialize = false;
    options.protocol_version = "2025-03-26";
    SessionFixture fixture(options);
    const auto reply = fixture.send(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
    EXPECT_EQ(reply->at("result").at("tools").as_array().size(), 23U);
}

}  // namespace
}  // namespace cmcp::protocol
