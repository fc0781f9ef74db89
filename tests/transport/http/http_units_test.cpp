// Pure pieces of the HTTP transport: media types, Host/Origin policy, metrics,
// SSE framing, the session store.
#include <gtest/gtest.h>

#include <thread>

#include "identity/digest.hpp"
#include "test_client.hpp"
#include "testing/fakes.hpp"
#include "transport/http/media_type.hpp"
#include "transport/http/metrics.hpp"
#include "transport/http/origin_policy.hpp"
#include "transport/http/session_store.hpp"
#include "transport/http/sse.hpp"

namespace cmcp::transport::http {
namespace {

using namespace std::chrono_literals;

TEST(MediaType, AcceptListsOrWildcards) {
    EXPECT_TRUE(accepts("application/json, text/event-stream", "application/json"));
    EXPECT_TRUE(accepts("application/json, text/event-stream", "text/event-stream"));
    EXPECT_TRUE(accepts("Application/JSON;q=0.9", "application/json"));
    EXPECT_TRUE(accepts("*/*", "text/event-stream"));
    EXPECT_TRUE(accepts("text/*", "text/event-stream"));
    EXPECT_FALSE(accepts("application/json", "text/event-stream"));
    EXPECT_FALSE(accepts("text/event-stream;q=0", "text/event-stream"));
    EXPECT_FALSE(accepts("", "application/json"));
    EXPECT_FALSE(accepts("application/jsonx", "application/json"));
}

TEST(MediaType, JsonContentTypeWithParameters) {
    EXPECT_TRUE(is_json_content_type("application/json"));
    EXPECT_TRUE(is_json_content_type("application/json; charset=utf-8"));
    EXPECT_TRUE(is_json_content_type("APPLICATION/JSON;charset=UTF-8"));
    EXPECT_FALSE(is_json_content_type("text/plain"));
    EXPECT_FALSE(is_json_content_type("application/json-patch+json"));
    EXPECT_FALSE(is_json_content_type(""));
}

TEST(OriginPolicy, LoopbackHostsOnAnyPort) {
    const OriginPolicy policy("127.0.0.1", 9090, {}, {});
    for (const auto* host :
         {"localhost", "localhost:9090", "127.0.0.1:1234", "[::1]", "[::1]:9090", "LOCALHOST:80"}) {
        EXPECT_TRUE(policy.host_allowed(host)) << host;
    }
    for (const auto* host : {"", "evil.example.com", "evil.example.com:9090", "localhost.evil.com",
                             "127.0.0.2", "[::1", "localhost:abc", "::1"}) {
        EXPECT_FALSE(policy.host_allowed(host)) << host;
    }
}

TEST(OriginPolicy, ListenAddressAndConfiguredHosts) {
    const OriginPolicy policy("10.0.0.5", 8080, {"mcp.internal", "gw.example.com:443"}, {});
    EXPECT_TRUE(policy.host_allowed("10.0.0.5:8080"));
    EXPECT_FALSE(policy.host_allowed("10.0.0.5:8081"));
    EXPECT_TRUE(policy.host_allowed("mcp.internal"));
    EXPECT_TRUE(policy.host_allowed("MCP.internal:9999"));
    EXPECT_TRUE(policy.host_allowed("gw.example.com:443"));
    EXPECT_FALSE(policy.host_allowed("gw.example.com:444"));
    const OriginPolicy wildcard("0.0.0.0", 8080, {}, {});
    EXPECT_FALSE(wildcard.host_allowed("0.0.0.0:8080"));
}

TEST(OriginPolicy, Origins) {
    const OriginPolicy policy("127.0.0.1", 9090, {}, {"https://app.example.com/"});
    for (const auto* origin :
         {"http://localhost", "http://localhost:6274", "https://127.0.0.1:9090",
          "http://[::1]:3000", "https://app.example.com", "HTTPS://APP.EXAMPLE.COM"}) {
        EXPECT_TRUE(policy.origin_allowed(origin)) << origin;
    }
    for (const auto* origin : {"null", "http://evil.example.com", "file://localhost",
                               "http://localhost.evil.com", "https://app.example.com:8443", ""}) {
        EXPECT_FALSE(policy.origin_allowed(origin)) << origin;
    }
}

TEST(Metrics, PrometheusTextFormat) {
    Metrics metrics;
    metrics.record_http_request("POST", 200);
    metrics.record_http_request("POST", 200);
    metrics.record_http_request("GET", 405);
    metrics.record_tool_call("get-jwt", "ok", "legacy", 120ms);
    metrics.record_upstream("scaleway", "get-jwt", 200, 40ms);
    metrics.record_upstream("scaleway", "get-jwt", 0, 31s);
    metrics.record_upstream("plan\"et", "x", 503, 700ms);
    metrics.set_live_sessions(3);
    const auto text = metrics.render_prometheus();
    for (const auto* line : {
             "# TYPE mcp_http_requests_total counter\n",
             "mcp_http_requests_total{method=\"POST\",status=\"200\"} 2\n",
             "mcp_http_requests_total{method=\"GET\",status=\"405\"} 1\n",
             "mcp_tool_calls_total{tool=\"get-jwt\",outcome=\"ok\",era=\"legacy\"} 1\n",
             "# TYPE mcp_tool_call_duration_seconds histogram\n",
             "mcp_tool_call_duration_seconds_bucket{tool=\"get-jwt\",le=\"0.1\"} 0\n",
             "mcp_tool_call_duration_seconds_bucket{tool=\"get-jwt\",le=\"0.25\"} 1\n",
             "# HELP mcp_upstream_request_duration_seconds ",
             "# TYPE mcp_upstream_request_duration_seconds histogram\n",
             "mcp_upstream_request_duration_seconds_bucket{provider=\"scaleway\",le=\"0.05\"} 1\n",
             "mcp_upstream_request_duration_seconds_bucket{provider=\"scaleway\",le=\"30\"} 1\n",
             "mcp_upstream_request_duration_seconds_bucket{provider=\"scaleway\",le=\"+Inf\"} 2\n",
             "mcp_upstream_request_duration_seconds_sum{provider=\"scaleway\"} 31.04\n",
             "mcp_upstream_request_duration_seconds_count{provider=\"scaleway\"} 2\n",
             "mcp_upstream_requests_total{provider=\"scaleway\",status=\"0\"} 1\n",
             "mcp_upstream_requests_total{provider=\"plan\\\"et\",status=\"503\"} 1\n",
             "# TYPE mcp_sessions_live gauge\nmcp_sessions_live 3\n",
         }) {
        EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
    }
}

TEST(Metrics, ConcurrentRecordingLosesNothing) {
    Metrics metrics;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&metrics, t] {
            for (int i = 0; i < 1000; ++i) {
                metrics.record_http_request("POST", 200 + (i % 2));
                metrics.record_upstream(t % 2 == 0 ? "scaleway" : "planetscale", "x", 200, 1ms);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const auto text = metrics.render_prometheus();
    EXPECT_NE(text.find("mcp_http_requests_total{method=\"POST\",status=\"200\"} 2000\n"),
              std::string::npos);
    EXPECT_NE(text.find("mcp_http_requests_total{method=\"POST\",status=\"201\"} 2000\n"),
              std::string::npos);
    EXPECT_NE(
        text.find("mcp_upstream_request_duration_seconds_count{provider=\"scaleway\"} 2000\n"),
        std::string::npos);
}

TEST(Sse, EventFraming) {
    const auto event = sse_event("7-1", boost::json::parse(R"({"a":"line\nbreak"})"));
    EXPECT_EQ(event, "id: 7-1\nevent: message\ndata: {\"a\":\"line\\nbreak\"}\n\n");
    const auto parsed = test_support::parse_sse(event);
    ASSERT_EQ(parsed.size(), 1U);
    EXPECT_EQ(parsed[0].id, "7-1");
    EXPECT_EQ(boost::json::parse(parsed[0].data).at("a").as_string(), "line\nbreak");
}

class SessionStoreTest : public ::testing::Test {
  protected:
    std::shared_ptr<HttpSession> make(std::string id) {
        return std::make_shared<HttpSession>(std::move(id), fixture_.session);
    }
    cmcp::testing::SessionFixture fixture_;
};

TEST_F(SessionStoreTest, CapAndCount) {
    std::size_t observed = 0;
    SessionStore store(2, 1h, [&](std::size_t live) { observed = live; });
    EXPECT_TRUE(store.insert(make("a")));
    EXPECT_TRUE(store.insert(make("b")));
    EXPECT_TRUE(store.full());
    EXPECT_FALSE(store.insert(make("c")));
    EXPECT_EQ(observed, 2U);
    EXPECT_TRUE(store.acquire("a").session());
    EXPECT_FALSE(store.acquire("c").session());
    EXPECT_TRUE(store.remove("a"));
    EXPECT_FALSE(store.remove("a"));
    EXPECT_EQ(observed, 1U);
    EXPECT_EQ(store.remove_all().size(), 1U);
    EXPECT_EQ(observed, 0U);
}

TEST_F(SessionStoreTest, BusySessionsDoNotExpire) {
    SessionStore store(10, 50ms, {});
    ASSERT_TRUE(store.insert(make("a")));
    ASSERT_TRUE(store.insert(make("b")));
    auto busy = store.acquire("a");
    ASSERT_TRUE(busy.session());
    std::this_thread::sleep_for(80ms);
    const auto reaped = store.reap(std::chrono::steady_clock::now());
    ASSERT_EQ(reaped.size(), 1U);
    EXPECT_EQ(reaped[0]->id(), "b");
    busy = ActiveRequest();
    std::this_thread::sleep_for(80ms);
    EXPECT_FALSE(store.acquire("a").session());  // expired on lookup
    EXPECT_EQ(store.size(), 0U);
}

TEST_F(SessionStoreTest, EvictsTheLeastRecentlyUsedSessionThatIsNotBusy) {
    SessionStore store(3, 1h, {});
    for (const auto* id : {"a", "b", "c"}) {
        ASSERT_TRUE(store.insert(make(id)));
        std::this_thread::sleep_for(2ms);
    }
    EXPECT_TRUE(store.full());
    EXPECT_TRUE(store.has_room());
    auto busy = store.acquire("a");  // the oldest, but in use
    ASSERT_TRUE(busy.session());
    std::this_thread::sleep_for(2ms);
    store.acquire("b");  // used and released: now more recent than c
    const auto first = store.evict_least_recent();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->id(), "c");
    EXPECT_EQ(store.size(), 2U);
    EXPECT_FALSE(store.acquire("c").session());
    ASSERT_TRUE(store.insert(make("d")));
    auto also_busy = store.acquire("d");
    const auto second = store.evict_least_recent();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->id(), "b");
    ASSERT_TRUE(store.insert(make("e")));
    auto busy_too = store.acquire("e");
    // Every session is busy: nothing to evict, no room.
    EXPECT_FALSE(store.evict_least_recent());
    EXPECT_FALSE(store.has_room());
    EXPECT_EQ(store.size(), 3U);
    busy = ActiveRequest();
    EXPECT_TRUE(store.has_room());
    const auto third = store.evict_least_recent();
    ASSERT_TRUE(third);
    EXPECT_EQ(third->id(), "a");
}

TEST_F(SessionStoreTest, SessionsAreBoundToTheCredentialThatOpenedThem) {
    const std::optional<Credential> alice = identity::sha256("alice");
    const std::optional<Credential> bob = identity::sha256("bob");
    SessionStore store(10, 1h, {});
    ASSERT_TRUE(store.insert(std::make_shared<HttpSession>("owned", fixture_.session, alice)));
    ASSERT_TRUE(store.insert(make("open")));
    EXPECT_TRUE(store.acquire("owned", alice).session());
    EXPECT_FALSE(store.acquire("owned", bob).session());
    EXPECT_FALSE(store.acquire("owned").session());
    EXPECT_FALSE(store.remove("owned", bob));
    EXPECT_FALSE(store.remove("owned"));
    // Opened without a credential (no tokens configured): anyone's.
    EXPECT_TRUE(store.acquire("open", bob).session());
    EXPECT_TRUE(store.acquire("open").session());
    EXPECT_TRUE(store.remove("owned", alice));
    EXPECT_EQ(store.size(), 1U);
}

}  // namespace
}  // namespace cmcp::transport::http
