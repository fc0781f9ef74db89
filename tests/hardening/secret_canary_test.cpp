// Issue 7 §5: the binary runs with canary credentials (upstream keys and bearer tokens) against an
// in-process sandbox that accepts them, at debug log level with an audit log. Every tool is
// called: successes, vendor errors, faults (some echoing the credentials back), invalid arguments
// and refused authentication. No canary, and so no X-Auth-Token or Authorization value, may appear
// in any log line, audit line, metric, response header or response body.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <iostream>
#include <map>

#include "hardening_support.hpp"
#include "testing/process.hpp"

namespace cmcp::hardening {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

struct Call {
    std::string tool;
    std::string arguments;  // $NAMES are demo ids
};

std::string fill(std::string text, const std::map<std::string, std::string>& ids) {
    for (const auto& [key, value] : ids) {
        for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
            text.replace(at, key.size(), value);
        }
    }
    return text;
}

// Reads before changes, so each change meets the object it needs; the same order serves the
// second pass, where the objects are gone and the vendor answers errors.
const std::vector<Call>& every_tool() {
    static const std::vector<Call> calls = {
        {"list-all-tokens", R"({"page_size":10})"},
        {"get-token", R"({"token_id":"$TOKEN"})"},
        {"create-new-revocable-token", R"({"namespace_id":"$NAMESPACE","description":"c"})"},
        {"delete-token", R"({"token_id":"$TOKEN"})"},
        {"list-jwts", R"({"audience_id":"$USER"})"},
        {"get-jwt", R"({"jti":"$JTI"})"},
        {"delete-jwt", R"({"jti":"$JTI"})"},
        {"list-secrets", "{}"},
        {"create-secret", R"({"name":"canary-run","tags":["ci"]})"},
        {"get-metadata-using-secret-s-id", R"({"secret_id":"$SECRET"})"},
        {"update-metadata-secret", R"({"secret_id":"$SECRET","description":"rotated"})"},
        {"allow-product-use-secret", R"({"secret_id":"$SECRET","product":"s2s_vpn"})"},
        {"enable-secret-protection", R"({"secret_id":"$SECRET"})"},
        {"disable-secret-protection", R"({"secret_id":"$SECRET"})"},
        {"restore-version", R"({"secret_id":"$SECRET","revision":"1"})"},
        {"delete-secret", R"({"secret_id":"$SECRET"})"},
        {"restore-secret", R"({"secret_id":"$SECRET"})"},
        {"list-service-tokens", R"({"per_page":5})"},
        {"create-service-token", R"({"name":"canary-run"})"},
        {"get-service-token", R"({"id":"$PSTOKEN"})"},
        {"list-service-token-accesses", R"({"id":"$PSTOKEN"})"},
        {"grant-service-token-access", R"({"id":"$PSTOKEN","access":["read_branch"]})"},
        {"delete-service-token", R"({"id":"$PSTOKEN"})"},
    };
    return calls;
}

// Arguments every tool refuses before anything is sent; one carries a secret-looking key.
std::string invalid_arguments(const std::string& tool) {
    if (tool.starts_with("list-")) {
        return R"({"page_size":100000,"per_page":100000,"password":"x"})";
    }
    return R"({"secret_id":7,"id":7,"token_id":7,"jti":7,"namespace_id":7,"name":7,"token":"x"})";
}

class Transcript {
  public:
    void add(const HttpAnswer& answer) {
        text_ += answer.raw_headers + answer.body + answer.error + "\n";
        ++responses_;
    }
    void add_text(const std::string& text) { text_ += text + "\n"; }
    const std::string& text() const { return text_; }
    int responses() const { return responses_; }

  private:
    std::string text_;
    int responses_ = 0;
};

void expect_no_canary(const std::string& where, const std::string& text, const Canaries& canaries) {
    for (const auto& canary : canaries.all()) {
        const auto at = text.find(canary);
        EXPECT_EQ(at, std::string::npos)
            << where << " leaks " << canary << ": …"
            << text.substr(at == std::string::npos ? 0 : (at > 200 ? at - 200 : 0), 400) << "…";
    }
}

std::vector<sandbox::Fault> echoing_faults(const Canaries& canaries) {
    const std::string both = canaries.scaleway_key + " " + canaries.planetscale_authorization();
    std::vector<sandbox::Fault> faults;
    const auto add = [&faults](int status, std::string body,
                               std::vector<std::pair<std::string, std::string>> headers = {}) {
        sandbox::Fault fault;
        fault.status = status;
        fault.body = std::move(body);
        fault.headers = std::move(headers);
        fault.times = 1;
        faults.push_back(std::move(fault));
    };
    add(401, R"({"message":"invalid key )" + both + R"(","type":"denied_authentication"})");
    add(403, R"({"code":"forbidden","message":"token )" + canaries.planetscale_authorization() +
                 R"( lacks access"})");
    add(500, "<html>" + both + "</html>");
    add(400, R"({"type":"invalid_arguments","message":"bad","details":[{"argument_name":")" +
                 canaries.scaleway_key + R"(","reason":")" + canaries.planetscale_token +
                 R"(","help_message":")" + canaries.planetscale_id + R"("}]})");
    add(200, R"({"echo":")" + both + R"(","id":")" + canaries.planetscale_id + "\"}");
    add(429, "", {{"Retry-After", canaries.scaleway_key}});
    add(503, R"({"message":")" + both + R"("})", {{"X-Echo", both}});
    sandbox::Fault truncated;
    truncated.status = 200;
    truncated.body = R"({"secret":")" + both + R"("})";
    truncated.action = sandbox::FaultAction::truncate;
    truncated.truncate_at = truncated.body.size() / 2;
    faults.push_back(truncated);
    sandbox::Fault reset;
    reset.action = sandbox::FaultAction::reset;
    faults.push_back(reset);
    return faults;
}

