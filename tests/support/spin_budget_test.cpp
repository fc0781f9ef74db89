#include "support/spin_budget.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace cmcp {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(SpinBudget, AdmitsAtMostItsSpinnersAndNoneWhenOff) {
    SpinBudget budget(microseconds(100), 1);
    EXPECT_TRUE(budget.try_enter());
    EXPECT_FALSE(budget.try_enter());
    budget.leave();
    EXPECT_TRUE(budget.try_enter());
    budget.leave();

    SpinBudget off(microseconds(0), 4);
    EXPECT_FALSE(off.try_enter());
}

TEST(SpinBudget, PollsBrieflyWithoutSleepingAndOnlyInAFreeSlot) {
    int fds[2] = {-1, -1};
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    SpinBudget budget(microseconds(200000), 1);

    const auto start = Clock::now();
    EXPECT_FALSE(budget.poll_briefly(fds[0], POLLIN, start + milliseconds(10), 0));
    EXPECT_GE(Clock::now() - start, milliseconds(10));  // not_after bounds the spin

    std::thread writer([&fds] {
        std::this_thread::sleep_for(milliseconds(10));
        ASSERT_EQ(::write(fds[1], "x", 1), 1);
    });
    EXPECT_TRUE(budget.poll_briefly(fds[0], POLLIN, Clock::now() + milliseconds(5000), 0));
    writer.join();

    budget.work_started();
    budget.work_started();  // someone else's work is in progress: only the owner of one spins
    EXPECT_FALSE(budget.poll_briefly(fds[0], POLLIN, Clock::now() + milliseconds(5000), 1));
    budget.work_finished();
    EXPECT_TRUE(budget.poll_briefly(fds[0], POLLIN, Clock::now() + milliseconds(5000), 1));
    budget.work_finished();

    ASSERT_TRUE(budget.try_enter());  // someone else spins: this wait may not
    EXPECT_FALSE(budget.poll_briefly(fds[0], POLLIN, Clock::now() + milliseconds(5000), 0));
    budget.leave();
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST(WaitPredictor, SpinsForShortWaitsAndStopsAfterARunOfLongOnes) {
    const SpinBudget budget(microseconds(200), 1);
    WaitPredictor predictor;
    EXPECT_TRUE(predictor.short_enough(budget));  // nothing known yet: try
    predictor.record(microseconds(50));
    EXPECT_TRUE(predictor.short_enough(budget));
    predictor.record(milliseconds(30));
    EXPECT_FALSE(predictor.short_enough(budget));
    for (int i = 0; i < 30; ++i) {
        predictor.record(microseconds(40));
    }
    EXPECT_TRUE(predictor.short_enough(budget));
}

}  // namespace
}  // namespace cmcp
