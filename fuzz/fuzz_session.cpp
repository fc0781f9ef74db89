// fuzz_session: the whole input is one inbound message for protocol::Session::handle_text, on a
// fresh session that initialize already opened. The session negotiated 2025-03-26 (the only
// version with JSON-RPC batches) when the first input byte is odd — '{' and '[' are odd, so
// plain objects and batches get it — and 2025-11-25 when it is even (e.g. leading whitespace).
// Tool calls run inline against an upstream that answers at once; which answer (success, 204,
// vendor error, 429, connection failure, non-JSON...) depends on the input length.
//
// Checked: the exchange finishes exactly once, no notification after that; a reply is present
// exactly when JSON-RPC owes one (computed independently from the parsed input); every reply is
// a valid JSON-RPC 2.0 response (or a non-empty array of them for a batch) that survives
// serialise + parse, with valid UTF-8 strings; the reply to a request carries its id.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "protocol/jsonrpc.hpp"

namespace {

using namespace cmcp;
using namespace cmcp::fuzz;

fuzz::SessionWorld& world() {
    static fuzz::SessionWorld instance(sandbox_like_options());
    return instance;
}

bool owes_reply(const json::value& element, bool in_batch) {
    const auto* object = element.if_object();
    if (object == nullptr) {
        return true;  // Invalid Request
    }
    const auto* method = object->if_contains("method");
    if (in_batch && method != nullptr && method->is_string() &&
        method->get_string() == "initialize") {
        return true;  // refused inside a batch, even without an id
    }
    const auto* version = object->if_contains("jsonrpc");
    if (version == nullptr || !version->is_string() || version->get_string() != "2.0") {
        return true;  // Invalid Request
    }
    const bool has_id = object->contains("id");
    if (method == nullptr) {
        // A response from the client is dropped; anything else is an Invalid Request.
        return !(has_id && (object->contains("result") || object->contains("error")));
    }
    if (!method->is_string()) {
        return true;
    }
    return has_id;  // a notification is never answered
}

// The id the reply to a single message must carry, if the message is a well-formed request.
std::optional<json::value> expected_id(const json::value& message) {
    const auto* object = message.if_object();
    if (object == nullptr) {
        return std::nullopt;
    }
    const auto* version = object->if_contains("jsonrpc");
    const auto* method = object->if_contains("method");
    const auto* id = object->if_contains("id");
    if (version == nullptr || !version->is_string() || version->get_string() != "2.0" ||
        method == nullptr || !method->is_string() || id == nullptr || !protocol::is_valid_id(*id)) {
        return std::nullopt;
    }
    return *id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const bool batches = size > 0 && (data[0] & 1U) != 0;
    auto& env = world();
    env.upstream.select(static_cast<unsigned>(size));

    // The oracle parses the input the way the session does (same depth limit, ids a double
    // cannot hold kept as their text).
    std::string problem;
    const auto message = protocol::parse_message(text, problem);

    auto session = protocol::Session::create(env.services);
    initialize(*session, batches ? "2025-03-26" : "2025-11-25");

    auto exchange = std::make_shared<CheckingExchange>();
    env.handle(*session, text, exchange);
    CMCP_FUZZ_CHECK(exchange->finishes == 1, text);
    CMCP_FUZZ_CHECK(session->calls_in_flight() == 0, text);
    const auto& reply = exchange->reply;
    if (!message) {
        CMCP_FUZZ_CHECK(reply.has_value(), text);
        check_response_object(*reply);
        CMCP_FUZZ_CHECK(reply->as_object().at("error").as_object().at("code").as_int64() ==
                            protocol::error_code::parse_error,
                        json::serialize(*reply));
        return 0;
    }
    if (const auto* batch = message->if_array(); batch != nullptr && batches && !batch->empty()) {
        std::size_t owed = 0;
        for (const auto& element : *batch) {
            owed += owes_reply(element, true) ? 1 : 0;
        }
        if (owed == 0) {
            CMCP_FUZZ_CHECK(!reply.has_value(), json::serialize(*reply));
            return 0;
        }
        CMCP_FUZZ_CHECK(reply.has_value() && reply->is_array(), text);
        CMCP_FUZZ_CHECK(reply->get_array().size() == owed, json::serialize(*reply));
        for (const auto& element : reply->get_array()) {
            check_response_object(element);
        }
        return 0;
    }
    const bool owed = message->is_array() || owes_reply(*message, false);
    CMCP_FUZZ_CHECK(reply.has_value() == owed, reply ? json::serialize(*reply) : std::string(text));
    if (reply) {
        CMCP_FUZZ_CHECK(!reply->is_array(), json::serialize(*reply));
        check_response_object(*reply);
        if (const auto id = expected_id(*message)) {
            if (exchange->serialized) {
                // Prepared replies end with the id, as the client spelled it.
                const auto spelled = R"(,"id":)" + protocol::serialize_message(*id) + "}";
                CMCP_FUZZ_CHECK(exchange->serialized->ends_with(spelled), *exchange->serialized);
            } else {
                CMCP_FUZZ_CHECK(reply->as_object().at("id") == *id, json::serialize(*reply));
            }
        }
    }
    return 0;
}
