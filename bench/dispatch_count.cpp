// Instruction counts of the dispatcher, for callgrind: one tools/list and one tools/call
// (get-token) through protocol::Session, with the reply serialised as a transport would, and an
// upstream that answers at once with the sandbox's body (no sockets, no threads). Unlike
// wall-clock figures, Ir does not drift with machine load.
//
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_tools_list*'
//       build-bench/bench/credentials_mcp_dispatch_count      (then *measured_tools_call*)
//
// Each measured_* function handles exactly one message; everything else (start-up, catalog
// compilation, initialize, warm-up) runs outside them and is not counted. Without valgrind the
// program just checks that both replies are what a client expects (exit code 0).
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "catalog/catalog.hpp"
#include "protocol/call_limit.hpp"
#include "protocol/exchange.hpp"
#include "protocol/session.hpp"
#include "support/logging.hpp"
#include "upstream/upstream.hpp"

namespace {

namespace json = boost::json;
using namespace cmcp;

// What the sandbox answers to GET /functions/v1beta1/regions/fr-par/tokens/<id>.
constexpr std::string_view kTokenBody =
    R"({"id":"6c817983-ed16-424d-947b-c7e29fb0e8e0","function_id":"5b0f3b8e-7c43-4f2c-9d8a-3e7f1c2b9a10",)"
    R"("namespace_id":null,"public_key":"","status":"ready","description":"CI deploy token",)"
    R"("expires_at":"2027-11-23T00:00:00Z"})";

constexpr std::string_view kToolsList = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";
constexpr std::string_view kToolsCall =
    R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get-token",)"
    R"("arguments":{"region":"fr-par","token_id":"6c817983-ed16-424d-947b-c7e29fb0e8e0"}}})";

class ImmediateUpstream final : public upstream::Upstream {
  public:
    boost::asio::awaitable<upstream::Outcome> send(const upstream::Request&,
                                                   upstream::CallControl&) override {
        upstream::Response response;
        response.status = 200;
        response.content_type = "application/json";
        response.body = std::string(kTokenBody);
        co_return response;
    }
};

// A reply as a transport gets it: serialised, or prepared (pieces the transport writes as
// they are, without joining them).
struct Captured {
    std::string text;
    std::optional<protocol::PreparedReply> prepared;
    std::string all() const { return prepared ? prepared->text() : text; }
};

// Serialises the reply, or takes the prepared one, as the transports do, and keeps it for the
// checks.
class SerializingExchange final : public protocol::Exchange {
  public:
    explicit SerializingExchange(Captured& out) : out_(out) {}
    void notify(json::object) override {}
    void finish(std::optional<json::value> reply) override {
        out_.text = reply ? json::serialize(*reply) : std::string();
    }
    void finish_prepared(protocol::PreparedReply reply) override {
        out_.prepared = std::move(reply);
    }

  private:
    Captured& out_;
};

// Dispatches the message and runs the tool call it starts, if any, to its end.
Captured handle(protocol::Session& session, boost::asio::io_context& io, std::string_view message) {
    Captured reply;
    session.handle_text(message, std::make_shared<SerializingExchange>(reply),
                        {nullptr, io.get_executor()});
    io.restart();
    io.run();
    return reply;
}

// noinline and distinct names: callgrind's --toggle-collect matches them.
[[gnu::noinline]] Captured measured_tools_list(protocol::Session& session,
                                               boost::asio::io_context& io) {
    return handle(session, io, kToolsList);
}

[[gnu::noinline]] Captured measured_tools_call(protocol::Session& session,
                                               boost::asio::io_context& io) {
    return handle(session, io, kToolsCall);
}

}  // namespace

int main() {
    const auto catalog = catalog::Catalog::from_embedded({});
    ImmediateUpstream upstream;
    protocol::CallLimit calls(1);
    boost::asio::io_context io;
    const protocol::Services services{
        catalog,
        upstream,
        calls,
        make_null_logger(),
        protocol::ServerIdentity{"credentials-mcp", "bench", "Credentials MCP", "instructions"},
        {},
        {}};
    const auto session = protocol::Session::create(services);
    handle(
        *session, io,
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
        R"("capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})");
    handle(*session, io, R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    // Warm-up: first-use costs (allocator arenas, lazy statics) are not what a server pays per
    // message.
    handle(*session, io, kToolsList);
    handle(*session, io, kToolsCall);

    const auto list = measured_tools_list(*session, io).all();
    const auto call = measured_tools_call(*session, io).all();
    const bool list_ok = list.find(R"("name":"get-token")") != std::string::npos;
    const bool call_ok = call.find(R"("structuredContent")") != std::string::npos &&
                         call.find(R"("isError":true)") == std::string::npos;
    std::cout << "tools/list reply: " << list.size() << " bytes" << (list_ok ? "" : " (WRONG)")
              << "\ntools/call reply: " << call.size() << " bytes" << (call_ok ? "" : " (WRONG)")
              << "\n";
    return list_ok && call_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
