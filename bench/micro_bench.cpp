// Micro-benchmarks of the server's hot paths, without sockets or threads: JSON-RPC parse and
// dispatch, tools/list, argument validation and request building, result mapping, and a whole
// tools/call through a Session whose upstream answers at once.
//
// Every benchmark reports items/s (one item = one message handled, or one prepare/mapping).
// Replies are serialised to text, as a transport would, so that cost is included.
// Run: credentials_mcp_micro_bench [--benchmark_repetitions=3 ...]; see bench/README.md.

#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "catalog/call_result.hpp"
#include "catalog/catalog.hpp"
#include "protocol/call_limit.hpp"
#include "protocol/exchange.hpp"
#include "protocol/session.hpp"
#include "support/logging.hpp"
#include "upstream/upstream.hpp"

namespace {

namespace json = boost::json;
using namespace cmcp;

// What the sandbox's Secret Manager answers to list-secrets (two secrets), i.e. a typical
// small list response.
constexpr std::string_view kListSecretsBody =
    R"({"secrets":[{"id":"f755dc6c-fe9f-41bf-bf03-ff5927bdfec9","project_id":"cc732626-aa9f-456d-8b50-a98235146605",)"
    R"("name":"database-password","status":"ready","created_at":"2026-10-14T02:08:06.916620Z",)"
    R"("updated_at":"2026-11-22T02:08:06.916620Z","tags":["env:demo","team:backend"],"version_count":2,)"
    R"("description":"Credentials of the demo database","managed":false,"protected":false,)"
    R"("type":"database_credentials","path":"/demo","ephemeral_policy":null,"used_by":[],)"
    R"("deletion_requested_at":null,"key_id":null,"region":"fr-par"},)"
    R"({"id":"0f73e93e-e9c7-4dfa-ac60-fe7bb8dde084","project_id":"cc732626-aa9f-456d-8b50-a98235146605",)"
    R"("name":"tls-certificate","status":"ready","created_at":"2026-11-03T02:08:06.916620Z",)"
    R"("updated_at":"2026-11-03T02:08:06.916620Z","tags":["env:demo"],"version_count":1,)"
    R"("description":null,"managed":false,"protected":true,"type":"certificate","path":"/",)"
    R"("ephemeral_policy":null,"used_by":["edge_services"],"deletion_requested_at":null,)"
    R"("key_id":null,"region":"fr-par"}],"total_count":2})";

// Arguments of the representative tools/call requests.
constexpr std::string_view kListSecretsArguments =
    R"({"region":"fr-par","project_id":"cc732626-aa9f-456d-8b50-a98235146605",)"
    R"("tags":["env:demo","team:backend"],"order_by":"created_at_desc","page":1,"page_size":50})";
constexpr std::string_view kCreateSecretArguments =
    R"({"region":"fr-par","project_id":"cc732626-aa9f-456d-8b50-a98235146605",)"
    R"("name":"database-password","tags":["env:prod","team:backend"],)"
    R"("description":"Credentials of the production database","type":"database_credentials",)"
    R"("path":"/prod/db","protected":true,)"
    R"("ephemeral_policy":{"time_to_live":"86400s","expires_once_accessed":false,"action":"disable"}})";
constexpr std::string_view kGrantAccessArguments =
    R"({"organization":"demo-org","id":"9lgmxg9edn58","database":"demo-db",)"
    R"("access":["read_branch","create_branch","connect_branch"]})";

// Answers every request at once with the same response.
class ImmediateUpstream final : public upstream::Upstream {
  public:
    explicit ImmediateUpstream(upstream::Response response) : response_(std::move(response)) {}
    boost::asio::awaitable<upstream::Outcome> send(const upstream::Request&,
                                                   upstream::CallControl&) override {
        co_return response_;
    }

