// Tests of twoway/asyncio/task.hpp: asyncio.Task (ASYNCIO.md group J).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::coroutine;
using twoway::event_loop;

namespace {
std::vector<std::string> out;

coroutine<int> steps(std::string name, int n) {
    for (int i = 0; i < n; ++i) {
        out.push_back(name + std::to_string(i));
        co_await twoway::sleep(0);
    }
    co_return n;
}

coroutine<int> deep(int depth) {
    if (depth == 0) {
        co_await twoway::sleep(0);
        co_return 0;
    }
    int v = co_await deep(depth - 1);
    co_return v + 1;
}
} // namespace

TEST(Task, FirstStepIsScheduledAndStepsInterleave) { // J1, J2, J4
    out.clear();
    int r = twoway::run([]() -> coroutine<int> {
        auto a = twoway::create_task(steps("a", 2));
        auto b = twoway::create_task(steps("b", 2));
        EXPECT_EQ(a.get_coro().state(), twoway::coroutine_state::created);
        EXPECT_EQ(twoway::all_tasks().size(), 3u);
        int x = co_await a;
        int y = co_await b;
        co_return x + y;
    }());
    EXPECT_EQ(r, 4);
    EXPECT_EQ(out, (std::vector<std::string>{"a0", "b0", "a1", "b1"}));
}

TEST(Task, ResultsExceptionsAndRefusedSetters) { // J5
    twoway::run([]() -> coroutine<void> {
        auto t = twoway::create_task([]() -> coroutine<int> {
            co_await twoway::sleep(0);
            throw twoway::value_error("task failed");
            co_return 1;
        }());
        bool caught = false;
        try {
            (void)co_await t;
        } catch (const twoway::value_error &e) {
            caught = std::string(e.what()) == "task failed";
        }
        EXPECT_TRUE(caught);
        try {
            t.set_result(1);
            ADD_FAILURE();
        } catch (const twoway::runtime_error &e) {
            EXPECT_STREQ(e.what(), "Task does not support set_result operation");
        }
    }());
}

TEST(Task, CancelWhileWaitingThrowsTheMessageIn) { // J9, J14
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        auto f = loop.create_future<int>();
        std::string got;
        auto t = twoway::create_task([](twoway::future<int> g, std::string *seen) -> coroutine<int> {
            try {
                co_return co_await g;
            } catch (const twoway::cancelled_error &e) {
                *seen = e.what();
                throw;
            }
        }(f, &got));
        co_await twoway::sleep(0);
        EXPECT_TRUE(t.cancel("first"));
        EXPECT_TRUE(f.cancelled()); // the awaited future is cancelled at once
        EXPECT_TRUE(t.cancel("second"));
        EXPECT_EQ(t.cancelling(), 2);
        bool cancelled = false;
        try {
            (void)co_await t;
        } catch (const twoway::cancelled_error &e) {
            cancelled = std::string(e.what()) == "first"; // the original object, once
        }
        EXPECT_TRUE(cancelled);
        EXPECT_EQ(got, "first");
        EXPECT_TRUE(t.cancelled());
        EXPECT_FALSE(t.cancel());
    }());
}

TEST(Task, CancelBeforeTheFirstStepRunsNothing) { // J9
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto t = twoway::create_task(steps("never", 1));
        t.cancel("early");
        bool cancelled = false;
        try {
            (void)co_await t;
        } catch (const twoway::cancelled_error &e) {
            cancelled = std::string(e.what()) == "early";
        }
        EXPECT_TRUE(cancelled);
    }());
    EXPECT_TRUE(out.empty());
}

TEST(Task, UncancelToZeroWithdrawsAPendingCancel) { // J15 (3.13)
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto t = twoway::create_task(steps("b", 2));
        EXPECT_TRUE(t.cancel());
        EXPECT_EQ(t.uncancel(), 0);
        int r = co_await t;
        EXPECT_EQ(r, 2);
        EXPECT_FALSE(t.cancelled());
    }());
    EXPECT_EQ(out, (std::vector<std::string>{"b0", "b1"}));
}

