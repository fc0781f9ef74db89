#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace httplib {
class ClientImpl;
}

namespace cmcp::upstream {

// One attempt's HTTP exchange, which another thread may abort.
class InFlight {
  public:
    explicit InFlight(httplib::ClientImpl& client) : client_(&client) {}

    // Shuts the connection down so that a blocked read or write fails at once; does nothing
    // once finish() has been called.
    void abort();
    // After this returns abort() no longer touches the client, so it may be reused or freed.
    // Returns true if abort() got there first.
    bool finish();

  private:
    std::mutex mutex_;
    httplib::ClientImpl* client_;
    bool aborted_ = false;
};

// Runs InFlight::abort() on its own thread: httplib's stop() waits for a connect or TLS handshake
// in progress, and the thread that cancels a call (a transport's reader) must not wait that long.
class Aborter {
  public:
    Aborter();
    ~Aborter();
    Aborter(const Aborter&) = delete;
    Aborter& operator=(const Aborter&) = delete;

    void post(std::shared_ptr<InFlight> exchange);

  private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<InFlight>> queue_;
    bool stopping_ = false;
    std::thread thread_;  // last: starts once everything it uses exists
};

}  // namespace cmcp::upstream
