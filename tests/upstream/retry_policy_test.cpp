#include "upstream/retry_policy.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "upstream/http_date.hpp"

namespace cmcp::upstream {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// 2024-05-01T12:00:00Z
const system_clock::time_point kNow = system_clock::time_point{seconds{1714564800}};

Request idempotent_get(Provider provider = Provider::scaleway) {
    Request request;
    request.provider = provider;
    request.method = "GET";
    request.path = "/iam/v1alpha1/jwts";
    request.idempotent = true;
    return request;
}

Request create_post() {
    Request request = idempotent_get();
    request.method = "POST";
    request.idempotent = false;
    return request;
}

Outcome status(int code, std::string body = "", std::optional<std::string> retry_after = {}) {
    Response response;
    response.status = code;
    response.body = std::move(body);
    response.retry_after = std::move(retry_after);
    return response;
}

Outcome failure(FailureKind kind) {
    return Failure{kind, "failed", 1};
}

RandomSource fixed(double value) {
    return [value] { return value; };
}

RetryDecision decide(const Request& request, const Outcome& outcome, int attempt = 1,
                     milliseconds elapsed = milliseconds{0}, RetryPolicy policy = {},
                     double random = 0.5) {
    return decide_retry(policy, RetryInput{request, outcome, attempt, elapsed, kNow},
                        fixed(random));
}

TEST(RetryPolicy, RetriesTransientStatusesOfIdempotentRequests) {
    for (const int code : {429, 502, 503, 504}) {
        const auto decision = decide(idempotent_get(), status(code));
        EXPECT_TRUE(decision.retry) << code;
        EXPECT_EQ(decision.stop, RetryStop::none) << code;
    }
}

TEST(RetryPolicy, NeverRetriesOtherStatuses) {
    for (const int code : {200, 201, 204, 301, 400, 401, 403, 404, 409, 422, 500, 501, 505}) {
        const auto decision = decide(idempotent_get(), status(code));
        EXPECT_FALSE(decision.retry) << code;
        EXPECT_EQ(decision.stop, RetryStop::not_retryable) << code;
    }
}

TEST(RetryPolicy, NeverRetriesNonIdempotentRequests) {
    for (const int code : {429, 502, 503, 504}) {
        const auto decision = decide(create_post(), status(code));
        EXPECT_FALSE(decision.retry) << code;
        EXPECT_EQ(decision.stop, RetryStop::not_idempotent) << code;
    }
    EXPECT_FALSE(decide(create_post(), failure(FailureKind::connection)).retry);
    EXPECT_FALSE(decide(create_post(), failure(FailureKind::timeout)).retry);
}

TEST(RetryPolicy, RetriesConnectionFailuresAndTimeoutsOfIdempotentRequests) {
    EXPECT_TRUE(decide(idempotent_get(), failure(FailureKind::connection)).retry);
    EXPECT_TRUE(decide(idempotent_get(), failure(FailureKind::timeout)).retry);
}

TEST(RetryPolicy, NeverRetriesOtherFailures) {
    for (const auto kind : {FailureKind::cancelled, FailureKind::response_too_large,
                            FailureKind::missing_credentials}) {
        const auto decision = decide(idempotent_get(), failure(kind));
        EXPECT_FALSE(decision.retry) << to_string(kind);
        EXPECT_EQ(decision.stop, RetryStop::not_retryable);
    }
}

TEST(RetryPolicy, StopsAtMaxAttempts) {
    RetryPolicy policy;
    policy.max_attempts = 3;
    EXPECT_TRUE(decide(idempotent_get(), status(503), 1, milliseconds{0}, policy).retry);
    EXPECT_TRUE(decide(idempotent_get(), status(503), 2, milliseconds{0}, policy).retry);
    const auto last = decide(idempotent_get(), status(503), 3, milliseconds{0}, policy);
    EXPECT_FALSE(last.retry);
    EXPECT_EQ(last.stop, RetryStop::attempts_exhausted);
    policy.max_attempts = 1;
    EXPECT_EQ(decide(idempotent_get(), status(503), 1, milliseconds{0}, policy).stop,
              RetryStop::attempts_exhausted);
}

TEST(RetryPolicy, StopsWhenTheSleepWouldEndAfterTheTotalBudget) {
    RetryPolicy policy;
    policy.base_delay = milliseconds{1000};
    policy.max_total = milliseconds{10000};
    // random 1.0 -> the full 1000 ms; 9500 + 1000 > 10000.
    const auto over = decide(idempotent_get(), status(503), 1, milliseconds{9500}, policy, 1.0);
    EXPECT_FALSE(over.retry);
    EXPECT_EQ(over.stop, RetryStop::budget_exhausted);
    const auto within = decide(idempotent_get(), status(503), 1, milliseconds{8500}, policy, 1.0);
    EXPECT_TRUE(within.retry);
    EXPECT_EQ(within.delay, milliseconds{1000});
    const auto spent = decide(idempotent_get(), status(503), 1, milliseconds{10000}, policy, 0.0);
    EXPECT_EQ(spent.stop, RetryStop::budget_exhausted);
}

TEST(RetryPolicy, FullJitterStaysWithinTheExponentialCeiling) {
    RetryPolicy policy;  // 250 ms base, 8000 ms max
    EXPECT_EQ(backoff_delay(policy, 1, 0.0), milliseconds{0});
    EXPECT_EQ(backoff_delay(policy, 1, 0.5), milliseconds{125});
    EXPECT_EQ(backoff_delay(policy, 1, 0.999999), milliseconds{249});
    EXPECT_EQ(backoff_delay(policy, 2, 0.999999), milliseconds{499});
    EXPECT_EQ(backoff_delay(policy, 3, 0.5), milliseconds{500});
    EXPECT_EQ(backoff_delay(policy, 6, 0.999999), milliseconds{7999});  // 250*32 = 8000
    EXPECT_EQ(backoff_delay(policy, 7, 0.5), milliseconds{4000});       // capped at 8000
    EXPECT_EQ(backoff_delay(policy, 1000, 0.5), milliseconds{4000});    // no overflow
    EXPECT_EQ(backoff_delay(policy, 1, 7.0), milliseconds{250});        // bad source clamped
    for (int attempt = 1; attempt <= 10; ++attempt) {
        for (const double random : {0.0, 0.1, 0.37, 0.5, 0.9, 0.999}) {
            const auto delay = backoff_delay(policy, attempt, random);
            EXPECT_GE(delay, milliseconds{0});
            EXPECT_LE(delay, std::min(policy.max_delay, policy.base_delay * (1 << (attempt - 1))));
        }
    }
}

TEST(RetryPolicy, DecisionUsesTheInjectedRandomSource) {
    const auto low = decide(idempotent_get(), status(503), 2, milliseconds{0}, {}, 0.25);
    EXPECT_EQ(low.delay, milliseconds{125});
    EXPECT_FALSE(low.from_server_hint);
    const auto high = decide(idempotent_get(), status(503), 2, milliseconds{0}, {}, 0.75);
    EXPECT_EQ(high.delay, milliseconds{375});
}

TEST(RetryPolicy, HonoursScalewayResetSeconds) {
    const auto decision = decide(
        idempotent_get(),
        status(429, R"({"type":"too_many_requests","message":"slow down","reset_seconds":3})"));
    EXPECT_TRUE(decision.retry);
    EXPECT_TRUE(decision.from_server_hint);
    EXPECT_EQ(decision.delay, milliseconds{3000});
    const auto fractional = decide(
        idempotent_get(), status(429, R"({"type":"too_many_requests","reset_seconds":0.25})"));
    EXPECT_EQ(fractional.delay, milliseconds{250});
}

TEST(RetryPolicy, HonoursScalewayResetAt) {
    const auto decision =
        decide(idempotent_get(),
               status(429, R"({"type":"too_many_requests","reset_at":"2024-05-01T12:00:02.5Z"})"));
    EXPECT_TRUE(decision.retry);
    EXPECT_TRUE(decision.from_server_hint);
    EXPECT_EQ(decision.delay, milliseconds{2500});
    const auto offset = decide(
        idempotent_get(),
        status(429, R"({"type":"too_many_requests","reset_at":"2024-05-01T14:00:04+02:00"})"));
    EXPECT_EQ(offset.delay, milliseconds{4000});
}

TEST(RetryPolicy, ResetAtInThePastAllowsARetryAfterTheComputedBackoff) {
    // The window has already reset (or the clocks disagree): retry, with the usual jitter.
    const auto past =
        decide(idempotent_get(),
               status(429, R"({"type":"too_many_requests","reset_at":"2024-05-01T11:59:00Z"})"), 1,
               milliseconds{0}, {}, 0.5);
    EXPECT_TRUE(past.retry);
    EXPECT_FALSE(past.from_server_hint);
    EXPECT_EQ(past.delay, backoff_delay(RetryPolicy{}, 1, 0.5));
    EXPECT_EQ(past.delay, milliseconds{125});
}

TEST(RetryPolicy, HonoursRetryAfterSeconds) {
    const auto decision = decide(idempotent_get(), status(429, "", "2"));
    EXPECT_TRUE(decision.retry);
    EXPECT_TRUE(decision.from_server_hint);
    EXPECT_EQ(decision.delay, milliseconds{2000});
    const auto now = decide(idempotent_get(), status(503, "", "0"), 1, milliseconds{0}, {}, 0.5);
    EXPECT_TRUE(now.retry);
    EXPECT_FALSE(now.from_server_hint);
    EXPECT_EQ(now.delay, milliseconds{125});  // "now" gets the computed backoff
}

TEST(RetryPolicy, HonoursRetryAfterHttpDate) {
    const auto decision =
        decide(idempotent_get(), status(429, "", "Wed, 01 May 2024 12:00:05 GMT"));
    EXPECT_TRUE(decision.retry);
    EXPECT_EQ(decision.delay, milliseconds{5000});
    // Beyond max_delay (8 s) and within max_total (30 s): slept in full.
    const auto later = decide(idempotent_get(), status(429, "", "Wed, 01 May 2024 12:00:21 GMT"));
    EXPECT_TRUE(later.retry);
    EXPECT_TRUE(later.from_server_hint);
    EXPECT_EQ(later.delay, milliseconds{21000});
    const auto beyond = decide(idempotent_get(), status(429, "", "Wed, 01 May 2024 12:00:45 GMT"));
    EXPECT_FALSE(beyond.retry);
    EXPECT_EQ(beyond.stop, RetryStop::hint_beyond_budget);
    const auto past = decide(idempotent_get(), status(429, "", "Wed, 01 May 2024 11:00:00 GMT"), 1,
                             milliseconds{0}, {}, 0.5);
    EXPECT_TRUE(past.retry);
    EXPECT_EQ(past.delay, milliseconds{125});
}

TEST(RetryPolicy, UnparseableHintsFallBackToBackoff) {
    const auto decision = decide(idempotent_get(), status(429, "<html>busy</html>", "soon"), 1,
                                 milliseconds{0}, {}, 0.5);
    EXPECT_TRUE(decision.retry);
    EXPECT_FALSE(decision.from_server_hint);
    EXPECT_EQ(decision.delay, milliseconds{125});
}

TEST(RetryPolicy, LongestHintWins) {
    const auto decision = decide(
        idempotent_get(), status(429, R"({"type":"too_many_requests","reset_seconds":4})", "1"));
    EXPECT_EQ(decision.delay, milliseconds{4000});
}

TEST(RetryPolicy, HintLongerThanMaxDelayIsSleptInFull) {
    RetryPolicy policy;
    policy.max_delay = milliseconds{1000};  // bounds the computed backoff only
    const auto decision =
        decide(idempotent_get(), status(429, "", "5"), 1, milliseconds{0}, policy);
    EXPECT_TRUE(decision.retry);
    EXPECT_TRUE(decision.from_server_hint);
    EXPECT_EQ(decision.delay, milliseconds{5000});
    const auto body = decide(idempotent_get(),
                             status(429, R"({"type":"too_many_requests","reset_seconds":12.5})"), 1,
                             milliseconds{0}, policy);
    EXPECT_EQ(body.delay, milliseconds{12500});
}

// Drives decide_retry the way HttpUpstream does, on a simulated clock: each attempt takes
// `latency`, then the policy's delay is slept. Returns when each attempt started, in ms.
struct SimulatedRun {
    std::vector<std::int64_t> attempt_starts;
    RetryStop stop = RetryStop::none;
};

SimulatedRun simulate(const RetryPolicy& policy, const std::function<Outcome(milliseconds)>& vendor,
                      milliseconds latency = milliseconds{40}) {
    SimulatedRun run;
    const Request request = idempotent_get();
    milliseconds clock{0};
    for (int attempt = 1;; ++attempt) {
        run.attempt_starts.push_back(clock.count());
        const Outcome outcome = vendor(clock);
        clock += latency;
        const auto decision = decide_retry(
            policy, RetryInput{request, outcome, attempt, clock, kNow + clock}, fixed(0.5));
        if (!decision.retry) {
            run.stop = decision.stop;
            return run;
        }
        clock += decision.delay;
    }
}

TEST(RetryPolicy, RetryAfterWithinTheBudgetIsRetriedOnceAfterTheFullWait) {
    // The reported case: a 429 with Retry-After: 15 under the default 8 s max_delay and 30 s
    // max_total used to be retried at 8 s and 16 s, both before the vendor allowed it.
    const RetryPolicy policy;
    ASSERT_EQ(policy.max_delay, milliseconds{8000});
    ASSERT_EQ(policy.max_total, milliseconds{30000});
    const auto always_limited = [](milliseconds) { return status(429, "", "15"); };
    const SimulatedRun limited = simulate(policy, always_limited);
    EXPECT_EQ(limited.attempt_starts, (std::vector<std::int64_t>{0, 15040}));
    EXPECT_EQ(limited.stop, RetryStop::hint_beyond_budget);

    // A vendor whose window really ends at 15 s answers the one retry.
    const auto window = [](milliseconds at) {
        return at >= milliseconds{15000} ? status(200) : status(429, "", "15");
    };
    const SimulatedRun recovered = simulate(policy, window, milliseconds{0});
    EXPECT_EQ(recovered.attempt_starts, (std::vector<std::int64_t>{0, 15000}));
    EXPECT_EQ(recovered.stop, RetryStop::not_retryable);  // the 200
}

TEST(RetryPolicy, HintBeyondTheTotalBudgetIsNotRetried) {
    const RetryPolicy policy;  // 30 s budget
    const auto decision =
        decide(idempotent_get(), status(429, "", "40"), 1, milliseconds{0}, policy);
    EXPECT_FALSE(decision.retry);
    EXPECT_EQ(decision.stop, RetryStop::hint_beyond_budget);
    const SimulatedRun run = simulate(policy, [](milliseconds) { return status(429, "", "40"); });
    EXPECT_EQ(run.attempt_starts, (std::vector<std::int64_t>{0}));
    EXPECT_EQ(run.stop, RetryStop::hint_beyond_budget);
}

TEST(RetryPolicy, AHintMustEndBeforeTheBudgetDoes) {
    RetryPolicy policy;
    policy.max_total = milliseconds{10000};
    EXPECT_TRUE(
        decide(idempotent_get(), status(429, "", "5"), 1, milliseconds{4999}, policy).retry);
    EXPECT_EQ(decide(idempotent_get(), status(429, "", "5"), 1, milliseconds{5000}, policy).stop,
              RetryStop::hint_beyond_budget);
}

TEST(RetryPolicy, HintBeyondTheRemainingBudgetStopsRetrying) {
    RetryPolicy policy;
    policy.max_total = milliseconds{10000};
    const auto decision =
        decide(idempotent_get(), status(429, "", "60"), 1, milliseconds{0}, policy);
    EXPECT_FALSE(decision.retry);
    EXPECT_EQ(decision.stop, RetryStop::hint_beyond_budget);
    const auto late =
        decide(idempotent_get(), status(429, R"({"type":"too_many_requests","reset_seconds":3})"),
               1, milliseconds{8000}, policy);
    EXPECT_EQ(late.stop, RetryStop::hint_beyond_budget);
}

TEST(RetryPolicy, HintsDoNotMakeNonIdempotentRequestsRetryable) {
    EXPECT_EQ(decide(create_post(), status(429, "", "0")).stop, RetryStop::not_idempotent);
}

TEST(RetryPolicy, PlanetScaleBodiesAreReadToo) {
    const auto decision = decide(idempotent_get(Provider::planetscale),
                                 status(429, R"({"code":"rate_limited","message":"x"})", "1"));
    EXPECT_TRUE(decision.retry);
    EXPECT_EQ(decision.delay, milliseconds{1000});
}

TEST(ParseRetryAfter, AcceptsSecondsAndDates) {
    EXPECT_EQ(parse_retry_after("120", kNow), milliseconds{120000});
    EXPECT_EQ(parse_retry_after(" 3 ", kNow), milliseconds{3000});
    EXPECT_EQ(parse_retry_after("Wed, 01 May 2024 12:01:00 GMT", kNow), milliseconds{60000});
    EXPECT_EQ(parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", kNow), milliseconds{0});
    EXPECT_GT(parse_retry_after("99999999999999999999", kNow).value(), milliseconds{1000000000});
    EXPECT_FALSE(parse_retry_after("", kNow));
    EXPECT_FALSE(parse_retry_after("-1", kNow));
    EXPECT_FALSE(parse_retry_after("1.5", kNow));
    EXPECT_FALSE(parse_retry_after("tomorrow", kNow));
}

TEST(HttpDate, ParsesImfFixdate) {
    const auto parsed = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->time_since_epoch(), seconds{784111777});
    EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
    EXPECT_FALSE(parse_http_date("Sun Nov  6 08:49:37 1994"));
    EXPECT_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));
    EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"));
    EXPECT_FALSE(parse_http_date("Sun"));
    EXPECT_FALSE(parse_http_date(""));
}

TEST(HttpDate, ParsesRfc3339) {
    EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00Z"), kNow);
    EXPECT_EQ(parse_rfc3339("2024-05-01t12:00:00z"), kNow);
    EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00.123456Z"),
              kNow + std::chrono::microseconds{123456});
    EXPECT_EQ(parse_rfc3339("2024-05-01T13:30:00+01:30"), kNow);
    EXPECT_EQ(parse_rfc3339("2024-05-01T10:00:00-02:00"), kNow);
    EXPECT_FALSE(parse_rfc3339("2024-05-01T12:00:00"));
    EXPECT_FALSE(parse_rfc3339("2024-05-01"));
    EXPECT_FALSE(parse_rfc3339("2024-13-01T12:00:00Z"));
    EXPECT_FALSE(parse_rfc3339("2024-05-01T12:00:00.Z"));
    EXPECT_FALSE(parse_rfc3339("2024-05-01T12:00:00Zjunk"));
    EXPECT_FALSE(parse_rfc3339(""));
}

}  // namespace
}  // namespace cmcp::upstream
