// Issue 18: principals over HTTP, against the real binary. Two teams with their own upstream
// credentials and tool ceilings share one server; the sandbox records which credential reached
// it for every call. Reload on SIGHUP under load, and --audit-required with a sink that cannot
// be written.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include "hardening_support.hpp"
#include "identity/digest.hpp"

namespace cmcp::hardening {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

struct Team {
    std::string name;
    std::string env_prefix;  // the server's environment holds the team's credentials here
    Canaries secrets;        // its upstream credentials and its bearer token (bearer_a)
};

// The tools each team's ceiling allows (tools/*.json): team-billing has the Secret Manager
// toolset without delete-secret plus PlanetScale; team-audit everything read-only.
const std::set<std::string> kBillingTools = {"list-secrets",
                                             "create-secret",
                                             "get-metadata-using-secret-s-id",
                                             "update-metadata-secret",
                                             "allow-product-use-secret",
                                             "enable-secret-protection",
                                             "restore-secret",
                                             "disable-secret-protection",
                                             "restore-version",
                                             "list-service-tokens",
                                             "create-service-token",
                                             "get-service-token",
                                             "delete-service-token",
                                             "list-service-token-accesses",
                                             "grant-service-token-access"};
const std::set<std::string> kReadOnlyTools = {"list-service-tokens",
                                              "get-service-token",
                                              "list-service-token-accesses",
                                              "list-all-tokens",
                                              "get-token",
                                              "list-jwts",
                                              "get-jwt",
                                              "list-secrets",
                                              "get-metadata-using-secret-s-id"};

json::object principal_json(const Team& team, const sandbox::DemoData& demo, json::object tools) {
    return {{"name", team.name},
            {"bearer_token_sha256",
             json::array{json::value(identity::to_hex(identity::sha256(team.secrets.bearer_a)))}},
            {"scaleway",
             {{"secret_key", "env:" + team.env_prefix + "_SCW_SECRET_KEY"},
              {"default_region", demo.region},
              {"default_project_id", demo.project_id},
              {"default_organization_id", demo.organization_id}}},
            {"planetscale",
             {{"service_token_id", "env:" + team.env_prefix + "_PS_ID"},
              {"service_token", "env:" + team.env_prefix + "_PS_TOKEN"},
              {"default_organization", demo.planetscale_organization}}},
            {"tools", std::move(tools)}};
}

json::object billing_ceiling() {
    return {{"toolsets", json::array{"scaleway-secrets", "planetscale"}},
            {"exclude_tools", json::array{"delete-secret"}}};
}

json::object audit_ceiling(bool read_only) {
    return {{"read_only", read_only}};
}

// Written beside and renamed over, as an operator's tooling should, so a reload never reads a
// half-written file.
void write_file(const std::filesystem::path& path, const std::string& text) {
    const auto temporary = path.string() + ".new";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << text;
    }
    std::filesystem::rename(temporary, path);
}

class Fleet {
  public:
    Fleet()
        : billing_{"team-billing", "BILLING", make_canaries()},
          audit_{"team-audit", "AUDIT", make_canaries()} {
        sandbox::Options options;
        options.scaleway_secret_key = billing_.secrets.scaleway_key;
        options.planetscale_authorization = billing_.secrets.planetscale_authorization();
        options.other_scaleway_secret_keys = {audit_.secrets.scaleway_key};
        options.other_planetscale_authorizations = {audit_.secrets.planetscale_authorization()};
        options.record_requests = true;
        upstream_ = std::make_unique<sandbox::Sandbox>(options);
        directory_ = std::filesystem::temp_directory_path() /
                     ("cmcp-principals-" + billing_.secrets.bearer_b.substr(16));
        std::filesystem::create_directories(directory_);
        write_principals(false);
    }
    ~Fleet() { std::filesystem::remove_all(directory_); }
    Fleet(const Fleet&) = delete;
    Fleet& operator=(const Fleet&) = delete;

    void write_principals(bool audit_read_only_off) {
        const auto& demo = upstream_->demo();
        json::object file{
            {"principals",
             json::array{principal_json(billing_, demo, billing_ceiling()),
                         principal_json(audit_, demo, audit_ceiling(!audit_read_only_off))}}};
        write_file(principals_path(), json::serialize(file));
    }

