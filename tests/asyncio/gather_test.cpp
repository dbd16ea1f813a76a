// Tests of twoway/asyncio/gather.hpp: ensure_future, gather, shield, wait, as_completed (ASYNCIO.md group G:
// G1-G11, G19-G26, G36-G38). The expected values are CPython 3.13.0's: the lines of traces 60, 61, 63 and 65
// (conformance/ports/asyncio_6x_*.cpp), or the probe quoted next to the test where no trace line has them.
#include <gtest/gtest.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::coroutine;

namespace {

using task_t = twoway::task<std::string>;

std::vector<std::string> out;
std::vector<std::exception_ptr> caught; // the CancelledError objects the workers caught
std::vector<std::string> reports;       // the messages the exception handler received

std::string repr_of(const std::exception_ptr &e) { return twoway::exception_repr(e); }

// n passes of the loop, then the result or the exception.
coroutine<std::string> steps(std::string name, int n, std::string result, std::exception_ptr exc = nullptr) {
    out.push_back(name + " start");
    for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    if (exc) {
        out.push_back(name + " raise");
        std::rethrow_exception(exc);
    }
    out.push_back(name + " return");
    co_return result;
}

task_t spawn(std::string name, int n, std::string result, std::exception_ptr exc = nullptr) {
    return twoway::create_task(steps(name, n, std::move(result), std::move(exc)), name);
}

// Like steps, but records the cancellation it gets, and swallows it (returning result) when asked to.
coroutine<std::string> worker(std::string name, int n, std::string result, bool swallow = false) {
    out.push_back(name + " start");
    std::exception_ptr cancelled;
    try {
        for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    } catch (const twoway::cancelled_error &) {
        cancelled = std::current_exception();
    }
    if (cancelled) {
        caught.push_back(cancelled);
        out.push_back(name + " caught " + repr_of(cancelled));
        if (!swallow) std::rethrow_exception(cancelled);
    }
    co_return result;
}

coroutine<void> sleep_forever() { co_await twoway::sleep(3600); }
coroutine<std::string> never_returns() {
    co_await twoway::sleep(3600);
    co_return "never";
}

coroutine<int> counted(int *runs) {
    ++*runs;
    co_await twoway::sleep(0);
    co_return 7;
}

coroutine<int> answer() { co_return 42; }

// What awaiting aw raised (null if nothing).
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

template <class E>
std::exception_ptr error(E e) {
    return std::make_exception_ptr(std::move(e));
}

// ---- pass counts (docs/plans/structured-concurrency.md 2.12) ----------------------------------------------
//
// A ticker task adds one per loop pass. The child takes one pass, notes the ticker's count and returns; the
// awaiter, once resumed, reports how many passes went by in between. The CPython probe (3.13.0) has the same
// shape:
//
//   ticks = 0; mark = None
//   async def ticker():
//       global ticks
//       while True: ticks += 1; await asyncio.sleep(0)
//   async def child():
//       global mark
//       await asyncio.sleep(0); mark = ticks; return 1
//   async def measure(label, make):
//       t = asyncio.create_task(ticker()); await asyncio.sleep(0)
//       await make(); print(label, ticks - mark); t.cancel()
//   measure("gather", lambda: asyncio.gather(child()))                         -> gather 2
//   measure("shield", <await asyncio.shield(child())>)                         -> shield 2
//   measure("wait", <c = create_task(child()); await asyncio.wait([c])>)       -> wait 2
//   measure("as_completed", <for aw in as_completed([c]): await aw>)           -> as_completed 2
//   measure("as_completed async", <async for x in as_completed([c])>)          -> as_completed async 2
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

template <class X>
concept gatherable = requires(X x) { twoway::gather(x); };
template <class X>
concept waitable = requires(X x) { twoway::wait(x); };
template <class X>
concept as_completable = requires(X x) { twoway::as_completed(x); };

} // namespace

// ---- gather -----------------------------------------------------------------------------------------------

TEST(Gather, G1ResultsInArgumentOrderNotCompletionOrder) { // trace 60:1-7
    out.clear();
    auto r = twoway::run([]() -> coroutine<std::tuple<std::string, std::string, std::string>> {
        co_return co_await twoway::gather(steps("a", 3, "A"), steps("b", 1, "B"), steps("c", 2, "C"));
    }());
    EXPECT_EQ(r, std::make_tuple(std::string("A"), std::string("B"), std::string("C")));
    EXPECT_EQ(out, (std::vector<std::string>{"a start", "b start", "c start", "b return", "c return", "a return"}));
}

TEST(Gather, G1ChildrenStartInArgumentOrderAtTheNextPass) { // trace 60:8-17
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto g = twoway::gather(steps("x", 0, "X"), steps("y", 0, "Y"));
        static_assert(twoway::isfuture<decltype(g)>);
        EXPECT_FALSE(g.done()); // returned at once: nothing has run
        EXPECT_TRUE(out.empty());
        co_await twoway::sleep(0);
        EXPECT_EQ(out, (std::vector<std::string>{"x start", "x return", "y start", "y return"}));
        EXPECT_FALSE(g.done()); // "g.done() after one sleep(0) -> False": the done callbacks run one pass later
        auto r = co_await g;
        EXPECT_EQ(r, std::make_tuple(std::string("X"), std::string("Y")));
    }());
}

