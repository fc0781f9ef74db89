#pragma once

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace cmcp::protocol {

// Where everything the server sends because of one inbound message goes. Transports implement
// it: stdio writes lines to stdout; HTTP answers the POST with JSON or an SSE stream.
// Methods may be called from any thread, but never concurrently for one exchange.
class Exchange {
  public:
    virtual ~Exchange() = default;
    // A notification about the request in progress (progress, log message). Only before finish.
    virtual void notify(boost::json::object notification) = 0;
    // Exactly once: the response (an object, or an array for a batch), or nothing when no
    // response is owed (notifications, client responses, cancelled requests).
    virtual void finish(std::optional<boost::json::value> reply) = 0;
    // The same with the response already serialised (the cached tools/list answer, ~90 KB):
    // transports that send text send it as is instead of building and serialising a copy of
    // the value. Exchanges that need the value get it parsed back.
    virtual void finish_serialized(std::string reply) { finish(boost::json::parse(reply)); }
};

}  // namespace cmcp::protocol
