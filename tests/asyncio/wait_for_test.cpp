// Tests of twoway/asyncio/wait_for.hpp: wait_for(aw, timeout) (ASYNCIO.md group G, G12-G18). Every test runs
// on the virtual clock. The expected values are CPython 3.13.0's: the lines of trace 62
// (conformance/ports/asyncio_62_wait_for.cpp), or the probe quoted next to the test.
#include <gtest/gtest.h>

#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::coroutine;

namespace {

std::vector<std::string> out;
std::exception_ptr job_caught;  // the CancelledError the job caught
std::exception_ptr job_raised;  // what the job raised instead of it (on_cancel::raise_other)

const twoway::run_options virtual_time{twoway::virtual_clock};

std::string repr_of(const std::exception_ptr &e) { return twoway::exception_repr(e); }

enum class on_cancel { reraise, return_value, raise_other };

// n >= 0: that many passes; n < 0: sleeps for an hour. Its cleanup awaits once before it re-raises (Python's
// `except CancelledError: await asyncio.sleep(0); raise`).
coroutine<std::string> job(std::string name, int n, std::string result, on_cancel how = on_cancel::reraise) {
    out.push_back(name + " start");
    std::exception_ptr cancelled;
    try {
        if (n >= 0)
            for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
        else
            co_await twoway::sleep(3600);
    } catch (const twoway::cancelled_error &) {
        cancelled = std::current_exception();
        if (how == on_cancel::raise_other) {
            try {
                std::throw_with_nested(twoway::value_error("raised while being cancelled")); // Python's __context__
            } catch (...) {
                job_raised = std::current_exception();
            }
        }
    }
    if (cancelled) {
        job_caught = cancelled;
        out.push_back(name + " cancelled");
        co_await twoway::sleep(0);
        out.push_back(name + " cleanup awaited");
        if (how == on_cancel::return_value) co_return result;
        if (how == on_cancel::raise_other) std::rethrow_exception(job_raised);
        std::rethrow_exception(cancelled);
    }
    out.push_back(name + " return");
    co_return result;
}

coroutine<std::string> failing(std::exception_ptr e) {
    co_await twoway::sleep(0);
    std::rethrow_exception(e);
}

template <class A>
coroutine<std::exception_ptr> error_of(A aw) {
    std::exception_ptr e;
    try {
        (void)co_await std::move(aw);
    } catch (...) {
        e = std::current_exception();
    }
    co_return e;
}

// Pass counts (docs/plans/structured-concurrency.md 2.12), with gather_test.cpp's ticker. CPython probe
// (3.13.0), measured from the child's `return` to the awaiter's resumption:
//   measure("wait_for coroutine", lambda: asyncio.wait_for(child(), 10))       -> 0
//   measure("wait_for task", <c = create_task(child()); await wait_for(c, 10)>) -> 1
//   measure("direct task", <c = create_task(child()); await c>)                -> 1
coroutine<void> ticker(int *ticks) {
    for (;;) {
        ++*ticks;
        co_await twoway::sleep(0);
    }
}

coroutine<int> marked_child(const int *ticks, int *mark) {
    co_await twoway::sleep(0);
    *mark = *ticks;
    co_return 1;
}

template <class AwaitIt>
coroutine<int> count_passes(AwaitIt await_it) {
    int ticks = 0;
    int mark = -1;
    auto t = twoway::create_task(ticker(&ticks));
    co_await twoway::sleep(0);
    co_await await_it(static_cast<const int *>(&ticks), &mark);
    const int passes = ticks - mark;
    t.cancel();
    (void)co_await error_of(t);
    co_return passes;
}

} // namespace

// Probe (3.13.0): `raise err` in the awaited coroutine -> wait_for(failing(), 10) raises e, e is err -> True.
TEST(WaitFor, G12ResultAndExceptionPassThrough) { // trace 62:1-5, 11-12
    out.clear();
    twoway::run([]() -> coroutine<void> {
        std::string r = co_await twoway::wait_for(job("quick", 2, "Q"), 10);
        EXPECT_EQ(r, "Q");
        std::exception_ptr err = std::make_exception_ptr(twoway::value_error("inner failure"));
        std::exception_ptr e = co_await error_of(twoway::wait_for(failing(err), 10));
        EXPECT_EQ(e, err); // unchanged: the same object, without a link
        EXPECT_EQ(twoway::nested_of(e), nullptr);
    }(), virtual_time);
    EXPECT_EQ(out, (std::vector<std::string>{"quick start", "quick return"}));
}