    std::unique_ptr<ServerProcess> start(std::vector<std::string> extra = {}) const {
        std::vector<std::string> args{"--principals", principals_path().string(), "--audit-log",
                                      audit_path().string()};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<std::string> environment{"PATH=/usr/bin:/bin",
                                             "SCALEWAY_API_URL=" + upstream_->base_url(),
                                             "PLANETSCALE_API_URL=" + upstream_->base_url()};
        for (const auto* team : {&billing_, &audit_}) {
            environment.push_back(team->env_prefix +
                                  "_SCW_SECRET_KEY=" + team->secrets.scaleway_key);
            environment.push_back(team->env_prefix + "_PS_ID=" + team->secrets.planetscale_id);
            environment.push_back(team->env_prefix +
                                  "_PS_TOKEN=" + team->secrets.planetscale_token);
        }
        return std::make_unique<ServerProcess>(args, environment);
    }

    std::filesystem::path principals_path() const { return directory_ / "principals.json"; }
    std::filesystem::path audit_path() const { return directory_ / "audit.jsonl"; }
    const Team& billing() const { return billing_; }
    const Team& audit() const { return audit_; }
    sandbox::Sandbox& upstream() { return *upstream_; }

    std::vector<json::object> audit_lines() const {
        std::vector<json::object> lines;
        std::istringstream in(read_text_file(audit_path()));
        std::string line;
        while (std::getline(in, line)) {
            lines.push_back(json::parse(line).as_object());
        }
        return lines;
    }

  private:
    Team billing_;
    Team audit_;
    std::unique_ptr<sandbox::Sandbox> upstream_;
    std::filesystem::path directory_;
};

std::set<std::string> listed_tools(McpClient& client, const std::string& session) {
    const auto answer =
        client.post(R"({"jsonrpc":"2.0","id":"list","method":"tools/list"})", session);
    const auto names = tool_names(answer);
    EXPECT_FALSE(names.empty()) << answer.status << " " << answer.body;
    return {names.begin(), names.end()};
}

bool succeeded(const HttpAnswer& answer) {
    const auto result = tool_result(answer);
    return answer.status == 200 && result && !is_error_result(*result);
}

std::string query_value(const sandbox::RecordedRequest& request, std::string_view key) {
    for (const auto& [name, value] : request.query) {
        if (name == key) {
            return value;
        }
    }
    return {};
}