  private:
    upstream::Response response_;
};

// Serialises the reply, as a transport would, and keeps its size.
class SerializingExchange final : public protocol::Exchange {
  public:
    void notify(json::object notification) override {
        benchmark::DoNotOptimize(json::serialize(notification));
    }
    void finish(std::optional<json::value> reply) override {
        text = reply ? json::serialize(*reply) : std::string();
        ++finished;
    }
    // Transports send a prepared reply (the cached tools/list) as it is, without joining it.
    void finish_prepared(protocol::PreparedReply reply) override {
        prepared = std::move(reply);
        ++finished;
    }
    std::optional<protocol::PreparedReply> prepared;
    std::string all() const { return prepared ? prepared->text() : text; }
    std::size_t size() const { return prepared ? prepared->size() : text.size(); }
    std::string text;
    int finished = 0;
};

upstream::Response list_secrets_response() {
    upstream::Response response;
    response.status = 200;
    response.content_type = "application/json";
    response.body = std::string(kListSecretsBody);
    return response;
}

// Everything a Session needs, built once for the whole program.
// Services may gain members (observers) that these harnesses leave empty.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
struct World {
    World()
        : catalog(catalog::Catalog::from_embedded({})),
          upstream(list_secrets_response()),
          logger(make_null_logger()),
          services{catalog,
                   upstream,
                   calls,
                   logger,
                   protocol::ServerIdentity{"credentials-mcp", "bench", "Credentials MCP",
                                            "benchmark instructions"},
                   {}} {}

    catalog::Catalog catalog;
    ImmediateUpstream upstream;
    protocol::CallLimit calls{1};
    Logger logger;
    protocol::Services services;
    // Where tool calls run; each benchmark step runs it until the call has been answered.
    boost::asio::io_context io;
};
#pragma GCC diagnostic pop

World& world() {
    static World instance;
    return instance;
}

[[noreturn]] void fail(const std::string& what) {
    std::cerr << "micro_bench: " << what << "\n";
    std::abort();
}

// Dispatches one message and runs the tool call it starts, if any, to its end.
void dispatch(protocol::Session& session, std::string_view text,
              const std::shared_ptr<SerializingExchange>& exchange) {
    auto& io = world().io;
    session.handle_text(text, exchange, {nullptr, io.get_executor()});
    io.restart();
    io.run();
}

// Sends one message and returns the serialised reply (empty when none is owed).
std::string send(protocol::Session& session, std::string_view text) {
    auto exchange = std::make_shared<SerializingExchange>();
    dispatch(session, text, exchange);
    if (exchange->finished != 1) {
        fail("no reply (or several) to: " + std::string(text));
    }
    return exchange->all();
}

std::shared_ptr<protocol::Session> initialized_session(std::string_view version) {
    auto session = protocol::Session::create(world().services);
    const auto reply = send(
        *session, R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" +
                      std::string(version) +
                      R"(","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})");
    if (reply.find("\"result\"") == std::string::npos) {
        fail("initialize failed: " + reply);
    }
    send(*session, R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    return session;
}

const catalog::Tool& tool_named(std::string_view name) {
    const auto* tool = world().catalog.find(name);
    if (tool == nullptr) {
        fail("no tool " + std::string(name));
    }
    return *tool;
}

// Runs one message per iteration through an initialized session; checks the first reply.
void run_messages(benchmark::State& state, std::string_view version, std::string_view message,
                  std::string_view must_contain) {
    auto session = initialized_session(version);
    const auto first = send(*session, message);
    if (first.find(must_contain) == std::string::npos) {
        fail("unexpected reply to " + std::string(message) + ": " + first.substr(0, 500));
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        auto exchange = std::make_shared<SerializingExchange>();
        dispatch(*session, message, exchange);
        bytes += exchange->size();
        benchmark::DoNotOptimize(exchange.get());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));  // reply bytes
    state.counters["reply_bytes"] = static_cast<double>(first.size());
}

// --- JSON-RPC parse + dispatch -------------------------------------------------------------

void BM_Ping(benchmark::State& state) {
    run_messages(state, "2025-11-25", R"({"jsonrpc":"2.0","id":1,"method":"ping"})",
                 R"("result":{})");
}
BENCHMARK(BM_Ping);

// --- tools/list, 23 tools, 2025-11-25 shape (titles, annotations, output schemas) -----------

void BM_ToolsList(benchmark::State& state) {
    if (world().catalog.tools().size() != 23) {
        fail("expected 23 tools, got " + std::to_string(world().catalog.tools().size()));
    }
    run_messages(state, "2025-11-25", R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})",
                 R"("outputSchema")");
}
BENCHMARK(BM_ToolsList);

