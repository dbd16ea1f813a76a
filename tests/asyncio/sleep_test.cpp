// Tests of twoway/asyncio/sleep.hpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::coroutine;

TEST(Sleep, ZeroIsOneIteration) { // J4: a bare yield
    std::vector<std::string> out;
    twoway::run([](std::vector<std::string> *o) -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        loop.call_soon([o] { o->push_back("tick 0"); });
        co_await twoway::sleep(0);
        o->push_back("after sleep(0)");
    }(&out));
    EXPECT_EQ(out, (std::vector<std::string>{"tick 0", "after sleep(0)"}));
}

TEST(Sleep, DelaysOnTheVirtualClockAndReturnsTheResult) {
    double elapsed = twoway::run(
        []() -> coroutine<double> {
            auto loop = twoway::get_running_loop();
            double start = loop.time();
            std::string r = co_await twoway::sleep(3600.0, std::string("an hour later"));
            EXPECT_EQ(r, "an hour later");
            co_return loop.time() - start;
        }(),
        {twoway::virtual_clock, false});
    EXPECT_DOUBLE_EQ(elapsed, 3600.0);
}

TEST(Sleep, CancellingASleepCancelsItsTimer) {
    twoway::run(
        []() -> coroutine<void> {
            auto t = twoway::create_task([]() -> coroutine<void> { co_await twoway::sleep(100.0); }());
            co_await twoway::sleep(1.0);
            t.cancel();
            bool cancelled = false;
            try {
                co_await t;
            } catch (const twoway::cancelled_error &) {
                cancelled = true;
            }
            EXPECT_TRUE(cancelled);
            EXPECT_LT(twoway::get_running_loop().time(), 100.0); // nothing waited for the cancelled timer
        }(),
        {twoway::virtual_clock, false});
}
