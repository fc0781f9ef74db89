// fuzz_http_router: raw bytes -> Beast's request parser (the limits Connection sets: 8 KiB of
// header, 4 MiB of body) -> transport::http::Router, the server's socket-free HTTP semantics.
// Up to 4 pipelined requests per input. Each parsed request goes through two routers:
//   * stateless, with bearer auth (token "fuzz-token"), like a replica behind a load balancer;
//   * stateful, without auth, whose store already holds two initialized sessions:
//     Mcp-Session-Id 0123456789abcdef0123456789abcdef (2025-11-25) and
//     Mcp-Session-Id 20250326202503262025032620250326 (2025-03-26, batches),
//     and which also keeps the sessions the input's own initialize requests open.
// A Dispatch is run on its session (tool calls inline, against an upstream that answers at
// once) and concluded as Connection does when no notification was streamed.
//
// Checked: route() and conclude() do not throw; the exchange finishes exactly once; every
// response has a sensible status; JSON bodies parse; a new session gets an Mcp-Session-Id.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_support.hpp"
#include "identity/authenticator.hpp"
#include "transport/http/router.hpp"

namespace {

using namespace cmcp;
using namespace cmcp::fuzz;
namespace beast = boost::beast;
namespace http = cmcp::transport::http;

constexpr std::uint32_t kMaxHeaderBytes = 8 * 1024;  // as transport/http/connection.cpp
constexpr int kMaxRequestsPerInput = 4;

fuzz::SessionWorld& world() {
    static fuzz::SessionWorld instance(sandbox_like_options());
    return instance;
}

http::HttpServerOptions make_options(bool stateless) {
    http::HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 9090;
    options.stateless = stateless;
    options.max_sessions = 8;
    options.allowed_origins = {"https://app.example.com"};
    options.allowed_hosts = {"mcp.example.com"};
    if (stateless) {
        options.auth_tokens = {"fuzz-token"};
    }
    return options;
}

// `answer`: the response concludes a Dispatch, so a 200 JSON body is a JSON-RPC answer.
void check_response(const http::Response& response, std::string_view context, bool answer) {
    const int status = static_cast<int>(response.result_int());
    CMCP_FUZZ_CHECK(status >= 200 && status < 600, context);
    const auto content_type = response[beast::http::field::content_type];
    if (content_type == "application/json") {
        boost::system::error_code ec;
        const auto body = json::parse(response.body(), ec);
        CMCP_FUZZ_CHECK(!ec, response.body());
        check_strings_utf8(body);
        if (status == 200 && !answer) {
            CMCP_FUZZ_CHECK(body.is_object(), response.body());  // /healthz
        } else if (status == 200) {
            // A JSON-RPC answer: one response object or a batch of them.
            if (body.is_array()) {
                for (const auto& element : body.get_array()) {
                    check_response_object(element);
                }
            } else {
                check_response_object(body);
            }
        } else if (body.is_array()) {
            // Only invalid messages draw a reply when no request was sent: 400 with their errors.
            CMCP_FUZZ_CHECK(status == 400 && !body.get_array().empty(), response.body());
            for (const auto& element : body.get_array()) {
                check_response_object(element);
            }
        } else {
            CMCP_FUZZ_CHECK(body.is_object() && body.get_object().contains("error"),
                            response.body());
        }
    }
    if (status == 401) {
        CMCP_FUZZ_CHECK(response.find(beast::http::field::www_authenticate) != response.end(),
                        context);
    }
    if (status == 405) {
        CMCP_FUZZ_CHECK(response.find(beast::http::field::allow) != response.end(), context);
    }
}

void serve(http::Router& router, const http::Request& request, std::string_view context) {
    auto action = router.route(request);
    if (auto* reply = std::get_if<http::Reply>(&action)) {
        check_response(reply->response, context, false);
        return;
    }
    auto& dispatch = std::get<http::Dispatch>(action);
    CMCP_FUZZ_CHECK(dispatch.session != nullptr, context);
    auto exchange = std::make_shared<CheckingExchange>();
    dispatch.session->handle(dispatch.message, exchange);
    CMCP_FUZZ_CHECK(exchange->finishes == 1, context);
    if (exchange->notifications > 0) {
        return;  // Connection streams SSE then; conclude() is not used
    }
    auto answer = router.conclude(dispatch, std::move(exchange->reply));
    check_response(answer.response, context, true);
    if (dispatch.creates_session && answer.response.result_int() == 200) {
        const auto id = answer.response["Mcp-Session-Id"];
        if (dispatch.session->initialized()) {
            CMCP_FUZZ_CHECK(id.size() == 32, answer.response.body());
        }
    }
}

std::shared_ptr<http::HttpSession> open_session(std::string id, std::string_view version) {
    auto session = protocol::Session::create(world().services);
    initialize(*session, version);
    return std::make_shared<http::HttpSession>(std::move(id), std::move(session));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& env = world();
    env.upstream.select(static_cast<unsigned>(size));

    const auto stateless_options = make_options(true);
    const auto stateful_options = make_options(false);
    http::Metrics metrics;
    http::Readiness readiness;
    if (size % 7 == 0) {
        readiness.start_draining();  // /readyz answers 503 too
    }
    http::SessionStore stateless_store(stateless_options.max_sessions,
                                       stateless_options.session_idle_timeout, {});
    http::SessionStore stateful_store(stateful_options.max_sessions,
                                      stateful_options.session_idle_timeout, {});
    stateful_store.insert(open_session("0123456789abcdef0123456789abcdef", "2025-11-25"));
    stateful_store.insert(open_session("20250326202503262025032620250326", "2025-03-26"));
    http::Router stateless(
        env.services, stateless_options,
        http::OriginPolicy(stateless_options.host, stateless_options.port,
                           stateless_options.allowed_hosts, stateless_options.allowed_origins),
        std::make_shared<const identity::Authenticator>(
            identity::AuthenticatorOptions{stateless_options.auth_tokens, nullptr, nullptr, {}}),
        stateless_store, metrics, readiness, env.logger);
    http::Router stateful(
        env.services, stateful_options,
        http::OriginPolicy(stateful_options.host, stateful_options.port,
                           stateful_options.allowed_hosts, stateful_options.allowed_origins),
        std::make_shared<const identity::Authenticator>(
            identity::AuthenticatorOptions{stateful_options.auth_tokens, nullptr, nullptr, {}}),
        stateful_store, metrics, readiness, env.logger);

    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t offset = 0;
    for (int n = 0; n < kMaxRequestsPerInput && offset < size; ++n) {
        beast::http::request_parser<beast::http::string_body> parser;
        parser.header_limit(kMaxHeaderBytes);
        parser.body_limit(stateless_options.max_body_bytes);
        parser.eager(true);
        beast::error_code ec;
        while (offset < size && !parser.is_done()) {
            const auto used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
            offset += used;
            if (ec == beast::http::error::need_more) {
                ec = {};
                if (used == 0) {
                    break;  // the input ends inside this message
                }
                continue;
            }
            if (ec) {
                break;
            }
        }
        if (ec || !parser.is_done()) {
            return 0;  // Connection answers 400/413/431 or closes; nothing reaches the router
        }
        const auto request = parser.release();
        if (request.version() != 11) {
            continue;  // Connection answers 505 itself
        }
        serve(stateless, request, input);
        serve(stateful, request, input);
    }
    for (const auto& session : stateful_store.remove_all()) {
        session->mcp()->cancel_all();
    }
    return 0;
}
