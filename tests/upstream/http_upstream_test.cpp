#include "upstream/http_upstream.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <future>
#include <stdexcept>
#include <thread>

#include "testing/fakes.hpp"
#include "upstream/test_server.hpp"
#include "upstream/upstream_harness.hpp"

namespace cmcp::upstream {
namespace net = boost::asio;
namespace {

using std::chrono::milliseconds;
using testing::contains;
using testing::fast_options;
using testing::planetscale_post;
using testing::RecordingControl;
using testing::scaleway_get;
using testing::test_credentials;
using testing::TestServer;

// Answers `first` to the first `times` requests, then 200 {"ok":true}.
TestServer::Handler fail_then_succeed(
    int times, int status, std::string body = "{}",
    std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto count = std::make_shared<std::atomic<int>>(0);
    return [=](const httplib::Request&, httplib::Response& response) {
        if (count->fetch_add(1) < times) {
            response.status = status;
            for (const auto& [name, value] : headers) {
                response.set_header(name, value);
            }
            response.set_content(body, "application/json");
            return;
        }
        response.set_content(R"({"ok":true})", "application/json");
    };
}

class HttpUpstreamTest : public ::testing::Test {
  protected:
    // Declared before the upstream so that the upstream (and its connections) goes first.
    std::ostringstream log_;
    Logger logger_ = make_stream_logger(log_);
    // One io_context for every call of a test, as in a server: its pooled connections live here.
    cmcp::testing::UpstreamRunner runner_;
};

TEST_F(HttpUpstreamTest, ScalewayGetCarriesTheSecretKeyAndNoBody) {
    TestServer server([](const httplib::Request&, httplib::Response& response) {
        response.set_content(R"({"jwts":[],"total_count":0})", "application/json");
    });
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    Request request = scaleway_get();
    request.query = {{"audience_id", "user-1"}, {"page", "1"}};
    RecordingControl recorder;

    const Outcome outcome = runner_.send(upstream, request, recorder.control());

    ASSERT_TRUE(std::holds_alternative<Response>(outcome)) << std::get<Failure>(outcome).message;
    const auto& response = std::get<Response>(outcome);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"jwts":[],"total_count":0})");
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(response.attempts, 1);
    EXPECT_FALSE(response.retry_after);
    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_EQ(seen[0].method, "GET");
    EXPECT_EQ(seen[0].target, "/iam/v1alpha1/jwts?audience_id=user-1&page=1");
    EXPECT_EQ(seen[0].header("X-Auth-Token"), "scw-test-key-0123456789");
    EXPECT_EQ(seen[0].header_count("X-Auth-Token"), 1U);
    EXPECT_FALSE(seen[0].has_header("Authorization"));
    EXPECT_EQ(seen[0].header("Accept"), "application/json");
    EXPECT_EQ(seen[0].header("User-Agent"), "credentials-mcp");
    EXPECT_FALSE(seen[0].has_header("Content-Type"));
    EXPECT_FALSE(seen[0].has_header("Content-Length"));
    EXPECT_EQ(seen[0].body, "");
    EXPECT_TRUE(recorder.progress().empty());
}

TEST_F(HttpUpstreamTest, PlanetScalePostCarriesTheServiceTokenAndJsonBody) {
    TestServer server;
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    Request request = planetscale_post();
    request.body = boost::json::object{{"name", "ci"}, {"count", 2}};
    RecordingControl recorder;

    const Outcome outcome = runner_.send(upstream, request, recorder.control());

    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/v1/organizations/acme/service-tokens");
    EXPECT_EQ(seen[0].header("Authorization"), "ps-test-id-12345:ps-test-token-67890");
    EXPECT_FALSE(seen[0].has_header("X-Auth-Token"));
    EXPECT_EQ(seen[0].header("Content-Type"), "application/json");
    EXPECT_EQ(seen[0].header("Accept"), "application/json");
    EXPECT_EQ(boost::json::parse(seen[0].body), boost::json::parse(R"({"name":"ci","count":2})"));
}

TEST_F(HttpUpstreamTest, PlanetScaleBearerKeyIsSentAsConfigured) {
    TestServer server;
    HttpUpstream upstream(fast_options(server.base_url()),
                          Credentials{std::nullopt, "Bearer pscale_oauth_abc"}, logger_);
    RecordingControl recorder;
    ASSERT_TRUE(std::holds_alternative<Response>(
        runner_.send(upstream, planetscale_post(), recorder.control())));
    EXPECT_EQ(server.requests().at(0).header("Authorization"), "Bearer pscale_oauth_abc");
}

