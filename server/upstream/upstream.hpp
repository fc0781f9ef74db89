#pragma once

#include "upstream/call_control.hpp"
#include "upstream/request.hpp"

namespace cmcp::upstream {

// The boundary the catalog hands finished requests to. The real implementation speaks HTTPS
// to the vendors; tests substitute fakes.
class Upstream {
  public:
    virtual ~Upstream() = default;
    // Blocking; called from a worker thread. Honours control.cancelled() where it can.
    virtual Outcome send(const Request& request, CallControl& control) = 0;
};

}  // namespace cmcp::upstream
