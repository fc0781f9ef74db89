#pragma once

#include <boost/json/object.hpp>

#include "protocol/audit.hpp"
#include "support/audit_log.hpp"
#include "support/logging.hpp"
#include "upstream/credentials.hpp"

namespace cmcp::app {

// Arguments as they may be written down: configured credentials replaced wherever they occur,
// and the values of secret-looking keys (token, secret, password, ... but not *_id) hidden.
boost::json::object redact_arguments(const boost::json::object& arguments,
                                     const upstream::Redactor& redactor);

// Writes each record as one JSON line {time, client, tool, arguments, upstream_status,
// request_sent, duration_ms, outcome}, of at most 16 KiB: long argument values are shortened
// with a marker saying by how much. A failed write is logged as an error; it never throws.
protocol::AuditRecorder make_audit_recorder(AuditLog& log, upstream::Redactor redactor,
                                            Logger logger);

}  // namespace cmcp::app
