#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "sandbox/sandbox.hpp"

namespace cmcp::sandbox::test {
namespace {

const std::string kJwts = "/iam/v1alpha1/jwts?audience_id=someone";

Fault fault_with(int status, std::string body, int times = 1) {
    Fault fault;
    fault.status = status;
    fault.body = std::move(body);
    fault.times = times;
    return fault;
}

TEST(SandboxFaults, ReplaceTheAnswerWithStatusBodyTypeAndHeaders) {
    Sandbox sandbox(make_options());
    Fault fault = fault_with(429, R"({"message":"slow down","type":"too_many_requests"})");
    fault.headers = {{"Retry-After", "1"}, {"X-Scripted", "yes"}};
    sandbox.inject(fault);
    const auto answer = scw(sandbox, "GET", kJwts);
    EXPECT_EQ(answer.status, 429);
    EXPECT_EQ(answer.body, R"({"message":"slow down","type":"too_many_requests"})");
    EXPECT_EQ(answer.header("Content-Type"), "application/json");
    EXPECT_EQ(answer.header("Retry-After"), "1");
    EXPECT_EQ(answer.header("X-Scripted"), "yes");
}

TEST(SandboxFaults, SendNonJsonBodiesAsIs) {
    Sandbox sandbox(make_options());
    Fault fault = fault_with(502, "<html>Bad Gateway</html>");
    fault.content_type = "text/html";
    sandbox.inject(fault);
    const auto answer = scw(sandbox, "GET", kJwts);
    EXPECT_EQ(answer.status, 502);
    EXPECT_EQ(answer.body, "<html>Bad Gateway</html>");
    EXPECT_EQ(answer.header("Content-Type"), "text/html");
}

TEST(SandboxFaults, CanScriptATruncatedSuccessBody) {
    Sandbox sandbox(make_options());
    sandbox.inject(fault_with(200, R"({"jwts":[{"jti":)"));
    const auto answer = scw(sandbox, "GET", kJwts);
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, R"({"jwts":[{"jti":)");
}

TEST(SandboxFaults, AreUsedUpAfterTheirTimes) {
    Sandbox sandbox(make_options());
    sandbox.inject(fault_with(503, "", 2));
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 503);
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 503);
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 200);
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 200);
}

TEST(SandboxFaults, AreMatchedFirstInFirstOut) {
    Sandbox sandbox(make_options());
    sandbox.inject(fault_with(500, "first", 2));
    sandbox.inject(fault_with(502, "second", 1));
    EXPECT_EQ(scw(sandbox, "GET", kJwts).body, "first");
    EXPECT_EQ(scw(sandbox, "GET", kJwts).body, "first");
    EXPECT_EQ(scw(sandbox, "GET", kJwts).body, "second");
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 200);
}

TEST(SandboxFaults, MatchOnMethodAndRawPathPrefix) {
    Sandbox sandbox(make_options());
    Fault post_only = fault_with(500, "post");
    post_only.method = "POST";
    post_only.path_prefix = "/functions/";
    sandbox.inject(post_only);
    Fault planetscale = fault_with(503, "planetscale");
    planetscale.path_prefix = "/v1/organizations/demo-org";
    sandbox.inject(planetscale);
    Fault encoded = fault_with(504, "encoded");
    encoded.path_prefix = "/iam/v1alpha1/jwts/a%2F";
    sandbox.inject(encoded);

    EXPECT_EQ(scw(sandbox, "GET", "/functions/v1beta1/regions/fr-par/tokens").status, 200);
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 200);
    EXPECT_EQ(scw(sandbox, "GET", "/iam/v1alpha1/jwts/a/b").status, 404);
    EXPECT_EQ(scw(sandbox, "GET", "/iam/v1alpha1/jwts/a%2Fb").body, "encoded");
    EXPECT_EQ(ps(sandbox, "GET", "/v1/organizations/demo-org/service-tokens").body, "planetscale");
    EXPECT_EQ(scw(sandbox, "POST", "/functions/v1beta1/regions/fr-par/tokens", "{}").body, "post");
}

TEST(SandboxFaults, ComeBeforeAuthenticationAndAreRecorded) {
    Options options = make_options();
    options.record_requests = true;
    Sandbox sandbox(options);
    sandbox.inject(fault_with(500, "boom"));
    const auto answer = send(sandbox, "GET", "/iam/v1alpha1/jwts");
    EXPECT_EQ(answer.status, 500);
    EXPECT_EQ(answer.body, "boom");
    const auto requests = sandbox.requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].path, "/iam/v1alpha1/jwts");
}