// Probe (3.13.0): the job catches CancelledError e, awaits sleep(0), re-raises; wait_for raises te:
//   te.__cause__ is e -> True, te.__context__ is e -> True, repr(te.__cause__) -> CancelledError(),
//   te.args -> (), and the job's "cleanup awaited" happened before.
TEST(WaitFor, G13JobCleanupRunsBeforeTimeoutError) { // trace 62:6-10
    out.clear();
    job_caught = nullptr;
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        const double t0 = loop.time();
        std::exception_ptr e = co_await error_of(twoway::wait_for(job("slow", -1, "S"), 0.05));
        EXPECT_EQ(out, (std::vector<std::string>{"slow start", "slow cancelled", "slow cleanup awaited"}));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_NE(job_caught, nullptr);
        EXPECT_EQ(twoway::nested_of(e), job_caught); // raised from the job's own CancelledError
        EXPECT_EQ(repr_of(twoway::nested_of(e)), "CancelledError()");
        EXPECT_DOUBLE_EQ(loop.time() - t0, 0.05);
        EXPECT_EQ(twoway::current_task().cancelling(), 0);
    }(), virtual_time);
}

TEST(WaitFor, G13TaskArgumentEndsCancelled) { // trace 62:28-33
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto t = twoway::create_task(job("task", -1, "T"));
        std::exception_ptr e = co_await error_of(twoway::wait_for(t, 0.05));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_EQ(repr_of(twoway::nested_of(e)), "CancelledError()");
        EXPECT_TRUE(t.done()); // waited for, cleanup included
        EXPECT_TRUE(t.cancelled());
    }(), virtual_time);
    EXPECT_EQ(out, (std::vector<std::string>{"task start", "task cancelled", "task cleanup awaited"}));
}

// Probe (3.13.0): await asyncio.wait_for(stubborn(), 0.05) -> 'kept'; current_task().cancelling() -> 0
TEST(WaitFor, G14SwallowedCancellationReturnsTheValue) { // trace 62:22-27
    out.clear();
    twoway::run([]() -> coroutine<void> {
        std::string r = co_await twoway::wait_for(job("stubborn", -1, "kept", on_cancel::return_value), 0.05);
        EXPECT_EQ(r, "kept");
        EXPECT_EQ(twoway::current_task().cancelling(), 0);
    }(), virtual_time);
    EXPECT_EQ(out, (std::vector<std::string>{"stubborn start", "stubborn cancelled", "stubborn cleanup awaited"}));
}

TEST(WaitFor, G15NoneMeansNoTimeout) { // trace 62:13-16
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        const double t0 = loop.time();
        std::string r = co_await twoway::wait_for(twoway::sleep(100, std::string("late")), std::nullopt);
        EXPECT_EQ(r, "late");
        EXPECT_DOUBLE_EQ(loop.time() - t0, 100);
    }(), virtual_time);
}

// Probe (3.13.0): wait_for(job(), 0) -> TimeoutError, __cause__ CancelledError(), the job never started;
// a pending task t: wait_for(t, 0) -> TimeoutError, t.cancelled() -> True, never started.
TEST(WaitFor, G15ZeroCancelsBeforeTheFirstStep) { // trace 62:17-18
    out.clear();
    twoway::run([]() -> coroutine<void> {
        std::exception_ptr e = co_await error_of(twoway::wait_for(job("zero", 1, "Z"), 0));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_EQ(repr_of(twoway::nested_of(e)), "CancelledError()");
        e = co_await error_of(twoway::wait_for(job("neg", 1, "Z"), -1));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        auto t = twoway::create_task(job("pending", 1, "P"));
        e = co_await error_of(twoway::wait_for(t, 0));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_TRUE(t.cancelled());
    }(), virtual_time);
    EXPECT_TRUE(out.empty()); // no coroutine ever ran
}