TEST(Gather, G1HeterogeneousResultsAreATuple) { // C++: each slot has its operand's type; void is None
    twoway::run([]() -> coroutine<void> {
        auto done = twoway::get_running_loop().create_future<void>();
        done.set_result();
        auto g = twoway::gather(answer(), steps("s", 1, "S"), done);
        static_assert(std::is_same_v<decltype(g), twoway::gathering_future<std::tuple<int, std::string, twoway::none_t>>>);
        auto [a, s, n] = co_await g;
        EXPECT_EQ(a, 42);
        EXPECT_EQ(s, "S");
        EXPECT_EQ(twoway::repr(n), "None");
    }());
}

TEST(Gather, G1RangeFormGivesAVectorInArgumentOrder) { // gather(*list_of_coroutines)
    out.clear();
    auto r = twoway::run([]() -> coroutine<std::vector<std::string>> {
        std::vector<coroutine<std::string>> cs;
        cs.push_back(steps("a", 2, "A"));
        cs.push_back(steps("b", 0, "B"));
        cs.push_back(steps("c", 1, "C"));
        auto g = twoway::gather(cs);
        EXPECT_TRUE(out.empty());
        co_return co_await g;
    }());
    EXPECT_EQ(r, (std::vector<std::string>{"A", "B", "C"}));
    EXPECT_EQ(out, (std::vector<std::string>{"a start", "b start", "b return", "c start", "c return", "a return"}));
}

TEST(Gather, G2NoArgumentsIsDoneAtOnce) { // trace 60:18-20
    twoway::run([]() -> coroutine<void> {
        auto g = twoway::gather();
        EXPECT_TRUE(g.done());
        auto r = co_await g;
        static_assert(std::is_same_v<decltype(r), std::tuple<>>);
        std::vector<coroutine<int>> none;
        auto gr = twoway::gather(none);
        EXPECT_TRUE(gr.done());
        std::vector<int> v = co_await gr;
        EXPECT_TRUE(v.empty());
    }());
}

TEST(Gather, G3AllChildrenDoneCompletesSynchronously) { // trace 60:21-23 (3.12+)
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        auto f1 = loop.create_future<std::string>();
        f1.set_result("f1");
        auto f2 = loop.create_future<std::string>();
        f2.set_result("f2");
        auto g = twoway::gather(f1, f2);
        EXPECT_TRUE(g.done());
        EXPECT_EQ(g.result(), std::make_tuple(std::string("f1"), std::string("f2")));
        auto pending = loop.create_future<std::string>();
        auto g2 = twoway::gather(f1, pending); // one child not done: not done
        EXPECT_FALSE(g2.done());
        pending.set_result("p");
        auto r = co_await g2;
        EXPECT_EQ(std::get<1>(r), "p");
    }());
}

TEST(Gather, G4SameTaskTwiceRunsOnce) { // trace 60:24-27
    twoway::run([]() -> coroutine<void> {
        int runs = 0;
        auto t = twoway::ensure_future(counted(&runs));
        auto r = co_await twoway::gather(t, t);
        EXPECT_EQ(r, std::make_tuple(7, 7));
        EXPECT_EQ(runs, 1);
    }());
}

TEST(Gather, G4SameCoroutineObjectTwiceRunsOnce) { // trace 60:28-30
    twoway::run([]() -> coroutine<void> {
        int runs = 0;
        auto c = counted(&runs);
        auto g = twoway::gather(std::move(c), std::move(c)); // one object: deduplicated before it is moved
        auto r = co_await g;
        EXPECT_EQ(r, std::make_tuple(7, 7));
        EXPECT_EQ(runs, 1);
    }());
}

TEST(Gather, G4NonAwaitableOperandDoesNotCompile) { // trace 60:32, skipped: Python's TypeError at the call
    static_assert(!gatherable<int> && gatherable<twoway::future<int>> && gatherable<coroutine<int>>);
    static_assert(!twoway::future_operand<int> && !twoway::future_operand<std::string>);
    SUCCEED();
}

TEST(Gather, G5FirstExceptionIsTheChildsOwnObject) { // trace 60:58-61
    out.clear();
    twoway::run([]() -> coroutine<void> {
        std::exception_ptr err = error(twoway::runtime_error("mine"));
        std::exception_ptr got = co_await error_of(twoway::gather(steps("own", 0, "", err)));
        EXPECT_EQ(got, err);
        // Two failures: only the first in completion order propagates.
        got = co_await error_of(twoway::gather(steps("e2", 2, "", error(twoway::value_error("second"))),
                                               steps("e1", 1, "", error(twoway::type_error("first")))));
        EXPECT_EQ(repr_of(got), "TypeError('first')");
    }());
}

TEST(Gather, G5OthersKeepRunningAndCancelAfterDoneReturnsFalse) { // trace 60:41-51
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto slow = spawn("slow", 10, "S");
        auto g = twoway::gather(steps("fail", 1, "", error(twoway::value_error("idx"))), slow);
        std::exception_ptr e = co_await error_of(g);
        EXPECT_EQ(repr_of(e), "ValueError('idx')");
        EXPECT_TRUE(g.done());
        EXPECT_FALSE(slow.done());
        EXPECT_FALSE(g.cancel()); // the gather future is done: nothing is cancelled
        EXPECT_FALSE(slow.cancelled());
        std::string s = co_await slow;
        EXPECT_EQ(s, "S");
        EXPECT_FALSE(slow.cancelled());
    }());
}