TEST(Task, CancellationReachesTheInnermostAwaitInO1) { // J9 at depth: one throw at the leaf
    twoway::run([]() -> coroutine<void> {
        auto t = twoway::create_task(deep(10000));
        co_await twoway::sleep(0);
        t.cancel("deep");
        bool cancelled = false;
        try {
            (void)co_await t;
        } catch (const twoway::cancelled_error &e) {
            cancelled = std::string(e.what()) == "deep";
        }
        EXPECT_TRUE(cancelled);
    }());
}

TEST(Task, NamesAndCurrentTask) { // J7, J8
    twoway::run([]() -> coroutine<void> {
        auto me = twoway::current_task();
        EXPECT_TRUE(static_cast<bool>(me));
        auto t = twoway::create_task(steps("n", 0), "named");
        EXPECT_EQ(t.get_name(), "named");
        t.set_name(42);
        EXPECT_EQ(t.get_name(), "42");
        (void)co_await t;
    }());
    EXPECT_THROW(twoway::current_task(), twoway::runtime_error);
}

TEST(Task, AwaitingItselfIsAnError) { // J4
    twoway::run([]() -> coroutine<void> {
        auto self_await = []() -> coroutine<void> {
            twoway::task_ref me = twoway::current_task();
            std::string error;
            try {
                co_await me;
            } catch (const twoway::runtime_error &e) {
                error = e.what();
            }
            EXPECT_EQ(error.rfind("Task cannot await on itself: <Task", 0), 0u);
        };
        co_await twoway::create_task(self_await());
    }());
}

TEST(Task, AwaitingATaskThatAwaitedItselfIsRefusedWhileItIsPending) { // J4, U7; async difftest regression 001
    // Its self-await left the task's blocking flag set: CPython's future iterator refuses the next await of
    // it while it is pending ("await wasn't used with future"); the task then ends with its own error.
    twoway::run([]() -> coroutine<void> {
        std::vector<twoway::task_ref> tasks;
        auto self_awaiter = [](std::vector<twoway::task_ref> *ts) -> coroutine<void> { co_await (*ts)[0]; };
        tasks.push_back(twoway::create_task(self_awaiter(&tasks)));
        co_await twoway::sleep(0);
        std::string error;
        try {
            co_await tasks[0];
        } catch (const twoway::runtime_error &e) {
            error = e.what();
        }
        EXPECT_EQ(error, "await wasn't used with future");
        co_await twoway::sleep(0);
        EXPECT_TRUE(tasks[0].done());
        if (tasks[0].done()) {
            EXPECT_EQ(twoway::format_exception(tasks[0].exception()).rfind("RuntimeError: Task cannot await on itself", 0), 0u);
        }
    }());
}

TEST(Task, EagerFactoryRunsTheFirstStepInCreateTask) { // J18
    out.clear();
    twoway::run(
        []() -> coroutine<void> {
            auto t = twoway::create_task(steps("e", 2));
            EXPECT_EQ(out, (std::vector<std::string>{"e0"})); // already ran
            auto done = twoway::create_task([]() -> coroutine<int> { co_return 5; }());
            EXPECT_TRUE(done.done());
            EXPECT_FALSE(done.cancel());
            (void)co_await t;
        }(),
        {twoway::monotonic_clock, true});
}

TEST(Task, ExceptionNeverRetrievedIsReportedWithTheTask) { // J16
    std::vector<std::string> seen;
    twoway::run([](std::vector<std::string> *s) -> coroutine<void> {
        twoway::get_running_loop().set_exception_handler([s](event_loop &, const twoway::exception_context &c) {
            s->push_back(*c.message);
            EXPECT_TRUE(c.future.has_value());
        });
        {
            auto t = twoway::create_task([]() -> coroutine<void> {
                throw twoway::value_error("lost");
                co_return;
            }());
            co_await twoway::sleep(0);
            co_await twoway::sleep(0);
        }
        co_await twoway::sleep(0);
    }(&seen));
    EXPECT_EQ(seen, (std::vector<std::string>{"Task exception was never retrieved"}));
}
