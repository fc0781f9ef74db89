#include "upstream/name_lookup.hpp"

#include <netdb.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <variant>

namespace cmcp::upstream {

namespace {

namespace net = boost::asio;
using net::ip::tcp;
using namespace net::experimental::awaitable_operators;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

// What a lookup thread and its waiter share. The thread never touches asio: it stores its
// answer and writes to the eventfd, which the waiter watches through a descriptor of its own.
struct Pending {
    Pending(std::string host_name, std::string service_name,
            std::shared_ptr<std::atomic<int>> running_count)
        : host(std::move(host_name)),
          service(std::move(service_name)),
          running(std::move(running_count)) {}
    Pending(const Pending&) = delete;
    Pending& operator=(const Pending&) = delete;
    ~Pending() {
        if (found != nullptr) {
            ::freeaddrinfo(found);
        }
        if (ready_fd >= 0) {
            ::close(ready_fd);
        }
    }

    const std::string host;
    const std::string service;
    const std::shared_ptr<std::atomic<int>> running;
    int ready_fd = -1;
    std::mutex mutex;
    bool done = false;
    int status = 0;
    int system_error = 0;  // errno of the lookup thread, for EAI_SYSTEM
    addrinfo* found = nullptr;
};

void run_lookup(const std::shared_ptr<Pending>& pending) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* found = nullptr;
    const int status =
        ::getaddrinfo(pending->host.c_str(), pending->service.c_str(), &hints, &found);
    const int system_error = errno;
    {
        const std::lock_guard lock(pending->mutex);
        pending->done = true;
        pending->status = status;
        pending->system_error = system_error;
        pending->found = found;
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(pending->ready_fd, &one, sizeof one);
    pending->running->fetch_sub(1);
}

// The answer, if the lookup has finished.
std::optional<NameLookup> take_answer(Pending& pending) {
    const std::lock_guard lock(pending.mutex);
    if (!pending.done) {
        return std::nullopt;
    }
    NameLookup lookup;
    if (pending.status == EAI_SYSTEM) {
        lookup.detail = std::system_category().message(pending.system_error);
    } else if (pending.status != 0) {
        lookup.detail = ::gai_strerror(pending.status);
    } else {
        lookup.outcome = NameLookup::Outcome::found;
        lookup.endpoints =
            tcp::resolver::results_type::create(pending.found, pending.host, pending.service);
    }
    return lookup;
}

}  // namespace

net::awaitable<NameLookup> look_up(std::string host, std::uint16_t port,
                                   std::chrono::steady_clock::time_point deadline) {
    NameLookup lookup;
    const auto service = std::to_string(port);
    boost::system::error_code literal_ec;
    const auto literal = net::ip::make_address(host, literal_ec);
    if (!literal_ec) {
        lookup.outcome = NameLookup::Outcome::found;
        lookup.endpoints =
            tcp::resolver::results_type::create(tcp::endpoint(literal, port), host, service);
        co_return lookup;
    }

    const auto executor = co_await net::this_coro::executor;
    auto& lookups = net::use_service<NameLookups>(net::query(executor, net::execution::context));
    const auto& running = lookups.running();
    if (running->fetch_add(1) >= NameLookups::kMaxRunning) {
        running->fetch_sub(1);
        lookup.outcome = NameLookup::Outcome::busy;
        co_return lookup;
    }
    auto pending = std::make_shared<Pending>(host, service, running);
    pending->ready_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    const int watched_fd = pending->ready_fd >= 0 ? ::dup(pending->ready_fd) : -1;
    if (watched_fd < 0) {
        running->fetch_sub(1);
        lookup.outcome = NameLookup::Outcome::busy;
        co_return lookup;
    }
    net::posix::stream_descriptor ready(executor, watched_fd);
    try {
        std::thread([pending] { run_lookup(pending); }).detach();
    } catch (const std::system_error&) {
        running->fetch_sub(1);
        lookup.outcome = NameLookup::Outcome::busy;
        co_return lookup;
    }

    net::steady_timer limit(executor, deadline);
    const auto first =
        co_await (ready.async_wait(net::posix::stream_descriptor::wait_read, kUseTuple) ||
                  limit.async_wait(kUseTuple));
    if (auto answer = take_answer(*pending)) {
        co_return std::move(*answer);
    }
    // Only a timer that ran out means the deadline passed; an aborted wait on either side
    // means the caller cancelled (the coroutine's cancellation state is not a reliable
    // witness once the operators' own group has consumed the signal).
    const auto [ended] = std::visit([](const auto& outcome) { return outcome; }, first);
    lookup.outcome = first.index() == 1 && !ended ? NameLookup::Outcome::timeout
                                                  : NameLookup::Outcome::cancelled;
    co_return lookup;
}

}  // namespace cmcp::upstream
