// Issue 5 §2 end to end: `credentials-mcp stdio --sandbox --audit-log FILE`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "testing/json.hpp"
#include "testing/process.hpp"

namespace cmcp::testing {
namespace {

namespace json = boost::json;

TEST(AuditLogBinary, RecordsEveryCallOfAChangingToolWithSecretsRedacted) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("audit-binary-" + std::to_string(::getpid()) + ".jsonl");
    std::filesystem::remove(path);
    ChildProcess server(testing::server_binary(),
                        {"stdio", "--sandbox", "--audit-log", path.string()});
    server.write(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
        "\n");
    // A change that succeeds (204), a read (not recorded), a refused change (invalid arguments,
    // with a secret-looking argument), and a change the upstream refuses (protected secret).
    server.write(
        R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete-secret","arguments":{"secret_id":"f755dc6c-fe9f-41bf-bf03-ff5927bdfec9"}}})"
        "\n");
    server.write(
        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get-token","arguments":{"token_id":"6c817983-ed16-424d-947b-c7e29fb0e8e0"}}})"
        "\n");
    server.write(
        R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"create-secret","arguments":{"name":"db","password":"hunter2"}}})"
        "\n");
    server.write(
        R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"delete-secret","arguments":{"secret_id":"0f73e93e-e9c7-4dfa-ac60-fe7bb8dde084"}}})"
        "\n");
    for (int answered = 0; answered < 5; ++answered) {
        ASSERT_TRUE(server.read_line().has_value());
    }
    // Each line was written before its result was returned, so all are there now.
    const auto lines = json_lines(path);
    ASSERT_EQ(lines.size(), 3U);  // get-token is read-only: not recorded
    // Calls run concurrently, so lines come in completion order; find each by its outcome.
    auto line_with = [&lines](std::string_view tool, std::string_view outcome) -> json::object {
        for (const auto& entry : lines) {
            if (entry.at("tool").as_string() == tool &&
                entry.at("outcome").as_string() == outcome) {
                return entry;
            }
        }
        ADD_FAILURE() << "no line for " << tool << " " << outcome;
        return {};
    };
    const auto deleted = line_with("delete-secret", "ok");
    ASSERT_FALSE(deleted.empty());
    EXPECT_EQ(deleted.at("client").as_string(), "stdio");
    EXPECT_EQ(deleted.at("upstream_status").as_int64(), 204);
    EXPECT_EQ(deleted.at("arguments").at("secret_id").as_string(),
              "f755dc6c-fe9f-41bf-bf03-ff5927bdfec9");
    EXPECT_EQ(deleted.at("arguments").at("region").as_string(), "fr-par");  // default filled in
    const auto refused = line_with("create-secret", "invalid_arguments");
    ASSERT_FALSE(refused.empty());
    EXPECT_TRUE(refused.at("upstream_status").is_null());
    EXPECT_EQ(refused.at("arguments").at("password").as_string(), "[REDACTED]");
    const auto protected_secret = line_with("delete-secret", "error");
    ASSERT_FALSE(protected_secret.empty());
    EXPECT_EQ(protected_secret.at("upstream_status").as_int64(), 400);
    server.close_stdin();
    EXPECT_EQ(server.wait(), 0);
    std::ifstream raw(path);
    const std::string text((std::istreambuf_iterator<char>(raw)), {});
    EXPECT_EQ(text.find("hunter2"), std::string::npos);
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace cmcp::testing