// Probe (3.13.0), with loop.set_exception_handler(lambda l, c: ctxs.append(c["message"])):
//   try: await asyncio.gather(steps(2, exc=LookupError("second")), steps(1, exc=TypeError("first")))
//   except TypeError: pass
//   three sleep(0), gc.collect()                  -> ctxs == []
//   t = create_task(steps(0, exc=ValueError())); two sleep(0); del t; gc.collect()
//                                                 -> ['Task exception was never retrieved']
TEST(Gather, G5LaterFailuresAreMarkedRetrieved) { // trace 60:52-57
    out.clear();
    reports.clear();
    std::size_t after_gather = 99;
    twoway::run([](std::size_t *after_gather) -> coroutine<void> {
        twoway::get_running_loop().set_exception_handler(
            [](twoway::event_loop &, const twoway::exception_context &c) { reports.push_back(c.message.value_or("")); });
        {
            std::exception_ptr e = co_await error_of(twoway::gather(steps("e2", 2, "", error(twoway::value_error("second"))),
                                                                    steps("e1", 1, "", error(twoway::type_error("first")))));
            EXPECT_EQ(repr_of(e), "TypeError('first')");
        }
        for (int i = 0; i < 3; ++i) co_await twoway::sleep(0);
        *after_gather = reports.size();
        { // the control: a failed task nobody retrieves is reported when it goes away
            auto lost = spawn("lost", 0, "", error(twoway::value_error("lost")));
            co_await twoway::sleep(0);
            co_await twoway::sleep(0);
        }
        co_await twoway::sleep(0);
    }(&after_gather));
    EXPECT_EQ(after_gather, 0u);
    EXPECT_EQ(reports, (std::vector<std::string>{"Task exception was never retrieved"}));
}

TEST(Gather, G6ReturnExceptionsFillsSlots) { // trace 60:33-40
    out.clear();
    twoway::run([]() -> coroutine<void> {
        std::exception_ptr boom = error(twoway::value_error("boom"));
        auto r = co_await twoway::gather(twoway::return_exceptions, steps("ok1", 1, "1"), steps("bad", 0, "", boom),
                                         steps("ok2", 2, "2"));
        EXPECT_FALSE(std::get<0>(r).has_exception());
        EXPECT_EQ(std::get<0>(r).value(), "1");
        EXPECT_TRUE(std::get<1>(r).has_exception());
        EXPECT_EQ(std::get<1>(r).exception(), boom); // the child's own object, in its slot
        EXPECT_EQ(std::get<2>(r).value(), "2");
        // The range form: a vector of slots.
        std::vector<coroutine<std::string>> cs;
        cs.push_back(steps("r1", 0, "", error(twoway::type_error("t"))));
        cs.push_back(steps("r2", 1, "R2"));
        auto v = co_await twoway::gather(twoway::return_exceptions, cs);
        EXPECT_EQ(v.size(), 2u);
        EXPECT_EQ(repr_of(v[0].exception()), "TypeError('t')");
        EXPECT_EQ(v[1].value(), "R2");
    }());
    // Completion order: bad first; the gather future only once every child is done.
    EXPECT_EQ(out, (std::vector<std::string>{"ok1 start", "bad start", "bad raise", "ok2 start", "ok1 return", "ok2 return",
                                             "r1 start", "r1 raise", "r2 start", "r2 return"}));
}

TEST(Gather, G7CancelForwardsTheMessage) { // trace 61:1-8
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto g = twoway::gather(worker("a", 5, "A"), worker("b", 5, "B"));
        co_await twoway::sleep(0);
        EXPECT_TRUE(g.cancel("stop"));
        std::exception_ptr e = co_await error_of(g);
        EXPECT_EQ(repr_of(e), "CancelledError('stop')");
    }());
    EXPECT_EQ(out, (std::vector<std::string>{"a start", "b start", "a caught CancelledError('stop')",
                                             "b caught CancelledError('stop')"}));
}

TEST(Gather, G7CancelWhenChildrenDoneButNotGatherReturnsFalse) { // trace 61:40-47
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto g = twoway::gather(worker("fa", 0, "A"), worker("fb", 0, "B"));
        co_await twoway::sleep(0);
        EXPECT_EQ(out, (std::vector<std::string>{"fa start", "fb start"})); // both returned
        EXPECT_FALSE(g.done());
        EXPECT_FALSE(g.cancel());
        auto r = co_await g;
        EXPECT_EQ(r, std::make_tuple(std::string("A"), std::string("B")));
    }());
}

// Probe (3.13.0): after g.cancel("stop") and `await g` raising e:
//   g.cancelled() -> False, repr(g.exception()) -> CancelledError('stop'), e is g.exception() -> True,
//   e is <the CancelledError the first child caught> -> True
TEST(Gather, G8GatherFutureIsNeverCancelled) { // trace 61:7-8
    out.clear();
    caught.clear();
    twoway::run([]() -> coroutine<void> {
        auto g = twoway::gather(worker("a", 5, "A"), worker("b", 5, "B"));
        co_await twoway::sleep(0);
        EXPECT_TRUE(g.cancel("stop"));
        std::exception_ptr e = co_await error_of(g);
        EXPECT_TRUE(g.done());
        EXPECT_FALSE(g.cancelled());
        EXPECT_EQ(repr_of(g.exception()), "CancelledError('stop')");
        EXPECT_EQ(e, g.exception());
        EXPECT_EQ(caught.size(), 2u);
        if (!caught.empty()) {
            EXPECT_EQ(e, caught[0]); // the first cancelled child's own CancelledError
        }
    }());
}

TEST(Gather, G9ChildCancelledAloneRaisesItsMessage) { // trace 61:9-15
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto ta = twoway::create_task(worker("ca", 5, "A"));
        auto tb = twoway::create_task(worker("cb", 8, "B"));
        auto g = twoway::gather(ta, tb);
        co_await twoway::sleep(0);
        ta.cancel("child msg");
        std::exception_ptr e = co_await error_of(g);
        EXPECT_EQ(repr_of(e), "CancelledError('child msg')");
        EXPECT_FALSE(g.cancelled());
        EXPECT_FALSE(tb.done()); // the sibling keeps running
        std::string b = co_await tb;
        EXPECT_EQ(b, "B");
    }());
}

