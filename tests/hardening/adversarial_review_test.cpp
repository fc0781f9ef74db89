// Issue 14: what an adversarial review of the HTTP face found, each point as a test against the
// real binary. Every test here failed on the build before the fixes (run them with
// CMCP_TEST_BINARY=<an older credentials-mcp> to see it).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <future>
#include <thread>

#include "hardening_support.hpp"
#include "testing/json.hpp"
#include "testing/process.hpp"

namespace cmcp::hardening {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view kToolsList = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";

bool unknown_tool(const HttpAnswer& answer) {
    const auto reply = rpc_reply(answer);
    return reply && reply->contains("error") && reply->at("error").at("code").as_int64() == -32602;
}

// The status code on the first line of an HTTP response, or -1.
int status_of(std::string_view response) {
    if (!response.starts_with("HTTP/1.1 ") || response.size() < 12) {
        return -1;
    }
    return std::stoi(std::string(response.substr(9, 3)));
}

std::string post_head(std::string_view extra_headers, std::size_t content_length) {
    return "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           "Accept: application/json, text/event-stream\r\n" +
           std::string(extra_headers) + "Content-Length: " + std::to_string(content_length) +
           "\r\n\r\n";
}

// A path for a file the server writes, unique to this test run.
std::filesystem::path fresh_path(const std::string& name) {
    static int counter = 0;
    auto path =
        std::filesystem::temp_directory_path() /
        ("cmcp-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::remove(path);
    return path;
}

class Upstream {
  public:
    Upstream() : canaries_(make_canaries()), sandbox_(make_sandbox(canaries_, false)) {}
    std::vector<std::string> env() const {
        return upstream_env(canaries_, sandbox_->base_url(), sandbox_->demo());
    }
    sandbox::Sandbox& sandbox() { return *sandbox_; }
    const Canaries& canaries() const { return canaries_; }

  private:
    Canaries canaries_;
    std::unique_ptr<sandbox::Sandbox> sandbox_;
};

// §1: a gateway that appends a policy header must not be bypassed by a client that sends its
// own first.
TEST(AdversarialReview, RepeatedNarrowingHeadersNeverWiden) {
    ServerProcess server({"--sandbox", "--stateless"}, {"PATH=/usr/bin:/bin"});
    McpClient client(server.port());

    const auto read_only = client.post(std::string(kToolsList), "",
                                       {{"X-MCP-Readonly", "false"}, {"X-MCP-Readonly", "true"}});
    ASSERT_EQ(read_only.status, 200) << read_only.body;
    const auto names = tool_names(read_only);
    EXPECT_EQ(names,
              tool_names(client.post(std::string(kToolsList), "", {{"X-MCP-Readonly", "true"}})));
    EXPECT_EQ(std::count(names.begin(), names.end(), "delete-secret"), 0);
    const auto deleted = client.post(tools_call(2, "delete-secret", "{}"), "",
                                     {{"X-MCP-Readonly", "false"}, {"X-MCP-Readonly", "true"}});
    EXPECT_TRUE(unknown_tool(deleted)) << deleted.body;

    const auto tools = client.post(
        std::string(kToolsList), "",
        {{"X-MCP-Tools", "list-secrets,delete-secret"}, {"X-MCP-Tools", "list-secrets,get-jwt"}});
    EXPECT_EQ(tool_names(tools), std::vector<std::string>{"list-secrets"}) << tools.body;

    const auto excluded = client.post(std::string(kToolsList), "",
                                      {{"X-MCP-Toolsets", "scaleway-iam"},
                                       {"X-MCP-Exclude-Tools", "get-jwt"},
                                       {"X-MCP-Exclude-Tools", "delete-jwt"}});
    EXPECT_EQ(tool_names(excluded), std::vector<std::string>{"list-jwts"}) << excluded.body;

    const auto toolsets = client.post(
        std::string(kToolsList), "",
        {{"X-MCP-Toolsets", "scaleway-iam,planetscale"}, {"X-MCP-Toolsets", "scaleway-iam"}});
    EXPECT_EQ(tool_names(toolsets),
              (std::vector<std::string>{"list-jwts", "get-jwt", "delete-jwt"}))
        << toolsets.body;
}

// §2: with bearer tokens, a request is judged on its head; nothing of its body is read or
// invited (100 Continue) before that.
TEST(AdversarialReview, UnauthenticatedRequestsAreRefusedBeforeTheirBody) {
    ServerProcess server({"--sandbox"}, {"PATH=/usr/bin:/bin", "CREDENTIALS_MCP_AUTH_TOKENS=t0k"});
    {
        RawSocket socket(server.port());
        ASSERT_TRUE(socket.send(post_head("", 4'000'000)));
        const auto answer = socket.read_some(2s);
        EXPECT_EQ(status_of(answer), 401) << answer.substr(0, 200);
    }
    {
        RawSocket socket(server.port());
        ASSERT_TRUE(socket.send(post_head("Expect: 100-continue\r\n", 4'000'000)));
        const auto answer = socket.read_some(2s);
        EXPECT_EQ(status_of(answer), 401) << answer.substr(0, 200);
        EXPECT_EQ(answer.find("100 Continue"), std::string::npos) << answer.substr(0, 200);
    }
    if (!kMemoryIsMeasurable) {
        return;
    }
    // 40 clients that announce ~4 MB each and send most of it.
    const long before = server.rss_kb();
    std::vector<RawSocket> sockets;
    const std::string chunk(64 * 1024, 'x');
    for (int i = 0; i < 40; ++i) {
        sockets.emplace_back(server.port());
        sockets.back().send(post_head("", 4'000'000));
    }
    for (int round = 0; round < 60; ++round) {
        for (auto& socket : sockets) {
            socket.send(chunk);
        }
    }
    std::this_thread::sleep_for(300ms);
    const long grown = server.rss_kb() - before;
    EXPECT_LT(grown, 24 * 1024) << "RSS grew by " << grown << " KiB";
    McpClient client(server.port(), "t0k");
    EXPECT_FALSE(client.initialize().empty());
}

// §3: a change cancelled (or timed out) after its request went out may have been applied; the
// audit line and the result must say so.
TEST(AdversarialReview, TheAuditLogSaysWhetherTheRequestWasSent) {
    Upstream upstream;
    auto slow = sandbox::Fault{};
    slow.method = "DELETE";
    slow.status = 204;
    slow.body = "";
    slow.times = 100;
    slow.delay = 1500ms;
    upstream.sandbox().inject(slow);
    const auto secret = upstream.sandbox().demo().secret_id;
    const auto audit = fresh_path("audit-sent.jsonl");
    ServerProcess server(
        {"--read-timeout-ms", "400", "--max-attempts", "1", "--audit-log", audit.string()},
        upstream.env());
    McpClient client(server.port());
    const std::string session = client.initialize();
    ASSERT_FALSE(session.empty());

    // Timed out after sending: the result and the audit line both say it may have happened.
    const auto timed_out =
        client.call(2, "delete-secret", R"({"secret_id":")" + secret + R"("})", session);
    const auto result = tool_result(timed_out);
    ASSERT_TRUE(result) << timed_out.body;
    EXPECT_TRUE(is_error_result(*result));
    EXPECT_NE(result_text(*result).find("may already have been applied"), std::string::npos)
        << result_text(*result);

    // Cancelled after sending.
    auto pending = std::async(std::launch::async, [&] {
        McpClient caller(server.port());
        return caller.call(3, "delete-secret", R"({"secret_id":")" + secret + R"("})", session);
    });
    std::this_thread::sleep_for(200ms);
    client.post(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}})",
                session);
    pending.get();

    const auto lines = testing::json_lines(audit);
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_EQ(lines[0].at("outcome").as_string(), "error");
    EXPECT_TRUE(lines[0].at("upstream_status").is_null());
    ASSERT_TRUE(lines[0].contains("request_sent")) << json::serialize(lines[0]);
    EXPECT_TRUE(lines[0].at("request_sent").as_bool());
    EXPECT_EQ(lines[1].at("outcome").as_string(), "cancelled");
    ASSERT_TRUE(lines[1].contains("request_sent")) << json::serialize(lines[1]);
    EXPECT_TRUE(lines[1].at("request_sent").as_bool());
    std::filesystem::remove(audit);
}