TEST_F(HttpUpstreamTest, EmptyObjectBodyIsStillSent) {
    TestServer server;
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    Request request = scaleway_get("/secret-manager/v1beta1/regions/fr-par/secrets/s1/protect");
    request.method = "POST";
    request.body = boost::json::object{};
    RecordingControl recorder;
    ASSERT_TRUE(
        std::holds_alternative<Response>(runner_.send(upstream, request, recorder.control())));
    const auto seen = server.requests().at(0);
    EXPECT_EQ(seen.body, "{}");
    EXPECT_EQ(seen.header("Content-Type"), "application/json");
    EXPECT_EQ(seen.header("Content-Length"), "2");
}

TEST_F(HttpUpstreamTest, DeleteWithoutBodySendsNoBody) {
    TestServer server(
        [](const httplib::Request&, httplib::Response& response) { response.status = 204; });
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    Request request = scaleway_get("/iam/v1alpha1/jwts/jti-1");
    request.method = "DELETE";
    RecordingControl recorder;
    const Outcome outcome = runner_.send(upstream, request, recorder.control());
    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    EXPECT_EQ(std::get<Response>(outcome).status, 204);
    EXPECT_EQ(std::get<Response>(outcome).body, "");
    const auto seen = server.requests().at(0);
    EXPECT_EQ(seen.method, "DELETE");
    EXPECT_EQ(seen.body, "");
    EXPECT_FALSE(seen.has_header("Content-Type"));
    EXPECT_EQ(seen.header("Content-Length"), "");
}

TEST_F(HttpUpstreamTest, PathStaysPercentEncodedAndQueryKeysRepeat) {
    TestServer server;
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    Request request =
        scaleway_get("/secret-manager/v1beta1/regions/fr-par/secrets/" + percent_encode("a/b c%"));
    request.query = {{"tags", "a"}, {"tags", "b c&d=e"}, {"name", "é"}};
    RecordingControl recorder;
    ASSERT_TRUE(
        std::holds_alternative<Response>(runner_.send(upstream, request, recorder.control())));
    EXPECT_EQ(server.requests().at(0).target,
              "/secret-manager/v1beta1/regions/fr-par/secrets/a%2Fb%20c%25"
              "?tags=a&tags=b%20c%26d%3De&name=%C3%A9");
}

TEST_F(HttpUpstreamTest, BaseUrlPathPrefixIsPrepended) {
    TestServer server;
    HttpUpstream upstream(fast_options(server.base_url() + "/proxy/"), test_credentials(), logger_);
    Request request = scaleway_get();
    request.query = {{"page", "2"}};
    RecordingControl recorder;
    ASSERT_TRUE(
        std::holds_alternative<Response>(runner_.send(upstream, request, recorder.control())));
    EXPECT_EQ(server.requests().at(0).target, "/proxy/iam/v1alpha1/jwts?page=2");
}

TEST_F(HttpUpstreamTest, TooManyRequestsWithRetryAfterIsRetried) {
    TestServer server(
        fail_then_succeed(1, 429, R"({"type":"too_many_requests"})", {{"Retry-After", "0"}}));
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    RecordingControl recorder;

    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());

    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    const auto& response = std::get<Response>(outcome);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.attempts, 2);
    EXPECT_EQ(server.request_count(), 2U);
    const auto progress = recorder.progress();
    ASSERT_EQ(progress.size(), 1U);
    EXPECT_DOUBLE_EQ(progress[0].progress, 0.5);
    EXPECT_EQ(progress[0].total, 1.0);
    EXPECT_EQ(progress[0].message,
              "Scaleway answered HTTP 429; retrying in 0.0 s (attempt 2 of 4)");
    const auto logs = recorder.logs();
    ASSERT_EQ(logs.size(), 1U);
    EXPECT_EQ(logs[0].first, LogLevel::warning);
    EXPECT_EQ(logs[0].second, progress[0].message);
}

