#include "transport/http/sse.hpp"

#include <boost/json/serialize.hpp>

namespace cmcp::transport::http {

std::string sse_event(std::string_view id, const boost::json::value& message) {
    std::string event = "id: ";
    event += id;
    event += "\nevent: message\ndata: ";
    event += boost::json::serialize(message);
    event += "\n\n";
    return event;
}

}  // namespace cmcp::transport::http