// §4: a vendor echo of a credential spelled with JSON escapes decodes to the clear value.
TEST(AdversarialReview, EscapedEchoesOfCredentialsAreRedacted) {
    Upstream upstream;
    const auto& key = upstream.canaries().scaleway_key;
    std::string escaped;
    for (const char c : key) {
        escaped += c == '-' ? std::string("\\u002d") : std::string(1, c);
    }
    auto echo = sandbox::Fault{};
    echo.method = "GET";
    echo.status = 200;
    echo.times = 1;
    echo.body = R"({"secrets":[{"id":"11111111-2222-4333-8444-555555555555","name":")" + escaped +
                R"(","path":"\/a\/)" + escaped + R"("}],"total_count":1})";
    upstream.sandbox().inject(echo);
    auto error = sandbox::Fault{};
    error.method = "GET";
    error.status = 400;
    error.times = 1;
    error.body = R"({"message":"bad key )" + escaped + R"(","type":"invalid_arguments"})";
    upstream.sandbox().inject(error);

    ServerProcess server({"--stateless"}, upstream.env());
    McpClient client(server.port());
    const auto listed = client.call(1, "list-secrets", "{}");
    const auto refused = client.call(2, "list-secrets", "{}");
    for (const auto* answer : {&listed, &refused}) {
        ASSERT_EQ(answer->status, 200) << answer->body;
        const auto reply = rpc_reply(*answer);
        ASSERT_TRUE(reply);
        const std::string decoded =
            json::serialize(reply->at("result")) + result_text(tool_result(*answer).value());
        EXPECT_EQ(decoded.find(key), std::string::npos) << answer->body;
        EXPECT_EQ(answer->body.find(escaped), std::string::npos) << answer->body;
        EXPECT_NE(decoded.find("[REDACTED]"), std::string::npos) << answer->body;
    }
}