TEST_F(HttpUpstreamTest, ScalewayResetSecondsIsHonoured) {
    TestServer server(fail_then_succeed(
        1, 429, R"({"type":"too_many_requests","message":"quota","reset_seconds":0.2})"));
    const auto options = fast_options(server.base_url());
    ASSERT_LT(options.retry.max_delay, milliseconds(200));
    HttpUpstream upstream(options, test_credentials(), logger_);
    RecordingControl recorder;

    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());

    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    EXPECT_EQ(std::get<Response>(outcome).attempts, 2);
    // The hint (200 ms) replaced the 1-20 ms backoff, in full although max_delay is 20 ms.
    EXPECT_GE(std::get<Response>(outcome).elapsed, milliseconds(200));
    ASSERT_EQ(recorder.progress().size(), 1U);
    EXPECT_TRUE(contains(recorder.progress()[0].message, "retrying in 0.2 s"));
}

TEST_F(HttpUpstreamTest, RetryAfterLongerThanMaxDelayIsWaitedInFull) {
    TestServer server(
        fail_then_succeed(1, 429, R"({"type":"too_many_requests"})", {{"Retry-After", "1"}}));
    const auto options = fast_options(server.base_url());  // max_delay 20 ms, max_total 10 s
    HttpUpstream upstream(options, test_credentials(), logger_);
    RecordingControl recorder;

    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());

    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    EXPECT_EQ(std::get<Response>(outcome).status, 200);
    EXPECT_EQ(std::get<Response>(outcome).attempts, 2);
    EXPECT_GE(std::get<Response>(outcome).elapsed, milliseconds(1000));
    ASSERT_EQ(recorder.progress().size(), 1U);
    EXPECT_TRUE(contains(recorder.progress()[0].message, "retrying in 1.0 s"))
        << recorder.progress()[0].message;
}

TEST_F(HttpUpstreamTest, ServerErrorIsNeverRetried) {
    TestServer server(fail_then_succeed(5, 500, R"({"type":"internal","message":"boom"})"));
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    for (const bool idempotent : {false, true}) {
        Request request = planetscale_post();
        request.idempotent = idempotent;
        const Outcome outcome = runner_.send(upstream, request, recorder.control());
        ASSERT_TRUE(std::holds_alternative<Response>(outcome));
        EXPECT_EQ(std::get<Response>(outcome).status, 500);
        EXPECT_EQ(std::get<Response>(outcome).attempts, 1);
        EXPECT_EQ(std::get<Response>(outcome).body, R"({"type":"internal","message":"boom"})");
    }
    EXPECT_EQ(server.request_count(), 2U);
    EXPECT_TRUE(recorder.progress().empty());
}

TEST_F(HttpUpstreamTest, UnavailableNonIdempotentRequestIsNotRetried) {
    TestServer server(fail_then_succeed(5, 503));
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    const Outcome outcome = runner_.send(upstream, planetscale_post(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    EXPECT_EQ(std::get<Response>(outcome).status, 503);
    EXPECT_EQ(std::get<Response>(outcome).attempts, 1);
    EXPECT_EQ(server.request_count(), 1U);
}

TEST_F(HttpUpstreamTest, UnavailableIdempotentRequestIsRetriedUpToMaxAttempts) {
    TestServer server(fail_then_succeed(100, 503, R"({"message":"busy"})"));
    auto options = fast_options(server.base_url());
    options.retry.max_attempts = 3;
    HttpUpstream upstream(options, test_credentials(), logger_);
    RecordingControl recorder;

    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());

    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    EXPECT_EQ(std::get<Response>(outcome).status, 503);
    EXPECT_EQ(std::get<Response>(outcome).attempts, 3);
    EXPECT_EQ(server.request_count(), 3U);
    const auto progress = recorder.progress();
    ASSERT_EQ(progress.size(), 2U);
    EXPECT_LT(progress[0].progress, progress[1].progress);
    EXPECT_LT(progress[1].progress, 1.0);
    EXPECT_TRUE(contains(progress[0].message, "(attempt 2 of 3)"));
    EXPECT_TRUE(contains(progress[1].message, "(attempt 3 of 3)"));
}

TEST_F(HttpUpstreamTest, ReadTimeoutOfANonIdempotentRequestIsReportedAndNotRetried) {
    TestServer server([](const httplib::Request&, httplib::Response& response) {
        std::this_thread::sleep_for(milliseconds(600));
        response.set_content("{}", "application/json");
    });
    auto options = fast_options(server.base_url());
    options.read_timeout = milliseconds(200);
    HttpUpstream upstream(options, test_credentials(), logger_);
    RecordingControl recorder;

    const auto start = std::chrono::steady_clock::now();
    const Outcome outcome = runner_.send(upstream, planetscale_post(), recorder.control());

    EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(550));
    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    const auto& failure = std::get<Failure>(outcome);
    EXPECT_EQ(failure.kind, FailureKind::timeout);
    EXPECT_EQ(failure.attempts, 1);
    EXPECT_TRUE(contains(failure.message, "read timeout of 200 ms")) << failure.message;
    EXPECT_TRUE(contains(failure.message, "may already have been applied")) << failure.message;
    EXPECT_EQ(server.request_count(), 1U);
}

