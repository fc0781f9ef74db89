#include "upstream/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "upstream/http_date.hpp"
#include "upstream/vendor_error.hpp"

namespace cmcp::upstream {

namespace {

using std::chrono::milliseconds;

// Bounds the doubling so that base_delay * 2^n cannot overflow before the max_delay cap.
constexpr int kMaxDoublings = 30;

milliseconds seconds_to_ms(double seconds) {
    // Round up: waking a millisecond early would meet the same 429 again.
    const double ms = std::ceil(seconds * 1000.0);
    if (!(ms > 0)) {
        return milliseconds{0};
    }
    constexpr double kCeiling = static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2);
    return milliseconds{static_cast<std::int64_t>(std::min(ms, kCeiling))};
}

milliseconds until(std::chrono::system_clock::time_point when,
                   std::chrono::system_clock::time_point now) {
    if (when <= now) {
        return milliseconds{0};
    }
    return std::chrono::ceil<milliseconds>(when - now);
}

}  // namespace

std::string_view to_string(RetryStop stop) {
    switch (stop) {
        case RetryStop::none:
            return "none";
        case RetryStop::not_retryable:
            return "not_retryable";
        case RetryStop::not_idempotent:
            return "not_idempotent";
        case RetryStop::attempts_exhausted:
            return "attempts_exhausted";
        case RetryStop::budget_exhausted:
            return "budget_exhausted";
        case RetryStop::hint_beyond_budget:
            return "hint_beyond_budget";
    }
    return "unknown";
}

bool is_transient(const Outcome& outcome) {
    if (const auto* response = std::get_if<Response>(&outcome)) {
        const int status = response->status;
        return status == 429 || status == 502 || status == 503 || status == 504;
    }
    const auto& failure = std::get<Failure>(outcome);
    return failure.kind == FailureKind::connection || failure.kind == FailureKind::timeout;
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    if (value.empty()) {
        return std::nullopt;
    }
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        // Anything over ~31 years is as good as "never"; stop before overflowing.
        constexpr std::size_t kMaxDigits = 9;
        if (value.size() > kMaxDigits) {
            return milliseconds{std::numeric_limits<std::int32_t>::max()} * 1000;
        }
        std::int64_t seconds = 0;
        for (const char c : value) {
            seconds = seconds * 10 + (c - '0');
        }
        return milliseconds{seconds * 1000};
    }
    if (const auto date = parse_http_date(value)) {
        return until(*date, now);
    }
    return std::nullopt;
}

std::optional<milliseconds> server_retry_hint(Provider provider, const Response& response,
                                              std::chrono::system_clock::time_point now) {
    std::optional<milliseconds> hint;
    const auto consider = [&hint](milliseconds candidate) {
        hint = hint ? std::max(*hint, candidate) : candidate;
    };
    if (response.retry_after) {
        if (const auto parsed = parse_retry_after(*response.retry_after, now)) {
            consider(*parsed);
        }
    }
    const VendorError error = parse_vendor_error(provider, response.status, response.body);
    if (error.reset_seconds && std::isfinite(*error.reset_seconds)) {
        consider(seconds_to_ms(*error.reset_seconds));
    }
    if (error.reset_at) {
        if (const auto when = parse_rfc3339(*error.reset_at)) {
            consider(until(*when, now));
        }
    }
    return hint;
}

milliseconds backoff_delay(const RetryPolicy& policy, int attempt, double random) {
    const int doublings = std::clamp(attempt - 1, 0, kMaxDoublings);
    const auto ceiling_ms = std::min<std::int64_t>(
        policy.max_delay.count(), policy.base_delay.count() * (std::int64_t{1} << doublings));
    const double fraction = std::clamp(random, 0.0, 1.0);
    return milliseconds{
        static_cast<std::int64_t>(std::floor(static_cast<double>(ceiling_ms) * fraction))};
}

RetryDecision decide_retry(const RetryPolicy& policy, const RetryInput& input,
                           const RandomSource& random) {
    RetryDecision decision;
    if (!is_transient(input.outcome)) {
        decision.stop = RetryStop::not_retryable;
        return decision;
    }
    if (!input.request.idempotent) {
        decision.stop = RetryStop::not_idempotent;
        return decision;
    }
    if (input.attempt >= policy.max_attempts) {
        decision.stop = RetryStop::attempts_exhausted;
        return decision;
    }
    const milliseconds remaining = policy.max_total - input.elapsed;
    if (remaining <= milliseconds{0}) {
        decision.stop = RetryStop::budget_exhausted;
        return decision;
    }
    std::optional<milliseconds> hint;
    if (const auto* response = std::get_if<Response>(&input.outcome)) {
        hint = server_retry_hint(input.request.provider, *response, input.now);
    }
    // A hint is a floor, not a suggestion: waking earlier only meets the same refusal again, so it
    // is slept in full or not at all. max_delay bounds the computed backoff only.
    if (hint && *hint > milliseconds{0}) {
        if (*hint >= remaining) {
            decision.stop = RetryStop::hint_beyond_budget;
            return decision;
        }
        decision.delay = *hint;
        decision.from_server_hint = true;
    } else {
        // No hint, or one already reached (Retry-After: 0, a reset_at in the past, perhaps by clock
        // skew): the jittered backoff keeps repeated refusals from becoming a tight loop.
        decision.delay = backoff_delay(policy, input.attempt, random ? random() : 1.0);
        if (decision.delay >= remaining) {
            decision.stop = RetryStop::budget_exhausted;
            return decision;
        }
    }
    decision.retry = true;
    return decision;
}

}  // namespace cmcp::upstream
