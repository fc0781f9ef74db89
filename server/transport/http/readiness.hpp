#pragma once

#include <atomic>

namespace cmcp::transport::http {

// Whether the server still wants new traffic. Turned off once, when a drain starts: /readyz
// then answers 503 and every response closes its connection, while requests are still served.
class Readiness {
  public:
    bool ready() const { return !draining_.load(std::memory_order_relaxed); }
    void start_draining() { draining_.store(true, std::memory_order_relaxed); }

  private:
    std::atomic<bool> draining_{false};
};

}  // namespace cmcp::transport::http
