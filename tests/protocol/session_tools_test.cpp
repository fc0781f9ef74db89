#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <future>
#include <thread>

#include "testing/fakes.hpp"
#include "testing/json.hpp"

namespace cmcp::protocol {
namespace {

namespace json = boost::json;
using testing::FakeUpstream;
using testing::json_response;
using testing::SessionFixture;

constexpr auto kJwtCall =
    R"({"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"get-jwt","arguments":{"jti":"abc"}}})";

std::string call_with_id(std::string_view id, std::string_view extra_params = "") {
    return std::string(R"({"jsonrpc":"2.0","id":)") + std::string(id) +
           R"(,"method":"tools/call","params":{"name":"get-jwt","arguments":{"jti":"abc"})" +
           std::string(extra_params) + "}}";
}

TEST(SessionTools, CallGoesUpstreamAndReturnsStructuredContent) {
    SessionFixture fixture;
    fixture.initialize();
    fixture.upstream.push_json(200, R"({"jti":"abc","issuer_id":"u1","audience_id":"u2"})");
    const auto reply = fixture.send(kJwtCall);
    const auto requests = fixture.upstream.requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].method, "GET");
    EXPECT_EQ(requests[0].path, "/iam/v1alpha1/jwts/abc");
    EXPECT_EQ(requests[0].provider, upstream::Provider::scaleway);
    EXPECT_TRUE(requests[0].idempotent);
    const auto& result = reply->at("result").as_object();
    EXPECT_FALSE(result.contains("isError"));
    EXPECT_EQ(result.at("structuredContent").at("jti").as_string(), "abc");
    const auto text = result.at("content").at(0).at("text").as_string();
    EXPECT_EQ(json::parse(text), result.at("structuredContent"));
    EXPECT_EQ(reply->at("id").as_int64(), 11);
}

TEST(SessionTools, OlderVersionsGetTextOnly) {
    for (const auto* version : {"2024-11-05", "2025-03-26"}) {
        SessionFixture fixture;
        fixture.initialize(version);
        fixture.upstream.push_json(200, R"({"jti":"abc"})");
        const auto reply = fixture.send(kJwtCall);
        const auto& result = reply->at("result").as_object();
        EXPECT_FALSE(result.contains("structuredContent")) << version;
        EXPECT_EQ(
            json::parse(result.at("content").at(0).at("text").as_string()).at("jti").as_string(),
            "abc");
    }
}

TEST(SessionTools, UnknownToolIsInvalidParamsWithTheAvailableTools) {
    SessionFixture fixture;
    fixture.initialize();
    const auto reply = fixture.send(
        R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"drop-database","arguments":{}}})");
    EXPECT_EQ(reply->at("error").at("code").as_int64(), -32602);
    EXPECT_NE(reply->at("error").at("message").as_string().find("drop-database"),
              std::string::npos);
    EXPECT_EQ(reply->at("error").at("data").at("available").as_array().size(), 23U);
    EXPECT_TRUE(fixture.upstream.requests().empty());
}

TEST(SessionTools, MalformedCallParams) {
    SessionFixture fixture;
    fixture.initialize();
    for (const auto* params : {R"({})", R"({"name":5})", R"({"name":"get-jwt","arguments":[1]})",
                               R"({"name":"get-jwt","arguments":"jti=abc"})"}) {
        const auto reply =
            fixture.send(std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":)") +
                         params + "}");
        EXPECT_EQ(reply->at("error").at("code").as_int64(), -32602) << params;
    }
}

TEST(SessionTools, InvalidArgumentsAreAToolErrorAndNothingIsSent) {
    SessionFixture fixture;
    fixture.initialize();
    const auto reply = fixture.send(
        R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list-jwts","arguments":{"audience_id":"not-a-uuid","page_size":500}}})");
    const auto& result = reply->at("result").as_object();
    EXPECT_TRUE(result.at("isError").as_bool());
    const std::string text(result.at("content").at(0).at("text").as_string());
    EXPECT_NE(text.find("audience_id"), std::string::npos) << text;
    EXPECT_NE(text.find("not-a-uuid"), std::string::npos) << text;
    EXPECT_NE(text.find("page_size"), std::string::npos) << text;
    EXPECT_NE(text.find("500"), std::string::npos) << text;
    EXPECT_TRUE(fixture.upstream.requests().empty());
}

