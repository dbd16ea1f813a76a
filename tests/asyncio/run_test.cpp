// Tests of twoway/asyncio/run.hpp: asyncio.run (L10, L11).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::coroutine;

TEST(Run, ReturnsTheResultOnANewLoopThatEndsClosed) { // L10
    std::vector<twoway::event_loop> loops;
    auto main = [](std::vector<twoway::event_loop> *l) -> coroutine<std::string> {
        l->push_back(twoway::get_running_loop());
        co_return "first";
    };
    EXPECT_EQ(twoway::run(main(&loops)), "first");
    EXPECT_EQ(twoway::run(main(&loops)), "first");
    ASSERT_EQ(loops.size(), 2u);
    EXPECT_NE(loops[0], loops[1]);
    EXPECT_TRUE(loops[0].is_closed());
    EXPECT_TRUE(loops[1].is_closed());
}

TEST(Run, ExceptionsAndCancellationComeOut) { // L10
    EXPECT_THROW(twoway::run([]() -> coroutine<void> {
                     throw twoway::value_error("from main");
                     co_return;
                 }()),
                 twoway::value_error);
    try {
        twoway::run([]() -> coroutine<void> {
            twoway::current_task().cancel("main cancelled");
            co_await twoway::sleep(0);
        }());
        FAIL();
    } catch (const twoway::cancelled_error &e) {
        EXPECT_STREQ(e.what(), "main cancelled");
    }
}

TEST(Run, NestedRunIsRefusedAndTheCoroutineIsNotTaken) { // L10
    twoway::run([]() -> coroutine<void> {
        auto inner = []() -> coroutine<int> { co_return 1; }();
        try {
            twoway::run(std::move(inner));
            ADD_FAILURE();
        } catch (const twoway::runtime_error &e) {
            EXPECT_STREQ(e.what(), "asyncio.run() cannot be called from a running event loop");
        }
        EXPECT_FALSE(inner.empty());
        inner.close();
        co_return;
    }());
}

TEST(Run, LeftoverTasksAreCancelledAndFailuresReported) { // L11
    std::vector<std::string> out;
    twoway::run([](std::vector<std::string> *o) -> coroutine<void> {
        twoway::get_running_loop().set_exception_handler([o](twoway::event_loop &, const twoway::exception_context &c) {
            o->push_back(*c.message + " | " + twoway::format_exception(c.exception));
        });
        (void)twoway::create_task([](std::vector<std::string> *o2) -> coroutine<void> {
            try {
                co_await twoway::get_running_loop().create_future<void>();
            } catch (const twoway::cancelled_error &) {
                o2->push_back("leftover cancelled");
            }
            throw twoway::value_error("raised during shutdown");
        }(o));
        co_await twoway::sleep(0);
    }(&out));
    EXPECT_EQ(out, (std::vector<std::string>{"leftover cancelled",
                                             "unhandled exception during asyncio.run() shutdown | ValueError: raised during shutdown"}));
}