// Probe (3.13.0): [repr(x) for x in await g] -> ["CancelledError('')", "'B'", "CancelledError('future msg')"]
TEST(Gather, G9ReturnExceptionsTaskSlotHasEmptyMessage) { // trace 61:16-22
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto ta = twoway::create_task(worker("ra", 5, "A"));
        auto tb = twoway::create_task(worker("rb", 3, "B"));
        auto fut = twoway::get_running_loop().create_future<std::string>();
        auto g = twoway::gather(twoway::return_exceptions, ta, tb, fut);
        co_await twoway::sleep(0);
        ta.cancel("task msg");
        fut.cancel("future msg");
        auto r = co_await g;
        EXPECT_EQ(repr_of(std::get<0>(r).exception()), "CancelledError('')"); // a Task: its Future.cancel() had no message
        EXPECT_EQ(std::get<1>(r).value(), "B");
        EXPECT_EQ(repr_of(std::get<2>(r).exception()), "CancelledError('future msg')");
    }());
    EXPECT_NE(std::find(out.begin(), out.end(), "ra caught CancelledError('task msg')"), out.end());
}

// Probe (3.13.0): every child swallows g.cancel("m") -> await g raises CancelledError('m'); with
// return_exceptions=True, one child re-raising and the other swallowing g.cancel("m2") -> CancelledError('m2').
TEST(Gather, G10CancelRequestedWinsOverReturnExceptions) { // trace 61:23-39
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto g = twoway::gather(twoway::return_exceptions, worker("oa", 5, "A"), worker("ob", 5, "B", true));
        co_await twoway::sleep(0);
        EXPECT_TRUE(g.cancel());
        std::exception_ptr e = co_await error_of(g);
        EXPECT_EQ(repr_of(e), "CancelledError()");

        auto g2 = twoway::gather(twoway::return_exceptions, worker("ma", 3, "A"), worker("mb", 3, "B", true));
        co_await twoway::sleep(0);
        EXPECT_TRUE(g2.cancel("m2"));
        e = co_await error_of(g2);
        EXPECT_EQ(repr_of(e), "CancelledError('m2')");
    }());
}

TEST(Gather, G10TheErrorIsTheLastArgumentsAndChildErrorsAreRetrieved) { // async difftest regressions 002, 003
    // CPython 3.13 builds the results list first (each child's exception() marks it retrieved), then makes
    // the CancelledError of its loop variable: the child of the last argument, here one that returned.
    std::vector<std::string> reported;
    std::string message = "?";
    twoway::run([](std::vector<std::string> *r, std::string *m) -> coroutine<void> {
        twoway::get_running_loop().set_exception_handler(
            [r](twoway::event_loop &, const twoway::exception_context &c) { r->push_back(c.message.value_or("")); });
        auto fails_when_cancelled = []() -> coroutine<int> {
            bool cancelled = false;
            try {
                co_await twoway::sleep(5);
            } catch (const twoway::cancelled_error &) {
                cancelled = true;
            }
            if (cancelled) throw twoway::value_error("cleanup failed");
            co_return 1;
        };
        auto at_once = []() -> coroutine<int> { co_return 2; };
        auto g = twoway::gather(twoway::return_exceptions, fails_when_cancelled(), at_once());
        co_await twoway::sleep(1);
        EXPECT_TRUE(g.cancel("stop"));
        try {
            (void)co_await g;
        } catch (const twoway::cancelled_error &e) {
            *m = e.what();
        }
    }(&reported, &message));
    EXPECT_EQ(message, ""); // not "stop": the last argument's child was not cancelled
    EXPECT_TRUE(reported.empty()) << reported.front(); // no "Task exception was never retrieved"
}

TEST(Gather, G10EveryChildSwallowingStillRaisesCancelledError) { // trace 61:30-39
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto g = twoway::gather(worker("sa", 3, "A", true), worker("sb", 3, "B", true));
        co_await twoway::sleep(0);
        EXPECT_TRUE(g.cancel("m"));
        std::exception_ptr e = co_await error_of(g);
        EXPECT_EQ(repr_of(e), "CancelledError('m')");
        EXPECT_FALSE(g.cancelled());
    }());
    EXPECT_EQ(out, (std::vector<std::string>{"sa start", "sb start", "sa caught CancelledError('m')",
                                             "sb caught CancelledError('m')"}));
}

// Probe (3.13.0): t.cancel('bye') -> True; the children catch CancelledError('bye'); await t raises
// CancelledError('bye'); t.cancelled() -> True.
TEST(Gather, G11TaskCancelForwardsThroughGather) { // trace 61:48-55
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto waiter = []() -> coroutine<std::tuple<std::string, std::string>> {
            co_return co_await twoway::gather(worker("wa", 5, "A"), worker("wb", 5, "B"));
        };
        auto t = twoway::create_task(waiter());
        co_await twoway::sleep(0);
        co_await twoway::sleep(0);
        EXPECT_TRUE(t.cancel("bye"));
        std::exception_ptr e = co_await error_of(t);
        EXPECT_EQ(repr_of(e), "CancelledError('bye')");
        EXPECT_TRUE(t.cancelled());
    }());
    EXPECT_EQ(out, (std::vector<std::string>{"wa start", "wb start", "wa caught CancelledError('bye')",
                                             "wb caught CancelledError('bye')"}));
}