TEST_F(HttpUpstreamTest, ReadTimeoutOfAnIdempotentRequestIsRetried) {
    TestServer server([](const httplib::Request&, httplib::Response& response) {
        std::this_thread::sleep_for(milliseconds(400));
        response.set_content("{}", "application/json");
    });
    auto options = fast_options(server.base_url());
    options.read_timeout = milliseconds(150);
    options.retry.max_attempts = 2;
    HttpUpstream upstream(options, test_credentials(), logger_);
    RecordingControl recorder;

    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());

    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    const auto& failure = std::get<Failure>(outcome);
    EXPECT_EQ(failure.kind, FailureKind::timeout);
    EXPECT_EQ(failure.attempts, 2);
    EXPECT_TRUE(contains(failure.message, "gave up after 2 attempts")) << failure.message;
    EXPECT_FALSE(contains(failure.message, "may already have been applied"));
    EXPECT_EQ(server.request_count(), 2U);
}

TEST_F(HttpUpstreamTest, ConnectionRefusedIsRetriedForIdempotentRequestsOnly) {
    const int port = testing::unused_port();
    HttpUpstream upstream(fast_options("http://127.0.0.1:" + std::to_string(port)),
                          test_credentials(), logger_);
    RecordingControl recorder;

    const Outcome idempotent = runner_.send(upstream, scaleway_get(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Failure>(idempotent));
    const auto& failure = std::get<Failure>(idempotent);
    EXPECT_EQ(failure.kind, FailureKind::connection);
    EXPECT_EQ(failure.attempts, 4);
    EXPECT_TRUE(contains(failure.message,
                         "Could not connect to Scaleway at 127.0.0.1:" + std::to_string(port)))
        << failure.message;
    EXPECT_TRUE(contains(failure.message, ": connection refused (gave up after 4 attempts)."))
        << failure.message;
    EXPECT_EQ(recorder.progress().size(), 3U);
    EXPECT_EQ(recorder.progress().at(0).message,
              "Could not connect to Scaleway at 127.0.0.1:" + std::to_string(port) +
                  ": connection refused; retrying in 0.0 s (attempt 2 of 4)");

    const Outcome once = runner_.send(upstream, planetscale_post(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Failure>(once));
    EXPECT_EQ(std::get<Failure>(once).kind, FailureKind::connection);
    EXPECT_EQ(std::get<Failure>(once).attempts, 1);
    EXPECT_TRUE(contains(std::get<Failure>(once).message, "PlanetScale"));
}

TEST_F(HttpUpstreamTest, NonJsonErrorBodyIsPassedThrough) {
    TestServer server([](const httplib::Request&, httplib::Response& response) {
        response.status = 502;
        response.set_content("<html><body>Bad gateway</body></html>", "text/html");
    });
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    const Outcome outcome = runner_.send(upstream, planetscale_post(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    EXPECT_EQ(std::get<Response>(outcome).status, 502);
    EXPECT_EQ(std::get<Response>(outcome).content_type, "text/html");
    EXPECT_EQ(std::get<Response>(outcome).body, "<html><body>Bad gateway</body></html>");
}

TEST_F(HttpUpstreamTest, RetryAfterHeaderIsCaptured) {
    TestServer server(fail_then_succeed(5, 429, "{}", {{"Retry-After", "120"}}));
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    // 120 s is beyond the 10 s budget: no retry, the 429 comes back with its hint.
    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    EXPECT_EQ(std::get<Response>(outcome).status, 429);
    EXPECT_EQ(std::get<Response>(outcome).retry_after, "120");
    EXPECT_EQ(std::get<Response>(outcome).attempts, 1);
    EXPECT_EQ(server.request_count(), 1U);
}

TEST_F(HttpUpstreamTest, OversizedBodyIsRefused) {
    TestServer server([](const httplib::Request& request, httplib::Response& response) {
        const std::string big(4096, 'x');
        if (request.target.find("chunked") != std::string::npos) {
            response.set_chunked_content_provider("application/json",
                                                  [big](std::size_t, httplib::DataSink& sink) {
                                                      sink.write(big.data(), big.size());
                                                      sink.write(big.data(), big.size());
                                                      sink.done();
                                                      return true;
                                                  });
            return;
        }
        response.set_content(big, "application/json");
    });
    auto options = fast_options(server.base_url());
    options.max_response_bytes = 1024;
    HttpUpstream upstream(options, test_credentials(), logger_);
    RecordingControl recorder;

    for (const std::string path : {"/declared", "/chunked"}) {
        const Outcome outcome = runner_.send(upstream, scaleway_get(path), recorder.control());
        ASSERT_TRUE(std::holds_alternative<Failure>(outcome)) << path;
        const auto& failure = std::get<Failure>(outcome);
        EXPECT_EQ(failure.kind, FailureKind::response_too_large) << path;
        EXPECT_EQ(failure.attempts, 1) << path;
        EXPECT_TRUE(contains(failure.message, "limit of 1024 bytes")) << failure.message;
    }
    EXPECT_EQ(server.request_count(), 2U);
}

TEST_F(HttpUpstreamTest, BodyExactlyAtTheLimitIsAccepted) {
    TestServer server([](const httplib::Request&, httplib::Response& response) {
        response.set_content(std::string(1024, 'y'), "text/plain");
    });
    auto options = fast_options(server.base_url());
    options.max_response_bytes = 1024;
    HttpUpstream upstream(options, test_credentials(), logger_);
    RecordingControl recorder;
    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Response>(outcome));
    EXPECT_EQ(std::get<Response>(outcome).body.size(), 1024U);
}

TEST_F(HttpUpstreamTest, MissingCredentialsSendNothing) {
    TestServer server;
    HttpUpstream upstream(fast_options(server.base_url()),
                          Credentials{std::nullopt, "ps-test-id-12345:ps-test-token-67890"},
                          logger_);
    RecordingControl recorder;

    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());

    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    const auto& failure = std::get<Failure>(outcome);
    EXPECT_EQ(failure.kind, FailureKind::missing_credentials);
    EXPECT_EQ(failure.attempts, 0);
    EXPECT_EQ(failure.message, missing_credentials_message(Provider::scaleway));
    EXPECT_EQ(server.request_count(), 0U);
    EXPECT_TRUE(std::holds_alternative<Response>(
        runner_.send(upstream, planetscale_post(), recorder.control())));
    EXPECT_EQ(server.request_count(), 1U);

    HttpUpstream nothing(fast_options(server.base_url()), Credentials{}, logger_);
    EXPECT_EQ(std::get<Failure>(runner_.send(nothing, planetscale_post(), recorder.control())).kind,
              FailureKind::missing_credentials);
    EXPECT_EQ(server.request_count(), 1U);
}

TEST_F(HttpUpstreamTest, CancellationDuringBackoffEndsTheCallQuickly) {
    TestServer server(fail_then_succeed(100, 503, "{}", {{"Retry-After", "5"}}));
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    RecordingControl recorder;

    const auto start = std::chrono::steady_clock::now();
    cmcp::testing::PendingSend pending(upstream, scaleway_get(), recorder.control());
    std::this_thread::sleep_for(milliseconds(100));
    pending.cancel();
    const auto finished = pending.wait(std::chrono::seconds(10));
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(finished.has_value());
    const Outcome& outcome = *finished;

    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    EXPECT_EQ(std::get<Failure>(outcome).kind, FailureKind::cancelled);
    EXPECT_EQ(std::get<Failure>(outcome).attempts, 1);
    EXPECT_LT(took, milliseconds(1500));
    EXPECT_EQ(server.request_count(), 1U);
    ASSERT_EQ(recorder.progress().size(), 1U);
    EXPECT_TRUE(contains(recorder.progress()[0].message, "retrying in 5.0 s"));
}

TEST_F(HttpUpstreamTest, CancellationAbortsARequestInFlight) {
    TestServer server([](const httplib::Request&, httplib::Response& response) {
        std::this_thread::sleep_for(milliseconds(800));
        response.set_content("{}", "application/json");
    });
    auto options = fast_options(server.base_url());
    options.read_timeout = milliseconds(5000);
    HttpUpstream upstream(options, test_credentials(), logger_);
    RecordingControl recorder;

    const auto start = std::chrono::steady_clock::now();
    cmcp::testing::PendingSend pending(upstream, planetscale_post(), recorder.control());
    std::this_thread::sleep_for(milliseconds(100));
    pending.cancel();
    const auto finished = pending.wait(std::chrono::seconds(10));
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(finished.has_value());
    const Outcome& outcome = *finished;

    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    EXPECT_EQ(std::get<Failure>(outcome).kind, FailureKind::cancelled);
    EXPECT_TRUE(contains(std::get<Failure>(outcome).message, "may already have been applied"));
    EXPECT_LT(took, milliseconds(600));
    EXPECT_EQ(upstream.idle_connections(Provider::planetscale, runner_.context()), 0U);
}

TEST_F(HttpUpstreamTest, AlreadyCancelledCallSendsNothing) {
    TestServer server;
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    recorder.control().cancel();
    const Outcome outcome = runner_.send(upstream, scaleway_get(), recorder.control());
    ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
    EXPECT_EQ(std::get<Failure>(outcome).kind, FailureKind::cancelled);
    EXPECT_EQ(std::get<Failure>(outcome).attempts, 0);
    EXPECT_EQ(server.request_count(), 0U);
}

TEST_F(HttpUpstreamTest, SequentialCallsReuseOneConnection) {
    TestServer server;
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(std::holds_alternative<Response>(
            runner_.send(upstream, scaleway_get(), recorder.control())));
        // Both vendors share the origin here, and so the pool.
        ASSERT_TRUE(std::holds_alternative<Response>(
            runner_.send(upstream, planetscale_post(), recorder.control())));
    }
    EXPECT_EQ(server.request_count(), 10U);
    EXPECT_EQ(server.remote_ports().size(), 1U);
    EXPECT_EQ(upstream.idle_connections(Provider::scaleway, runner_.context()), 1U);
}

TEST_F(HttpUpstreamTest, ConcurrentSendsFromManyThreads) {
    TestServer server([](const httplib::Request& request, httplib::Response& response) {
        response.set_content(request.target, "text/plain");
    });
    auto options = fast_options(server.base_url());
    options.max_idle_connections_per_host = 4;
    HttpUpstream upstream(options, test_credentials(), logger_);
    // As in the HTTP server: coroutines on strands of one io_context that two threads run.
    constexpr int kClients = 6;
    constexpr int kCallsPerClient = 15;
    net::io_context ioc;
    std::vector<std::future<int>> results;
    for (int t = 0; t < kClients; ++t) {
        results.push_back(net::co_spawn(
            net::make_strand(ioc),
            [&upstream, t]() -> net::awaitable<int> {
                int good = 0;
                for (int i = 0; i < kCallsPerClient; ++i) {
                    RecordingControl recorder;
                    Request request =
                        scaleway_get("/t" + std::to_string(t) + "/" + std::to_string(i));
                    const Outcome outcome = co_await upstream.send(request, recorder.control());
                    const auto* response = std::get_if<Response>(&outcome);
                    if (response != nullptr && response->status == 200 &&
                        response->body == request.path) {
                        ++good;
                    }
                }
                co_return good;
            },
            net::use_future));
    }
    std::thread helper([&ioc] { ioc.run(); });
    ioc.run();
    helper.join();
    int good = 0;
    for (auto& result : results) {
        good += result.get();
    }
    EXPECT_EQ(good, kClients * kCallsPerClient);
    EXPECT_EQ(server.request_count(), static_cast<std::size_t>(kClients * kCallsPerClient));
    EXPECT_LE(upstream.idle_connections(Provider::scaleway, ioc), 4U);
}

TEST_F(HttpUpstreamTest, IdleConnectionsAreCappedPerHost) {
    TestServer server([](const httplib::Request&, httplib::Response& response) {
        std::this_thread::sleep_for(milliseconds(100));
        response.set_content("{}", "application/json");
    });
    auto options = fast_options(server.base_url());
    options.max_idle_connections_per_host = 1;
    HttpUpstream upstream(options, test_credentials(), logger_);
    net::io_context ioc;
    std::vector<std::future<bool>> answered;
    for (int t = 0; t < 3; ++t) {
        answered.push_back(net::co_spawn(
            ioc,
            [&upstream]() -> net::awaitable<bool> {
                RecordingControl recorder;
                const Outcome outcome = co_await upstream.send(scaleway_get(), recorder.control());
                co_return std::holds_alternative<Response>(outcome);
            },
            net::use_future));
    }
    ioc.run();
    for (auto& result : answered) {
        EXPECT_TRUE(result.get());
    }
    EXPECT_EQ(server.remote_ports().size(), 3U);
    EXPECT_EQ(upstream.idle_connections(Provider::scaleway, ioc), 1U);
}

TEST_F(HttpUpstreamTest, ObserverSeesEveryAttempt) {
    TestServer server(fail_then_succeed(2, 503));
    std::mutex mutex;
    std::vector<std::tuple<Provider, std::string, int>> seen;
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_,
                          [&](Provider provider, std::string_view tool, int status, milliseconds) {
                              std::lock_guard lock(mutex);
                              seen.emplace_back(provider, std::string(tool), status);
                          });
    RecordingControl recorder;
    ASSERT_TRUE(std::holds_alternative<Response>(
        runner_.send(upstream, scaleway_get(), recorder.control())));
    HttpUpstream refused(fast_options("http://127.0.0.1:" + std::to_string(testing::unused_port())),
                         test_credentials(), logger_,
                         [&](Provider provider, std::string_view tool, int status, milliseconds) {
                             std::lock_guard lock(mutex);
                             seen.emplace_back(provider, std::string(tool), status);
                         });
    ASSERT_TRUE(std::holds_alternative<Failure>(
        runner_.send(refused, planetscale_post(), recorder.control())));
    using Seen = std::tuple<Provider, std::string, int>;
    EXPECT_EQ(seen, (std::vector<Seen>{{Provider::scaleway, "list-jwts", 503},
                                       {Provider::scaleway, "list-jwts", 503},
                                       {Provider::scaleway, "list-jwts", 200},
                                       {Provider::planetscale, "create-service-token", 0}}));
}