// Probe (3.13.0): f.set_exception(KeyError('k')); wait_for(f, 0) raises e, e is f.exception() -> True
TEST(WaitFor, G15ZeroWithDoneFutureReturnsResult) { // trace 62:19
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        auto done = loop.create_future<std::string>();
        done.set_result("ready");
        std::string r = co_await twoway::wait_for(done, 0);
        EXPECT_EQ(r, "ready");
        auto failed = loop.create_future<std::string>();
        failed.set_exception(twoway::value_error("k"));
        std::exception_ptr e = co_await error_of(twoway::wait_for(failed, 0));
        EXPECT_EQ(e, failed.exception()); // its own outcome, not a TimeoutError
    }(), virtual_time);
}

// Probe (3.13.0): caller() = wait_for(victim(), 10); three sleep(0); c.cancel("stop"); await c raises e:
//   repr(e) -> CancelledError('stop'), e is <the CancelledError the victim caught> -> True, c.cancelled() -> True
TEST(WaitFor, G16CallerCancelledGivesCancelledError) { // trace 62:34-39
    out.clear();
    job_caught = nullptr;
    twoway::run([]() -> coroutine<void> {
        auto caller = []() -> coroutine<std::string> { co_return co_await twoway::wait_for(job("victim", -1, "V"), 10); };
        auto c = twoway::create_task(caller());
        for (int i = 0; i < 3; ++i) co_await twoway::sleep(0);
        EXPECT_TRUE(c.cancel("stop"));
        std::exception_ptr e = co_await error_of(c);
        EXPECT_EQ(repr_of(e), "CancelledError('stop')"); // not TimeoutError
        EXPECT_EQ(e, job_caught);
        EXPECT_TRUE(c.cancelled());
    }(), virtual_time);
    EXPECT_EQ(out, (std::vector<std::string>{"victim start", "victim cancelled", "victim cleanup awaited"}));
}

TEST(WaitFor, G17CoroutineRunsInTheCallersTask) { // trace 62:46-47 (3.12+)
    bool same = twoway::run([]() -> coroutine<bool> {
        twoway::task_ref me = twoway::current_task();
        auto who = [](twoway::task_ref me) -> coroutine<bool> { co_return twoway::current_task() == me; };
        co_return co_await twoway::wait_for(who(me), 10);
    }(), virtual_time);
    EXPECT_TRUE(same);
}

TEST(WaitFor, G17CoroutineTakesNoExtraPass) { // plan 2.12: wait_for(coroutine) 0 (probe above)
    int passes = twoway::run(count_passes([](const int *ticks, int *mark) -> coroutine<void> {
        co_await twoway::wait_for(marked_child(ticks, mark), 10);
    }), virtual_time);
    EXPECT_EQ(passes, 0);
}

TEST(WaitFor, G17TaskArgumentWakesOnePassLikeADirectAwait) { // plan 2.12: wait_for(task) 1, await task 1
    int passes = twoway::run(count_passes([](const int *ticks, int *mark) -> coroutine<void> {
        auto c = twoway::create_task(marked_child(ticks, mark));
        co_await twoway::wait_for(c, 10);
    }), virtual_time);
    EXPECT_EQ(passes, 1);
    passes = twoway::run(count_passes([](const int *ticks, int *mark) -> coroutine<void> {
        auto c = twoway::create_task(marked_child(ticks, mark));
        co_await c;
    }), virtual_time);
    EXPECT_EQ(passes, 1);
}

// Probe (3.13.0): the job catches CancelledError c and raises v = ValueError(...) from its handler; wait_for
// raises e: e is v -> True, repr(e.__context__) -> TimeoutError(), e.__context__.__cause__ is c -> True,
// e.__context__.__context__ is c -> True, e.__cause__ -> None.
TEST(WaitFor, G18CleanupErrorGetsTimeoutErrorSpliced) { // trace 62:40-45 (3.13)
    out.clear();
    job_caught = nullptr;
    job_raised = nullptr;
    twoway::run([]() -> coroutine<void> {
        std::exception_ptr e = co_await error_of(twoway::wait_for(job("raiser", -1, "", on_cancel::raise_other), 0.05));
        EXPECT_NE(e, nullptr);
        EXPECT_EQ(e, job_raised); // propagates as itself
        std::exception_ptr ctx = twoway::nested_of(e);
        EXPECT_EQ(repr_of(ctx), "TimeoutError()"); // spliced in
        EXPECT_EQ(twoway::nested_of(ctx), job_caught);
        EXPECT_EQ(twoway::current_task().cancelling(), 0);
    }(), virtual_time);
    EXPECT_EQ(repr_of(job_raised), "ValueError('raised while being cancelled')");
}
