#pragma once

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cmcp::protocol {

// A reply serialised ahead of time, as three pieces: `head` (static storage) and `body`
// (immutable, shared by every request that gets this reply) never change; only `tail` is this
// request's own. The cached tools/list answer (~90 KB) is sent this way, so that transports
// write it without copying it, and HTTP can keep a compressed form of the constant part.
struct PreparedReply {
    std::string_view head;
    std::shared_ptr<const std::string> body;
    std::string tail;

    std::size_t size() const { return head.size() + body->size() + tail.size(); }
    std::string text() const {
        std::string all;
        all.reserve(size());
        all.append(head).append(*body).append(tail);
        return all;
    }
};

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
    virtual void finish_prepared(PreparedReply reply) { finish(boost::json::parse(reply.text())); }
};

}  // namespace cmcp::protocol