TEST(SessionTools, MissingArgumentsObjectMeansNoArguments) {
    SessionFixture fixture;
    fixture.initialize();
    const auto reply = fixture.send(
        R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-jwt"}})");
    EXPECT_TRUE(reply->at("result").at("isError").as_bool());
    EXPECT_NE(reply->at("result").at("content").at(0).at("text").as_string().find("jti"),
              std::string::npos);
}

TEST(SessionTools, UpstreamErrorsAreToolErrors) {
    SessionFixture fixture;
    fixture.initialize();
    fixture.upstream.push_json(
        404,
        R"({"message":"resource is not found","type":"not_found","resource":"jwt","resource_id":"abc"})");
    const auto reply = fixture.send(kJwtCall);
    const auto& result = reply->at("result").as_object();
    EXPECT_TRUE(result.at("isError").as_bool());
    EXPECT_FALSE(result.contains("structuredContent"));
    const std::string text(result.at("content").at(0).at("text").as_string());
    EXPECT_NE(text.find("404"), std::string::npos);
    EXPECT_NE(text.find("not_found"), std::string::npos);
    EXPECT_NE(text.find("resource is not found"), std::string::npos);
}

TEST(SessionTools, ProgressIsReportedWhenAskedAndIncreases) {
    SessionFixture fixture;
    fixture.initialize();
    FakeUpstream::Script script;
    script.outcome = json_response(200, R"({"jti":"abc"})");
    script.during = [](upstream::CallControl& control) {
        control.report_progress({0.5, 1, "retrying"});
        control.report_progress({0.25, 1, "going backwards is dropped"});
    };
    fixture.upstream.push(script);
    auto exchange =
        fixture.send_async(call_with_id("\"t1\"", R"(,"_meta":{"progressToken":"tok"})"));
    ASSERT_TRUE(exchange->wait_finished());
    const auto notifications = exchange->notifications();
    std::vector<double> values;
    for (const auto& notification : notifications) {
        if (notification.at("method").as_string() == "notifications/progress") {
            EXPECT_EQ(notification.at("params").at("progressToken").as_string(), "tok");
            values.push_back(notification.at("params").at("progress").to_number<double>());
        }
    }
    ASSERT_GE(values.size(), 3U);
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end()));
    EXPECT_EQ(std::adjacent_find(values.begin(), values.end()), values.end());
    EXPECT_EQ(values.back(), 1.0);
    EXPECT_EQ(exchange->reply()->at("id").as_string(), "t1");
}

TEST(SessionTools, NoProgressWithoutAToken) {
    SessionFixture fixture;
    fixture.initialize();
    auto exchange = fixture.send_async(kJwtCall);
    ASSERT_TRUE(exchange->wait_finished());
    for (const auto& notification : exchange->notifications()) {
        EXPECT_NE(notification.at("method").as_string(), "notifications/progress");
    }
}

TEST(SessionTools, CancellationStopsTheCallAndSuppressesTheResponse) {
    SessionFixture fixture;
    fixture.initialize();
    FakeUpstream::Script script;
    script.hold = true;
    fixture.upstream.push(script);
    auto exchange = fixture.send_async(call_with_id("42"));
    ASSERT_TRUE(fixture.upstream.wait_for_requests(1, std::chrono::seconds(5)));
    EXPECT_EQ(fixture.session->calls_in_flight(), 1U);
    EXPECT_FALSE(fixture.send(
        R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42,"reason":"user"}})"));
    ASSERT_TRUE(exchange->wait_finished());
    EXPECT_FALSE(exchange->reply().has_value());
    EXPECT_EQ(fixture.session->calls_in_flight(), 0U);
    // The call's coroutine saw the cancellation and returned, freeing its slot.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (fixture.calls.running() != 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(fixture.calls.running(), 0U);
    EXPECT_EQ(exchange->finish_count(), 1);
}

