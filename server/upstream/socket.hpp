#pragma once

#include <chrono>
#include <string>

#include "support/spin_budget.hpp"

namespace cmcp::upstream {

class InFlight;

using SteadyClock = std::chrono::steady_clock;

// Owns one file descriptor.
class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release();
    void reset();

  private:
    int fd_ = -1;
};

enum class SocketWait { ready, timed_out, failed };

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT), an error or hang-up shows on it,
// or `deadline` passes. Polls without sleeping first if `spin` is given and lets it (the wait
// counts as part of one piece of work in progress, the call it serves).
SocketWait wait_for_socket(int fd, short events, SteadyClock::time_point deadline,
                           SpinBudget* spin = nullptr);

// True if nothing is waiting to be read and the peer has not closed: an idle keep-alive
// connection that is safe to send on.
bool idle_socket_is_usable(int fd);

struct TcpConnect {
    UniqueFd socket;  // connected, non-blocking, TCP_NODELAY; empty on failure
    bool timed_out = false;
    std::string problem;  // "connection refused", "the host name could not be resolved (...)"
};

// Connects to each address of host:port in turn until one accepts, all before `deadline`.
// Each socket is attached to `exchange` while it connects, so that a cancellation ends the
// wait at once.
TcpConnect connect_tcp(const std::string& host, int port, SteadyClock::time_point deadline,
                       InFlight& exchange);

}  // namespace cmcp::upstream
