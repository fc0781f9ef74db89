// Issue 7 §2: every upstream fault the sandbox can script, against read tools and mutating tools
// of both vendors, through the real binary (non-sandbox, pointed at an in-process sandbox). Each
// call must end in a clear isError within a bounded time, be retried only when the tool is
// idempotent and the fault transient, leave the server running, and never show a credential.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <functional>
#include <mutex>
#include <thread>

#include "hardening_support.hpp"

namespace cmcp::hardening {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kMaxAttempts = 3;
constexpr auto kReadTimeout = 1000ms;
constexpr std::size_t kMaxResponseBytes = 64 * 1024;
// Worst case: kMaxAttempts read timeouts plus two backoffs and a 1 s hint; generous for a loaded
// 2-core machine.
constexpr auto kCallBound = 20s;

struct FaultCase {
    std::string name;
    sandbox::Fault fault;              // method and path_prefix are filled per tool
    bool transient;                    // retried when the tool is idempotent
    std::vector<std::string> needles;  // one of them must be in the error text
    bool far_hint = false;             // the vendor asks for a wait beyond the retry budget
    // A well-formed 2xx the server passes on as it is (documented: an empty body becomes a
    // confirmation, a non-object is wrapped as {"result": ...}); it must still not be retried.
    bool expect_error = true;
};

struct ToolCase {
    std::string tool;
    std::string method;
    bool idempotent;
    // Arguments and the raw path prefix that only this case's requests use.
    std::function<std::pair<std::string, std::string>(int index)> target;
};

sandbox::Fault fault(int status, std::string body, std::string content_type = "application/json") {
    sandbox::Fault out;
    out.status = status;
    out.body = std::move(body);
    out.content_type = std::move(content_type);
    out.times = 100;  // persistent: every attempt meets it
    return out;
}

std::vector<FaultCase> fault_cases() {
    std::vector<FaultCase> cases;
    const auto add = [&cases](std::string name, sandbox::Fault injected, bool transient,
                              std::vector<std::string> needles, bool far_hint = false,
                              bool expect_error = true) {
        cases.push_back({std::move(name), std::move(injected), transient, std::move(needles),
                         far_hint, expect_error});
    };
    add("500-json", fault(500, R"({"message":"internal error","type":"internal"})"), false,
        {"500"});
    add("500-empty", fault(500, ""), false, {"500"});
    add("502-html", fault(502, "<html><h1>502 Bad Gateway</h1></html>", "text/html"), true,
        {"502"});
    add("503-json", fault(503, R"({"message":"maintenance","type":"unavailable"})"), true, {"503"});
    auto unavailable_hint = fault(503, "");
    unavailable_hint.headers = {{"Retry-After", "1"}};
    add("503-retry-after", unavailable_hint, true, {"503"});
    add("504-text", fault(504, "upstream timed out", "text/plain"), true, {"504"});
    add("429-no-hint", fault(429, ""), true, {"429"});
    auto retry_after = fault(429, R"({"message":"slow down","type":"too_many_requests"})");
    retry_after.headers = {{"Retry-After", "1"}};
    add("429-retry-after", retry_after, true, {"429"});
    auto retry_after_date = fault(429, "");
    retry_after_date.headers = {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}};  // past
    add("429-retry-after-date", retry_after_date, true, {"429"});
    auto far = fault(429, R"({"message":"quota","type":"too_many_requests"})");
    far.headers = {{"Retry-After", "3600"}};
    add("429-retry-after-far", far, true, {"429"}, true);
    add("429-reset-seconds",
        fault(429, R"({"message":"quota","type":"too_many_requests","reset_seconds":1})"), true,
        {"429"});
    add("429-reset-at",
        fault(429, R"({"code":"rate_limited","message":"slow","reset_at":"2001-01-01T00:00:00Z"})"),
        true, {"429"});
    auto vendor_headers = fault(429, R"({"code":"rate_limited","message":"slow down"})");
    vendor_headers.headers = {
        {"X-RateLimit-Limit", "600"}, {"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "1"}};
    add("429-vendor-reset-headers", vendor_headers, true, {"429"});
    auto slow = fault(200, "{}");
    slow.delay = 1500ms;
    add("delay-beyond-read-timeout", slow, true, {"timeout"});
    auto reset = fault(200, "{}");
    reset.action = sandbox::FaultAction::reset;
    add("connection-reset", reset, true, {"closed", "connect"});
    auto truncated = fault(200, R"({"id":"x","name":"truncated","data":[1,2,3,4,5,6,7,8]})");
    truncated.action = sandbox::FaultAction::truncate;
    truncated.truncate_at = 12;
    add("truncated-body", truncated, true, {"closed before a complete response"});
    auto headers_only = fault(200, R"({"id":"x"})");
    headers_only.action = sandbox::FaultAction::truncate;
    headers_only.truncate_at = 0;
    add("truncated-after-headers", headers_only, true, {"closed before a complete response"});
    add("non-json-200", fault(200, "<html>hello</html>", "text/html"), false, {"JSON"});
    add("broken-json-200", fault(200, R"({"tokens":[{"id":)"), false, {"JSON"});
    add("empty-200", fault(200, ""), false, {"status", "deleted"}, false, false);
    add("array-200", fault(200, "[1,2,3]"), false, {"result"}, false, false);
    add("oversize-declared",
        fault(200, R"({"padding":")" + std::string(kMaxResponseBytes * 2, 'x') + "\"}"), false,
        {"larger than the limit"});
    auto chunked = fault(200, R"({"padding":")");
    chunked.action = sandbox::FaultAction::stream;
    chunked.stream_bytes = kMaxResponseBytes * 4;
    add("oversize-chunked", chunked, false, {"larger than the limit"});
    return cases;
}

std::string hex_id(int index, int width) {
    std::string digits = std::to_string(index);
    return std::string(static_cast<std::size_t>(width) - digits.size(), '0') + digits;
}

// Secret ids are UUIDs and PlanetScale organizations are names: each case gets its own, so
// concurrent cases never meet each other's faults.
std::string secret_uuid(int index) {
    return "5ec7e700-0000-4000-8000-" + hex_id(index, 12);
}

std::vector<ToolCase> tool_cases() {
    return {
        {"get-metadata-using-secret-s-id", "GET", true,
         [](int i) {
             return std::pair{R"({"secret_id":")" + secret_uuid(i) + "\"}",
                              "/secret-manager/v1beta1/regions/fr-par/secrets/" + secret_uuid(i)};
         }},
        {"enable-secret-protection", "POST", false,
         [](int i) {
             return std::pair{R"({"secret_id":")" + secret_uuid(i) + "\"}",
                              "/secret-manager/v1beta1/regions/fr-par/secrets/" + secret_uuid(i)};
         }},
        {"list-service-tokens", "GET", true,
         [](int i) {
             const std::string org = "fault-org-" + hex_id(i, 4);
             return std::pair{R"({"organization":")" + org + "\"}", "/v1/organizations/" + org};
         }},
        {"create-service-token", "POST", false,
         [](int i) {
             const std::string org = "fault-org-" + hex_id(i, 4);
             return std::pair{R"({"organization":")" + org + R"(","name":"x"})",
                              "/v1/organizations/" + org};
         }},
        {"delete-service-token", "DELETE", true,
         [](int i) {
             const std::string org = "fault-org-" + hex_id(i, 4);
             return std::pair{
                 R"({"organization":")" + org + R"(","id":"tok)" + std::to_string(i) + "\"}",
                 "/v1/organizations/" + org};
         }},
    };
}