TEST(SessionTools, CancellingWithAStringIdDoesNotMatchANumericId) {
    SessionFixture fixture;
    fixture.initialize();
    FakeUpstream::Script script;
    script.hold = true;
    fixture.upstream.push(script);
    auto exchange = fixture.send_async(call_with_id("42"));
    ASSERT_TRUE(fixture.upstream.wait_for_requests(1, std::chrono::seconds(5)));
    fixture.send(
        R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"42"}})");
    EXPECT_FALSE(exchange->finished());
    fixture.upstream.release_all();
    ASSERT_TRUE(exchange->wait_finished());
    EXPECT_TRUE(exchange->reply().has_value());
}

TEST(SessionTools, CallsMayFinishOutOfOrder) {
    SessionFixture fixture;
    fixture.initialize();
    FakeUpstream::Script slow;
    slow.hold = true;
    slow.outcome = json_response(200, R"({"jti":"slow"})");
    fixture.upstream.push(slow);
    auto first = fixture.send_async(call_with_id("1"));
    ASSERT_TRUE(fixture.upstream.wait_for_requests(1, std::chrono::seconds(5)));
    fixture.upstream.push_json(200, R"({"jti":"fast"})");
    auto second = fixture.send_async(call_with_id("2"));
    ASSERT_TRUE(second->wait_finished());
    EXPECT_FALSE(first->finished());
    EXPECT_EQ(second->reply()->at("result").at("structuredContent").at("jti").as_string(), "fast");
    fixture.upstream.release_all();
    ASSERT_TRUE(first->wait_finished());
    EXPECT_EQ(first->reply()->at("result").at("structuredContent").at("jti").as_string(), "slow");
}

TEST(SessionTools, DuplicateIdInFlightIsRefused) {
    SessionFixture fixture;
    fixture.initialize();
    FakeUpstream::Script script;
    script.hold = true;
    fixture.upstream.push(script);
    auto first = fixture.send_async(call_with_id("\"same\""));
    ASSERT_TRUE(fixture.upstream.wait_for_requests(1, std::chrono::seconds(5)));
    const auto reply = fixture.send(call_with_id("\"same\""));
    EXPECT_EQ(reply->at("error").at("code").as_int64(), -32600);
    fixture.upstream.release_all();
    ASSERT_TRUE(first->wait_finished());
    EXPECT_TRUE(first->reply()->at("result").is_object());
}

TEST(SessionTools, AtTheCallLimitACallGetsABusyToolError) {
    SessionFixture fixture;
    fixture.initialize();
    while (fixture.calls.try_acquire()) {
    }
    const auto reply = fixture.send(kJwtCall);
    EXPECT_TRUE(reply->at("result").at("isError").as_bool());
    EXPECT_NE(reply->at("result").at("content").at(0).at("text").as_string().find("capacity"),
              std::string::npos);
    EXPECT_TRUE(fixture.upstream.requests().empty());
    EXPECT_EQ(fixture.session->calls_in_flight(), 0U);
}

