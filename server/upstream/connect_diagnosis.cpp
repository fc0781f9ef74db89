#include "upstream/connect_diagnosis.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace cmcp::upstream {

namespace {

// strerror() is not thread-safe, and these are the answers a connect can give.
std::string describe(int error) {
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
        default:
            return "connection failed (error " + std::to_string(error) + ")";
    }
}

int try_connect(const addrinfo& address, std::chrono::milliseconds timeout) {
    const int fd = ::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                            address.ai_protocol);
    if (fd < 0) {
        return errno;
    }
    int error = 0;
    if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
        error = errno;
        if (error == EINPROGRESS) {
            pollfd watch{fd, POLLOUT, 0};
            const int ready = ::poll(&watch, 1, static_cast<int>(timeout.count()));
            if (ready == 0) {
                error = ETIMEDOUT;
            } else {
                socklen_t length = sizeof(error);
                if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
                    error = errno;
                }
            }
        }
    }
    ::close(fd);
    return error;
}

}  // namespace

std::string diagnose_connect(const std::string& host, int port, std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (rc != 0) {
        return std::string("the host name could not be resolved (") + ::gai_strerror(rc) + ")";
    }
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
    int last_error = 0;
    for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
        last_error = try_connect(*address, timeout);
        if (last_error == 0) {
            return "";
        }
    }
    return describe(last_error);
}

}  // namespace cmcp::upstream