TEST(Principals, TwoTeamsNeverUseEachOthersCredentialsAndSeeOnlyTheirCeiling) {
    Fleet fleet;
    auto server = fleet.start();
    constexpr int kClientsPerTeam = 4;
    constexpr int kCallsPerClient = 125;  // 2 teams x 4 clients x 125 = 1,000 calls

    // Each team's tools/list is exactly its ceiling.
    for (const auto* team : {&fleet.billing(), &fleet.audit()}) {
        McpClient client(server->port(), team->secrets.bearer_a);
        const auto session = client.initialize();
        ASSERT_FALSE(session.empty()) << server->log();
        EXPECT_EQ(listed_tools(client, session),
                  team == &fleet.billing() ? kBillingTools : kReadOnlyTools)
            << team->name;
    }

    // Interleaved: every client has its own connection and session; a call's arguments name
    // the team that made it, so the sandbox's record says whose credential should be on it.
    std::atomic<int> failures{0};
    std::atomic<int> calls{0};
    std::vector<std::thread> clients;
    for (int team_index = 0; team_index < 2; ++team_index) {
        const Team& team = team_index == 0 ? fleet.billing() : fleet.audit();
        for (int c = 0; c < kClientsPerTeam; ++c) {
            clients.emplace_back([&, team_index, c, bearer = team.secrets.bearer_a,
                                  name = team.name] {
                McpClient client(server->port(), bearer);
                const auto session = client.initialize();
                if (session.empty()) {
                    failures += kCallsPerClient;
                    return;
                }
                for (int i = 0; i < kCallsPerClient; ++i) {
                    const auto id = (team_index * 100 + c) * 1000 + i + 1;
                    const auto answer =
                        i % 2 == 0
                            ? client.call(id, "list-secrets",
                                          R"({"name":")" + name + "-" + std::to_string(id) + "\"}",
                                          session)
                            : client.call(id, "list-service-tokens",
                                          R"({"page":)" + std::to_string(id) + "}", session);
                    ++calls;
                    if (!succeeded(answer)) {
                        ++failures;
                    }
                }
            });
        }
    }
    for (auto& thread : clients) {
        thread.join();
    }
    EXPECT_EQ(calls.load(), 1000);
    EXPECT_EQ(failures.load(), 0) << server->log();

    int billing_seen = 0;
    int audit_seen = 0;
    int cross_use = 0;
    for (const auto& request : fleet.upstream().requests()) {
        bool billing = false;
        if (request.path.find("/secret-manager/") != std::string::npos) {
            const auto name = query_value(request, "name");
            billing = name.starts_with("team-billing-");
            const auto& expected = billing ? fleet.billing() : fleet.audit();
            cross_use += request.header("x-auth-token") == expected.secrets.scaleway_key ? 0 : 1;
            EXPECT_TRUE(request.header("authorization").empty());
        } else if (request.path.find("/service-tokens") != std::string::npos) {
            billing = std::stoi(query_value(request, "page")) < 100'000;
            const auto& expected = billing ? fleet.billing() : fleet.audit();
            cross_use +=
                request.header("authorization") == expected.secrets.planetscale_authorization() ? 0
                                                                                                : 1;
            EXPECT_TRUE(request.header("x-auth-token").empty());
        } else {
            ADD_FAILURE() << "unexpected upstream request " << request.method << " "
                          << request.path;
            continue;
        }
        // The MCP bearer token never goes upstream.
        for (const auto& [header, value] : request.headers) {
            EXPECT_EQ(value.find("bearer-canary"), std::string::npos) << header;
        }
        ++(billing ? billing_seen : audit_seen);
    }
    EXPECT_EQ(cross_use, 0);
    EXPECT_EQ(billing_seen, kClientsPerTeam * kCallsPerClient);
    EXPECT_EQ(audit_seen, kClientsPerTeam * kCallsPerClient);

    // Outside the ceiling: refused, nothing sent, and audited under the principal's name.
    const auto before = fleet.upstream().requests().size();
    McpClient billing(server->port(), fleet.billing().secrets.bearer_a);
    const auto billing_session = billing.initialize();
    EXPECT_FALSE(succeeded(billing.call(
        1, "delete-secret", R"({"secret_id":")" + fleet.upstream().demo().secret_id + "\"}",
        billing_session)));
    McpClient audit(server->port(), fleet.audit().secrets.bearer_a);
    const auto audit_session = audit.initialize();
    EXPECT_FALSE(
        succeeded(audit.call(2, "create-secret", R"({"name":"not-allowed"})", audit_session)));
    EXPECT_EQ(fleet.upstream().requests().size(), before);
    // Within it, a change is audited with the principal and the credential by reference.
    EXPECT_TRUE(succeeded(
        billing.call(3, "create-secret", R"({"name":"billing-made-this"})", billing_session)));

    ASSERT_EQ(server->stop(), 0) << server->log();
    int denied = 0;
    int made = 0;
    for (const auto& line : fleet.audit_lines()) {
        const auto event = line.at("event").as_string();
        if (event == "denied") {
            ++denied;
            const bool by_billing = line.at("principal").as_string() == "team-billing";
            EXPECT_EQ(line.at("tool").as_string(), by_billing ? "delete-secret" : "create-secret");
            EXPECT_EQ(line.at("outcome").as_string(), "not_visible");
            EXPECT_FALSE(line.at("request_sent").as_bool());
        } else if (event == "call") {
            ++made;
            EXPECT_EQ(line.at("principal").as_string(), "team-billing");
            EXPECT_EQ(line.at("credential").as_string(), "env:BILLING_SCW_SECRET_KEY");
            EXPECT_EQ(line.at("tool").as_string(), "create-secret");
            EXPECT_TRUE(line.at("request_sent").as_bool());
            EXPECT_EQ(line.at("request_id").as_string(), "3");
        }
    }
    EXPECT_EQ(denied, 2);
    EXPECT_EQ(made, 1);
    const auto audit_text = read_text_file(fleet.audit_path());
    const auto log = server->log();
    for (const auto* team : {&fleet.billing(), &fleet.audit()}) {
        for (const auto& secret : team->secrets.all()) {
            EXPECT_EQ(audit_text.find(secret), std::string::npos);
            EXPECT_EQ(log.find(secret), std::string::npos);
        }
    }
}

// The reload log lines seen so far.
int count_in(const std::string& text, std::string_view needle) {
    int count = 0;
    for (auto at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + needle.size())) {
        ++count;
    }
    return count;
}

void wait_for_log(ServerProcess& server, std::string_view needle, int count) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (count_in(server.log(), needle) < count) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline)
            << "no \"" << needle << "\" #" << count << " in:\n"
            << server.log();
        std::this_thread::sleep_for(10ms);
    }
}