TEST(Gather, G1GatherWakesTwoPassesAfterTheChildReturns) { // plan 2.12: gather 2 (probe above)
    int passes = twoway::run(count_passes([](const int *ticks, int *mark) -> coroutine<void> {
        co_await twoway::gather(marked_child(ticks, mark));
    }));
    EXPECT_EQ(passes, 2);
}

// ---- ensure_future ----------------------------------------------------------------------------------------

TEST(EnsureFuture, G1CoroutineBecomesATaskThatStartsAtTheNextPass) {
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto t = twoway::ensure_future(steps("e", 0, "E"));
        static_assert(std::is_same_v<decltype(t), task_t>);
        EXPECT_EQ(t.get_coro().state(), twoway::coroutine_state::created);
        EXPECT_TRUE(out.empty());
        co_await twoway::sleep(0);
        EXPECT_EQ(out, (std::vector<std::string>{"e start", "e return"}));
        EXPECT_TRUE(t.done());
        EXPECT_EQ(t.result(), "E");
    }());
}

// Probe (3.13.0): asyncio.ensure_future(f) is f -> True
TEST(EnsureFuture, G4FutureOrTaskIsPassedThroughAsItIs) {
    twoway::run([]() -> coroutine<void> {
        auto f = twoway::get_running_loop().create_future<int>();
        auto same = twoway::ensure_future(f);
        EXPECT_TRUE(same == f);
        auto t = twoway::create_task(answer());
        auto also = twoway::ensure_future(t);
        EXPECT_EQ(also.identity(), t.identity());
        f.cancel();
        (void)co_await t;
    }());
}

// Probe (3.13.0): a class with __await__ (yield from sleep(0).__await__(); return 5):
//   asyncio.ensure_future(Aw()) -> a Task, awaiting it gives 5
TEST(EnsureFuture, G1OtherAwaitableIsWrappedInATask) {
    int r = twoway::run([]() -> coroutine<int> {
        auto t = twoway::ensure_future(twoway::sleep(0, 5));
        static_assert(std::is_same_v<decltype(t), twoway::task<int>>);
        EXPECT_FALSE(t.done());
        co_return co_await t;
    }());
    EXPECT_EQ(r, 5);
}

// ---- shield -----------------------------------------------------------------------------------------------

TEST(Shield, G36AwaiterCancelledInnerContinues) { // trace 65:1-8
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto inner = twoway::create_task(worker("inner", 10, "I"));
        auto caller = [](task_t inner) -> coroutine<std::string> { co_return co_await twoway::shield(inner); };
        auto c = twoway::create_task(caller(inner));
        co_await twoway::sleep(0);
        EXPECT_TRUE(c.cancel());
        std::exception_ptr e = co_await error_of(c);
        EXPECT_EQ(repr_of(e), "CancelledError()");
        EXPECT_TRUE(c.cancelled());
        EXPECT_FALSE(inner.cancelled());
        EXPECT_FALSE(inner.done());
        std::string r = co_await inner; // its result can still be awaited
        EXPECT_EQ(r, "I");
    }());
    EXPECT_EQ(out, (std::vector<std::string>{"inner start"})); // never cancelled
}

namespace {
coroutine<void> flag_after(int n, bool *flag) {
    for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    *flag = true;
}
coroutine<void> await_shielded(bool *flag) { co_await twoway::shield(flag_after(3, flag)); }
} // namespace

TEST(Shield, G36ShieldedCoroutineKeepsRunning) { // trace 65:9-13
    bool finished = false;
    bool finished_when_caller_ended = true;
    twoway::run([](bool *finished, bool *at_end) -> coroutine<void> {
        auto c = twoway::create_task(await_shielded(finished));
        co_await twoway::sleep(0);
        c.cancel();
        std::exception_ptr e = co_await error_of(c);
        EXPECT_EQ(repr_of(e), "CancelledError()");
        *at_end = *finished;
        for (int i = 0; i < 10; ++i) co_await twoway::sleep(0);
    }(&finished, &finished_when_caller_ended));
    EXPECT_FALSE(finished_when_caller_ended);
    EXPECT_TRUE(finished); // nobody awaited it any more, and it still finished
}

TEST(Shield, G37DoneFutureIsReturnedItself) { // trace 65:15, 33-34
    twoway::run([]() -> coroutine<void> {
        auto f = twoway::get_running_loop().create_future<std::string>();
        f.set_result("ready");
        EXPECT_TRUE(twoway::shield(f) == f);
        auto t = twoway::create_task(steps("p", 2, "P"));
        auto outer = twoway::shield(t);
        EXPECT_NE(outer.identity(), t.identity()); // shield(t) is t -> False
        std::string r = co_await outer;
        EXPECT_EQ(r, "P");
        auto again = twoway::shield(t); // t is done now: t itself
        EXPECT_EQ(again.identity(), t.identity());
    }());
}

// Probe (3.13.0): await asyncio.shield(steps(1, exc=bad)) raises e with e is bad -> True;
// inner.cancel("why") -> await outer raises CancelledError(), outer.cancelled() -> True.
TEST(Shield, G38InnerOutcomeIsCopied) { // trace 65:26-32
    out.clear();
    twoway::run([]() -> coroutine<void> {
        std::exception_ptr bad = error(twoway::value_error("bad"));
        std::exception_ptr e = co_await error_of(twoway::shield(steps("failing", 1, "", bad)));
        EXPECT_EQ(e, bad);
        std::string ok = co_await twoway::shield(steps("fine", 1, "ok"));
        EXPECT_EQ(ok, "ok");
    }());
}

