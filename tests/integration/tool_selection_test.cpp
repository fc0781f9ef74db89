// Issue 5 §1 over stdio: --toolsets, --tools, --exclude-tools, --read-only and their
// environment variables, with their precedence; tools/list and tools/call agree.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "testing/process.hpp"

namespace cmcp::testing {
namespace {

namespace json = boost::json;
using Names = std::set<std::string>;

constexpr auto kInitialize =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
    "\n";

struct Served {
    Names tools;
    json::value hidden_call;  // the reply to calling a tool the selection hides
};

Served serve(const std::vector<std::string>& flags, const std::vector<std::string>& env = {},
             const std::string& probe = "delete-secret") {
    std::vector<std::string> args{"stdio", "--sandbox"};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<std::string> environment{"PATH=/usr/bin:/bin"};
    environment.insert(environment.end(), env.begin(), env.end());
    ChildProcess server(testing::server_binary(), args, environment);
    server.write(kInitialize);
    server.write(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"
                 "\n");
    server.write(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":")" + probe +
                 R"(","arguments":{"secret_id":"f755dc6c-fe9f-41bf-bf03-ff5927bdfec9"}}})"
                 "\n");
    server.close_stdin();
    Served served;
    while (auto line = server.read_line()) {
        const auto message = json::parse(*line);
        const auto& id = message.at("id");
        if (id.is_int64() && id.as_int64() == 1) {
            for (const auto& tool : message.at("result").at("tools").as_array()) {
                served.tools.emplace(tool.at("name").as_string());
            }
        } else if (id.is_int64() && id.as_int64() == 2) {
            served.hidden_call = message;
        }
    }
    EXPECT_EQ(server.wait(), 0) << server.stderr_text();
    return served;
}

const Names kIam{"list-jwts", "get-jwt", "delete-jwt"};
const Names kReadOnly{"list-all-tokens",
                      "get-token",
                      "list-jwts",
                      "get-jwt",
                      "list-secrets",
                      "get-metadata-using-secret-s-id",
                      "list-service-tokens",
                      "get-service-token",
                      "list-service-token-accesses"};

TEST(ToolSelection, ToolsetsSelectTheirTools) {
    EXPECT_EQ(serve({"--toolsets", "scaleway-iam"}).tools, kIam);
}

TEST(ToolSelection, ToolsAloneAreAnAllowlist) {
    EXPECT_EQ(serve({"--tools", "delete-secret,list-jwts"}).tools,
              (Names{"delete-secret", "list-jwts"}));
}

TEST(ToolSelection, ToolsAddToToolsets) {
    auto expected = kIam;
    expected.insert("delete-secret");
    EXPECT_EQ(serve({"--toolsets=scaleway-iam", "--tools=delete-secret"}).tools, expected);
}

TEST(ToolSelection, ExcludeWinsOverInclude) {
    EXPECT_EQ(serve({"--toolsets", "scaleway-iam", "--exclude-tools", "delete-jwt"}).tools,
              (Names{"list-jwts", "get-jwt"}));
    EXPECT_TRUE(serve({"--tools", "delete-jwt", "--exclude-tools", "delete-jwt"}).tools.empty());
    EXPECT_EQ(serve({"--exclude-tools", "delete-secret,delete-token"}).tools.size(), 21U);
}

TEST(ToolSelection, ReadOnlyWinsOverEverything) {
    EXPECT_EQ(serve({"--tools", "delete-jwt,get-jwt", "--read-only"}).tools, (Names{"get-jwt"}));
    EXPECT_EQ(serve({"--read-only"}).tools, kReadOnly);
}

TEST(ToolSelection, EnvironmentVariablesSelectToo) {
    EXPECT_EQ(serve({}, {"CREDENTIALS_MCP_TOOLSETS=scaleway-iam"}).tools, kIam);
    EXPECT_EQ(serve({}, {"CREDENTIALS_MCP_TOOLS=get-jwt"}).tools, (Names{"get-jwt"}));
    EXPECT_EQ(serve({}, {"CREDENTIALS_MCP_TOOLSETS=scaleway-iam",
                         "CREDENTIALS_MCP_EXCLUDE_TOOLS=get-jwt"})
                  .tools,
              (Names{"list-jwts", "delete-jwt"}));
    EXPECT_EQ(serve({}, {"CREDENTIALS_MCP_READ_ONLY=true"}).tools, kReadOnly);
}

TEST(ToolSelection, FlagsOverrideTheEnvironment) {
    EXPECT_EQ(serve({"--toolsets", "scaleway-iam"}, {"CREDENTIALS_MCP_TOOLSETS=planetscale"}).tools,
              kIam);
}

TEST(ToolSelection, AHiddenToolCannotBeCalled) {
    const auto served = serve({"--read-only"});
    EXPECT_FALSE(served.tools.contains("delete-secret"));
    ASSERT_TRUE(served.hidden_call.is_object());
    EXPECT_EQ(served.hidden_call.at("error").at("code").as_int64(), -32602);
    const auto& available = served.hidden_call.at("error").at("data").at("available").as_array();
    EXPECT_EQ(available.size(), kReadOnly.size());
}

TEST(ToolSelection, AVisibleToolCanBeCalled) {
    const auto served =
        serve({"--tools", "get-metadata-using-secret-s-id"}, {}, "get-metadata-using-secret-s-id");
    EXPECT_TRUE(served.hidden_call.at("result").is_object());
}

TEST(ToolsCommand, PrintsTheSelectedToolsForOperators) {
    ChildProcess tools(testing::server_binary(),
                       {"tools", "--toolsets", "scaleway-iam", "--exclude-tools", "get-jwt"});
    EXPECT_EQ(tools.wait(), 0);
    const auto table = tools.stdout_rest(std::chrono::seconds(2));
    EXPECT_NE(table.find("NAME"), std::string::npos);
    EXPECT_NE(table.find("list-jwts"), std::string::npos);
    EXPECT_NE(table.find("delete-jwt"), std::string::npos);
    EXPECT_NE(table.find("destructive, idempotent"), std::string::npos);
    EXPECT_EQ(table.find("get-jwt "), std::string::npos);
    EXPECT_NE(table.find("2 of 23 tools selected"), std::string::npos);
}

}  // namespace
}  // namespace cmcp::testing