TEST(Principals, ReloadOnSighupUnderLoadLosesNoCallAndABrokenFileKeepsTheOldOnes) {
    Fleet fleet;
    auto server = fleet.start();
    McpClient audit(server->port(), fleet.audit().secrets.bearer_a);
    const auto audit_session = audit.initialize();
    ASSERT_FALSE(audit_session.empty()) << server->log();
    EXPECT_EQ(listed_tools(audit, audit_session), kReadOnlyTools);

    std::atomic<bool> stop{false};
    std::atomic<int> calls{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> load;
    for (int c = 0; c < 4; ++c) {
        load.emplace_back([&, c] {
            McpClient client(server->port(), fleet.billing().secrets.bearer_a);
            const auto session = client.initialize();
            for (int i = 0; !stop; ++i) {
                const bool ok = succeeded(
                    session.empty() ? HttpAnswer{}
                                    : client.call(c * 100'000 + i, "list-secrets", "{}", session));
                ++calls;
                failures += ok ? 0 : 1;
            }
        });
    }
    // Ten reloads while the calls run, toggling team-audit between read-only and not.
    constexpr int kReloads = 10;
    for (int n = 1; n <= kReloads; ++n) {
        fleet.write_principals(n % 2 == 1);
        ASSERT_EQ(::kill(server->pid(), SIGHUP), 0);
        wait_for_log(*server, "principals reloaded", n);
        std::this_thread::sleep_for(50ms);
    }
    // After an odd number of toggles the last file lifted team-audit's read-only ceiling
    // (kReloads is even: back to read-only); the open session sees each file in turn.
    EXPECT_EQ(listed_tools(audit, audit_session), kReadOnlyTools);
    fleet.write_principals(true);
    ASSERT_EQ(::kill(server->pid(), SIGHUP), 0);
    wait_for_log(*server, "principals reloaded", kReloads + 1);
    const auto widened = listed_tools(audit, audit_session);
    EXPECT_EQ(widened.size(), 23U);

    // A broken file: logged, and the principals in force stay.
    write_file(fleet.principals_path(), R"({"principals": [ {"name": "team-billing", )");
    ASSERT_EQ(::kill(server->pid(), SIGHUP), 0);
    wait_for_log(*server, "principals not reloaded", 1);
    std::this_thread::sleep_for(100ms);
    stop = true;
    for (auto& thread : load) {
        thread.join();
    }
    EXPECT_EQ(listed_tools(audit, audit_session), widened);
    std::cout << "[ figures  ] " << calls.load() << " calls, " << failures.load()
              << " failed, during " << kReloads + 2 << " reloads" << std::endl;
    EXPECT_GT(calls.load(), 100);
    EXPECT_EQ(failures.load(), 0) << server->log();
    EXPECT_TRUE(server->alive());
    ASSERT_EQ(server->stop(), 0) << server->log();
}

TEST(AuditRequired, AnUnwritableSinkRefusesChangesAndStillServesReads) {
    const auto canaries = make_canaries();
    const auto upstream = make_sandbox(canaries, true);
    ServerProcess server({"--audit-sink", "file:/dev/full", "--audit-required"},
                         upstream_env(canaries, upstream->base_url(), upstream->demo()));
    McpClient client(server.port());
    const auto session = client.initialize();
    ASSERT_FALSE(session.empty()) << server.log();

    EXPECT_TRUE(succeeded(client.call(1, "list-secrets", "{}", session)));
    const auto before = upstream->requests().size();
    for (const auto& [tool, arguments] : std::vector<std::pair<std::string, std::string>>{
             {"create-secret", R"({"name":"never-made"})"},
             {"delete-secret", R"({"secret_id":")" + upstream->demo().secret_id + "\"}"}}) {
        const auto answer = client.call(2, tool, arguments, session);
        const auto result = tool_result(answer);
        ASSERT_TRUE(result) << answer.body;
        EXPECT_TRUE(is_error_result(*result)) << tool;
        EXPECT_NE(result_text(*result).find("--audit-required"), std::string::npos)
            << result_text(*result);
    }
    EXPECT_EQ(upstream->requests().size(), before) << "a refused change reached the vendor";
    EXPECT_TRUE(
        succeeded(client.call(3, "get-metadata-using-secret-s-id",
                              R"({"secret_id":")" + upstream->demo().secret_id + "\"}", session)));
    EXPECT_EQ(client.get("/healthz").status, 200);
    EXPECT_TRUE(server.alive());
    EXPECT_NE(server.log().find("/dev/full"), std::string::npos) << server.log();
    ASSERT_EQ(server.stop(), 0) << server.log();
}

}  // namespace
}  // namespace cmcp::hardening