// Stateless HTTP serves every request on a fresh Session (no initialize): creation included.
void BM_StatelessToolsList(benchmark::State& state) {
    constexpr std::string_view message = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";
    protocol::SessionOptions options;
    options.require_initialize = false;
    options.protocol_version = "2025-11-25";
    std::size_t bytes = 0;
    for (auto _ : state) {
        auto session = protocol::Session::create(world().services, options);
        auto exchange = std::make_shared<SerializingExchange>();
        dispatch(*session, message, exchange);
        bytes += exchange->text.size();
        benchmark::DoNotOptimize(exchange->text.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_StatelessToolsList);

// --- tools/call argument validation + request building (Catalog::prepare) -----------------

void run_prepare(benchmark::State& state, std::string_view tool_name, std::string_view arguments) {
    const auto& tool = tool_named(tool_name);
    const auto parsed = json::parse(arguments).as_object();
    {
        auto prepared = world().catalog.prepare(tool, parsed);
        if (const auto* problem = std::get_if<std::string>(&prepared)) {
            fail(std::string(tool_name) + " arguments rejected: " + *problem);
        }
    }
    for (auto _ : state) {
        auto prepared = world().catalog.prepare(tool, parsed);
        benchmark::DoNotOptimize(prepared);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_Prepare_ListSecrets(benchmark::State& state) {
    run_prepare(state, "list-secrets", kListSecretsArguments);
}
void BM_Prepare_CreateSecret(benchmark::State& state) {
    run_prepare(state, "create-secret", kCreateSecretArguments);
}
void BM_Prepare_GrantServiceTokenAccess(benchmark::State& state) {
    run_prepare(state, "grant-service-token-access", kGrantAccessArguments);
}
BENCHMARK(BM_Prepare_ListSecrets);
BENCHMARK(BM_Prepare_CreateSecret);
BENCHMARK(BM_Prepare_GrantServiceTokenAccess);

// The rejection path: what a model's typo costs (unknown argument with suggestion, bad UUID).
void BM_Prepare_Invalid(benchmark::State& state) {
    const auto& tool = tool_named("list-secrets");
    const auto parsed =
        json::parse(R"({"region":"fr-par","project":"not-a-uuid","tag":["env:demo"]})").as_object();
    for (auto _ : state) {
        auto prepared = world().catalog.prepare(tool, parsed);
        if (!std::holds_alternative<std::string>(prepared)) {
            fail("invalid arguments accepted");
        }
        benchmark::DoNotOptimize(prepared);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Prepare_Invalid);

// --- result mapping: 200 list-secrets body -> CallToolResult (parse, output-schema check) ---

// A list-secrets body with `count` secrets, shaped like the sandbox's (two date-times each).
std::string list_secrets_body(std::size_t count) {
    if (count == 2) {
        return std::string(kListSecretsBody);
    }
    const auto sample = json::parse(kListSecretsBody).as_object().at("secrets").as_array().at(0);
    json::array secrets;
    for (std::size_t i = 0; i < count; ++i) {
        auto secret = sample;
        secret.as_object()["name"] = "secret-" + std::to_string(i);
        secrets.push_back(std::move(secret));
    }
    return json::serialize(json::object{{"secrets", std::move(secrets)},
                                        {"total_count", static_cast<std::int64_t>(count)}});
}

// Arg: number of secrets in the response (2 is the sandbox's answer).
void BM_MakeCallResult_ListSecrets(benchmark::State& state) {
    const auto& tool = tool_named("list-secrets");
    auto prepared = world().catalog.prepare(tool, json::parse(kListSecretsArguments).as_object());
    const auto& call = std::get<catalog::PreparedCall>(prepared);
    auto response = list_secrets_response();
    response.body = list_secrets_body(static_cast<std::size_t>(state.range(0)));
    const upstream::Outcome outcome = response;
    for (auto _ : state) {
        auto result =
            catalog::make_call_result(tool, call, outcome, true, 64 * 1024, world().logger);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * response.body.size()));
}
BENCHMARK(BM_MakeCallResult_ListSecrets)->Arg(0)->Arg(2)->Arg(20);

// --- a whole tools/call through a Session: parse, dispatch, prepare, (instant) upstream,
// result mapping, serialisation ----------------------------------------------------------

void BM_ToolsCall_ListSecrets(benchmark::State& state) {
    run_messages(
        state, "2025-11-25",
        std::string(
            R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list-secrets","arguments":)") +
            std::string(kListSecretsArguments) + "}}",
        R"("structuredContent")");
}
BENCHMARK(BM_ToolsCall_ListSecrets);

}  // namespace

BENCHMARK_MAIN();
