#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "protocol/audit.hpp"
#include "support/audit_log.hpp"
#include "support/logging.hpp"
#include "upstream/credentials.hpp"

namespace cmcp::app {

// Arguments as they may be written down: configured credentials replaced wherever they occur,
// and the values of secret-looking keys (token, secret, password, ... but not *_id) hidden.
boost::json::object redact_arguments(const boost::json::object& arguments,
                                     const upstream::Redactor& redactor);

// The redactor in force: it knows every credential the server holds, and a principals reload
// replaces it.
using CurrentRedactor = std::function<std::shared_ptr<const upstream::Redactor>()>;

// Writes each record as one JSON line {time, event, client, principal, credential, request_id,
// tool, arguments, upstream_status, request_sent, duration_ms, outcome[, reason]} of at most
// 16 KiB (long argument values are shortened with a marker saying by how much) to every sink.
// A record counts as recorded when at least one sink took it. A failed write is logged as an
// error; it never throws. `required` (--audit-required) also writes "intent" lines, before a
// change is sent, so that a change nobody can record is refused. Sinks outlive the recorder.
protocol::AuditRecorder make_audit_recorder(std::vector<AuditSink*> sinks, bool required,
                                            CurrentRedactor redactor, Logger logger);
// One sink, a fixed redactor, not required.
protocol::AuditRecorder make_audit_recorder(AuditSink& sink, upstream::Redactor redactor,
                                            Logger logger);

}  // namespace cmcp::app
