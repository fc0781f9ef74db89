#include "upstream/socket.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "upstream/in_flight.hpp"
#include "upstream/test_server.hpp"

namespace cmcp::upstream {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

struct SocketPair {
    UniqueFd a;
    UniqueFd b;
    SocketPair() {
        int fds[2] = {-1, -1};
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) {
            throw std::runtime_error("socketpair failed");
        }
        a = UniqueFd(fds[0]);
        b = UniqueFd(fds[1]);
    }
};

TEST(WaitForSocket, TimesOutOnASilentSocketAndReportsDataAtOnce) {
    SocketPair pair;
    const auto start = SteadyClock::now();
    EXPECT_EQ(wait_for_socket(pair.a.get(), POLLIN, start + milliseconds(30)),
              SocketWait::timed_out);
    EXPECT_GE(SteadyClock::now() - start, milliseconds(30));

    ASSERT_EQ(::write(pair.b.get(), "x", 1), 1);
    EXPECT_EQ(wait_for_socket(pair.a.get(), POLLIN, SteadyClock::now() + milliseconds(1000)),
              SocketWait::ready);
}

TEST(WaitForSocket, SpinningSeesDataThatArrivesDuringTheSpinAndThenSleeps) {
    SocketPair pair;
    SpinBudget budget(microseconds(200000), 1);
    std::thread writer([&pair] {
        std::this_thread::sleep_for(milliseconds(20));
        ASSERT_EQ(::write(pair.b.get(), "x", 1), 1);
    });
    EXPECT_EQ(
        wait_for_socket(pair.a.get(), POLLIN, SteadyClock::now() + milliseconds(2000), &budget),
        SocketWait::ready);
    writer.join();
    // The slot was given back.
    EXPECT_TRUE(budget.try_enter());
    budget.leave();

    // A spin shorter than the wait falls back to sleeping until the deadline.
    SpinBudget short_spin(microseconds(50), 1);
    char byte = 0;
    ASSERT_EQ(::read(pair.a.get(), &byte, 1), 1);
    EXPECT_EQ(
        wait_for_socket(pair.a.get(), POLLIN, SteadyClock::now() + milliseconds(20), &short_spin),
        SocketWait::timed_out);
}

TEST(IdleSocket, IsUsableUntilThePeerClosesOrSendsSomething) {
    SocketPair talkative;
    EXPECT_TRUE(idle_socket_is_usable(talkative.a.get()));
    ASSERT_EQ(::write(talkative.b.get(), "x", 1), 1);
    EXPECT_FALSE(idle_socket_is_usable(talkative.a.get()));

    SocketPair closed;
    closed.b.reset();
    EXPECT_FALSE(idle_socket_is_usable(closed.a.get()));
}

TEST(ConnectTcp, SaysWhyAConnectionCannotBeMade) {
    InFlight refused_flight;
    const TcpConnect refused = connect_tcp("127.0.0.1", testing::unused_port(),
                                           SteadyClock::now() + milliseconds(1000), refused_flight);
    EXPECT_FALSE(refused.socket);
    EXPECT_FALSE(refused.timed_out);
    EXPECT_EQ(refused.problem, "connection refused");

    InFlight unknown_flight;
    const TcpConnect unknown = connect_tcp("no-such-host.invalid", 443,
                                           SteadyClock::now() + milliseconds(1000), unknown_flight);
    EXPECT_FALSE(unknown.socket);
    EXPECT_NE(unknown.problem.find("the host name could not be resolved"), std::string::npos)
        << unknown.problem;
}

TEST(ConnectTcp, ConnectsWithNoDelayAndStopsWhenAlreadyAborted) {
    testing::TestServer server;
    InFlight flight;
    const TcpConnect connected =
        connect_tcp("127.0.0.1", server.port(), SteadyClock::now() + milliseconds(1000), flight);
    ASSERT_TRUE(connected.socket) << connected.problem;
    int no_delay = 0;
    socklen_t length = sizeof(no_delay);
    ASSERT_EQ(::getsockopt(connected.socket.get(), IPPROTO_TCP, TCP_NODELAY, &no_delay, &length),
              0);
    EXPECT_NE(no_delay, 0);

    InFlight aborted;
    aborted.abort();
    const TcpConnect refused =
        connect_tcp("127.0.0.1", server.port(), SteadyClock::now() + milliseconds(1000), aborted);
    EXPECT_FALSE(refused.socket);
}

TEST(InFlight, AbortShutsDownTheAttachedSocketSoAWaitEndsAtOnce) {
    SocketPair pair;
    InFlight flight;
    ASSERT_TRUE(flight.attach(pair.a.get()));
    std::thread aborter([&flight] {
        std::this_thread::sleep_for(milliseconds(20));
        flight.abort();
    });
    const auto start = SteadyClock::now();
    EXPECT_EQ(wait_for_socket(pair.a.get(), POLLIN, start + milliseconds(5000)), SocketWait::ready);
    EXPECT_LT(SteadyClock::now() - start, milliseconds(2000));
    aborter.join();
    flight.detach();
    EXPECT_TRUE(flight.aborted());
    EXPECT_FALSE(flight.attach(pair.a.get()));
}

}  // namespace
}  // namespace cmcp::upstream
