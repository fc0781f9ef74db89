#include "upstream/name_lookup.hpp"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>

namespace cmcp::upstream {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

NameLookup look_up_now(const std::string& host, Clock::duration within = 5s) {
    net::io_context ioc;
    std::optional<NameLookup> answer;
    net::co_spawn(ioc, look_up(host, 443, Clock::now() + within),
                  [&answer](std::exception_ptr failure, NameLookup lookup) {
                      ASSERT_FALSE(failure);
                      answer = std::move(lookup);
                  });
    ioc.run();
    EXPECT_TRUE(answer);
    return answer.value_or(NameLookup{});
}

TEST(NameLookup, AnAddressLiteralIsTakenAsItIs) {
    const auto lookup = look_up_now("192.0.2.7");
    ASSERT_EQ(lookup.outcome, NameLookup::Outcome::found);
    ASSERT_EQ(lookup.endpoints.size(), 1U);
    EXPECT_EQ(lookup.endpoints.begin()->endpoint().address().to_string(), "192.0.2.7");
    EXPECT_EQ(lookup.endpoints.begin()->endpoint().port(), 443);

    const auto v6 = look_up_now("::1");
    ASSERT_EQ(v6.outcome, NameLookup::Outcome::found);
    EXPECT_TRUE(v6.endpoints.begin()->endpoint().address().is_v6());
}

TEST(NameLookup, LocalhostResolvesToALoopbackAddress) {
    const auto lookup = look_up_now("localhost");
    ASSERT_EQ(lookup.outcome, NameLookup::Outcome::found) << lookup.detail;
    ASSERT_FALSE(lookup.endpoints.empty());
    for (const auto& entry : lookup.endpoints) {
        EXPECT_TRUE(entry.endpoint().address().is_loopback());
        EXPECT_EQ(entry.endpoint().port(), 443);
        EXPECT_EQ(entry.host_name(), "localhost");
    }
}

TEST(NameLookup, AnUnknownNameSaysWhyInTheResolversWords) {
    // RFC 6761: .invalid never resolves (the answer comes from /etc/hosts or at once from DNS).
    const auto lookup = look_up_now("no-such-host.invalid");
    if (lookup.outcome == NameLookup::Outcome::timeout) {
        GTEST_SKIP() << "this machine's resolver did not answer within 5 s";
    }
    EXPECT_EQ(lookup.outcome, NameLookup::Outcome::not_found);
    EXPECT_FALSE(lookup.detail.empty());
}

TEST(NameLookup, ADeadlineAlreadyPastEndsTheWaitAtOnce) {
    const auto started = Clock::now();
    const auto lookup = look_up_now("localhost", -1s);
    // The lookup may win the race with an expired timer; either way nothing waits.
    EXPECT_TRUE(lookup.outcome == NameLookup::Outcome::timeout ||
                lookup.outcome == NameLookup::Outcome::found);
    EXPECT_LT(Clock::now() - started, 1s);
}

TEST(NameLookup, CancellationEndsTheWait) {
    net::io_context ioc;
    net::cancellation_signal cancel;
    std::optional<NameLookup> answer;
    net::co_spawn(ioc, look_up("localhost", 443, Clock::now() + 5s),
                  net::bind_cancellation_slot(
                      cancel.slot(), [&answer](std::exception_ptr failure, NameLookup lookup) {
                          ASSERT_FALSE(failure);
                          answer = std::move(lookup);
                      }));
    // Cancel before the coroutine has run a step: it sees the cancellation while it waits.
    net::post(ioc, [&cancel] { cancel.emit(net::cancellation_type::terminal); });
    ioc.run();
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->outcome == NameLookup::Outcome::cancelled ||
                answer->outcome == NameLookup::Outcome::found)
        << "outcome " << static_cast<int>(answer->outcome);
}

}  // namespace
}  // namespace cmcp::upstream