TEST_F(HttpUpstreamTest, LogsOneCompactLinePerAttemptWithoutQueryOrBody) {
    TestServer server(fail_then_succeed(1, 503, R"({"message":"body-text-not-logged"})"));
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    Request request = scaleway_get();
    request.query = {{"audience_id", "query-value-not-logged"}};
    ASSERT_TRUE(
        std::holds_alternative<Response>(runner_.send(upstream, request, recorder.control())));
    const std::string log = log_.str();
    EXPECT_TRUE(contains(log, "info upstream scaleway GET /iam/v1alpha1/jwts -> 503 in ")) << log;
    EXPECT_TRUE(contains(log, "(attempt 1/4)")) << log;
    EXPECT_TRUE(contains(log, "debug upstream scaleway GET /iam/v1alpha1/jwts -> 200 in ")) << log;
    EXPECT_TRUE(contains(log, "(attempt 2/4)")) << log;
    EXPECT_FALSE(contains(log, "query-value-not-logged")) << log;
    EXPECT_FALSE(contains(log, "body-text-not-logged")) << log;
    EXPECT_FALSE(contains(log, "audience_id")) << log;
}

TEST_F(HttpUpstreamTest, MalformedRequestLineIsRefusedWithoutSending) {
    TestServer server;
    HttpUpstream upstream(fast_options(server.base_url()), test_credentials(), logger_);
    RecordingControl recorder;
    for (const std::string path : {"/a b", "/a\r\nX-Injected: 1", "no-slash"}) {
        const Outcome outcome = runner_.send(upstream, scaleway_get(path), recorder.control());
        ASSERT_TRUE(std::holds_alternative<Failure>(outcome));
        EXPECT_EQ(std::get<Failure>(outcome).attempts, 0);
    }
    Request bad_method = scaleway_get();
    bad_method.method = "GET /x HTTP/1.1\r\n";
    EXPECT_TRUE(
        std::holds_alternative<Failure>(runner_.send(upstream, bad_method, recorder.control())));
    EXPECT_EQ(server.request_count(), 0U);
}

