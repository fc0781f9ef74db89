#include "config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace cmcp::config {
namespace {

using ::testing::HasSubstr;

ParseResult parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    return parse_config(args, [env](std::string_view name) -> std::optional<std::string> {
        const auto found = env.find(std::string(name));
        return found == env.end() ? std::nullopt : std::optional<std::string>(found->second);
    });
}

Config ok(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    auto result = parse(std::move(args), std::move(env));
    if (const auto* error = std::get_if<ConfigError>(&result)) {
        ADD_FAILURE() << error->message;
        return {};
    }
    return std::get<Config>(result);
}

std::string error_of(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    auto result = parse(std::move(args), std::move(env));
    const auto* error = std::get_if<ConfigError>(&result);
    return error == nullptr ? std::string("(no error)") : error->message;
}

TEST(Config, Commands) {
    EXPECT_EQ(ok({"stdio"}).mode, Mode::stdio);
    EXPECT_EQ(ok({"http"}).mode, Mode::http);
    EXPECT_EQ(ok({"tools"}).mode, Mode::tools);
    EXPECT_EQ(ok({"sandbox"}).mode, Mode::sandbox);
    EXPECT_THAT(error_of({}), HasSubstr("missing command"));
    EXPECT_THAT(error_of({"sandbox", "http"}), HasSubstr("one command"));
    EXPECT_THAT(error_of({"stdio", "http"}), HasSubstr("one command"));
    EXPECT_TRUE(std::holds_alternative<ShowHelp>(parse({"stdio", "--help"})));
    EXPECT_TRUE(std::holds_alternative<ShowVersion>(parse({"--version"})));
}

TEST(Config, ToolSelectionFromFlagsAndEnvironment) {
    auto config = ok({"stdio", "--toolsets", "scaleway-iam, planetscale", "--tools=get-token",
                      "--exclude-tools", "delete-jwt", "--read-only"});
    EXPECT_EQ(config.toolsets, (std::vector<std::string>{"scaleway-iam", "planetscale"}));
    EXPECT_EQ(config.tools, (std::vector<std::string>{"get-token"}));
    EXPECT_EQ(config.exclude_tools, (std::vector<std::string>{"delete-jwt"}));
    EXPECT_TRUE(config.read_only);
    config = ok({"stdio"}, {{"CREDENTIALS_MCP_TOOLSETS", "scaleway-iam"},
                            {"CREDENTIALS_MCP_TOOLS", "get-token,get-jwt"},
                            {"CREDENTIALS_MCP_EXCLUDE_TOOLS", "delete-jwt"},
                            {"CREDENTIALS_MCP_READ_ONLY", "yes"}});
    EXPECT_EQ(config.toolsets, (std::vector<std::string>{"scaleway-iam"}));
    EXPECT_EQ(config.tools, (std::vector<std::string>{"get-token", "get-jwt"}));
    EXPECT_EQ(config.exclude_tools, (std::vector<std::string>{"delete-jwt"}));
    EXPECT_TRUE(config.read_only);
    EXPECT_FALSE(ok({"stdio"}, {{"CREDENTIALS_MCP_READ_ONLY", "0"}}).read_only);
    EXPECT_THAT(error_of({"stdio"}, {{"CREDENTIALS_MCP_READ_ONLY", "maybe"}}),
                HasSubstr("CREDENTIALS_MCP_READ_ONLY"));
}

TEST(Config, FlagsOverrideEnvironment) {
    EXPECT_EQ(
        ok({"stdio", "--toolsets", "planetscale"}, {{"CREDENTIALS_MCP_TOOLSETS", "scaleway-iam"}})
            .toolsets,
        (std::vector<std::string>{"planetscale"}));
    EXPECT_EQ(
        ok({"stdio", "--log-level", "debug"}, {{"CREDENTIALS_MCP_LOG_LEVEL", "error"}}).log_level,
        LogLevel::debug);
    EXPECT_EQ(ok({"stdio", "--audit-log", "/a"}, {{"CREDENTIALS_MCP_AUDIT_LOG", "/b"}}).audit_sinks,
              (std::vector<std::string>{"file:/a"}));
}

