#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace cmcp::upstream {

struct NameLookup {
    enum class Outcome { found, not_found, timeout, cancelled, busy };
    Outcome outcome = Outcome::not_found;
    std::string detail;  // why not found, in the resolver's words
    boost::asio::ip::tcp::resolver::results_type endpoints;
};

// Turns a host name into addresses without holding anything else up. asio's resolver runs
// getaddrinfo() calls one after another on one thread per io_context and cannot abandon one, so
// a single name whose lookup hangs would stall every other lookup and outlive any deadline.
// Here each lookup runs on a short-lived thread of its own and signals an eventfd; the waiting
// coroutine leaves at `deadline` or when cancelled, and a lookup that outlives its waiter
// finishes alone and frees what it found. An address literal is not looked up at all.
boost::asio::awaitable<NameLookup> look_up(std::string host, std::uint16_t port,
                                           std::chrono::steady_clock::time_point deadline);

// The lookups running for one io_context, as a service of it: a resolver whose servers drop
// every query must not turn into an unbounded number of threads.
class NameLookups final : public boost::asio::execution_context::service {
  public:
    static inline boost::asio::execution_context::id id;
    // Past this many lookups still running, a new one is refused at once ("busy").
    static constexpr int kMaxRunning = 32;

    explicit NameLookups(boost::asio::execution_context& context)
        : boost::asio::execution_context::service(context) {}
    // Shared with the lookup threads, which may outlive the io_context.
    const std::shared_ptr<std::atomic<int>>& running() const { return running_; }

  private:
    void shutdown() override {}

    std::shared_ptr<std::atomic<int>> running_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace cmcp::upstream