TEST(SessionTools, LogMessagesRespectTheClientLevel) {
    SessionFixture fixture;
    fixture.initialize();
    auto script_logging = [&fixture] {
        FakeUpstream::Script script;
        script.outcome = json_response(200, R"({"jti":"abc"})");
        script.during = [](upstream::CallControl& control) {
            control.log(LogLevel::debug, "debug detail");
            control.log(LogLevel::warning, "retrying after 429");
        };
        fixture.upstream.push(script);
    };
    auto messages_of = [](const testing::RecordingExchange& exchange) {
        std::vector<std::string> levels;
        for (const auto& notification : exchange.notifications()) {
            if (notification.at("method").as_string() == "notifications/message") {
                levels.emplace_back(notification.at("params").at("level").as_string());
                EXPECT_EQ(notification.at("params").at("logger").as_string(), "credentials-mcp");
            }
        }
        return levels;
    };
    script_logging();
    auto exchange = fixture.send_async(kJwtCall);
    ASSERT_TRUE(exchange->wait_finished());
    EXPECT_EQ(messages_of(*exchange), std::vector<std::string>{"warning"});

    fixture.send(
        R"({"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"debug"}})");
    script_logging();
    exchange = fixture.send_async(kJwtCall);
    ASSERT_TRUE(exchange->wait_finished());
    const auto levels = messages_of(*exchange);
    EXPECT_GE(levels.size(), 2U);
    EXPECT_NE(std::find(levels.begin(), levels.end(), "debug"), levels.end());

    fixture.send(
        R"({"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"error"}})");
    script_logging();
    exchange = fixture.send_async(kJwtCall);
    ASSERT_TRUE(exchange->wait_finished());
    EXPECT_TRUE(messages_of(*exchange).empty());
}

TEST(SessionTools, CancelAllEndsEveryCallWithoutResponses) {
    SessionFixture fixture;
    fixture.initialize();
    for (int i = 0; i < 3; ++i) {
        FakeUpstream::Script script;
        script.hold = true;
        fixture.upstream.push(script);
    }
    std::vector<std::shared_ptr<testing::RecordingExchange>> exchanges;
    for (int i = 0; i < 3; ++i) {
        exchanges.push_back(fixture.send_async(call_with_id(std::to_string(100 + i))));
    }
    ASSERT_TRUE(fixture.upstream.wait_for_requests(3, std::chrono::seconds(5)));
    EXPECT_FALSE(fixture.session->wait_idle(std::chrono::steady_clock::now() +
                                            std::chrono::milliseconds(20)));
    fixture.session->cancel_all();
    EXPECT_TRUE(
        fixture.session->wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(1)));
    for (const auto& exchange : exchanges) {
        ASSERT_TRUE(exchange->wait_finished());
        EXPECT_FALSE(exchange->reply().has_value());
    }
}

// A call cut short by shutdown must not vanish: the client gets an answer saying the outcome
// upstream is unknown, instead of waiting forever for a response that never comes.
TEST(SessionTools, ShutdownAnswersEveryCallInFlight) {
    SessionFixture fixture;
    fixture.initialize();
    for (int i = 0; i < 2; ++i) {
        FakeUpstream::Script script;
        script.hold = true;
        fixture.upstream.push(script);
    }
    std::vector<std::shared_ptr<testing::RecordingExchange>> exchanges;
    for (int i = 0; i < 2; ++i) {
        exchanges.push_back(fixture.send_async(call_with_id(std::to_string(200 + i))));
    }
    ASSERT_TRUE(fixture.upstream.wait_for_requests(2, std::chrono::seconds(5)));
    fixture.session->cancel_all(CancelReason::server_shutdown);
    EXPECT_TRUE(
        fixture.session->wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(1)));
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(exchanges[i]->wait_finished());
        const auto reply = exchanges[i]->reply();
        ASSERT_TRUE(reply.has_value());
        EXPECT_EQ(reply->at("id").as_int64(), 200 + i);
        EXPECT_EQ(reply->at("error").at("code").as_int64(), -32603);
        EXPECT_NE(reply->at("error").at("message").as_string().find("shutting down"),
                  std::string::npos);
    }
}

// Regression: idle was signalled before the response was written, so the stdio server could be
// destroyed (at stdin EOF) while a worker still wrote through its exchange.
TEST(SessionTools, IdleMeansEveryResponseHasBeenWritten) {
    class SlowWriter final : public Exchange {
      public:
        void notify(json::object) override {}
        void finish(std::optional<json::value>) override {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            written = true;
        }
        std::atomic<bool> written{false};
    };
    SessionFixture fixture;
    fixture.initialize();
    auto writer = std::make_shared<SlowWriter>();
    fixture.session->handle_text(call_with_id("77"), writer, fixture.scope());
    ASSERT_TRUE(fixture.upstream.wait_for_requests(1, std::chrono::seconds(5)));
    ASSERT_TRUE(
        fixture.session->wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(5)));
    EXPECT_TRUE(writer->written);
}

