#include "support/task_runner.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace cmcp {
namespace {

TEST(BoundedInlineRunner, RunsOnTheCallerUpToTheLimit) {
    BoundedInlineRunner runner(1);
    int ran = 0;
    bool nested_accepted = true;
    EXPECT_TRUE(runner.try_post([&] {
        ++ran;
        EXPECT_EQ(runner.running(), 1U);
        // The one slot is taken: a second caller meanwhile must go elsewhere.
        nested_accepted = runner.try_post([&] { ++ran; });
    }));
    EXPECT_FALSE(nested_accepted);
    EXPECT_EQ(ran, 1);
    EXPECT_EQ(runner.running(), 0U);
    EXPECT_TRUE(runner.try_post([&] { ++ran; }));  // the slot is free again
    EXPECT_EQ(ran, 2);
}

TEST(BoundedInlineRunner, LimitZeroRefusesEverything) {
    BoundedInlineRunner runner(0);
    bool ran = false;
    EXPECT_FALSE(runner.try_post([&] { ran = true; }));
    EXPECT_FALSE(ran);
    EXPECT_EQ(runner.running(), 0U);
}

TEST(BoundedInlineRunner, AThrowingTaskGivesItsSlotBack) {
    BoundedInlineRunner runner(1);
    EXPECT_THROW(runner.try_post([] { throw std::runtime_error("boom"); }), std::runtime_error);
    EXPECT_EQ(runner.running(), 0U);
    bool ran = false;
    EXPECT_TRUE(runner.try_post([&] { ran = true; }));
    EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace cmcp
