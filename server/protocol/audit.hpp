#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cmcp::protocol {

// One audit line: a call of a tool that can change something (not readOnlyHint), the intent to
// make one (with --audit-required, before anything is sent), or a refusal (authentication
// failures, tools outside a caller's ceiling or scopes).
struct AuditRecord {
    std::string_view event = {};      // "call", "intent" or "denied"
    std::string_view client = {};     // "stdio", "session 1a2b3c4d", "http 10.0.0.7"
    std::string_view principal = {};  // who, when known; empty otherwise
    // Which upstream credential the call carries, by reference ("env:SCW_SECRET_KEY",
    // "file:/run/secrets/ps"); never its value. Empty when none.
    std::string_view credential = {};
    std::string_view request_id = {};      // the JSON-RPC id, as JSON text; empty when none
    std::string_view tool = {};            // empty when the refusal came before any tool was named
    const boost::json::object& arguments;  // as the client sent them
    std::optional<int> upstream_status = {};  // absent when no answer came from the vendor
    // The request went out, so the vendor may have applied it even without an answer
    // (cancelled or timed out after sending).
    bool request_sent = false;
    std::chrono::milliseconds duration{0};
    // ok, error, invalid_arguments, busy, cancelled, refused (audit unavailable); for denials:
    // unauthenticated, forbidden, insufficient_scope, not_visible.
    std::string_view outcome = {};
    std::string_view reason = {};  // denials: why, in words
};

// Called before the call's result is returned; must not throw. Returns whether the line was
// persisted by at least one sink.
using AuditRecorder = std::function<bool(const AuditRecord&)>;

}  // namespace cmcp::protocol
