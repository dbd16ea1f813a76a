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

// ---- L11: the loop's async generator hooks and shutdown_asyncgens ------------------------------------

namespace {
std::vector<std::string> agen_log;

twoway::async_generator<int> ticking(std::string tag) {
    std::exception_ptr exit;
    try {
        for (int i = 1;; ++i) {
            co_yield i;
            co_await twoway::sleep(0);
        }
    } catch (...) {
        exit = std::current_exception();
    }
    agen_log.push_back(tag + " finally");
    co_await twoway::sleep(0); // the cleanup awaits: it runs in a task, not in a destructor
    agen_log.push_back(tag + " closed");
    if (exit) std::rethrow_exception(exit);
}

twoway::async_generator<int> failing_close() {
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
    }
    throw twoway::value_error("close failed");
}

twoway::async_generator<int> kept;
} // namespace

TEST(Run, L11TheLoopsHooksAreInstalledWhileItRunsAndRestoredAfter) {
    agen_log.clear();
    EXPECT_FALSE(twoway::get_asyncgen_hooks().firstiter);
    bool hooked = false;
    twoway::run([](bool *h) -> coroutine<void> {
        *h = static_cast<bool>(twoway::get_asyncgen_hooks().firstiter) && static_cast<bool>(twoway::get_asyncgen_hooks().finalizer);
        co_return;
    }(&hooked));
    EXPECT_TRUE(hooked);
    const twoway::asyncgen_hooks after = twoway::get_asyncgen_hooks();
    EXPECT_FALSE(after.firstiter);
    EXPECT_FALSE(after.finalizer);
}

TEST(Run, L11ADroppedGeneratorIsClosedByATaskAndTheLiveOnesAtShutdown) {
    agen_log.clear();
    auto main = []() -> coroutine<int> {
        kept = ticking("kept");
        int a = co_await kept.anext();
        {
            auto dropped = ticking("dropped");
            (void)co_await dropped.anext();
        } // the finalizer hook: create_task(dropped.aclose()) at the next iteration
        agen_log.push_back("after drop");
        co_await twoway::sleep(0);
        co_await twoway::sleep(0);
        agen_log.push_back("main returns");
        co_return a;
    };
    EXPECT_EQ(twoway::run(main()), 1);
    // CPython 3.13's order: the dropped one's cleanup interleaves with main's sleeps (its aclose task was
    // created at the iteration after the drop); the kept one is closed at shutdown.
    EXPECT_EQ(agen_log, (std::vector<std::string>{"after drop", "dropped finally", "main returns", "dropped closed",
                                                  "kept finally", "kept closed"}));
    EXPECT_EQ(kept.state(), twoway::async_generator_state::closed);
    kept = {};
}

TEST(Run, L11ErrorsWhileClosingGoToTheExceptionHandler) {
    std::vector<std::string> reported;
    auto main = [](std::vector<std::string> *r) -> coroutine<void> {
        twoway::get_running_loop().set_exception_handler([r](twoway::event_loop &, const twoway::exception_context &c) {
            r->push_back(c.message.value_or("") + " | " + twoway::format_exception(c.exception) + " | " +
                         (c.asyncgen.is_none() ? "no asyncgen" : "asyncgen"));
        });
        kept = failing_close();
        (void)co_await kept.anext();
    };
    twoway::run(main(&reported));
    ASSERT_EQ(reported.size(), 1u);
    EXPECT_EQ(reported[0].rfind("an error occurred during closing of asynchronous generator <async_generator object failing_close at 0x", 0), 0u);
    EXPECT_NE(reported[0].find("| ValueError: close failed | asyncgen"), std::string::npos);
    kept = {};
}

TEST(Run, L11AGeneratorStartedAfterShutdownWarns) {
    std::vector<std::string> warnings;
    auto previous = twoway::set_warning_hook([&](const twoway::warning &w) { warnings.push_back(std::string(w.category) + ": " + w.message); });
    twoway::event_loop loop;
    loop.run_until_complete(twoway::shutdown_asyncgens(loop));
    loop.run_until_complete([]() -> coroutine<void> {
        auto late = ticking("late");
        late.set_qualname("late");
        (void)co_await late.anext();
        co_await late.aclose();
    }());
    loop.close();
    twoway::set_warning_hook(previous);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].rfind("ResourceWarning: asynchronous generator <async_generator object late at 0x", 0), 0u);
    EXPECT_NE(warnings[0].find("was scheduled after loop.shutdown_asyncgens() call"), std::string::npos);
}
