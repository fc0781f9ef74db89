#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cmcp::protocol {

// One call of a tool that can change something (not readOnlyHint), for the audit log.
struct AuditRecord {
    std::string_view client;  // "stdio", "session 1a2b3c4d", "http 10.0.0.7"
    std::string_view tool;
    const boost::json::object& arguments;  // as the client sent them
    std::optional<int> upstream_status;    // absent when no answer came from the vendor
    // The request went out, so the vendor may have applied it even without an answer
    // (cancelled or timed out after sending).
    bool request_sent = false;
    std::chrono::milliseconds duration{0};
    std::string_view outcome;  // ok, error, invalid_arguments, busy, cancelled
};

// Called before the call's result is returned; must not throw.
using AuditRecorder = std::function<void(const AuditRecord&)>;

}  // namespace cmcp::protocol
