#include "upstream/socket.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <memory>

#include "upstream/in_flight.hpp"

namespace cmcp::upstream {

namespace {

// strerror() is not thread-safe, and these are the answers a connect can give.
std::string describe_connect_error(int error) {
    switch (error) {
        case ECONNREFUSED:
            return "connection refused";
        case ECONNRESET:
            return "connection reset";
        case ENETUNREACH:
            return "network unreachable";
        case EHOSTUNREACH:
            return "host unreachable";
        case ETIMEDOUT:
            return "no answer (connection timed out)";
        case EACCES:
        case EPERM:
            return "connection blocked by local policy";
        case EADDRNOTAVAIL:
            return "no local address available";
        case EMFILE:
        case ENFILE:
            return "too many open files";
        default:
            return "connection failed (error " + std::to_string(error) + ")";
    }
}

// poll()'s timeout in whole milliseconds, rounded up so that a wait never ends early.
int poll_timeout(SteadyClock::duration remaining) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
    return static_cast<int>(std::clamp<decltype(ms)>(ms, 0, INT_MAX));
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        reset();
        fd_ = other.release();
    }
    return *this;
}

int UniqueFd::release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

void UniqueFd::reset() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

SocketWait wait_for_socket(int fd, short events, SteadyClock::time_point deadline,
                           SpinBudget* spin) {
    if (spin != nullptr && spin->poll_briefly(fd, events, deadline, 1)) {
        return SocketWait::ready;
    }
    pollfd watch{fd, events, 0};
    while (true) {
        const auto now = SteadyClock::now();
        if (now >= deadline) {
            return SocketWait::timed_out;
        }
        const int ready = ::poll(&watch, 1, poll_timeout(deadline - now));
        // Error and hang-up count as ready: the read or write that follows reports them.
        if (ready > 0) {
            return SocketWait::ready;
        }
        if (ready < 0 && errno != EINTR) {
            return SocketWait::failed;
        }
    }
}

bool idle_socket_is_usable(int fd) {
    pollfd watch{fd, POLLIN, 0};
    return ::poll(&watch, 1, 0) == 0;
}

TcpConnect connect_tcp(const std::string& host, int port, SteadyClock::time_point deadline,
                       InFlight& exchange) {
    TcpConnect result;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (rc != 0) {
        result.problem =
            std::string("the host name could not be resolved (") + ::gai_strerror(rc) + ")";
        return result;
    }
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
    int last_error = EADDRNOTAVAIL;
    for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
        UniqueFd socket(::socket(address->ai_family,
                                 address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                 address->ai_protocol));
        if (!socket) {
            last_error = errno;
            continue;
        }
        if (!exchange.attach(socket.get())) {
            result.problem = "cancelled";
            return result;
        }
        int error = 0;
        if (::connect(socket.get(), address->ai_addr, address->ai_addrlen) != 0) {
            error = errno;
            if (error == EINPROGRESS) {
                const SocketWait waited = wait_for_socket(socket.get(), POLLOUT, deadline);
                if (waited == SocketWait::timed_out) {
                    exchange.detach();
                    result.timed_out = true;
                    result.problem = "no connection within the connect timeout";
                    return result;
                }
                socklen_t length = sizeof(error);
                if (waited == SocketWait::failed ||
                    ::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
                    error = errno;
                }
            }
        }
        exchange.detach();
        if (error == 0) {
            const int on = 1;
            ::setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
            result.socket = std::move(socket);
            return result;
        }
        last_error = error;
    }
    result.problem = describe_connect_error(last_error);
    return result;
}

}  // namespace cmcp::upstream