TEST(Shield, G38InnerCancelledCancelsOuter) { // trace 65:21-25
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto inner = twoway::create_task(worker("inner3", 5, "I3"));
        auto outer = twoway::shield(inner);
        co_await twoway::sleep(0);
        inner.cancel("why");
        std::exception_ptr e = co_await error_of(outer);
        EXPECT_TRUE(outer.cancelled());
        EXPECT_EQ(repr_of(e), "CancelledError()"); // outer.cancel() without the inner message
    }());
}

TEST(Shield, G38CancellingOuterLeavesInner) { // trace 65:14-20
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto inner = twoway::create_task(worker("inner2", 2, "I2"));
        auto outer = twoway::shield(inner);
        EXPECT_TRUE(outer.cancel());
        std::exception_ptr e = co_await error_of(outer);
        EXPECT_EQ(repr_of(e), "CancelledError()");
        EXPECT_TRUE(outer.cancelled());
        EXPECT_FALSE(inner.cancelled());
        std::string r = co_await inner;
        EXPECT_EQ(r, "I2");
    }());
    EXPECT_EQ(out, (std::vector<std::string>{"inner2 start"}));
}

TEST(Shield, G36ShieldWakesTwoPassesAfterTheChildReturns) { // plan 2.12: shield 2 (probe above)
    int passes = twoway::run(count_passes([](const int *ticks, int *mark) -> coroutine<void> {
        co_await twoway::shield(marked_child(ticks, mark));
    }));
    EXPECT_EQ(passes, 2);
}

// ---- wait -------------------------------------------------------------------------------------------------

TEST(Wait, G19AllCompletedNothingRaised) { // trace 63:1-6
    out.clear();
    twoway::run([]() -> coroutine<void> {
        std::vector<task_t> ts{spawn("a", 3, "A"), spawn("b", 1, "", error(twoway::value_error("b failed"))),
                               spawn("c", 2, "C")};
        auto r = co_await twoway::wait(ts);
        EXPECT_EQ(r.done, ts); // the same task objects (a vector in first-appearance order: Python's set)
        EXPECT_TRUE(r.pending.empty());
        EXPECT_EQ(repr_of(ts[1].exception()), "ValueError('b failed')"); // stays in its task
    }());
}

// Probe (3.13.0): f done; done, pending = await asyncio.wait([f, f]) -> len(done) 1, len(pending) 0,
// next(iter(done)) is f -> True
TEST(Wait, G19DuplicatesCollapseAndDoneTasksComeBackInDone) { // trace 63:32-33
    twoway::run([]() -> coroutine<void> {
        auto f = twoway::get_running_loop().create_future<std::string>();
        f.set_result("x");
        std::vector<twoway::future<std::string>> twice{f, f};
        auto r = co_await twoway::wait(twice);
        EXPECT_EQ(r.done.size(), 1u);
        if (!r.done.empty()) {
            EXPECT_TRUE(r.done[0] == f);
        }
        EXPECT_TRUE(r.pending.empty());
        task_t q = spawn("q", 0, "Q");
        task_t p = spawn("p", 1, "P");
        std::vector<task_t> both{q, p, q};
        auto first = co_await twoway::wait(both);
        EXPECT_EQ(first.done, (std::vector<task_t>{q, p}));
        auto again = co_await twoway::wait(both); // already finished: all in done
        EXPECT_EQ(again.done, (std::vector<task_t>{q, p}));
        EXPECT_TRUE(again.pending.empty());
    }());
}

TEST(Wait, G20FirstCompleted) { // trace 63:8-13
    out.clear();
    twoway::run([]() -> coroutine<void> {
        task_t slow = spawn("slow", 12, "S");
        task_t fast = spawn("fast", 1, "F");
        task_t mid = spawn("mid", 6, "M");
        std::vector<task_t> ts{slow, fast, mid};
        auto r = co_await twoway::wait(ts, std::nullopt, twoway::FIRST_COMPLETED);
        EXPECT_EQ(r.done, (std::vector<task_t>{fast}));
        EXPECT_EQ(r.pending, (std::vector<task_t>{slow, mid}));
        EXPECT_FALSE(slow.cancelled() || mid.cancelled()); // left alone
        r = co_await twoway::wait(r.pending, std::nullopt, twoway::FIRST_COMPLETED);
        EXPECT_EQ(r.done, (std::vector<task_t>{mid}));
        EXPECT_EQ(r.pending, (std::vector<task_t>{slow}));
        r = co_await twoway::wait(r.pending);
        EXPECT_EQ(slow.result(), "S");
    }());
}

// Probe (3.13.0): a cancelled -> wait([a, b], FIRST_COMPLETED): a in done, b in pending, b not cancelled;
// a failing after one pass -> the same (a in done, b in pending).
TEST(Wait, G20FirstCompletedCountsCancellationAndException) {
    twoway::run([]() -> coroutine<void> {
        task_t a = spawn("a", 5, "A");
        task_t b = spawn("b", 10, "B");
        co_await twoway::sleep(0);
        a.cancel();
        std::vector<task_t> ab{a, b};
        auto r = co_await twoway::wait(ab, std::nullopt, twoway::FIRST_COMPLETED);
        EXPECT_EQ(r.done, (std::vector<task_t>{a}));
        EXPECT_EQ(r.pending, (std::vector<task_t>{b}));
        task_t c = spawn("c", 1, "", error(twoway::value_error("x")));
        std::vector<task_t> cb{c, b};
        r = co_await twoway::wait(cb, std::nullopt, twoway::FIRST_COMPLETED);
        EXPECT_EQ(r.done, (std::vector<task_t>{c}));
        EXPECT_FALSE(b.done());
        (void)c.exception();
        co_await twoway::wait(r.pending);
    }());
}