TEST_F(HttpUpstreamTest, MalformedBaseUrlIsRejectedAtConstruction) {
    auto options = fast_options("http://127.0.0.1:1");
    options.scaleway_base_url = "ftp://api.scaleway.com";
    try {
        HttpUpstream upstream(options, test_credentials(), logger_);
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& error) {
        EXPECT_TRUE(contains(error.what(), "SCALEWAY_API_URL")) << error.what();
        EXPECT_TRUE(contains(error.what(), "ftp://api.scaleway.com")) << error.what();
    }
    options = fast_options("http://127.0.0.1:1");
    options.planetscale_base_url = "https://user:secret-pass@api.planetscale.com";
    try {
        HttpUpstream upstream(options, test_credentials(), logger_);
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& error) {
        EXPECT_TRUE(contains(error.what(), "PLANETSCALE_API_URL")) << error.what();
        EXPECT_FALSE(contains(error.what(), "secret-pass")) << error.what();
    }
    options = fast_options("http://127.0.0.1:1");
    options.ca_bundle_path = "/nonexistent/ca.pem";
    EXPECT_THROW(HttpUpstream(options, test_credentials(), logger_), std::invalid_argument);
}

TEST_F(HttpUpstreamTest, CredentialsThatCannotBeHeaderValuesAreRejectedAtConstruction) {
    const auto options = fast_options("http://127.0.0.1:1");
    try {
        HttpUpstream upstream(options, Credentials{"key\r\nX-Evil: 1", std::nullopt}, logger_);
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& error) {
        EXPECT_TRUE(contains(error.what(), "Scaleway")) << error.what();
        EXPECT_FALSE(contains(error.what(), "X-Evil")) << error.what();
    }
    EXPECT_THROW(HttpUpstream(options, Credentials{std::nullopt, "id:tok\nen"}, logger_),
                 std::invalid_argument);
}