TEST(Config, RestFaceAloneOrBesideMcp) {
    const auto alone = ok({"rest"});
    EXPECT_EQ(alone.mode, Mode::rest);
    EXPECT_EQ(alone.http.port, 8080);
    EXPECT_EQ(ok({"rest", "--listen", "127.0.0.1:9999"}).http.port, 9999);
    const auto beside = ok({"http", "--rest-listen", "127.0.0.1:8081"});
    EXPECT_EQ(beside.http.port, 9090);
    ASSERT_TRUE(beside.http.rest_host);
    EXPECT_EQ(*beside.http.rest_host, "127.0.0.1");
    EXPECT_EQ(beside.http.rest_port, 8081);
    EXPECT_NE(error_of({"stdio", "--rest-listen", "127.0.0.1:8081"}).find("--rest-listen"),
              std::string::npos);
    // A REST face beyond loopback needs authentication like MCP does.
    EXPECT_NE(error_of({"http", "--rest-listen", "0.0.0.0:8080"}).find("without authentication"),
              std::string::npos);
    EXPECT_NE(error_of({"rest", "--listen", "0.0.0.0:8080"}).find("without authentication"),
              std::string::npos);
}

TEST(Config, AuditLogAndResultLimit) {
    EXPECT_EQ(ok({"stdio", "--audit-log", "/var/log/mcp.jsonl"}).audit_sinks,
              (std::vector<std::string>{"file:/var/log/mcp.jsonl"}));
    EXPECT_EQ(ok({"stdio"}, {{"CREDENTIALS_MCP_AUDIT_LOG", "/tmp/a"}}).audit_sinks,
              (std::vector<std::string>{"file:/tmp/a"}));
    EXPECT_TRUE(ok({"stdio"}).audit_sinks.empty());
    EXPECT_EQ(ok({"stdio"}).max_result_bytes, 65536U);
    EXPECT_EQ(ok({"stdio", "--max-result-bytes", "4096"}).max_result_bytes, 4096U);
    EXPECT_EQ(ok({"stdio"}, {{"CREDENTIALS_MCP_MAX_RESULT_BYTES", "2048"}}).max_result_bytes,
              2048U);
    EXPECT_THAT(error_of({"stdio", "--max-result-bytes", "10"}), HasSubstr("--max-result-bytes"));
}

TEST(Config, ValuesAndErrors) {
    EXPECT_THAT(error_of({"stdio", "--bogus"}), HasSubstr("unknown argument '--bogus'"));
    EXPECT_THAT(error_of({"stdio", "--sandbox=yes"}), HasSubstr("takes no value"));
    EXPECT_THAT(error_of({"stdio", "--max-calls"}), HasSubstr("needs a value"));
    EXPECT_THAT(error_of({"stdio", "--max-calls", "0"}), HasSubstr("from 1 to 1000000"));
    EXPECT_EQ(ok({"stdio"}).max_calls, 256U);
    EXPECT_EQ(ok({"stdio", "--max-calls", "8"}).max_calls, 8U);
    // Options that are gone say what to do instead.
    EXPECT_THAT(error_of({"stdio", "--workers", "4"}), HasSubstr("--workers was removed"));
    EXPECT_THAT(error_of({"stdio", "--max-queued-calls", "9"}), HasSubstr("renamed --max-calls"));
    EXPECT_THAT(error_of({"http", "--busy-poll-us", "0"}), HasSubstr("nothing polls"));
    EXPECT_EQ(ok({"http"}).upstream.call_timeout, std::chrono::milliseconds(60000));
    EXPECT_EQ(ok({"http", "--call-timeout-ms", "1500"}).upstream.call_timeout,
              std::chrono::milliseconds(1500));
    EXPECT_THAT(error_of({"http", "--call-timeout-ms", "5"}), HasSubstr("from 100"));
    EXPECT_THAT(error_of({"http", "--listen", "9090"}), HasSubstr("HOST:PORT"));
    EXPECT_THAT(error_of({"stdio", "--log-level", "loud"}), HasSubstr("--log-level"));
    const auto listen = ok({"http", "--listen", "[::1]:9191"});
    EXPECT_EQ(listen.http.host, "::1");
    EXPECT_EQ(listen.http.port, 9191);
}