// Ids must not be reused while in flight, but clients commonly reuse one as soon as its
// response arrives; that must work even if the next request races the end of the previous call.
TEST(SessionTools, AnIdIsFreeAsSoonAsItsResponseIsDelivered) {
    class ReusingClient final : public Exchange {
      public:
        ReusingClient(Session& session, std::shared_ptr<testing::RecordingExchange> second,
                      RequestScope scope)
            : session_(session), second_(std::move(second)), scope_(std::move(scope)) {}
        void notify(json::object) override {}
        void finish(std::optional<json::value>) override {
            session_.handle_text(call_with_id("5"), second_, scope_);  // from inside the delivery
        }

      private:
        Session& session_;
        std::shared_ptr<testing::RecordingExchange> second_;
        RequestScope scope_;
    };
    SessionFixture fixture;
    fixture.initialize();
    auto second = std::make_shared<testing::RecordingExchange>();
    fixture.session->handle_text(
        call_with_id("5"),
        std::make_shared<ReusingClient>(*fixture.session, second, fixture.scope()),
        fixture.scope());
    ASSERT_TRUE(second->wait_finished());
    EXPECT_TRUE(second->reply()->as_object().contains("result"))
        << json::serialize(*second->reply());
}

struct AuditLine {
    std::string client;
    std::string tool;
    std::optional<int> status;
    std::string outcome;
    bool result_already_sent;
};

// Issue 5 §2: every call of a tool that is not read-only is recorded, before its result.
TEST(SessionAudit, RecordsChangingToolsBeforeTheirResult) {
    SessionOptions options;
    options.client = "session 0badc0de";
    SessionFixture fixture(options);
    std::vector<AuditLine> lines;
    std::mutex mutex;
    std::shared_ptr<testing::RecordingExchange> current;
    fixture.services.audit = [&](const AuditRecord& record) {
        if (record.event == "intent") {
            return true;  // written only with --audit-required; the final lines are checked
        }
        std::lock_guard lock(mutex);
        lines.push_back({std::string(record.client), std::string(record.tool),
                         record.upstream_status, std::string(record.outcome),
                         current && current->finished()});
        return true;
    };
    fixture.initialize();
    auto run = [&](std::string_view text) {
        {
            std::lock_guard lock(mutex);
            current = std::make_shared<testing::RecordingExchange>();
        }
        fixture.session->handle_text(text, current, fixture.scope());
        ASSERT_TRUE(current->wait_finished());
    };
    fixture.upstream.push_json(204, "");
    run(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete-jwt","arguments":{"jti":"j1"}}})");
    fixture.upstream.push_json(200, R"({"jti":"j1"})");
    run(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get-jwt","arguments":{"jti":"j1"}}})");
    run(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"delete-jwt","arguments":{}}})");
    fixture.upstream.push_json(403, R"({"message":"denied","type":"permissions_denied"})");
    run(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"delete-jwt","arguments":{"jti":"j2"}}})");
    std::lock_guard lock(mutex);
    ASSERT_EQ(lines.size(), 3U);  // get-jwt is read-only: not recorded
    EXPECT_EQ(lines[0].tool, "delete-jwt");
    EXPECT_EQ(lines[0].client, "session 0badc0de");
    EXPECT_EQ(lines[0].status, 204);
    EXPECT_EQ(lines[0].outcome, "ok");
    EXPECT_EQ(lines[1].outcome, "invalid_arguments");
    EXPECT_FALSE(lines[1].status.has_value());
    EXPECT_EQ(lines[2].status, 403);
    EXPECT_EQ(lines[2].outcome, "error");
    for (const auto& line : lines) {
        EXPECT_FALSE(line.result_already_sent) << line.tool << " " << line.outcome;
    }
}