// §5: one audit line stays small, however large the arguments of a refused call.
TEST(AdversarialReview, AuditLinesAreBounded) {
    const auto audit = fresh_path("audit-bounded.jsonl");
    ServerProcess server({"--sandbox", "--stateless", "--audit-log", audit.string()},
                         {"PATH=/usr/bin:/bin"});
    McpClient client(server.port());
    const std::string huge(3 * 1024 * 1024, 'n');
    const auto answer = client.call(1, "create-secret", R"({"name":")" + huge + R"("})");
    ASSERT_EQ(answer.status, 200) << answer.body.substr(0, 200);
    std::ifstream file(audit);
    std::string line;
    ASSERT_TRUE(std::getline(file, line));
    EXPECT_LE(line.size(), 16U * 1024);
    const auto parsed = json::parse(line).as_object();
    EXPECT_EQ(parsed.at("outcome").as_string(), "invalid_arguments");
    EXPECT_NE(json::serialize(parsed.at("arguments")).find("more bytes]"), std::string::npos);
    std::filesystem::remove(audit);
}

// §6: at --max-sessions, one token's clients make room among their own sessions only.
TEST(AdversarialReview, ATokensClientsCannotEvictAnotherTokensSessions) {
    ServerProcess server({"--sandbox", "--max-sessions", "3"},
                         {"PATH=/usr/bin:/bin", "CREDENTIALS_MCP_AUTH_TOKENS=token-a,token-b"});
    McpClient tenant_b(server.port(), "token-b");
    const std::string b_session = tenant_b.initialize();
    ASSERT_FALSE(b_session.empty());
    std::this_thread::sleep_for(20ms);
    McpClient tenant_a(server.port(), "token-a");
    std::vector<std::string> a_sessions;
    for (int i = 0; i < 5; ++i) {
        a_sessions.push_back(tenant_a.initialize());
        EXPECT_FALSE(a_sessions.back().empty()) << i;
    }
    const auto still = tenant_b.post(std::string(kToolsList), b_session);
    EXPECT_EQ(still.status, 200) << still.body;

    // Once every slot is B's, A has nothing of its own to replace: 503, and B keeps its own.
    for (int i = 3; i < 5; ++i) {
        EXPECT_EQ(tenant_a.end_session(a_sessions[i]).status, 200);
    }
    for (int i = 0; i < 2; ++i) {
        EXPECT_FALSE(tenant_b.initialize().empty()) << i;
    }
    EXPECT_EQ(tenant_a.initialize(), "");
    EXPECT_EQ(tenant_b.post(std::string(kToolsList), b_session).status, 200);
}

// §7: client-controlled text cannot forge a log line.
TEST(AdversarialReview, AMethodNameCannotForgeALogLine) {
    testing::ChildProcess server(testing::server_binary(),
                                 {"stdio", "--sandbox", "--log-level", "debug"});
    server.write(
        R"({"jsonrpc":"2.0","id":1,"method":"x\n2099-01-01T00:00:00.000Z info  FORGED\r\nsecond"})"
        "\n");
    ASSERT_TRUE(server.read_line());
    server.close_stdin();
    server.wait();
    const auto log = server.stderr_text();
    EXPECT_EQ(log.find("\n2099-01-01"), std::string::npos) << log;
    EXPECT_EQ(log.find("\nsecond"), std::string::npos) << log;
    EXPECT_NE(log.find("FORGED"), std::string::npos) << log;
}

