// Issue 5 §1 over HTTP: X-MCP-Toolsets, X-MCP-Tools, X-MCP-Exclude-Tools and X-MCP-Readonly
// narrow the tools a client sees and can call, and never widen what the server offers.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>
#include <set>

#include "server_harness.hpp"
#include "test_client.hpp"
#include "testing/fakes.hpp"

namespace cmcp::transport::http::test_support {
namespace {

namespace json = boost::json;
using Names = std::set<std::string>;

constexpr std::string_view kToolsList = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";

const Names kReadOnly{"list-all-tokens",
                      "get-token",
                      "list-jwts",
                      "get-jwt",
                      "list-secrets",
                      "get-metadata-using-secret-s-id",
                      "list-service-tokens",
                      "get-service-token",
                      "list-service-token-accesses"};

Names names_of(const HttpReply& reply) {
    EXPECT_EQ(reply.status, 200) << reply.body;
    Names names;
    const auto document = reply.json();
    if (!document.as_object().contains("result")) {
        ADD_FAILURE() << reply.body;
        return {};
    }
    for (const auto& tool : document.at("result").at("tools").as_array()) {
        names.emplace(tool.at("name").as_string());
    }
    return names;
}

HttpServerOptions stateless() {
    auto options = test_options();
    options.stateless = true;
    return options;
}

std::string call(std::string_view tool) {
    return std::string(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":")") +
           std::string(tool) + R"(","arguments":{"jti":"abc"}}})";
}

TEST(HttpNarrowing, EachHeaderNarrowsTheList) {
    ServerHarness server(stateless());
    McpClient client(server.port());
    EXPECT_EQ(names_of(client.post(kToolsList)).size(), 23U);
    EXPECT_EQ(names_of(client.post(kToolsList, {{"X-MCP-Toolsets", "scaleway-iam"}})),
              (Names{"list-jwts", "get-jwt", "delete-jwt"}));
    EXPECT_EQ(names_of(client.post(kToolsList, {{"X-MCP-Tools", "get-jwt, delete-secret"}})),
              (Names{"get-jwt", "delete-secret"}));
    EXPECT_EQ(names_of(client.post(
                  kToolsList, {{"X-MCP-Toolsets", "scaleway-iam"}, {"X-MCP-Tools", "get-token"}})),
              (Names{"list-jwts", "get-jwt", "delete-jwt", "get-token"}));
    EXPECT_EQ(names_of(client.post(kToolsList, {{"X-MCP-Toolsets", "scaleway-iam"},
                                                {"X-MCP-Exclude-Tools", "delete-jwt"}})),
              (Names{"list-jwts", "get-jwt"}));
    EXPECT_EQ(names_of(client.post(kToolsList, {{"X-MCP-Readonly", "true"}})), kReadOnly);
    EXPECT_EQ(names_of(client.post(
                  kToolsList, {{"X-MCP-Tools", "delete-jwt,get-jwt"}, {"X-MCP-Readonly", "1"}})),
              (Names{"get-jwt"}));
    EXPECT_EQ(names_of(client.post(kToolsList, {{"X-MCP-Readonly", "false"}})).size(), 23U);
}

TEST(HttpNarrowing, AHiddenToolCannotBeCalled) {
    ServerHarness server(stateless());
    McpClient client(server.port());
    const auto hidden = client.post(
        call("delete-jwt"), {{"X-MCP-Readonly", "true"}, {"MCP-Protocol-Version", "2025-11-25"}});
    EXPECT_EQ(hidden.status, 200);
    EXPECT_EQ(hidden.json().at("error").at("code").as_int64(), -32602);
    EXPECT_TRUE(server.upstream.requests().empty());
    const auto visible = client.post(
        call("get-jwt"), {{"X-MCP-Readonly", "true"}, {"MCP-Protocol-Version", "2025-11-25"}});
    EXPECT_TRUE(visible.json().at("result").is_object()) << visible.body;
    EXPECT_EQ(server.upstream.requests().size(), 1U);
}

TEST(HttpNarrowing, HeadersNeverWidenTheServersSelection) {
    catalog::CatalogOptions options;
    options.selection.toolsets = {"scaleway-iam"};
    const auto restricted = catalog::Catalog::from_embedded(options);
    ServerHarness server(stateless(), make_null_logger(), &restricted);
    McpClient client(server.port());
    EXPECT_EQ(names_of(client.post(kToolsList)).size(), 3U);
    EXPECT_TRUE(names_of(client.post(kToolsList, {{"X-MCP-Toolsets", "planetscale"}})).empty());
    EXPECT_EQ(names_of(client.post(kToolsList, {{"X-MCP-Tools", "delete-secret,get-jwt"}})),
              (Names{"get-jwt"}));
    EXPECT_EQ(names_of(client.post(kToolsList, {{"X-MCP-Readonly", "false"}})).size(), 3U);
    const auto outside = client.post(call("delete-secret"), {{"X-MCP-Tools", "delete-secret"}});
    EXPECT_EQ(outside.json().at("error").at("code").as_int64(), -32602);
}

