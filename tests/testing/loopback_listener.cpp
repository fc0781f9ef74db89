#include "testing/loopback_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace cmcp::testing {

LoopbackListener listen_on_loopback(int backlog) {
    LoopbackListener listener;
    listener.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (listener.fd < 0 ||
        ::bind(listener.fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listener.fd, backlog) != 0 ||
        ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (listener.fd >= 0) {
            ::close(listener.fd);
        }
        throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    listener.port = ntohs(address.sin_port);
    return listener;
}

int accept_next(int listener_fd, const std::atomic<bool>& stopping) {
    while (!stopping) {
        pollfd watch{listener_fd, POLLIN, 0};
        if (::poll(&watch, 1, 20) <= 0) {
            continue;
        }
        const int fd = ::accept4(listener_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
            return fd;
        }
    }
    return -1;
}

}  // namespace cmcp::testing
