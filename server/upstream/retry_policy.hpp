#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "upstream/request.hpp"

namespace cmcp::upstream {

struct RetryPolicy {
    int max_attempts = 4;  // including the first
    std::chrono::milliseconds base_delay{250};
    std::chrono::milliseconds max_delay{8000};   // caps the computed backoff, never a vendor's hint
    std::chrono::milliseconds max_total{30000};  // from the first attempt to the last sleep's end
};

// Why a call is not tried again; `none` when it is.
enum class RetryStop {
    none,
    not_retryable,       // success, or a status/failure that repeating will not fix
    not_idempotent,      // a repeat could apply the change twice
    attempts_exhausted,  // max_attempts reached
    budget_exhausted,    // the next sleep would end after max_total
    hint_beyond_budget,  // the vendor asked for a wait longer than what is left of max_total
};

std::string_view to_string(RetryStop stop);

struct RetryDecision {
    bool retry = false;
    std::chrono::milliseconds delay{0};
    bool from_server_hint = false;  // the delay is what the vendor asked for
    RetryStop stop = RetryStop::none;
};

// Uniform in [0, 1); injected so tests can pin the jitter.
using RandomSource = std::function<double()>;

struct RetryInput {
    const Request& request;
    const Outcome& outcome;
    int attempt = 1;                       // 1-based number of the attempt that just ended
    std::chrono::milliseconds elapsed{0};  // since the first attempt started
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();  // for reset_at
};

// Whether the outcome is of a kind that a later identical request could change: 429, 502, 503,
// 504, a connection failure or a timeout. Says nothing about idempotency.
bool is_transient(const Outcome& outcome);

// The wait the vendor asked for, from the Retry-After header (seconds or HTTP-date) or, in a JSON
// error body, Scaleway's reset_seconds / reset_at; the longest when several are present.
std::optional<std::chrono::milliseconds> server_retry_hint(
    Provider provider, const Response& response, std::chrono::system_clock::time_point now);

// Retry-After: delta-seconds or an HTTP-date; a date in the past means 0.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// Full jitter: random * min(max_delay, base_delay * 2^(attempt-1)).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, double random);

// A vendor's hint is waited in full when it ends within max_total, else the call stops with
// hint_beyond_budget; a hint of zero gets the computed backoff.
RetryDecision decide_retry(const RetryPolicy& policy, const RetryInput& input,
                           const RandomSource& random);

}  // namespace cmcp::upstream
