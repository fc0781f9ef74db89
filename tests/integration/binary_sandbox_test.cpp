// `credentials-mcp sandbox` as its own process: it prints its address, accepts exactly the
// credentials of its environment, lets a non-sandbox server call it through SCALEWAY_API_URL /
// PLANETSCALE_API_URL, and stops cleanly on SIGTERM.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <boost/json.hpp>
#include <regex>
#include <thread>

#include "testing/process.hpp"

namespace cmcp::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto kScalewayKey = "8d2c1f0e-sandbox-test-key";
constexpr auto kServiceTokenId = "sbx1test";
constexpr auto kServiceToken = "pscale_tkn_sandbox_test";
constexpr auto kDemoTokenId = "6c817983-ed16-424d-947b-c7e29fb0e8e0";

std::vector<std::string> credentials_environment() {
    return {"PATH=/usr/bin:/bin", std::string("SCW_SECRET_KEY=") + kScalewayKey,
            std::string("PLANETSCALE_SERVICE_TOKEN_ID=") + kServiceTokenId,
            std::string("PLANETSCALE_SERVICE_TOKEN=") + kServiceToken};
}

// The sandbox logs "... simulators at http://127.0.0.1:PORT" once it is bound.
std::string wait_for_address(ChildProcess& sandbox, std::string& logs) {
    static const std::regex address(R"(simulators at (http://127\.0\.0\.1:[0-9]+))");
    for (int attempt = 0; attempt < 200; ++attempt) {
        logs += sandbox.stderr_text();
        std::smatch match;
        if (std::regex_search(logs, match, address)) {
            return match[1].str();
        }
        std::this_thread::sleep_for(25ms);
    }
    return {};
}

TEST(BinarySandbox, ServesTheSimulatorToAServerPointedAtIt) {
    ChildProcess sandbox(testing::server_binary(), {"sandbox", "--listen", "127.0.0.1:0"},
                         credentials_environment());
    std::string logs;
    const auto base_url = wait_for_address(sandbox, logs);
    ASSERT_FALSE(base_url.empty()) << logs;
    EXPECT_EQ(logs.find(kScalewayKey), std::string::npos) << "credentials are never logged";
    EXPECT_EQ(logs.find(kServiceToken), std::string::npos) << "credentials are never logged";

    httplib::Client client(base_url);
    const std::string path =
        std::string("/functions/v1beta1/regions/fr-par/tokens/") + kDemoTokenId;
    const auto denied = client.Get(path, {{"X-Auth-Token", "not-the-key"}});
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->status, 401);
    const auto allowed = client.Get(path, {{"X-Auth-Token", kScalewayKey}});
    ASSERT_TRUE(allowed);
    EXPECT_EQ(allowed->status, 200) << allowed->body;
    const auto planetscale =
        client.Get("/v1/organizations/demo-org/service-tokens",
                   {{"Authorization", std::string(kServiceTokenId) + ":" + kServiceToken}});
    ASSERT_TRUE(planetscale);
    EXPECT_EQ(planetscale->status, 200) << planetscale->body;

    auto environment = credentials_environment();
    environment.push_back("SCALEWAY_API_URL=" + base_url);
    environment.push_back("PLANETSCALE_API_URL=" + base_url);
    environment.emplace_back("SCW_DEFAULT_REGION=fr-par");
    ChildProcess server(testing::server_binary(), {"stdio"}, environment);
    server.write(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
        "\n");
    ASSERT_TRUE(server.read_line().has_value());
    server.write(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                 "\n");
    server.write(
        std::string(
            R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-token","arguments":{"token_id":")") +
        kDemoTokenId + "\"}}}\n");
    server.write(
        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get-service-token","arguments":{"organization":"demo-org","id":"9lgmxg9edn58"}}})"
        "\n");
    for (int id = 1; id <= 2; ++id) {
        const auto line = server.read_line();
        ASSERT_TRUE(line.has_value());
        const auto reply = json::parse(*line);
        const auto& result = reply.at("result").as_object();
        EXPECT_FALSE(result.contains("isError") && result.at("isError").as_bool()) << *line;
    }
    server.close_stdin();
    EXPECT_EQ(server.wait(), 0);

    sandbox.signal(SIGTERM);
    EXPECT_EQ(sandbox.wait(5s), 0);
}

TEST(BinarySandbox, SigintStopsIt) {
    ChildProcess sandbox(testing::server_binary(), {"sandbox", "--listen", "127.0.0.1:0"},
                         credentials_environment());
    std::string logs;
    ASSERT_FALSE(wait_for_address(sandbox, logs).empty()) << logs;
    sandbox.signal(SIGINT);
    EXPECT_EQ(sandbox.wait(5s), 0);
}

TEST(BinarySandbox, RefusesToStartWithoutTheCredentialsToAccept) {
    ChildProcess sandbox(testing::server_binary(), {"sandbox", "--listen", "127.0.0.1:0"},
                         {"PATH=/usr/bin:/bin", "SCW_SECRET_KEY=only-scaleway"});
    EXPECT_EQ(sandbox.wait(5s), 2);
    const auto logs = sandbox.stderr_text();
    EXPECT_NE(logs.find("PLANETSCALE_SERVICE_TOKEN_ID"), std::string::npos) << logs;
    EXPECT_EQ(logs.find("only-scaleway"), std::string::npos) << logs;
}

}  // namespace
}  // namespace cmcp::testing