TEST(HttpNarrowing, InitializeHeadersNarrowTheWholeSession) {
    ServerHarness server;
    McpClient client(server.port());
    const auto opened = client.post(initialize_body(), {{"X-MCP-Readonly", "yes"}});
    ASSERT_EQ(opened.status, 200);
    client.session_id = opened.header("Mcp-Session-Id");
    client.protocol_version = "2025-11-25";
    // Later requests without headers keep the session's narrowing...
    EXPECT_EQ(names_of(client.post(kToolsList)), kReadOnly);
    // ...a request may narrow further...
    EXPECT_EQ(names_of(client.post(kToolsList, {{"X-MCP-Toolsets", "scaleway-iam"}})),
              (Names{"list-jwts", "get-jwt"}));
    // ...but not widen it back.
    EXPECT_EQ(names_of(client.post(kToolsList, {{"X-MCP-Readonly", "false"}})), kReadOnly);
    const auto hidden = client.post(call("delete-jwt"));
    EXPECT_EQ(hidden.json().at("error").at("code").as_int64(), -32602);
}

TEST(HttpNarrowing, UnusableHeadersAreRefused) {
    ServerHarness server(stateless());
    McpClient client(server.port());
    for (const auto& [name, value, needle] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"X-MCP-Toolsets", "scaleway-dns", "unknown toolset 'scaleway-dns'"},
             {"X-MCP-Tools", "drop-database", "unknown tool 'drop-database'"},
             {"X-MCP-Exclude-Tools", "get-jwt,nope", "unknown tool 'nope'"},
             {"X-MCP-Readonly", "maybe", "X-MCP-Readonly must be true or false"}}) {
        const auto reply = client.post(kToolsList, {{name, value}});
        EXPECT_EQ(reply.status, 400) << name;
        EXPECT_NE(reply.body.find(needle), std::string::npos) << reply.body;
    }
}

// Regression (found with fuzz_http_router): header values may hold bytes that are not UTF-8,
// and echoing them made the JSON error body unparseable.
TEST(HttpNarrowing, HeaderBytesThatAreNotUtf8AreNotEchoed) {
    ServerHarness server(stateless());
    McpClient client(server.port());
    for (const auto& [name, value, needle] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"X-MCP-Toolsets", "scaleway-\xE9", "unknown toolset 'scaleway-?'"},
             {"X-MCP-Tools", "get-\xFF\xFEjwt", "unknown tool 'get-??jwt'"},
             {"X-MCP-Readonly", "tr\xC3", "X-MCP-Readonly must be true or false, not 'tr?'"}}) {
        const auto reply = client.post(kToolsList, {{name, value}});
        EXPECT_EQ(reply.status, 400) << name;
        EXPECT_NO_THROW((void)reply.json()) << reply.body;
        EXPECT_NE(reply.body.find(needle), std::string::npos) << reply.body;
    }
}

// The audit log names the client: the session (id prefix) or, stateless, the peer address.
TEST(HttpAudit, RecordsNameTheSessionOrThePeer) {
    std::vector<std::string> clients;
    std::mutex mutex;
    auto collect = [&](const protocol::AuditRecord& record) {
        std::lock_guard lock(mutex);
        clients.emplace_back(record.client);
    };
    {
        ServerHarness server;
        server.on_audit = collect;
        McpClient client(server.port());
        client.initialize();
        EXPECT_EQ(client.post(call("delete-jwt")).status, 200);
        std::lock_guard lock(mutex);
        ASSERT_EQ(clients.size(), 1U);
        EXPECT_EQ(clients[0], "session " + client.session_id.substr(0, 8));
    }
    {
        ServerHarness server(stateless());
        server.on_audit = collect;
        McpClient client(server.port());
        EXPECT_EQ(client.post(call("delete-jwt")).status, 200);
        std::lock_guard lock(mutex);
        ASSERT_EQ(clients.size(), 2U);
        EXPECT_EQ(clients[1], "http 127.0.0.1");
    }
}

}  // namespace
}  // namespace cmcp::transport::http::test_support
