#pragma once

#include <mutex>

namespace cmcp::upstream {

// The socket of one attempt, which another thread may shut down so that a blocked connect,
// read or write ends at once. abort() never blocks, so a CallControl hook may call it.
class InFlight {
  public:
    InFlight() = default;
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

    // Returns false if abort() came first; the caller must then give up on the socket.
    bool attach(int fd);
    // After this returns abort() no longer touches the socket, so it may be closed or reused.
    void detach();
    void abort();
    bool aborted() const;

  private:
    mutable std::mutex mutex_;
    int fd_ = -1;
    bool aborted_ = false;
};

}  // namespace cmcp::upstream