TEST(SecretCanaries, NoCredentialAppearsInLogsAuditMetricsOrResponses) {
    const Canaries canaries = make_canaries();
    auto upstream = make_sandbox(canaries, true);
    const auto& demo = upstream->demo();
    const auto audit_dir = std::filesystem::temp_directory_path() /
                           ("cmcp-canary-audit-" + std::to_string(::getpid()));
    std::filesystem::create_directories(audit_dir);
    const auto audit = audit_dir / "audit.jsonl";
    auto environment = upstream_env(canaries, upstream->base_url(), demo);
    environment.push_back("CREDENTIALS_MCP_AUTH_TOKENS=" + canaries.bearer_a + "," +
                          canaries.bearer_b);
    ServerProcess server({"--log-level", "debug", "--audit-log", audit.string(), "--max-attempts",
                          "2", "--read-timeout-ms", "2000"},
                         environment);
    Transcript transcript;
    const int port = server.port();

    std::map<std::string, std::string> ids{{"$NAMESPACE", demo.namespace_id},
                                           {"$TOKEN", demo.token_id},
                                           {"$USER", demo.user_id},
                                           {"$SECRET", demo.secret_id},
                                           {"$PSTOKEN", demo.service_token_id}};
    McpClient client(port, canaries.bearer_a);
    const std::string session = client.initialize();
    ASSERT_FALSE(session.empty());
    long long id = 1;
    const auto call = [&](const std::string& tool, const std::string& arguments) {
        const auto answer = client.call(id++, tool, fill(arguments, ids), session);
        transcript.add(answer);
        return answer;
    };
    {
        const auto jwts = tool_result(call("list-jwts", R"({"audience_id":"$USER"})"));
        ASSERT_TRUE(jwts.has_value());
        ids["$JTI"] =
            std::string(jwts->at("structuredContent").at("jwts").at(0).at("jti").as_string());
    }

    // Pass 1 succeeds (mostly), pass 2 meets vendor errors: the objects are gone or protected.
    int successes = 0;
    int vendor_errors = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (const auto& [tool, arguments] : every_tool()) {
            const auto result = tool_result(call(tool, arguments));
            ASSERT_TRUE(result.has_value()) << tool;
            (is_error_result(*result) ? vendor_errors : successes) += 1;
        }
    }
    EXPECT_GE(successes, 20);
    EXPECT_GE(vendor_errors, 10);
    // Invalid arguments, refused before anything is sent.
    for (const auto& [tool, arguments] : every_tool()) {
        const auto result = tool_result(call(tool, invalid_arguments(tool)));
        ASSERT_TRUE(result.has_value()) << tool;
        EXPECT_TRUE(is_error_result(*result)) << tool;
    }
    // Faults, several echoing the credentials back, on every tool in turn.
    const auto faults = echoing_faults(canaries);
    std::size_t fault_index = 0;
    for (const auto& [tool, arguments] : every_tool()) {
        for (int repeat = 0; repeat < 2; ++repeat) {
            upstream->inject(faults[fault_index++ % faults.size()]);
            call(tool, arguments);
            upstream->clear_faults();
        }
    }
    // Upstream credentials that the vendor refuses (as after a rotation) name the variable only.
    {
        sandbox::Fault denied;
        denied.status = 401;
        denied.body = R"({"message":"authentication is denied","type":"denied_authentication"})";
        denied.times = 1;
        upstream->inject(denied);
        const auto result = tool_result(call("list-secrets", "{}"));
        ASSERT_TRUE(result.has_value());
        EXPECT_TRUE(is_error_result(*result));
    }

    // Refused HTTP authentication: no token, a wrong one, malformed headers, another client's
    // session, and the second valid token.
    const std::string initialize_body =
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}})";
    McpClient anonymous(port);
    transcript.add(anonymous.post(initialize_body));
    McpClient wrong(port, canaries.wrong_bearer);
    const auto refused = wrong.post(initialize_body);
    EXPECT_EQ(refused.status, 401);
    transcript.add(refused);
    transcript.add(wrong.call(1, "list-secrets", "{}", session));
    for (const std::string& header :
         {"Basic " + canaries.wrong_bearer, "Bearer  " + canaries.wrong_bearer,
          "bearer " + canaries.bearer_a + "x", canaries.bearer_a,
          "Bearer " + canaries.bearer_a + "," + canaries.wrong_bearer}) {
        McpClient raw(port);
        transcript.add(raw.post(initialize_body, "", {{"Authorization", header}}));
    }
    McpClient second(port, canaries.bearer_b);
    const auto foreign = second.call(1, "list-secrets", "{}", session);
    EXPECT_EQ(foreign.status, 404);
    transcript.add(foreign);
    const std::string own = second.initialize();
    EXPECT_FALSE(own.empty());
    transcript.add(second.call(2, "get-token", R"({"token_id":")" + demo.token_id + "\"}", own));
    transcript.add(second.end_session(own));
    transcript.add(client.end_session(session));

    // What operators see.
    McpClient observer(port);
    const auto metrics = observer.get("/metrics");
    EXPECT_EQ(metrics.status, 200);
    transcript.add(metrics);
    transcript.add(observer.get("/healthz"));
    EXPECT_EQ(server.stop(), 0);

    // Every upstream request carried the canaries, so the run did exercise them.
    std::size_t scaleway_requests = 0;
    std::size_t planetscale_requests = 0;
    for (const auto& request : upstream->requests()) {
        scaleway_requests += request.header("x-auth-token") == canaries.scaleway_key ? 1 : 0;
        planetscale_requests +=
            request.header("authorization") == canaries.planetscale_authorization() ? 1 : 0;
    }
    EXPECT_GE(scaleway_requests, 40U);
    EXPECT_GE(planetscale_requests, 15U);

    const std::string log = server.log();
    const std::string audit_text = read_text_file(audit);
    EXPECT_NE(log.find("upstream scaleway"), std::string::npos);  // debug lines were written
    EXPECT_NE(audit_text.find("\"tool\":\"delete-secret\""), std::string::npos);
    expect_no_canary("stderr log", log, canaries);
    expect_no_canary("audit log", audit_text, canaries);
    expect_no_canary("metrics", metrics.body, canaries);
    expect_no_canary("responses", transcript.text(), canaries);
    std::cout << "[ figures  ] canary run: " << transcript.responses() << " responses, "
              << scaleway_requests + planetscale_requests << " upstream requests, "
              << std::count(log.begin(), log.end(), '\n') << " log lines, "
              << std::count(audit_text.begin(), audit_text.end(), '\n') << " audit lines\n";
    std::filesystem::remove_all(audit_dir);
}