struct Outcome {
    std::string label;
    bool answered = false;
    bool is_error = false;
    std::string text;
    std::string raw;
    std::chrono::milliseconds elapsed{0};
    std::size_t attempts = 0;
    int expected_attempts = 0;
    std::vector<std::string> needles;
    bool expect_error = true;
};

TEST(UpstreamFaultMatrix, EveryFaultOnReadAndMutatingToolsIsAClearBoundedError) {
    const Canaries canaries = make_canaries();
    auto upstream = make_sandbox(canaries, true);
    ServerProcess server(
        {"--stateless", "--log-level", "debug", "--read-timeout-ms",
         std::to_string(kReadTimeout.count()), "--connect-timeout-ms", "1000", "--max-attempts",
         std::to_string(kMaxAttempts), "--max-response-bytes", std::to_string(kMaxResponseBytes)},
        upstream_env(canaries, upstream->base_url(), upstream->demo()));

    const auto faults = fault_cases();
    const auto tools = tool_cases();
    std::vector<Outcome> outcomes(faults.size() * tools.size());
    std::vector<std::string> prefixes(outcomes.size());
    std::vector<std::string> methods(outcomes.size());
    std::vector<std::string> arguments(outcomes.size());
    for (std::size_t f = 0; f < faults.size(); ++f) {
        for (std::size_t t = 0; t < tools.size(); ++t) {
            const std::size_t index = f * tools.size() + t;
            auto [args, prefix] = tools[t].target(static_cast<int>(index));
            sandbox::Fault injected = faults[f].fault;
            injected.method = tools[t].method;
            injected.path_prefix = prefix;
            upstream->inject(injected);
            prefixes[index] = prefix;
            methods[index] = tools[t].method;
            arguments[index] = args;
            auto& outcome = outcomes[index];
            outcome.label = faults[f].name + " x " + tools[t].tool;
            outcome.needles = faults[f].needles;
            outcome.expect_error = faults[f].expect_error;
            const bool retried = faults[f].transient && tools[t].idempotent && !faults[f].far_hint;
            outcome.expected_attempts = retried ? kMaxAttempts : 1;
        }
    }

    // Each case has its own path, so concurrent cases never meet each other's faults. Delayed
    // answers hold one of the sandbox's few threads past the client's timeout, so they run in a
    // phase of their own, where they cannot starve the other cases into timeouts.
    std::vector<std::size_t> quick;
    std::vector<std::size_t> delayed;
    for (std::size_t index = 0; index < outcomes.size(); ++index) {
        (faults[index / tools.size()].fault.delay.count() > 0 ? delayed : quick).push_back(index);
    }
    const auto run_phase = [&](const std::vector<std::size_t>& indices, int parallel) {
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> threads;
        for (int worker = 0; worker < parallel; ++worker) {
            threads.emplace_back([&] {
                McpClient client(server.port(), "", 60s);
                for (std::size_t at = next++; at < indices.size(); at = next++) {
                    const std::size_t index = indices[at];
                    const auto& tool = tools[index % tools.size()];
                    const auto start = std::chrono::steady_clock::now();
                    const auto answer =
                        client.call(static_cast<long long>(index) + 1, tool.tool, arguments[index]);
                    auto& outcome = outcomes[index];
                    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start);
                    outcome.raw = answer.raw_headers + answer.body + answer.error;
                    if (const auto result = tool_result(answer)) {
                        outcome.answered = true;
                        outcome.is_error = is_error_result(*result);
                        outcome.text = result_text(*result);
                    }
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
    };
    run_phase(quick, 6);
    run_phase(delayed, 2);

    const auto recorded = upstream->requests();
    std::string everything = server.log();
    for (std::size_t index = 0; index < outcomes.size(); ++index) {
        auto& outcome = outcomes[index];
        for (const auto& request : recorded) {
            if (request.method == methods[index] && request.path.starts_with(prefixes[index])) {
                ++outcome.attempts;
            }
        }
        SCOPED_TRACE(outcome.label);
        EXPECT_TRUE(outcome.answered) << outcome.raw;
        EXPECT_EQ(outcome.is_error, outcome.expect_error) << outcome.text;
        EXPECT_LT(outcome.elapsed, kCallBound);
        EXPECT_EQ(outcome.attempts, static_cast<std::size_t>(outcome.expected_attempts))
            << outcome.text;
        bool named = false;
        for (const auto& needle : outcome.needles) {
            named = named || outcome.text.find(needle) != std::string::npos;
        }
        EXPECT_TRUE(named) << "the error does not say what happened: " << outcome.text;
        everything += outcome.raw;
    }
    // Every attempt carried the real credential, which the server never repeated.
    for (const auto& request : recorded) {
        const bool planetscale = request.path.starts_with("/v1/");
        EXPECT_EQ(planetscale ? request.header("authorization") : request.header("x-auth-token"),
                  planetscale ? canaries.planetscale_authorization() : canaries.scaleway_key);
    }
    for (const auto& canary : canaries.all()) {
        EXPECT_EQ(everything.find(canary), std::string::npos) << "leaked: " << canary;
    }

    // Still serving, and a normal call works after the storm.
    ASSERT_TRUE(server.alive());
    McpClient after(server.port());
    const auto health = after.get("/healthz");
    EXPECT_EQ(health.status, 200);
    const auto normal =
        tool_result(after.call(9999, "get-metadata-using-secret-s-id",
                               R"({"secret_id":")" + upstream->demo().secret_id + "\"}"));
    ASSERT_TRUE(normal.has_value());
    EXPECT_FALSE(is_error_result(*normal)) << result_text(*normal);
    EXPECT_EQ(server.stop(), 0);
    std::cout << "[ figures  ] faults " << faults.size() << " x tools " << tools.size() << " = "
              << outcomes.size() << " cases, " << recorded.size() << " upstream attempts\n";
}

// The transient faults heal: a read tool gets its answer on a later attempt; a tool that is not
// idempotent reports the fault after its single attempt instead of repeating a change.
TEST(UpstreamFaultMatrix, TransientFaultsThatHealAreRetriedOnlyForIdempotentTools) {
    const Canaries canaries = make_canaries();
    auto upstream = make_sandbox(canaries, true);
    ServerProcess server({"--stateless", "--read-timeout-ms", "1000", "--max-attempts", "3"},
                         upstream_env(canaries, upstream->base_url(), upstream->demo()));
    const auto& demo = upstream->demo();
    McpClient client(server.port());
    std::vector<sandbox::Fault> transient;
    for (const int status : {429, 502, 503, 504}) {
        transient.push_back(fault(status, ""));
    }
    auto reset = fault(200, "");
    reset.action = sandbox::FaultAction::reset;
    transient.push_back(reset);
    auto truncated = fault(200, R"({"id":"0123456789"})");
    truncated.action = sandbox::FaultAction::truncate;
    truncated.truncate_at = 5;
    transient.push_back(truncated);
    auto slow = fault(200, "{}");
    slow.delay = 2000ms;
    transient.push_back(slow);
    long long id = 1;
    for (auto injected : transient) {
        SCOPED_TRACE(std::to_string(injected.status) + " action " +
                     std::to_string(static_cast<int>(injected.action)));
        injected.times = 1;
        injected.method = "GET";
        upstream->inject(injected);
        upstream->clear_requests();
        const auto read = tool_result(client.call(id++, "get-metadata-using-secret-s-id",
                                                  R"({"secret_id":")" + demo.secret_id + "\"}"));
        ASSERT_TRUE(read.has_value());
        EXPECT_FALSE(is_error_result(*read)) << result_text(*read);
        EXPECT_EQ(upstream->requests().size(), 2U);

        injected.method = "POST";
        upstream->inject(injected);
        upstream->clear_requests();
        const auto write = tool_result(client.call(
            id++, "create-service-token",
            R"({"organization":")" + demo.planetscale_organization + R"(","name":"once"})"));
        ASSERT_TRUE(write.has_value());
        EXPECT_TRUE(is_error_result(*write)) << result_text(*write);
        EXPECT_EQ(upstream->requests().size(), 1U);
    }
    EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace cmcp::hardening
