#include "upstream/call_control.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace cmcp::upstream {
namespace {

TEST(CallControlOnCancel, RunsRegisteredHooksOnceOnCancel) {
    CallControl control;
    int runs = 0;
    auto registration = control.on_cancel([&runs] { ++runs; });
    EXPECT_EQ(runs, 0);
    control.cancel();
    EXPECT_EQ(runs, 1);
    control.cancel();
    EXPECT_EQ(runs, 1);
    EXPECT_TRUE(control.cancelled());
}

TEST(CallControlOnCancel, UnregisteredHooksDoNotRun) {
    CallControl control;
    int runs = 0;
    {
        auto registration = control.on_cancel([&runs] { ++runs; });
    }
    auto moved_from = control.on_cancel([&runs] { runs += 10; });
    auto kept = std::move(moved_from);
    kept = CallControl::CancelRegistration{};
    control.cancel();
    EXPECT_EQ(runs, 0);
}

TEST(CallControlOnCancel, HookRunsAtOnceWhenAlreadyCancelled) {
    CallControl control;
    control.cancel();
    int runs = 0;
    auto registration = control.on_cancel([&runs] { ++runs; });
    EXPECT_EQ(runs, 1);
}

TEST(CallControlOnCancel, UnregisteringWaitsForARunningHook) {
    CallControl control;
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    auto registration = control.on_cancel([&] {
        started = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        finished = true;
    });
    std::thread canceller([&control] { control.cancel(); });
    while (!started) {
        std::this_thread::yield();
    }
    registration = CallControl::CancelRegistration{};
    EXPECT_TRUE(finished);
    canceller.join();
}

TEST(CallControlOnCancel, SleepIsWokenByCancelEvenWithHooks) {
    CallControl control;
    auto registration = control.on_cancel([] {});
    std::thread canceller([&control] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        control.cancel();
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(control.sleep_for(std::chrono::seconds(10)));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    canceller.join();
}

}  // namespace
}  // namespace cmcp::upstream
