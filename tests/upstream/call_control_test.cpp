#include "upstream/call_control.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace cmcp::upstream {
namespace {

TEST(CallControl, CancelledOnceCancelled) {
    CallControl control;
    EXPECT_FALSE(control.cancelled());
    control.cancel();
    control.cancel();
    EXPECT_TRUE(control.cancelled());
}

// Issue 14 §3: whether the vendor may have received a request is settled the moment a cancel
// returns: sending either began before it (request_sent) or will never begin.
TEST(CallControl, SendingAndCancellingAreOrdered) {
    CallControl sent;
    EXPECT_TRUE(sent.begin_sending());
    sent.cancel();
    EXPECT_TRUE(sent.request_sent());

    CallControl cancelled;
    cancelled.cancel();
    EXPECT_FALSE(cancelled.begin_sending());
    EXPECT_FALSE(cancelled.request_sent());
}

TEST(CallControl, ARaceHasOneWinner) {
    for (int round = 0; round < 200; ++round) {
        CallControl control;
        std::atomic<bool> began{false};
        std::thread sender([&] { began = control.begin_sending(); });
        control.cancel();
        sender.join();
        EXPECT_EQ(began.load(), control.request_sent());
    }
}

TEST(CallControl, ProgressAndLogsReachTheirSinks) {
    std::vector<double> progress;
    std::vector<std::string> logs;
    CallControl control(
        [&progress](const CallControl::Progress& p) { progress.push_back(p.progress); },
        [&logs](LogLevel, const std::string& message) { logs.push_back(message); });
    control.report_progress({0.5, 1.0, "half"});
    control.log(LogLevel::info, "said");
    EXPECT_EQ(progress, std::vector<double>{0.5});
    EXPECT_EQ(logs, std::vector<std::string>{"said"});
    CallControl silent;
    EXPECT_NO_THROW(silent.report_progress({1, 1, ""}));
    EXPECT_NO_THROW(silent.log(LogLevel::info, "nobody"));
}

}  // namespace
}  // namespace cmcp::upstream