TEST(Wait, G20FirstException) { // trace 63:14-17
    out.clear();
    twoway::run([]() -> coroutine<void> {
        task_t ok1 = spawn("ok1", 1, "1");
        task_t boom = spawn("boom", 3, "", error(twoway::value_error("boom")));
        task_t ok2 = spawn("ok2", 10, "2");
        std::vector<task_t> ts{ok1, boom, ok2};
        auto r = co_await twoway::wait(ts, std::nullopt, twoway::FIRST_EXCEPTION);
        EXPECT_EQ(r.done, (std::vector<task_t>{ok1, boom}));
        EXPECT_EQ(r.pending, (std::vector<task_t>{ok2}));
        EXPECT_FALSE(ok2.cancelled());
        co_await twoway::wait(r.pending);
        EXPECT_EQ(ok2.result(), "2");
    }());
}

TEST(Wait, G20FirstExceptionIgnoresCancelled) { // trace 63:18-20
    out.clear();
    twoway::run([]() -> coroutine<void> {
        task_t victim = spawn("victim", 5, "V");
        task_t late = spawn("late", 3, "L");
        std::vector<task_t> ts{victim, late};
        co_await twoway::sleep(0);
        victim.cancel();
        auto r = co_await twoway::wait(ts, std::nullopt, twoway::FIRST_EXCEPTION);
        EXPECT_EQ(r.done, ts); // it waited for late too
        EXPECT_TRUE(r.pending.empty());
        EXPECT_TRUE(victim.cancelled());
    }());
}

TEST(Wait, G20FirstExceptionWithoutFailureIsAllCompleted) { // trace 63:21-23
    out.clear();
    twoway::run([]() -> coroutine<void> {
        std::vector<task_t> ts{spawn("p", 1, "P"), spawn("q", 2, "Q")};
        auto r = co_await twoway::wait(ts, std::nullopt, twoway::FIRST_EXCEPTION);
        EXPECT_EQ(r.done, ts);
        EXPECT_TRUE(r.pending.empty());
    }());
    EXPECT_EQ(out, (std::vector<std::string>{"p start", "q start", "p return", "q return"}));
}

TEST(Wait, G21TimeoutReturnsPendingWithoutCancelling) { // trace 63:24-28, on the virtual clock
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        const double t0 = loop.time();
        task_t forever = twoway::create_task(never_returns(), "forever");
        task_t quick = spawn("quick", 1, "Q");
        std::vector<task_t> both{forever, quick};
        auto r = co_await twoway::wait(both, 0.05); // does not raise TimeoutError
        EXPECT_EQ(r.done, (std::vector<task_t>{quick}));
        EXPECT_EQ(r.pending, (std::vector<task_t>{forever}));
        EXPECT_FALSE(forever.done());
        EXPECT_FALSE(forever.cancelled());
        EXPECT_GE(loop.time() - t0, 0.05);
        EXPECT_LT(loop.time() - t0, 1.0);
        forever.cancel();
        co_await twoway::wait(r.pending);
        EXPECT_TRUE(forever.cancelled());
    }(), {twoway::virtual_clock});
}

TEST(Wait, G22EmptyRaisesWhenAwaited) { // trace 63:34
    twoway::run([]() -> coroutine<void> {
        std::vector<task_t> none_at_all;
        auto w = twoway::wait(none_at_all); // a coroutine: nothing is checked until it runs
        std::exception_ptr e = co_await error_of(std::move(w));
        EXPECT_EQ(repr_of(e), "ValueError('Set of Tasks/Futures is empty.')");
    }());
}

TEST(Wait, G22OtherArgumentErrorsDoNotCompile) { // trace 63:35-38, skipped: TypeErrors in Python
    static_assert(!waitable<std::vector<coroutine<std::string>>>); // "Passing coroutines is forbidden"
    static_assert(!waitable<task_t>);                                // "expect a list of futures, not Task"
    static_assert(waitable<std::vector<task_t>>);
    // return_when is an enum: "Invalid return_when value: bogus" cannot be formed.
    SUCCEED();
}

TEST(Wait, G19WaitWakesTwoPassesAfterTheChildReturns) { // plan 2.12: wait 2 (probe above)
    int passes = twoway::run(count_passes([](const int *ticks, int *mark) -> coroutine<void> {
        std::vector<twoway::task<int>> one{twoway::create_task(marked_child(ticks, mark))};
        co_await twoway::wait(one);
    }));
    EXPECT_EQ(passes, 2);
}

// ---- as_completed -----------------------------------------------------------------------------------------

TEST(AsCompleted, G23ItemsResolveInCompletionOrder) { // trace 63:39-50
    std::vector<std::string> got = twoway::run([]() -> coroutine<std::vector<std::string>> {
        std::vector<task_t> ts{spawn("a", 4, "A"), spawn("b", 1, "B"), spawn("c", 6, "", error(twoway::value_error("c failed"))),
                               spawn("d", 2, "D")};
        std::vector<std::string> got;
        for (auto aw : twoway::as_completed(ts)) {
            static_assert(std::is_same_v<decltype(aw), coroutine<std::string>>); // a new awaitable, not a task
            std::exception_ptr e;
            try {
                got.push_back(co_await std::move(aw));
            } catch (...) {
                e = std::current_exception();
            }
            if (e) got.push_back(repr_of(e));
        }
        co_return got;
    }());
    EXPECT_EQ(got, (std::vector<std::string>{"B", "D", "A", "ValueError('c failed')"}));
}