TEST(SandboxFaults, DelayTheAnswer) {
    Sandbox sandbox(make_options());
    Fault fault = fault_with(200, "{}");
    fault.delay = std::chrono::milliseconds(300);
    sandbox.inject(fault);
    const auto start = std::chrono::steady_clock::now();
    const auto answer = scw(sandbox, "GET", kJwts);
    EXPECT_EQ(answer.status, 200);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST(SandboxFaults, DelayProvokesAClientReadTimeout) {
    Sandbox sandbox(make_options());
    Fault fault = fault_with(200, "{}");
    fault.delay = std::chrono::milliseconds(1500);
    sandbox.inject(fault);
    httplib::Client client(sandbox.base_url());
    client.set_read_timeout(std::chrono::milliseconds(200));
    const auto result = client.Get(kJwts, {{"X-Auth-Token", kScalewayKey}});
    EXPECT_FALSE(result);
    EXPECT_EQ(result.error(), httplib::Error::Read);
    // The fault was used by the timed-out call; the next one gets the normal answer.
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 200);
}

TEST(SandboxFaults, CanBeCleared) {
    Sandbox sandbox(make_options());
    sandbox.inject(fault_with(500, "", 5));
    sandbox.clear_faults();
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 200);
}

TEST(SandboxFaults, WithoutTimesAreIgnored) {
    Sandbox sandbox(make_options());
    sandbox.inject(fault_with(500, "", 0));
    sandbox.inject(fault_with(501, "", -3));
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 200);
}

// Sends one request on a fresh connection and reads until the sandbox closes it; errno of the
// failing read (0 after an orderly close) goes to `read_error`.
std::string raw_exchange(const Sandbox& sandbox, const std::string& request, int& read_error) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(sandbox.port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    std::string received;
    read_error = 0;
    for (;;) {
        char chunk[4096];
        const auto count = ::recv(fd, chunk, sizeof chunk, 0);
        if (count < 0) {
            read_error = errno;
            break;
        }
        if (count == 0) {
            break;
        }
        received.append(chunk, static_cast<std::size_t>(count));
    }
    ::close(fd);
    return received;
}

const std::string kRawJwtsRequest =
    "GET " + kJwts + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: " + kScalewayKey +
    "\r\nConnection: close\r\n\r\n";

TEST(SandboxFaults, ResetClosesTheConnectionBeforeAnyByteWithARst) {
    Sandbox sandbox(make_options());
    Fault fault = fault_with(200, "{}");
    fault.action = FaultAction::reset;
    sandbox.inject(fault);
    int read_error = 0;
    const auto received = raw_exchange(sandbox, kRawJwtsRequest, read_error);
    EXPECT_EQ(received, "");
    EXPECT_EQ(read_error, ECONNRESET);
    // The httplib client sees a failed read, not a response; the sandbox keeps serving.
    sandbox.inject(fault);
    const auto answer = scw(sandbox, "GET", kJwts);
    EXPECT_EQ(answer.status, -1) << answer.body;
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 200);
}

TEST(SandboxFaults, TruncateAnnouncesTheFullLengthAndClosesEarly) {
    Sandbox sandbox(make_options());
    Fault fault = fault_with(200, R"({"jwts":[{"jti":"0123456789"}],"total_count":1})");
    fault.action = FaultAction::truncate;
    fault.truncate_at = 10;
    sandbox.inject(fault);
    int read_error = 0;
    const auto received = raw_exchange(sandbox, kRawJwtsRequest, read_error);
    EXPECT_NE(received.find("HTTP/1.1 200"), std::string::npos) << received;
    EXPECT_NE(received.find("Content-Length: " + std::to_string(fault.body.size())),
              std::string::npos)
        << received;
    const auto head_end = received.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos);
    EXPECT_EQ(received.substr(head_end + 4), fault.body.substr(0, 10));
    sandbox.inject(fault);
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, -1);  // a short body is no response
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, 200);
}

