#include "support/signals.hpp"

#include <csignal>
#include <ctime>

namespace cmcp {

namespace {
// How often the watcher wakes to notice its own destruction.
constexpr long kPollNanoseconds = 200'000'000;
}  // namespace

SignalWatcher::SignalWatcher(std::function<void(int)> on_signal) {
    std::signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    thread_ = std::jthread([this, set, callback = std::move(on_signal)] {
        const timespec poll{0, kPollNanoseconds};
        while (!stopping_) {
            const int signal = sigtimedwait(&set, nullptr, &poll);
            if (signal > 0) {
                callback(signal);
            }
        }
    });
}

SignalWatcher::~SignalWatcher() {
    stopping_ = true;
}

}  // namespace cmcp
