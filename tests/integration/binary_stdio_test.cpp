// The credentials-mcp binary as a stdio MCP server: only MCP on stdout, logs on stderr, clean
// exits on EOF and SIGTERM, and clear command-line errors.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>

#include "testing/process.hpp"

namespace cmcp::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto kInitialize =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
    "\n";

TEST(BinaryStdio, StdoutCarriesOnlyMcpMessagesAndLogsGoToStderr) {
    ChildProcess server(testing::server_binary(), {"stdio", "--sandbox", "--log-level", "debug"});
    server.write(kInitialize);
    server.write(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                 "\n");
    server.write(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"
                 "\n");
    server.write(
        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list-secrets","arguments":{},"_meta":{"progressToken":7}}})"
        "\n");
    server.write("garbage\n");
    server.write(
        R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get-token","arguments":{"token_id":"x"}}})"
        "\n");
    server.close_stdin();
    const auto output = server.stdout_rest();
    EXPECT_EQ(server.wait(), 0);

    std::set<std::int64_t> answered;
    std::size_t lines = 0;
    std::size_t start = 0;
    while (start < output.size()) {
        const auto end = output.find('\n', start);
        ASSERT_NE(end, std::string::npos) << "every message ends with a newline";
        const auto line = output.substr(start, end - start);
        start = end + 1;
        ++lines;
        json::value message;
        ASSERT_NO_THROW(message = json::parse(line)) << line;
        ASSERT_TRUE(message.is_object()) << line;
        EXPECT_EQ(message.at("jsonrpc").as_string(), "2.0");
        if (const auto* id = message.as_object().if_contains("id");
            id != nullptr && id->is_int64()) {
            answered.insert(id->as_int64());
        }
    }
    EXPECT_EQ(answered, (std::set<std::int64_t>{0, 1, 2, 3}));
    EXPECT_GE(lines, 6U);  // + the parse error and progress notifications
    const auto logs = server.stderr_text();
    EXPECT_NE(logs.find("serving MCP on stdio"), std::string::npos) << logs;
    EXPECT_NE(logs.find("tool list-secrets"), std::string::npos) << logs;
}

TEST(BinaryStdio, SigtermExitsCleanly) {
    ChildProcess server(testing::server_binary(), {"stdio"});
    server.write(kInitialize);
    ASSERT_TRUE(server.read_line().has_value());
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait(5s), 0);
}

TEST(BinaryStdio, SigintExitsCleanly) {
    ChildProcess server(testing::server_binary(), {"stdio"});
    server.write(kInitialize);
    ASSERT_TRUE(server.read_line().has_value());
    server.signal(SIGINT);
    EXPECT_EQ(server.wait(5s), 0);
}

TEST(BinaryStdio, ReadOnlyServesOnlyReadOnlyTools) {
    ChildProcess server(testing::server_binary(),
                        {"stdio", "--read-only", "--toolsets", "scaleway-secrets,planetscale"});
    server.write(kInitialize);
    server.write(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"
                 "\n");
    ASSERT_TRUE(server.read_line().has_value());
    const auto list = json::parse(*server.read_line());
    std::set<std::string> names;
    for (const auto& tool : list.at("result").at("tools").as_array()) {
        names.emplace(tool.at("name").as_string());
        EXPECT_TRUE(tool.at("annotations").at("readOnlyHint").as_bool());
    }
    EXPECT_EQ(names, (std::set<std::string>{"list-secrets", "get-metadata-using-secret-s-id",
                                            "list-service-tokens", "get-service-token",
                                            "list-service-token-accesses"}));
    server.close_stdin();
    EXPECT_EQ(server.wait(), 0);
}

TEST(BinaryStdio, CommandLineErrorsExitWithUsageCode) {
    struct Case {
        std::vector<std::string> args;
        int code;
        std::string needle;
    };
    for (const auto& [args, code, needle] : std::vector<Case>{
             {{}, 2, "missing command"},
             {{"stdio", "--bogus"}, 2, "unknown argument '--bogus'"},
             {{"http", "--listen", "nowhere"}, 2, "HOST:PORT"},
             {{"http", "--max-sessions", "0"}, 2, "--max-sessions"},
             {{"stdio", "--toolsets", "nope"},
              2,
              "valid toolsets: planetscale, scaleway-functions"},
             {{"stdio", "--exclude-tools", "drop-db"}, 2, "unknown tool 'drop-db'; valid tools:"},
             {{"http", "--listen", "0.0.0.0:0"}, 2, "--allow-unauthenticated"},
             {{"stdio", "--audit-log", "/nonexistent-dir/audit.log"},
              2,
              "cannot open the audit log"},
             {{"http", "--auth-token-file", "/nonexistent-file"},
              2,
              "cannot read the auth token file"},
         }) {
        ChildProcess process(testing::server_binary(), args);
        process.close_stdin();
        EXPECT_EQ(process.wait(), code) << needle;
        const auto errors = process.stderr_text();
        EXPECT_NE(errors.find(needle), std::string::npos) << errors;
        // One clear line: nothing logged before it, nothing after.
        EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 1) << errors;
        EXPECT_EQ(errors.rfind("credentials-mcp: ", 0), 0U) << errors;
        EXPECT_EQ(process.stdout_rest(1s), "") << needle;
    }
}

TEST(BinaryStdio, BadEnvironmentIsReported) {
    ChildProcess process(testing::server_binary(), {"stdio"},
                         {"PATH=/usr/bin:/bin", "SCW_DEFAULT_REGION=mars-1"});
    process.close_stdin();
    EXPECT_EQ(process.wait(), 2);
    EXPECT_NE(process.stderr_text().find("SCW_DEFAULT_REGION"), std::string::npos);
}

TEST(BinaryStdio, HelpAndVersionGoToStdout) {
    ChildProcess help(testing::server_binary(), {"--help"});
    EXPECT_EQ(help.wait(), 0);
    const auto text = help.stdout_rest(2s);
    for (const auto* needle : {"stdio", "http", "--sandbox", "--listen", "SCW_SECRET_KEY",
                               "PLANETSCALE_SERVICE_TOKEN_ID", "--stateless"}) {
        EXPECT_NE(text.find(needle), std::string::npos) << needle;
    }
    ChildProcess version(testing::server_binary(), {"--version"});
    EXPECT_EQ(version.wait(), 0);
    EXPECT_EQ(version.stdout_rest(2s).rfind("credentials-mcp ", 0), 0U);
}

}  // namespace
}  // namespace cmcp::testing