TEST(SessionAudit, RecordsCancelledCalls) {
    SessionFixture fixture;
    std::vector<std::string> outcomes;
    std::mutex mutex;
    fixture.services.audit = [&](const AuditRecord& record) {
        if (record.event == "intent") {
            return true;  // written only with --audit-required; the final lines are checked
        }
        std::lock_guard lock(mutex);
        outcomes.emplace_back(record.outcome);
        return true;
    };
    fixture.initialize();
    FakeUpstream::Script held;
    held.hold = true;
    fixture.upstream.push(held);
    auto exchange = fixture.send_async(
        R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"delete-jwt","arguments":{"jti":"j"}}})");
    ASSERT_TRUE(fixture.upstream.wait_for_requests(1, std::chrono::seconds(5)));
    fixture.send(
        R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}})");
    ASSERT_TRUE(exchange->wait_finished());
    std::lock_guard lock(mutex);
    EXPECT_EQ(outcomes, std::vector<std::string>{"cancelled"});
}

TEST(SessionTools, ObserverSeesEachOutcome) {
    SessionFixture fixture;
    std::vector<std::string> outcomes;
    std::mutex mutex;
    fixture.services.on_tool_call = [&](std::string_view tool, std::string_view outcome,
                                        std::string_view, std::chrono::milliseconds) {
        std::lock_guard lock(mutex);
        outcomes.push_back(std::string(tool) + ":" + std::string(outcome));
    };
    fixture.initialize();
    fixture.upstream.push_json(200, R"({"jti":"abc"})");
    fixture.send(kJwtCall);
    fixture.upstream.push_json(500, R"({"message":"boom","type":"internal"})");
    fixture.send(kJwtCall);
    fixture.send(
        R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-jwt","arguments":{}}})");
    std::lock_guard lock(mutex);
    EXPECT_EQ(outcomes, (std::vector<std::string>{"get-jwt:ok", "get-jwt:error",
                                                  "get-jwt:invalid_arguments"}));
}

}  // namespace
}  // namespace cmcp::protocol

namespace cmcp::protocol {
namespace {

// Where the transport says: the call's coroutine, and so its upstream exchange, runs on the
// executor of the request's scope (the HTTP connection's strand, the stdio loop).
TEST(SessionCalls, ACallRunsOnTheExecutorItsRequestCameWith) {
    SessionFixture fixture;
    fixture.initialize();
    std::thread::id ran_on;
    FakeUpstream::Script script;
    script.during = [&ran_on](upstream::CallControl&) { ran_on = std::this_thread::get_id(); };
    script.outcome = json_response(200, R"({"jti":"abc"})");
    fixture.upstream.push(script);
    testing::IoThread elsewhere;
    std::promise<std::thread::id> elsewhere_id;
    boost::asio::post(elsewhere.executor(),
                      [&elsewhere_id] { elsewhere_id.set_value(std::this_thread::get_id()); });
    auto exchange = std::make_shared<testing::RecordingExchange>();
    fixture.session->handle_text(kJwtCall, exchange, RequestScope{nullptr, elsewhere.executor()});
    ASSERT_TRUE(exchange->wait_finished());
    EXPECT_EQ(ran_on, elsewhere_id.get_future().get());
    EXPECT_EQ(exchange->reply()->at("result").at("structuredContent").at("jti").as_string(), "abc");
}

TEST(SessionCalls, WithoutAnExecutorACallIsRefusedNotRunInline) {
    SessionFixture fixture;
    fixture.initialize();
    auto exchange = std::make_shared<testing::RecordingExchange>();
    fixture.session->handle_text(kJwtCall, exchange, RequestScope{});
    ASSERT_TRUE(exchange->finished());
    EXPECT_TRUE(exchange->reply()->at("result").at("isError").as_bool());
    EXPECT_TRUE(fixture.upstream.requests().empty());
}

}  // namespace
}  // namespace cmcp::protocol