// §8: a client still sending a too-large body gets the 413, not a reset.
TEST(AdversarialReview, ATooLargeBodyIsAnswered413NotReset) {
    ServerProcess server({"--sandbox"}, {"PATH=/usr/bin:/bin"});
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(server.port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    constexpr std::size_t kBody = 64U * 1024 * 1024;
    std::string data = post_head("", kBody);
    ASSERT_EQ(::send(fd, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
    const std::string chunk(256 * 1024, 'x');
    std::size_t sent = 0;
    while (sent < kBody) {
        const auto n = ::send(fd, chunk.data(), std::min(chunk.size(), kBody - sent), MSG_NOSIGNAL);
        ASSERT_GT(n, 0) << "sending the body failed after " << sent
                        << " bytes: " << std::strerror(errno);
        sent += static_cast<std::size_t>(n);
    }
    char reply[512] = {};
    const auto got = ::recv(fd, reply, sizeof(reply) - 1, 0);
    ::close(fd);
    ASSERT_GT(got, 0) << std::strerror(errno);
    EXPECT_EQ(status_of(std::string_view(reply, static_cast<std::size_t>(got))), 413) << reply;
}

// §9: obs-fold header lines are refused, not joined.
TEST(AdversarialReview, FoldedHeaderLinesAreRefused) {
    ServerProcess server({"--sandbox", "--stateless"}, {"PATH=/usr/bin:/bin"});
    RawSocket socket(server.port());
    const std::string body(kToolsList);
    ASSERT_TRUE(socket.send(
        post_head("X-MCP-Tools: list-secrets,\r\n delete-secret\r\n", body.size()) + body));
    const auto answer = socket.read_some(2s);
    EXPECT_EQ(status_of(answer), 400) << answer.substr(0, 300);
}

// §9: which of two Authorization headers would a proxy in front have checked?
TEST(AdversarialReview, ARepeatedAuthorizationHeaderIsRefused) {
    ServerProcess server({"--sandbox", "--stateless"},
                         {"PATH=/usr/bin:/bin", "CREDENTIALS_MCP_AUTH_TOKENS=good"});
    RawSocket socket(server.port());
    const std::string body(kToolsList);
    ASSERT_TRUE(socket.send(
        post_head("Authorization: Bearer good\r\nAuthorization: Bearer other\r\n", body.size()) +
        body));
    const auto answer = socket.read_some(2s);
    EXPECT_EQ(status_of(answer), 400) << answer.substr(0, 300);
}

// §9: ids are echoed exactly as sent, even where a double cannot hold them.
TEST(AdversarialReview, LargeIntegerIdsAreEchoedExactly) {
    testing::ChildProcess server(testing::server_binary(), {"stdio", "--sandbox"});
    server.write(R"({"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"initialize",)"
                 R"("params":{"protocolVersion":"2025-11-25","capabilities":{},)"
                 R"("clientInfo":{"name":"t","version":"1"}}})"
                 "\n");
    const auto initialized = server.read_line();
    ASSERT_TRUE(initialized);
    EXPECT_NE(initialized->find(R"("id":123456789012345678901234567890)"), std::string::npos)
        << *initialized;
    server.write(R"({"jsonrpc":"2.0","id":-98765432109876543210.0,"method":"ping"})"
                 "\n");
    const auto pong = server.read_line();
    ASSERT_TRUE(pong);
    EXPECT_NE(pong->find(R"("id":-98765432109876543210.0)"), std::string::npos) << *pong;
    server.close_stdin();
    EXPECT_EQ(server.wait(), 0);
}

// §9: credentials sent over plain HTTP to another machine deserve a warning at start-up.
TEST(AdversarialReview, APlainHttpRemoteUpstreamIsWarnedAbout) {
    testing::ChildProcess server(
        testing::server_binary(), {"stdio"},
        {"PATH=/usr/bin:/bin", "SCW_SECRET_KEY=k", "SCALEWAY_API_URL=http://192.0.2.10:8080"});
    server.close_stdin();
    server.wait();
    const auto log = server.stderr_text();
    EXPECT_NE(log.find("SCALEWAY_API_URL"), std::string::npos) << log;
    EXPECT_NE(log.find("unencrypted"), std::string::npos) << log;
}

}  // namespace
}  // namespace cmcp::hardening
