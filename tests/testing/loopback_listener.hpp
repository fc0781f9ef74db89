#pragma once

#include <atomic>

namespace cmcp::testing {

// A listening TCP socket on 127.0.0.1 and a free port, for scripted peers. Throws
// std::runtime_error if it cannot be opened. The caller owns (and closes) fd.
struct LoopbackListener {
    int fd = -1;
    int port = 0;
};
LoopbackListener listen_on_loopback(int backlog);

// The next connection on `listener_fd` (checking `stopping` every 20 ms); -1 once stopping.
int accept_next(int listener_fd, const std::atomic<bool>& stopping);

}  // namespace cmcp::testing
