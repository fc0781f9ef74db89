#pragma once

#include <chrono>
#include <string>

namespace cmcp::upstream {

// Why a TCP connection to host:port cannot be made: "connection refused", "the host name could
// not be resolved (...)", ...; "" if it can be made now. httplib reports every connect failure
// alike, so after one the client asks again, once, to tell the operator what is wrong.
// Blocks for at most `timeout` per address (plus name resolution).
std::string diagnose_connect(const std::string& host, int port, std::chrono::milliseconds timeout);

}  // namespace cmcp::upstream