TEST(AsCompleted, G23DuplicatesCollapse) { // trace 63:51-52
    twoway::run([]() -> coroutine<void> {
        task_t t = spawn("dup", 1, "D");
        std::vector<task_t> twice{t, t};
        std::vector<coroutine<std::string>> items;
        for (auto aw : twoway::as_completed(twice)) items.push_back(std::move(aw));
        EXPECT_EQ(items.size(), 1u);
        std::string r = co_await std::move(items[0]);
        EXPECT_EQ(r, "D");
    }());
}

TEST(AsCompleted, G24AnextYieldsTheOriginalTasks) { // trace 63:53-56 (3.13)
    twoway::run([]() -> coroutine<void> {
        std::vector<task_t> ts{spawn("x", 3, "X"), spawn("y", 1, "Y"), spawn("z", 2, "Z")};
        auto it = twoway::as_completed(ts);
        EXPECT_EQ(it.remaining(), 3u);
        std::vector<task_t> order;
        while (auto t = co_await it.anext()) {
            EXPECT_TRUE(t->done());
            order.push_back(*t);
        }
        EXPECT_EQ(order, (std::vector<task_t>{ts[1], ts[2], ts[0]})); // the originals, in completion order
    }());
}

TEST(AsCompleted, G24CoroutineArgumentsYieldTheirImplicitTasks) { // 3.13: "implicitly created tasks"
    out.clear();
    twoway::run([]() -> coroutine<void> {
        std::vector<coroutine<std::string>> cs;
        cs.push_back(steps("m", 2, "M"));
        cs.push_back(steps("n", 0, "N"));
        auto it = twoway::as_completed(cs);
        std::vector<std::string> results;
        while (auto t = co_await it.anext()) {
            static_assert(std::is_same_v<std::remove_cvref_t<decltype(*t)>, task_t>);
            results.push_back(t->result());
        }
        EXPECT_EQ(results, (std::vector<std::string>{"N", "M"}));
    }());
}

TEST(AsCompleted, G25ItemsAfterTheDeadlineRaiseTimeoutError) { // trace 63:57-60, on the virtual clock
    twoway::run([]() -> coroutine<void> {
        task_t fast = spawn("fast", 1, "F");
        task_t never = twoway::create_task(never_returns(), "never");
        std::vector<task_t> pair{fast, never};
        std::vector<std::string> got;
        for (auto aw : twoway::as_completed(pair, 0.05)) {
            std::exception_ptr e;
            try {
                got.push_back(co_await std::move(aw));
            } catch (...) {
                e = std::current_exception();
            }
            if (e) got.push_back(repr_of(e));
        }
        EXPECT_EQ(got, (std::vector<std::string>{"F", "TimeoutError()"}));
        EXPECT_FALSE(never.done()); // not cancelled
        never.cancel();
        std::vector<task_t> just_never{never};
        co_await twoway::wait(just_never);
    }(), {twoway::virtual_clock});
}

// _handle_timeout puts one None per unfinished future (tasks.py:612-616: `for f in self._todo: ...;
// self._done.put_nowait(None)`), so every item taken after the deadline raises.
// Probe (3.13.0): two tasks sleeping 3600 s, as_completed([a, b], timeout=0.05), each item awaited through
// wait_for(aw, 1) -> "0 TimeoutError", "1 TimeoutError"; a.done(), b.done() -> False False.
// (A single sentinel would leave the second item waiting for ever: the wait is bounded for that case.)
TEST(AsCompleted, G25EveryItemAfterTheDeadlineRaisesTimeoutError) {
    std::vector<std::string> got = twoway::run([]() -> coroutine<std::vector<std::string>> {
        std::vector<twoway::task<void>> ts{twoway::create_task(sleep_forever()), twoway::create_task(sleep_forever())};
        std::vector<std::string> got;
        for (auto aw : twoway::as_completed(ts, 0.05)) {
            auto item = twoway::ensure_future(std::move(aw));
            std::vector<twoway::task<void>> one{item};
            auto r = co_await twoway::wait(one, 1.0); // bounded, so that the bug cannot hang the test
            if (r.done.empty()) {
                got.push_back("still waiting");
                item.cancel();
            } else {
                got.push_back(repr_of(item.exception()));
            }
        }
        for (auto &t : ts) EXPECT_FALSE(t.done());
        for (auto &t : ts) t.cancel();
        co_return got;
    }(), {twoway::virtual_clock});
    EXPECT_EQ(got, (std::vector<std::string>{"TimeoutError()", "TimeoutError()"}));
}

TEST(AsCompleted, G26SingleAwaitableDoesNotCompile) { // trace 63:61-62, skipped: TypeError at the call (3.13)
    static_assert(!as_completable<task_t> && as_completable<std::vector<task_t>>);
    SUCCEED();
}

TEST(AsCompleted, G23ItemWakesTwoPassesAfterTheChildReturns) { // plan 2.12: as_completed 2 (probe above)
    int passes = twoway::run(count_passes([](const int *ticks, int *mark) -> coroutine<void> {
        std::vector<twoway::task<int>> one{twoway::create_task(marked_child(ticks, mark))};
        for (auto aw : twoway::as_completed(one)) (void)co_await std::move(aw);
    }));
    EXPECT_EQ(passes, 2);
    passes = twoway::run(count_passes([](const int *ticks, int *mark) -> coroutine<void> {
        std::vector<twoway::task<int>> one{twoway::create_task(marked_child(ticks, mark))};
        auto it = twoway::as_completed(one);
        while (auto t = co_await it.anext()) (void)t;
    }));
    EXPECT_EQ(passes, 2);
}