// Distinctive values that must never come back out of the client, whatever the vendor echoes.
TEST_F(HttpUpstreamTest, CredentialsNeverLeakIntoOutcomesOrLogs) {
    const std::string scw = "CANARY-SCW-7f3a9c1e-secret";
    const std::string ps_id = "CANARYPSID0042";
    const std::string ps_token = "CANARY-PS-TOKEN-d00d";
    const Credentials credentials{scw, ps_id + ":" + ps_token};
    TestServer server([](const httplib::Request& request, httplib::Response& response) {
        const std::string echoed =
            request.get_header_value("X-Auth-Token") + request.get_header_value("Authorization");
        const bool error = request.target.find("error") != std::string::npos;
        response.status = error ? 503 : 200;
        response.set_header("Retry-After", error ? "0" : echoed);
        response.set_content(
            R"({"message":"you sent )" + echoed + R"(","echo":")" + echoed + R"("})",
            error ? "application/json" : "application/json; x=" + echoed);
    });
    auto options = fast_options(server.base_url());
    // A prefix holding the token puts it into every logged path and message.
    options.planetscale_base_url = server.base_url() + "/" + ps_token;
    std::ostringstream log;
    {
        HttpUpstream upstream(options, credentials, make_stream_logger(log));
        RecordingControl recorder;
        std::vector<Outcome> outcomes;
        outcomes.push_back(runner_.send(upstream, scaleway_get("/ok"), recorder.control()));
        outcomes.push_back(runner_.send(upstream, scaleway_get("/error"), recorder.control()));
        outcomes.push_back(runner_.send(upstream, planetscale_post("/v1/ok"), recorder.control()));
        Request ps_get = planetscale_post("/v1/error/" + ps_id);
        ps_get.idempotent = true;
        outcomes.push_back(runner_.send(upstream, ps_get, recorder.control()));
        HttpUpstream refused(
            fast_options("http://127.0.0.1:" + std::to_string(testing::unused_port()) + "/" + scw),
            credentials, make_stream_logger(log));
        outcomes.push_back(runner_.send(refused, scaleway_get("/" + ps_token), recorder.control()));

        std::string everything = log.str();
        for (const auto& outcome : outcomes) {
            if (const auto* response = std::get_if<Response>(&outcome)) {
                everything +=
                    response->body + response->content_type + response->retry_after.value_or("");
            } else {
                everything += std::get<Failure>(outcome).message;
            }
        }
        for (const auto& progress : recorder.progress()) {
            everything += progress.message;
        }
        for (const auto& [level, message] : recorder.logs()) {
            everything += message;
        }
        EXPECT_TRUE(contains(everything, "[REDACTED]"));
        // The server did receive the real values.
        EXPECT_EQ(server.requests().at(0).header("X-Auth-Token"), scw);
        for (const auto& canary : {scw, ps_id, ps_token, std::string("CANARY")}) {
            EXPECT_FALSE(contains(everything, canary)) << canary << " leaked:\n" << everything;
        }
    }
}

}  // namespace
}  // namespace cmcp::upstream
