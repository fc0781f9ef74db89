#include "upstream/in_flight.hpp"

#include <sys/socket.h>

namespace cmcp::upstream {

bool InFlight::attach(int fd) {
    std::lock_guard lock(mutex_);
    if (aborted_) {
        return false;
    }
    fd_ = fd;
    return true;
}

void InFlight::detach() {
    std::lock_guard lock(mutex_);
    fd_ = -1;
}

void InFlight::abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    if (fd_ >= 0) {
        // Wakes every poll() on the socket; a connect in progress is dropped.
        ::shutdown(fd_, SHUT_RDWR);
    }
}

bool InFlight::aborted() const {
    std::lock_guard lock(mutex_);
    return aborted_;
}

}  // namespace cmcp::upstream
