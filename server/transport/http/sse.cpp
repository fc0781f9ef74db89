#include "transport/http/sse.hpp"

#include "protocol/jsonrpc.hpp"

namespace cmcp::transport::http {

std::string sse_event(std::string_view id, const boost::json::value& message) {
    std::string event = "id: ";
    event += id;
    event += "\nevent: message\ndata: ";
    event += protocol::serialize_message(message);
    event += "\n\n";
    return event;
}

}  // namespace cmcp::transport::http
