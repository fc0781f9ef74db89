// Helpers shared by the libFuzzer targets: an io_context the harness runs to completion after
// each message, an upstream that answers at
// once (with an outcome the harness picks), an Exchange that checks its contract, and oracles
// for JSON-RPC replies. Header-only; every target is its own program.
#pragma once

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "catalog/catalog.hpp"
#include "protocol/call_limit.hpp"
#include "protocol/exchange.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/session.hpp"
#include "support/logging.hpp"
#include "upstream/upstream.hpp"

namespace cmcp::fuzz {

namespace json = boost::json;

// A broken invariant: print what and where, then abort so libFuzzer records the input.
[[noreturn]] inline void fail(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "\nFUZZ INVARIANT BROKEN: %s\n%.*s\n", what,
                 static_cast<int>(std::min<std::size_t>(detail.size(), 4000)), detail.data());
    std::abort();
}

#define CMCP_FUZZ_CHECK(condition, detail)          \
    do {                                            \
        if (!(condition)) {                         \
            ::cmcp::fuzz::fail(#condition, detail); \
        }                                           \
    } while (false)

// Answers at once. The harness picks which of a fixed set of outcomes the next calls get, so
// the result mapping sees successes, empty bodies, vendor errors and transport failures.
class ImmediateUpstream final : public upstream::Upstream {
  public:
    static constexpr unsigned kOutcomes = 12;

    void select(unsigned choice) { choice_ = choice % kOutcomes; }

    boost::asio::awaitable<upstream::Outcome> send(const upstream::Request& request,
                                                   upstream::CallControl&) override {
        co_return answer(request);
    }

  private:
    upstream::Outcome answer(const upstream::Request& request) const {
        // Whatever the arguments were, the request must be well-formed by now.
        CMCP_FUZZ_CHECK(!request.method.empty(), request.tool);
        CMCP_FUZZ_CHECK(!request.path.empty() && request.path.front() == '/', request.path);
        (void)request.target();
        auto json_response = [](int status, std::string body) {
            upstream::Response response;
            response.status = status;
            response.content_type = "application/json";
            response.body = std::move(body);
            return response;
        };
        switch (choice_) {
            case 0:
                return json_response(200, R"({"id":"6c817983-ed16-424d-947b-c7e29fb0e8e0",)"
                                          R"("token":"tok","status":"ready","secrets":[],)"
                                          R"("total_count":0,"service_tokens":[],"jwts":[]})");
            case 1:
                return json_response(204, "");
            case 2:
                return json_response(404, R"({"message":"resource is not found","resource":)"
                                          R"("secret","resource_id":"x","type":"not_found"})");
            case 3: {
                auto response =
                    json_response(429, R"({"code":"rate_limited","message":"slow down",)"
                                       R"("reset_seconds":1})");
                response.retry_after = "1";
                response.attempts = 4;
                return response;
            }
            case 4:
                return upstream::Failure{upstream::FailureKind::connection, "connection refused",
                                         2};
            case 5: {
                upstream::Response response;
                response.status = 502;
                response.content_type = "text/html";
                response.body = "<html>Bad Gateway</html>";
                return response;
            }
            case 6:
                return json_response(200, "[1,2,3]");
            case 7:
                return json_response(200, "not json {");
            case 8:
                // Numbers beyond a double: the reply must still be JSON (no Infinity).
                return json_response(200, R"({"id":"x","total_count":1e999,"size":-1e400})");
            case 9:
                return json_response(400, R"({"message":"invalid argument","type":)"
                                          R"("invalid_arguments","limit":1e999})");
            case 10: {
                // A Latin-1 error page: its excerpt in the reply must still be UTF-8.
                upstream::Response response;
                response.status = 503;
                response.content_type = "text/html; charset=\xE9";
                response.body = "<html><h1>Service indisponible \xE9t\xE9</h1>\xFF\xC3</html>";
                return response;
            }
            default:
                return json_response(403, R"({"message":"insufficient permissions","type":)"
                                          R"("permissions_denied","details":[{"resource":"secret",)"
                                          R"("action":"read"}]})");
        }
    }

  private:
    unsigned choice_ = 0;
};

// Checks the Exchange contract: notifications only before finish, finish exactly once.
class CheckingExchange final : public protocol::Exchange {
  public:
    void notify(json::object notification) override {
        CMCP_FUZZ_CHECK(finishes == 0, json::serialize(notification));
        const auto* method = notification.if_contains("method");
        CMCP_FUZZ_CHECK(method != nullptr && method->is_string(), json::serialize(notification));
        CMCP_FUZZ_CHECK(!notification.contains("id"), json::serialize(notification));
        boost::system::error_code ec;
        (void)json::parse(json::serialize(notification), ec);
        CMCP_FUZZ_CHECK(!ec, json::serialize(notification));
        ++notifications;
    }
    void finish(std::optional<json::value> value) override {
        ++finishes;
        CMCP_FUZZ_CHECK(finishes == 1, value ? json::serialize(*value) : "(no reply)");
        reply = std::move(value);
    }
    // The text is what a transport sends: it must parse. Kept, because parsing it back may move
    // a huge numeric id by one ULP (Boost.JSON's default number parsing), so ids are compared
    // as text for these replies.
    void finish_prepared(protocol::PreparedReply prepared) override {
        auto text = prepared.text();
        boost::system::error_code ec;
        auto value = json::parse(text, ec);
        CMCP_FUZZ_CHECK(!ec, text);
        serialized = std::move(text);
        finish(std::move(value));
    }

    int finishes = 0;
    int notifications = 0;
    std::optional<json::value> reply;
    std::optional<std::string> serialized;
};

inline bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        std::uint32_t code = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            code = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            code = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            code = c & 0x07;
        } else {
            return false;
        }
        if (i + extra >= text.size()) {
            return false;  // truncated sequence
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            code = (code << 6) | (next & 0x3F);
        }
        const bool overlong = (extra == 1 && code < 0x80) || (extra == 2 && code < 0x800) ||
                              (extra == 3 && code < 0x10000);
        if (overlong || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

// Every string in a reply must be valid UTF-8, or the serialised reply is not valid JSON text
// for a client.
inline void check_strings_utf8(const json::value& value) {
    switch (value.kind()) {
        case json::kind::string:
            CMCP_FUZZ_CHECK(valid_utf8(value.get_string()), json::serialize(value));
            return;
        case json::kind::array:
            for (const auto& item : value.get_array()) {
                check_strings_utf8(item);
            }
            return;
        case json::kind::object:
            for (const auto& [key, item] : value.get_object()) {
                CMCP_FUZZ_CHECK(valid_utf8(key), std::string(key));
                check_strings_utf8(item);
            }
            return;
        default:
            return;
    }
}

// One JSON-RPC 2.0 response object as the spec defines it.
inline void check_response_object(const json::value& value) {
    // As a transport writes it: ids a double cannot hold go out as the client's text.
    const auto text = protocol::serialize_message(value);
    const auto* object = value.if_object();
    CMCP_FUZZ_CHECK(object != nullptr, text);
    const auto* version = object->if_contains("jsonrpc");
    CMCP_FUZZ_CHECK(version != nullptr && version->is_string() && version->get_string() == "2.0",
                    text);
    const auto* id = object->if_contains("id");
    CMCP_FUZZ_CHECK(id != nullptr && (id->is_null() || protocol::is_valid_id(*id)), text);
    const auto* result = object->if_contains("result");
    const auto* error = object->if_contains("error");
    CMCP_FUZZ_CHECK((result == nullptr) != (error == nullptr), text);
    CMCP_FUZZ_CHECK(object->size() == 3, text);
    if (result != nullptr) {
        CMCP_FUZZ_CHECK(result->is_object(), text);
        CMCP_FUZZ_CHECK(!id->is_null(), text);
    } else {
        const auto* error_object = error->if_object();
        CMCP_FUZZ_CHECK(error_object != nullptr, text);
        const auto* code = error_object->if_contains("code");
        const auto* message = error_object->if_contains("message");
        CMCP_FUZZ_CHECK(code != nullptr && code->is_int64(), text);
        CMCP_FUZZ_CHECK(message != nullptr && message->is_string(), text);
    }
    // What a transport writes must be JSON a client can parse (no Infinity/NaN, ...). Values are
    // not compared: Boost.JSON's default number parsing may differ from the text by one ULP.
    boost::system::error_code ec;
    (void)json::parse(text, ec);
    CMCP_FUZZ_CHECK(!ec, text);
    // The id was checked above; kept as text, it holds the internal (non-UTF-8) key by design.
    for (const auto& [key, member] : *object) {
        if (key != "id") {
            check_strings_utf8(member);
        }
    }
}

// Shared state for targets that run Sessions. Built once per process.
// Services may gain members (observers) that these harnesses leave empty.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
struct SessionWorld {
    explicit SessionWorld(catalog::CatalogOptions options)
        : catalog(catalog::Catalog::from_embedded(std::move(options))),
          logger(make_null_logger()),
          services{catalog,
                   upstream,
                   calls,
                   logger,
                   protocol::ServerIdentity{"credentials-mcp", "fuzz", "Credentials MCP",
                                            "fuzz instructions"},
                   {}} {}

    catalog::Catalog catalog;
    ImmediateUpstream upstream;
    protocol::CallLimit calls{64};
    Logger logger;
    protocol::Services services;
    boost::asio::io_context io;

    // Dispatches one message and runs whatever it started (tool calls) to its end.
    void handle(protocol::Session& session, std::string_view text,
                std::shared_ptr<protocol::Exchange> exchange) {
        session.handle_text(text, std::move(exchange), {nullptr, io.get_executor()});
        io.restart();
        io.run();
    }
};
#pragma GCC diagnostic pop

// What the sandbox configures, so that tools reach the upstream with fewer arguments.
inline catalog::CatalogOptions sandbox_like_options() {
    catalog::CatalogOptions options;
    options.defaults = {{"scaleway.region", "fr-par"},
                        {"scaleway.project_id", "cc732626-aa9f-456d-8b50-a98235146605"},
                        {"scaleway.organization_id", "6170692e-7363-616c-6577-61792e636f6d"},
                        {"planetscale.organization", "demo-org"}};
    return options;
}

// Sends initialize (+ notifications/initialized) and checks it succeeded.
inline void initialize(protocol::Session& session, std::string_view version) {
    auto exchange = std::make_shared<CheckingExchange>();
    session.handle_text(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" +
            std::string(version) +
            R"(","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}})",
        exchange);
    CMCP_FUZZ_CHECK(exchange->finishes == 1 && exchange->reply &&
                        exchange->reply->as_object().contains("result"),
                    "initialize failed");
    auto initialized = std::make_shared<CheckingExchange>();
    session.handle_text(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", initialized);
    CMCP_FUZZ_CHECK(initialized->finishes == 1 && !initialized->reply, "initialized answered");
}

}  // namespace cmcp::fuzz
