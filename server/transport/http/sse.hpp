#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace cmcp::transport::http {

// One Server-Sent Event carrying a JSON-RPC message:
// "id: <id>\nevent: message\ndata: <compact json>\n\n". Compact JSON has no raw newlines, so
// one data line always suffices.
std::string sse_event(std::string_view id, const boost::json::value& message);

}  // namespace cmcp::transport::http