TEST(Config, EnvironmentDefaultsAreChecked) {
    const auto config =
        ok({"stdio"}, {{"SCW_DEFAULT_REGION", " nl-ams "},
                       {"SCW_DEFAULT_PROJECT_ID", "6170692e-7363-616c-6577-61792e636f6d"},
                       {"PLANETSCALE_ORG", "acme"}});
    EXPECT_EQ(config.defaults.at("scaleway.region"), "nl-ams");
    EXPECT_EQ(config.defaults.at("planetscale.organization"), "acme");
    EXPECT_THAT(error_of({"stdio"}, {{"SCW_DEFAULT_REGION", "us-east"}}),
                HasSubstr("SCW_DEFAULT_REGION"));
    EXPECT_THAT(error_of({"stdio"}, {{"SCW_DEFAULT_ORGANIZATION_ID", "acme"}}), HasSubstr("UUID"));
    EXPECT_FALSE(ok({"stdio"}, {{"SCW_DEFAULT_REGION", ""}}).defaults.contains("scaleway.region"));
}

TEST(Config, NonLoopbackNeedsAuthOrAnExplicitOptOut) {
    EXPECT_THAT(error_of({"http", "--listen", "0.0.0.0:9090"}),
                HasSubstr("--allow-unauthenticated"));
    EXPECT_THAT(error_of({"http", "--listen", "192.168.1.10:9090"}),
                HasSubstr("without authentication"));
    ok({"http", "--listen", "0.0.0.0:9090", "--allow-unauthenticated"});
    ok({"http", "--listen", "0.0.0.0:9090"}, {{"CREDENTIALS_MCP_AUTH_TOKENS", "a,b"}});
    ok({"http", "--listen", "0.0.0.0:9090", "--auth-token-file", "/run/secrets/tokens"});
    ok({"http", "--listen", "127.0.0.1:9090"});
    ok({"http", "--listen", "localhost:9090"});
    ok({"http", "--listen", "[::1]:9090"});
    ok({"stdio", "--listen", "0.0.0.0:9090"});  // stdio listens nowhere
}

TEST(Config, LoopbackIsJudgedByAddressNotSpelling) {
    for (const auto* host : {"localhost", "127.0.0.1", "127.1.2.3", "::1"}) {
        EXPECT_TRUE(is_loopback_host(host)) << host;
    }
    for (const auto* host : {"127.example.com", "0.0.0.0", "::", "10.0.0.1", "::ffff:10.0.0.1", "",
                             "localhost.attacker.net"}) {
        EXPECT_FALSE(is_loopback_host(host)) << host;
    }
    EXPECT_THAT(error_of({"http", "--listen", "127.example.com:9090"}),
                HasSubstr("--allow-unauthenticated"));
}

TEST(Config, SandboxListensWhereToldEvenOffLoopback) {
    const auto config = ok({"sandbox", "--listen", "127.0.0.1:0"});
    EXPECT_EQ(config.http.host, "127.0.0.1");
    EXPECT_EQ(config.http.port, 0);
    // A simulator holds no real credential, so the exposure check of `http` does not apply.
    EXPECT_EQ(ok({"sandbox", "--listen", "0.0.0.0:9191"}).http.host, "0.0.0.0");
}

TEST(Config, HelpDocumentsEveryOptionAndVariable) {
    const auto help = usage_text();
    for (const auto name : option_names()) {
        EXPECT_THAT(help, HasSubstr(std::string(name))) << name;
    }
    for (const auto name : environment_variables()) {
        EXPECT_THAT(help, HasSubstr(std::string(name))) << name;
    }
    for (const auto* header :
         {"X-MCP-Toolsets", "X-MCP-Tools", "X-MCP-Exclude-Tools", "X-MCP-Readonly",
          "credentials-mcp tools", "credentials-mcp sandbox", "exit code 2"}) {
        EXPECT_THAT(help, HasSubstr(header)) << header;
    }
}

TEST(Config, EveryDocumentedOptionParses) {
    for (const auto name : option_names()) {
        std::vector<std::string> args{"http", std::string(name)};
        const std::string option(name);
        const bool valued = error_of({"stdio", option}).find("needs a value") != std::string::npos;
        if (valued) {
            args.emplace_back(option == "--listen"      ? "127.0.0.1:1"
                              : option == "--log-level" ? "info"
                                                        : "5000");
        }
        const auto result = parse(args);
        if (const auto* error = std::get_if<ConfigError>(&result)) {
            EXPECT_THAT(error->message, ::testing::Not(HasSubstr("unknown argument"))) << name;
        }
    }
}

}  // namespace
}  // namespace cmcp::config
