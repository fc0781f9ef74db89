#pragma once

#include <boost/asio/awaitable.hpp>

#include "upstream/call_control.hpp"
#include "upstream/request.hpp"

namespace cmcp::upstream {

// The boundary the catalog hands finished requests to. The real implementation speaks HTTPS
// to the vendors; tests substitute fakes.
class Upstream {
  public:
    virtual ~Upstream() = default;
    // Runs on the awaiting coroutine's executor and never blocks it. A terminal cancellation of
    // the awaiting coroutine (its cancellation slot) stops the exchange wherever it is; the
    // outcome then says so. Never throws for I/O problems: they come back as a Failure.
    virtual boost::asio::awaitable<Outcome> send(const Request& request, CallControl& control) = 0;
};

}  // namespace cmcp::upstream