// The same over stdio: results on stdout, logs on stderr.
TEST(SecretCanaries, NoCredentialAppearsOverStdio) {
    const Canaries canaries = make_canaries();
    auto upstream = make_sandbox(canaries, false);
    const auto& demo = upstream->demo();
    const auto audit = std::filesystem::temp_directory_path() /
                       ("cmcp-canary-stdio-" + std::to_string(::getpid()) + ".jsonl");
    testing::ChildProcess server(
        testing::server_binary(),
        {"stdio", "--log-level", "debug", "--audit-log", audit.string(), "--max-attempts", "1"},
        upstream_env(canaries, upstream->base_url(), demo));
    server.write(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
        "\n");
    server.write(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                 "\n");
    const auto faults = echoing_faults(canaries);
    int id = 1;
    std::string transcript;
    std::string stderr_text;
    for (const auto& [tool, arguments] : every_tool()) {
        std::map<std::string, std::string> ids{
            {"$NAMESPACE", demo.namespace_id}, {"$TOKEN", demo.token_id},
            {"$USER", demo.user_id},           {"$JTI", "0c3bb5f6-2d4a-4b9e-9d2a-5c1f1b2a3c4d"},
            {"$SECRET", demo.secret_id},       {"$PSTOKEN", demo.service_token_id}};
        for (int variant = 0; variant < 3; ++variant) {
            if (variant == 2) {
                upstream->inject(faults[static_cast<std::size_t>(id) % faults.size()]);
            }
            const std::string args = variant == 1 ? invalid_arguments(tool) : fill(arguments, ids);
            server.write(tools_call(id++, tool, args) + "\n");
            const auto line = server.read_line(30s);
            ASSERT_TRUE(line.has_value()) << tool;
            transcript += *line + "\n";
            stderr_text = server.stderr_text();  // drained, so debug logging never blocks it
            upstream->clear_faults();
        }
    }
    server.close_stdin();
    EXPECT_EQ(server.wait(30s), 0);
    transcript += server.stdout_rest(1s);
    expect_no_canary("stdout", transcript, canaries);
    stderr_text = server.stderr_text();
    EXPECT_NE(stderr_text.find("upstream scaleway"), std::string::npos);
    expect_no_canary("stderr", stderr_text, canaries);
    expect_no_canary("audit log", read_text_file(audit), canaries);
    std::filesystem::remove(audit);
}

}  // namespace
}  // namespace cmcp::hardening