TEST(SandboxFaults, StreamSendsAChunkedBodyOfTheGivenSize) {
    Sandbox sandbox(make_options());
    Fault fault = fault_with(200, R"({"padding":")");
    fault.action = FaultAction::stream;
    fault.stream_bytes = 300 * 1024;
    sandbox.inject(fault);
    const auto answer = scw(sandbox, "GET", kJwts);
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(answer.header("Content-Length"), "");
    EXPECT_EQ(answer.body.size(), 300U * 1024U);
    EXPECT_TRUE(answer.body.starts_with(R"({"padding":"xxx)"));
}

TEST(SandboxFaults, RateLimitsWithAndWithoutResetHints) {
    Sandbox sandbox(make_options());
    Fault retry_after = fault_with(429, R"({"message":"slow down","type":"too_many_requests"})");
    retry_after.headers = {{"Retry-After", "2"}};
    Fault vendor_headers = fault_with(429, R"({"code":"rate_limited","message":"slow down"})");
    vendor_headers.headers = {
        {"X-RateLimit-Limit", "600"}, {"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "1"}};
    Fault body_hint =
        fault_with(429, R"({"message":"quota","type":"too_many_requests","reset_seconds":1})");
    Fault no_hint = fault_with(429, "");
    for (const auto& fault : {retry_after, vendor_headers, body_hint, no_hint}) {
        sandbox.inject(fault);
    }
    auto answer = scw(sandbox, "GET", kJwts);
    EXPECT_EQ(answer.status, 429);
    EXPECT_EQ(answer.header("Retry-After"), "2");
    answer = scw(sandbox, "GET", kJwts);
    EXPECT_EQ(answer.header("X-RateLimit-Reset"), "1");
    EXPECT_EQ(answer.header("Retry-After"), "");
    answer = scw(sandbox, "GET", kJwts);
    EXPECT_NE(answer.body.find("reset_seconds"), std::string::npos);
    answer = scw(sandbox, "GET", kJwts);
    EXPECT_EQ(answer.status, 429);
    EXPECT_EQ(answer.header("Retry-After"), "");
    EXPECT_EQ(answer.body, "");
}

TEST(SandboxFaults, DelayComesBeforeAReset) {
    Sandbox sandbox(make_options());
    Fault fault = fault_with(200, "{}");
    fault.action = FaultAction::reset;
    fault.delay = std::chrono::milliseconds(300);
    sandbox.inject(fault);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(scw(sandbox, "GET", kJwts).status, -1);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST(SandboxConcurrency, ParallelCreatesAllLandWithUniqueIds) {
    Options options = make_options(false);
    options.record_requests = true;
    Sandbox sandbox(options);
    constexpr int kThreads = 8;
    constexpr int kPerThread = 15;
    std::atomic<int> failures{0};
    std::vector<std::vector<std::string>> ids(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                const std::string name = "secret-" + std::to_string(t) + "-" + std::to_string(i);
                const auto secret =
                    scw(sandbox, "POST", "/secret-manager/v1beta1/regions/fr-par/secrets",
                        R"({"name":")" + name +
                            R"(","project_id":"cc732626-aa9f-456d-8b50-a98235146605"})");
                const auto token =
                    ps(sandbox, "POST", "/v1/organizations/acme/service-tokens", "{}");
                const auto list = scw(sandbox, "GET",
                                      "/secret-manager/v1beta1/regions/fr-par/secrets?page_size=5");
                if (secret.status != 200 || token.status != 200 || list.status != 200) {
                    ++failures;
                    continue;
                }
                ids[t].push_back(secret.text("id"));
                ids[t].push_back(token.text("id"));
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures.load(), 0);
    std::set<std::string> unique;
    for (const auto& list : ids) {
        unique.insert(list.begin(), list.end());
    }
    EXPECT_EQ(unique.size(), static_cast<std::size_t>(2 * kThreads * kPerThread));
    EXPECT_EQ(num(scw(sandbox, "GET", "/secret-manager/v1beta1/regions/fr-par/secrets")
                      .object()
                      .at("total_count")),
              kThreads * kPerThread);
    EXPECT_EQ(
        num(ps(sandbox, "GET", "/v1/organizations/acme/service-tokens").object().at("total_count")),
        kThreads * kPerThread);
    EXPECT_EQ(sandbox.requests().size(), static_cast<std::size_t>(3 * kThreads * kPerThread + 2));
}

TEST(SandboxConcurrency, AFaultAnswersExactlyItsTimesUnderContention) {
    Options options = make_options();
    options.record_requests = true;
    Sandbox sandbox(options);
    sandbox.inject(fault_with(503, "", 10));
    std::atomic<int> faulted{0};
    std::atomic<int> normal{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 8; ++i) {
                const int status = scw(sandbox, "GET", kJwts).status;
                if (status == 503) {
                    ++faulted;
                } else if (status == 200) {
                    ++normal;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(faulted.load(), 10);
    EXPECT_EQ(normal.load(), 38);
    EXPECT_EQ(sandbox.requests().size(), 48U);
}

TEST(SandboxConcurrency, ParallelDeletesOfOneObjectSucceedOnce) {
    Sandbox sandbox(make_options());
    const std::string path = "/iam/v1alpha1/jwts/ac0f1f7d-9d0b-445f-9c57-c180b473eeee";
    std::atomic<int> deleted{0};
    std::atomic<int> missing{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            const int status = scw(sandbox, "DELETE", path).status;
            if (status == 204) {
                ++deleted;
            } else if (status == 404) {
                ++missing;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(deleted.load(), 1);
    EXPECT_EQ(missing.load(), 7);
}

}  // namespace
}  // namespace cmcp::sandbox::test
