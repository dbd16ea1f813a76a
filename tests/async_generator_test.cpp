// Tests of twoway/async_generator.hpp: async_generator<Y, S>, its asend/athrow/aclose awaitables, the
// async for form, the hooks and finalization (SEMANTICS.md A1-A23). Expected texts are CPython 3.13's
// (traces 27, 28, 30 and the experiments of docs/plans/async-generators.md).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "twoway/async_generator.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/generator.hpp"
#include "twoway/unraisable.hpp"
#include "twoway/warnings.hpp"
#include "twoway/yield_from.hpp"

using twoway::async_generator;
using twoway::async_generator_state;
using twoway::coroutine;
using twoway::maybe;
using twoway::object;

namespace {

std::vector<std::string> log;

// A generator-based coroutine (@types.coroutine): its yield goes to whoever drives the await.
twoway::generator<object, object, object> io(std::string tag) {
    maybe<object> reply = co_yield object(tag);
    co_return object(reply);
}

// What a hand driver sees of an awaitable: every await suspension, then "-> value" or "!! error".
template <class A>
std::string run(A &&aw, std::vector<object> replies = {}) {
    std::string out;
    object to_send;
    std::size_t next_reply = 0;
    for (;;) {
        try {
            object suspended_on = aw.send(to_send);
            out += "(suspended on " + suspended_on.repr() + ") ";
            to_send = next_reply < replies.size() ? replies[next_reply++] : object();
        } catch (const twoway::stop_iteration<std::string> &s) {
            return out + "-> " + (s.value.is_none() ? std::string("None") : twoway::repr(*s.value));
        } catch (const twoway::stop_iteration<int> &s) {
            return out + "-> " + (s.value.is_none() ? std::string("None") : std::to_string(*s.value));
        } catch (const twoway::stop_iteration<> &) {
            return out + "-> None";
        } catch (...) {
            return out + "!! " + twoway::format_exception(std::current_exception());
        }
    }
}

async_generator<std::string, std::string> agen() {
    log.push_back("started");
    maybe<std::string> x = co_yield std::string("first");
    log.push_back("received " + twoway::repr(x));
    object r = co_await io("io-request");
    log.push_back("io replied " + r.repr());
    maybe<std::string> y = co_yield std::string("second");
    log.push_back("received " + twoway::repr(y));
}

async_generator<int> failing() {
    co_yield 1;
    throw std::out_of_range("inside agen");
}

async_generator<int> countdown(int n) {
    while (n > 0) co_yield n--;
}

async_generator<int> with_cleanup() {
    std::exception_ptr ep;
    try {
        co_yield 1;
        co_yield 2;
    } catch (...) {
        ep = std::current_exception();
    }
    log.push_back("finally: awaiting cleanup");
    co_await io("cleanup-io");
    log.push_back("cleanup done");
    if (ep) std::rethrow_exception(ep);
}

async_generator<int> stubborn() {
    bool caught = false;
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        caught = true;
    }
    if (caught) {
        log.push_back("caught GeneratorExit, yielding");
        co_yield 2;
    }
}

async_generator<std::string> catcher() {
    bool caught = false;
    try {
        co_yield std::string("first");
    } catch (const twoway::value_error &e) {
        log.push_back(std::string("caught ValueError: ") + e.what());
        caught = true;
    }
    if (caught) co_yield std::string("recovered");
}

async_generator<std::string> slow() {
    co_await io("tick");
    co_yield std::string("slow value");
}

struct warnings_captured {
    std::vector<std::string> seen;
    twoway::warning_hook previous;
    warnings_captured() {
        previous = twoway::set_warning_hook([this](const twoway::warning &w) { seen.push_back(std::string(w.category) + ": " + w.message); });
    }
    ~warnings_captured() { twoway::set_warning_hook(previous); }
};

struct unraisable_captured {
    std::vector<std::string> seen;
    twoway::unraisable_hook previous;
    unraisable_captured() {
        previous = twoway::set_unraisable_hook([this](const twoway::unraisable &u) { seen.push_back(twoway::format_exception(u.exception)); });
    }
    ~unraisable_captured() { twoway::set_unraisable_hook(previous); }
};

template <class P>
concept returns_value = requires(P &p) { p.return_value(1); };
template <class P>
concept yields_delegation = requires(P &p) { p.yield_value(twoway::from(std::declval<twoway::generator<int> &>())); };

} // namespace

// ---- A1-A6: trace 27 -----------------------------------------------------------------------------------

TEST(AsyncGenerator, A1CallingRunsNothingAndAiterIsItself) {
    log.clear();
    auto a = agen();
    EXPECT_EQ(&a.aiter(), &a);
    EXPECT_FALSE(a.running());
    EXPECT_EQ(a.state(), async_generator_state::created);
    EXPECT_TRUE(log.empty());
    EXPECT_TRUE(twoway::isasyncgen<decltype(a)>);
    EXPECT_FALSE(twoway::isasyncgen<twoway::generator<int>>);
    warnings_captured w;
    (void)run(a.aclose());
}

TEST(AsyncGenerator, A2A3A4TheBasicProtocolByHand) {
    log.clear();
    warnings_captured w;
    auto a = agen();
    auto aw = a.asend("too early"); // A2: creating the awaitable runs nothing
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(run(aw), "!! TypeError: can't send non-None value to a just-started async generator"); // A3
    EXPECT_EQ(a.state(), async_generator_state::created);
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(run(a.anext()), "-> 'first'");
    EXPECT_EQ(log, (std::vector<std::string>{"started"}));
    // The body's await suspends the asend awaitable itself; the reply goes straight back to io's yield.
    EXPECT_EQ(run(a.asend("hello"), {object(std::string("io-result"))}), "(suspended on 'io-request') -> 'second'");
    EXPECT_EQ(log[1], "received 'hello'");
    EXPECT_EQ(log[2], "io replied 'io-result'");
    EXPECT_EQ(run(a.asend("bye")), "!! StopAsyncIteration"); // A4
    EXPECT_EQ(log[3], "received 'bye'");
    EXPECT_EQ(run(a.anext()), "!! StopAsyncIteration"); // A4: every later one too
    EXPECT_EQ(run(a.aclose()), "-> None");              // A13
    EXPECT_TRUE(w.seen.empty());
}

TEST(AsyncGenerator, A5AnErrorFinishesTheGenerator) {
    auto a = failing();
    EXPECT_EQ(run(a.anext()), "-> 1");
    EXPECT_EQ(run(a.anext()), "!! std::out_of_range: inside agen");
    EXPECT_EQ(run(a.anext()), "!! StopAsyncIteration");
}

TEST(AsyncGenerator, A6AwaitablesAreSingleUse) {
    log.clear();
    auto b = agen();
    auto nxt = b.anext();
    EXPECT_EQ(run(nxt), "-> 'first'");
    EXPECT_EQ(run(nxt), "!! RuntimeError: cannot reuse already awaited __anext__()/asend()");
    EXPECT_EQ(run(b.aclose()), "-> None"); // A11: GeneratorExit at the yield
    auto c = countdown(0);
    auto ac = c.aclose();
    EXPECT_EQ(run(ac), "-> None");
    EXPECT_EQ(run(ac), "!! RuntimeError: cannot reuse already awaited aclose()/athrow()");
    EXPECT_THROW(ac.throw_exception(twoway::value_error("x")), twoway::runtime_error); // [3.13] throw() too
}

// ---- A7-A16: trace 28 ----------------------------------------------------------------------------------

TEST(AsyncGenerator, A7OneDriverAtATime) {
    auto a = slow();
    auto first = a.anext();
    EXPECT_EQ(first.send(object()).repr(), "'tick'"); // an await suspension comes out of send
    EXPECT_TRUE(a.running());
    EXPECT_EQ(a.state(), async_generator_state::running);
    auto second = a.anext();
    auto closer = a.aclose();
    auto thrower = a.athrow(twoway::value_error("x"));
    EXPECT_EQ(run(second), "!! RuntimeError: anext(): asynchronous generator is already running");
    EXPECT_EQ(run(closer), "!! RuntimeError: aclose(): asynchronous generator is already running");
    EXPECT_EQ(run(thrower), "!! RuntimeError: athrow(): asynchronous generator is already running");
    EXPECT_EQ(run(first), "-> 'slow value'");
    EXPECT_FALSE(a.running());
    EXPECT_EQ(run(a.aclose()), "-> None");
}

TEST(AsyncGenerator, A7ARejectedAwaitableIsClosed) {
    auto a = slow();
    auto first = a.anext();
    EXPECT_EQ(first.send(object()).repr(), "'tick'");
    auto second = a.anext();
    auto closer = a.aclose();
    auto thrower = a.athrow(twoway::value_error("x"));
    EXPECT_EQ(run(second), "!! RuntimeError: anext(): asynchronous generator is already running");
    EXPECT_EQ(run(second), "!! RuntimeError: cannot reuse already awaited __anext__()/asend()");
    EXPECT_EQ(run(closer), "!! RuntimeError: aclose(): asynchronous generator is already running");
    EXPECT_EQ(run(closer), "!! RuntimeError: cannot reuse already awaited aclose()/athrow()");
    EXPECT_EQ(run(thrower), "!! RuntimeError: athrow(): asynchronous generator is already running");
    EXPECT_EQ(run(thrower), "!! RuntimeError: cannot reuse already awaited aclose()/athrow()");
    EXPECT_EQ(run(first), "-> 'slow value'"); // the one in progress was not disturbed
    EXPECT_EQ(run(a.aclose()), "-> None");
}

TEST(AsyncGenerator, A8A9ReturnWithValueAndYieldFromDoNotCompile) {
    using P = twoway::async_generator<int>::promise_type;
    static_assert(!returns_value<P>, "co_return v in an async generator");
    static_assert(!yields_delegation<P>, "co_yield from(g) in an async generator");
    SUCCEED();
}

TEST(AsyncGenerator, A10StopIterationsEscapingBecomeRuntimeErrors) {
    auto raises_stop_async = []() -> async_generator<int> {
        throw twoway::stop_async_iteration();
        co_return;
    };
    auto raises_stop = []() -> async_generator<int> {
        throw twoway::stop_iteration<>();
        co_return;
    };
    auto a = raises_stop_async();
    auto b = raises_stop();
    EXPECT_EQ(run(a.anext()), "!! RuntimeError: async generator raised StopAsyncIteration");
    EXPECT_EQ(run(b.anext()), "!! RuntimeError: async generator raised StopIteration");
    try {
        auto c = raises_stop_async();
        (void)c.anext().send(object());
        FAIL();
    } catch (const twoway::runtime_error &e) { // __cause__ is the original
        EXPECT_THROW(std::rethrow_if_nested(e), twoway::stop_async_iteration);
    }
}

TEST(AsyncGenerator, A11AcloseRunsCleanupThatAwaits) {
    log.clear();
    auto a = with_cleanup();
    EXPECT_EQ(run(a.anext()), "-> 1");
    EXPECT_EQ(run(a.aclose()), "(suspended on 'cleanup-io') -> None");
    EXPECT_EQ(log, (std::vector<std::string>{"finally: awaiting cleanup", "cleanup done"}));
    EXPECT_EQ(run(a.aclose()), "-> None"); // A13
    EXPECT_EQ(run(a.anext()), "!! StopAsyncIteration");
}

namespace {
// On GeneratorExit: awaits, then returns (A11: aclose gives None), or raises another error (it propagates).
async_generator<int> returns_on_exit() {
    bool exiting = false;
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        exiting = true;
    }
    if (exiting) {
        log.push_back("caught GeneratorExit, returning");
        co_await io("bye");
        co_return;
    }
}

async_generator<int> fails_on_exit() {
    bool exiting = false;
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        exiting = true;
    }
    if (exiting) {
        co_await io("bye");
        throw twoway::value_error("close failed");
    }
}
} // namespace

TEST(AsyncGenerator, A11AcloseIsNoneWhenTheGeneratorReturnsAndAnotherErrorPropagates) {
    log.clear();
    auto r = returns_on_exit();
    EXPECT_EQ(run(r.anext()), "-> 1");
    EXPECT_EQ(run(r.aclose()), "(suspended on 'bye') -> None");
    EXPECT_EQ(log, (std::vector<std::string>{"caught GeneratorExit, returning"}));
    EXPECT_EQ(run(r.anext()), "!! StopAsyncIteration");
    EXPECT_EQ(r.state(), async_generator_state::closed);
    auto f = fails_on_exit();
    EXPECT_EQ(run(f.anext()), "-> 1");
    EXPECT_EQ(run(f.aclose()), "(suspended on 'bye') !! ValueError: close failed");
    EXPECT_EQ(f.state(), async_generator_state::closed);
    EXPECT_EQ(run(f.anext()), "!! StopAsyncIteration");
}

TEST(AsyncGenerator, A12YieldDuringAcloseIsAnError) {
    log.clear();
    unraisable_captured u;
    {
        auto a = stubborn();
        EXPECT_EQ(run(a.anext()), "-> 1");
        EXPECT_EQ(run(a.aclose()), "!! RuntimeError: async generator ignored GeneratorExit");
        EXPECT_EQ(log, (std::vector<std::string>{"caught GeneratorExit, yielding"}));
        EXPECT_EQ(a.state(), async_generator_state::suspended);
    } // finalized: GeneratorExit at `yield 2` is not caught; nothing is reported
    EXPECT_TRUE(u.seen.empty());
}

TEST(AsyncGenerator, A13AcloseOfANeverStartedGeneratorRunsNothing) {
    log.clear();
    auto a = with_cleanup();
    EXPECT_EQ(run(a.aclose()), "-> None");
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(run(a.anext()), "!! StopAsyncIteration");
}

TEST(AsyncGenerator, A14Athrow) {
    log.clear();
    auto a = catcher();
    EXPECT_EQ(run(a.anext()), "-> 'first'");
    EXPECT_EQ(run(a.athrow(twoway::value_error("v"))), "-> 'recovered'");
    EXPECT_EQ(log, (std::vector<std::string>{"caught ValueError: v"}));
    EXPECT_EQ(run(a.athrow(std::out_of_range("lk"))), "!! std::out_of_range: lk");
    EXPECT_EQ(run(a.anext()), "!! StopAsyncIteration");
    // Caught, then the generator returns: StopAsyncIteration.
    auto returns = []() -> async_generator<int> {
        try {
            co_yield 1;
        } catch (const twoway::value_error &) {
        }
    };
    auto r = returns();
    EXPECT_EQ(run(r.anext()), "-> 1");
    EXPECT_EQ(run(r.athrow<twoway::value_error>()), "!! StopAsyncIteration");
}

TEST(AsyncGenerator, A15AthrowOnUnstartedAndFinishedGenerators) {
    auto a = countdown(1);
    EXPECT_EQ(run(a.anext()), "-> 1");
    EXPECT_EQ(run(a.anext()), "!! StopAsyncIteration");
    EXPECT_EQ(run(a.athrow(twoway::value_error("late"))), "-> None"); // finished: silently None
    log.clear();
    auto b = with_cleanup();
    EXPECT_EQ(run(b.athrow(twoway::value_error("early"))), "!! ValueError: early"); // raised before any code
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(run(b.anext()), "!! StopAsyncIteration");
}

TEST(AsyncGenerator, A16AthrowGeneratorExitIsNotAclose) {
    log.clear();
    auto a = stubborn();
    EXPECT_EQ(run(a.anext()), "-> 1");
    EXPECT_EQ(run(a.athrow<twoway::generator_exit>()), "-> 2");
    EXPECT_EQ(run(a.aclose()), "-> None");
    auto b = countdown(2);
    EXPECT_EQ(run(b.anext()), "-> 2");
    EXPECT_EQ(run(b.athrow<twoway::generator_exit>()), "!! GeneratorExit");
}

TEST(AsyncGenerator, A17StatesAndAgAwait) {
    auto a = slow();
    EXPECT_EQ(a.state(), async_generator_state::created);
    EXPECT_FALSE(a.ag_await());
    auto step = a.anext();
    (void)step.send(object());
    EXPECT_EQ(a.state(), async_generator_state::running); // an awaitable is in progress
    ASSERT_TRUE(a.ag_await());
    EXPECT_EQ(a.ag_await()->what, twoway::subiterator::kind::generator); // io()
    EXPECT_EQ(run(step), "-> 'slow value'");
    EXPECT_EQ(a.state(), async_generator_state::suspended);
    EXPECT_TRUE(a.suspended());
    EXPECT_FALSE(a.ag_await()); // at a yield
    EXPECT_EQ(run(a.aclose()), "-> None");
    EXPECT_EQ(a.state(), async_generator_state::closed);
    EXPECT_FALSE(a.has_frame());
    EXPECT_STREQ(twoway::to_string(a.state()), "AGEN_CLOSED");
}

namespace {
// What the generator object reports, as a line: state, ag_running, ag_suspended, ag_await, ag_frame.
std::string introspect(const async_generator<int> &g) {
    return std::string(twoway::to_string(g.state())) + (g.running() ? " running" : " -") + (g.suspended() ? " suspended" : " -") +
           (g.ag_await() ? " ag_await" : " -") + (g.has_frame() ? " frame" : " -");
}

const async_generator<int> *introspected = nullptr;

async_generator<int> introspective() {
    log.push_back("body: " + introspect(*introspected));
    co_await io("tick");
    co_yield 1;
}
} // namespace

TEST(AsyncGenerator, A17StatesWhileAwaitingAndInsideTheBody) {
    log.clear();
    auto g = introspective();
    introspected = &g;
    EXPECT_EQ(introspect(g), "AGEN_CREATED - - - frame");
    auto step = g.anext();
    EXPECT_EQ(introspect(g), "AGEN_CREATED - - - frame"); // nothing in progress until it is run
    EXPECT_EQ(step.send(object()).repr(), "'tick'");
    EXPECT_EQ(log, (std::vector<std::string>{"body: AGEN_RUNNING running - - frame"})); // executing: not suspended
    EXPECT_EQ(introspect(g), "AGEN_RUNNING running suspended ag_await frame");          // suspended in an await
    EXPECT_EQ(run(step), "-> 1");
    EXPECT_EQ(introspect(g), "AGEN_SUSPENDED - suspended - frame"); // at a yield
    EXPECT_EQ(run(g.aclose()), "-> None");
    EXPECT_EQ(introspect(g), "AGEN_CLOSED - - - -");
    introspected = nullptr;
}

TEST(AsyncGenerator, A18AnAwaitableNeverAwaitedWarns) {
    warnings_captured w;
    auto a = countdown(1);
    a.set_qualname("countdown");
    { auto unused = a.anext(); }
    { auto unused = a.aclose(); }
    { auto unused = a.athrow<twoway::value_error>(); }
    EXPECT_EQ(w.seen, (std::vector<std::string>{
                          "RuntimeWarning: coroutine method 'asend' of 'countdown' was never awaited",
                          "RuntimeWarning: coroutine method 'aclose' of 'countdown' was never awaited",
                          "RuntimeWarning: coroutine method 'athrow' of 'countdown' was never awaited",
                      }));
}

TEST(AsyncGenerator, A19CloseOfAnAwaitableInProgress) {
    // 3.13: close() throws GeneratorExit in; a generator that awaits again makes it an error.
    unraisable_captured u; // and its finalization at the end of the test cannot close it either (F3)
    auto keeps_awaiting = []() -> async_generator<int> {
        for (;;) {
            try {
                co_await io("tick");
            } catch (const twoway::generator_exit &) {
            }
        }
        co_return;
    };
    auto a = keeps_awaiting();
    auto aw = a.anext();
    EXPECT_EQ(aw.send(object()).repr(), "'tick'");
    EXPECT_THROW(
        {
            try {
                aw.close();
            } catch (const twoway::runtime_error &e) {
                EXPECT_STREQ(e.what(), "coroutine ignored GeneratorExit");
                throw;
            }
        },
        twoway::runtime_error);
    // One that lets GeneratorExit out: None, and the generator is closed.
    log.clear();
    auto b = slow();
    auto bw = b.anext();
    (void)bw.send(object());
    bw.close();
    EXPECT_EQ(b.state(), async_generator_state::closed);
    warnings_captured w;
    auto c = countdown(3);
    c.anext().close(); // INIT: closes the generator, and the awaitable does not warn
    EXPECT_EQ(run(c.anext()), "!! StopAsyncIteration");
    EXPECT_TRUE(w.seen.empty());
    EXPECT_TRUE(u.seen.empty());
}

namespace {
async_generator<std::string> catches_at_await() {
    bool caught = false;
    try {
        co_await io("tick");
    } catch (const twoway::value_error &) {
        caught = true;
    }
    if (caught) co_yield std::string("caught");
    co_yield std::string("after");
}
} // namespace

TEST(AsyncGenerator, A19ThrowIntoAnAwaitableInProgress) {
    // throw() reaches the generator's await: caught and yields, the awaitable completes with the value.
    auto a = catches_at_await();
    auto aw = a.anext();
    EXPECT_EQ(aw.send(object()).repr(), "'tick'");
    try {
        (void)aw.throw_exception(twoway::value_error("x"));
        ADD_FAILURE() << "no StopIteration";
    } catch (const twoway::stop_iteration<std::string> &s) {
        EXPECT_EQ(*s.value, "caught");
    }
    EXPECT_EQ(a.state(), async_generator_state::suspended);
    EXPECT_FALSE(a.running());
    EXPECT_EQ(run(aw), "!! RuntimeError: cannot reuse already awaited __anext__()/asend()");
    EXPECT_EQ(run(a.anext()), "-> 'after'");
    EXPECT_EQ(run(a.aclose()), "-> None");
    // Not caught: it propagates out of throw() and the generator is closed.
    auto b = slow();
    auto bw = b.anext();
    EXPECT_EQ(bw.send(object()).repr(), "'tick'");
    EXPECT_THROW((void)bw.throw_exception(twoway::value_error("y")), twoway::value_error);
    EXPECT_EQ(b.state(), async_generator_state::closed);
    EXPECT_FALSE(b.running());
    EXPECT_EQ(run(b.anext()), "!! StopAsyncIteration");
}

// ---- consumers: co_await in a coroutine ----------------------------------------------------------------

namespace {
coroutine<std::vector<int>> consume(int n) {
    std::vector<int> out;
    for (auto gen = countdown(n); auto x = co_await twoway::anext(gen, twoway::none);) out.push_back(*x);
    co_return out;
}

coroutine<std::string> talk() {
    auto a = agen();
    std::string first = co_await a.anext();
    std::string second = co_await a.asend("hello"); // agen's io() suspends the whole chain
    std::string out = first + "," + second;
    try {
        co_await a.asend("bye");
    } catch (const twoway::stop_async_iteration &) {
        out += ",end";
    }
    co_return out;
}

// An async generator awaiting another one: a pipeline.
async_generator<int> doubled(async_generator<int> source) {
    while (auto x = co_await twoway::anext(source, twoway::none)) {
        co_await io("between");
        co_yield *x * 2;
    }
}

coroutine<std::string> deep(int depth, async_generator<std::string> &gen) {
    if (depth == 0) co_return co_await gen.anext();
    co_return co_await deep(depth - 1, gen);
}

coroutine<std::string> next_of(async_generator<std::string> &gen) { co_return co_await gen.anext(); }

coroutine<std::string> refused_consumer(async_generator<std::string> &gen, std::string which) {
    try {
        if (which == "anext") co_await gen.anext();
        if (which == "athrow") co_await gen.athrow(twoway::value_error("x"));
        if (which == "aclose") co_await gen.aclose();
    } catch (const twoway::runtime_error &e) {
        co_return e.what();
    }
    co_return "not refused";
}

template <class T>
T drive(coroutine<T> &c, std::vector<std::string> *suspensions = nullptr) {
    object sent;
    for (;;) {
        try {
            object y = c.send(sent);
            if (suspensions) suspensions->push_back(y.repr());
            sent = object(std::string("reply"));
        } catch (twoway::stop_iteration<T> &s) {
            return std::move(*s.value);
        }
    }
}
} // namespace

TEST(AsyncGenerator, AsyncForLoop) {
    auto c = consume(3);
    EXPECT_EQ(drive(c), (std::vector<int>{3, 2, 1}));
}

TEST(AsyncGenerator, ConsumerReceivesValuesAndTheDriverTheAwaits) {
    log.clear();
    std::vector<std::string> suspensions;
    auto c = talk();
    EXPECT_EQ(drive(c, &suspensions), "first,second,end");
    EXPECT_EQ(suspensions, (std::vector<std::string>{"'io-request'"}));
    EXPECT_EQ(log[2], "io replied 'reply'");
}

// A7 through co_await: while one consumer's anext() has the generator in an await, a second consumer's
// fresh awaitable is refused as CPython refuses it (found by the async difftest: twoway used to say
// "coroutine is being awaited already", the generator being linked under the first consumer).
TEST(AsyncGenerator, A7ASecondConsumerIsRefusedWhileTheFirstAwaits) {
    auto a = slow();
    auto first = next_of(a);
    EXPECT_EQ(first.send(object()).repr(), "'tick'"); // the generator awaits io() for the first consumer
    for (std::string which : {"anext", "athrow", "aclose"}) {
        auto second = refused_consumer(a, which);
        EXPECT_EQ(drive(second), which + "(): asynchronous generator is already running");
    }
    EXPECT_EQ(drive(first), "slow value"); // the first consumer was not disturbed
}

TEST(AsyncGenerator, PipelineOfGenerators) {
    auto collect = []() -> coroutine<std::vector<int>> {
        std::vector<int> out;
        auto d = doubled(countdown(3));
        while (auto x = co_await twoway::anext(d, twoway::none)) out.push_back(*x);
        co_return out;
    };
    std::vector<std::string> suspensions;
    auto c = collect();
    EXPECT_EQ(drive(c, &suspensions), (std::vector<int>{6, 4, 2}));
    EXPECT_EQ(suspensions.size(), 3u);
}

TEST(AsyncGenerator, AwaitFromDepthReachesTheDriver) {
    auto gen = slow();
    auto c = deep(50, gen);
    std::vector<std::string> suspensions;
    EXPECT_EQ(drive(c, &suspensions), "slow value");
    EXPECT_EQ(suspensions, (std::vector<std::string>{"'tick'"}));
}

TEST(AsyncGenerator, ConsumerAthrowAndAclose) {
    log.clear();
    auto body = []() -> coroutine<std::string> {
        auto a = catcher();
        std::string first = co_await a.anext();
        maybe<std::string> after = co_await a.athrow(twoway::value_error("v"));
        auto w = with_cleanup();
        int one = co_await w.anext();
        co_await w.aclose(); // its cleanup awaits: through this coroutine's driver
        co_return first + "," + *after + "," + std::to_string(one);
    };
    auto c = body();
    std::vector<std::string> suspensions;
    EXPECT_EQ(drive(c, &suspensions), "first,recovered,1");
    EXPECT_EQ(suspensions, (std::vector<std::string>{"'cleanup-io'"}));
}

TEST(AsyncGenerator, ConsumerClosedWhileTheGeneratorAwaits) {
    // §2.5: the generator lets GeneratorExit out: GeneratorExit in the consumer, the generator closed.
    auto gen = slow();
    auto consumer = [](async_generator<std::string> &g) -> coroutine<std::string> { co_return co_await g.anext(); };
    auto c = consumer(gen);
    EXPECT_EQ(c.send(object()).repr(), "'tick'");
    EXPECT_TRUE(gen.running());
    (void)c.close();
    EXPECT_EQ(gen.state(), async_generator_state::closed);
    EXPECT_FALSE(gen.running());
    // It awaits again: "coroutine ignored GeneratorExit", and ag_running stays set.
    unraisable_captured u;
    auto keeps_awaiting = []() -> async_generator<int> {
        for (;;) {
            try {
                co_await io("tick");
            } catch (const twoway::generator_exit &) {
            }
        }
        co_return;
    };
    auto k = keeps_awaiting();
    auto consumer2 = [](async_generator<int> &g) -> coroutine<int> { co_return co_await g.anext(); };
    auto c2 = consumer2(k);
    (void)c2.send(object());
    EXPECT_THROW((void)c2.close(), twoway::runtime_error);
    EXPECT_TRUE(k.running());
    EXPECT_EQ(run(k.anext()), "!! RuntimeError: anext(): asynchronous generator is already running");
    k = {}; // finalized: a synchronous close cannot stop it either
    EXPECT_EQ(u.seen, (std::vector<std::string>{"RuntimeError: async generator ignored GeneratorExit"}));
}

// ---- A20-A23: hooks and finalization (trace 30) -------------------------------------------------------

TEST(AsyncGenerator, A22WithoutHooksDestroyingClosesSynchronously) {
    log.clear();
    unraisable_captured u;
    {
        auto a = with_cleanup();
        EXPECT_EQ(run(a.anext()), "-> 1");
    } // the cleanup's await is a suspension: "ignored GeneratorExit"
    EXPECT_EQ(log, (std::vector<std::string>{"finally: awaiting cleanup"}));
    EXPECT_EQ(u.seen, (std::vector<std::string>{"RuntimeError: async generator ignored GeneratorExit"}));
    log.clear();
    u.seen.clear();
    {
        auto b = catcher();
        EXPECT_EQ(run(b.anext()), "-> 'first'");
    }
    EXPECT_TRUE(u.seen.empty());
}

TEST(AsyncGenerator, A20A21HooksFirstiterAndFinalizer) {
    std::vector<std::string> events;
    std::vector<twoway::aclose_awaitable> pending;
    twoway::set_asyncgen_hooks({.firstiter = [&](twoway::async_generator_ref g) { events.push_back(std::string("firstiter ") + g.qualname()); },
                                .finalizer = [&](twoway::async_generator_ref g) {
                                    events.push_back(std::string("finalizer ") + g.qualname());
                                    pending.push_back(g.aclose());
                                }});
    log.clear();
    {
        auto a = with_cleanup();
        a.set_qualname("C");
        EXPECT_TRUE(events.empty());
        auto step = a.anext(); // firstiter at the method call
        EXPECT_EQ(events, (std::vector<std::string>{"firstiter C"}));
        EXPECT_EQ(run(step), "-> 1");
    } // the finalizer instead of a close: it keeps the generator alive
    EXPECT_EQ(events.back(), "finalizer C");
    EXPECT_TRUE(log.empty());
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(run(pending[0]), "(suspended on 'cleanup-io') -> None");
    EXPECT_EQ(log, (std::vector<std::string>{"finally: awaiting cleanup", "cleanup done"}));
    pending.clear();
    events.clear();
    { auto d = with_cleanup(); } // never iterated: neither hook
    EXPECT_TRUE(events.empty());
    {
        auto e = countdown(2);
        e.set_qualname("E");
        EXPECT_EQ(run(e.anext()), "-> 2");
        EXPECT_EQ(run(e.aclose()), "-> None");
    } // aclose()d: no finalizer
    EXPECT_EQ(events, (std::vector<std::string>{"firstiter E"}));
    twoway::set_asyncgen_hooks({twoway::asyncgen_hook(), twoway::asyncgen_hook()});
    const twoway::asyncgen_hooks h = twoway::get_asyncgen_hooks();
    EXPECT_FALSE(h.firstiter);
    EXPECT_FALSE(h.finalizer);
}

TEST(AsyncGenerator, A20AFailingFirstiterPropagatesOnceAndIsNotCalledAgain) {
    int calls = 0;
    twoway::set_asyncgen_hooks({.firstiter = [&](twoway::async_generator_ref) {
        ++calls;
        throw twoway::value_error("hook");
    }});
    auto a = countdown(1);
    EXPECT_THROW((void)a.anext(), twoway::value_error);
    EXPECT_EQ(run(a.anext()), "-> 1");
    EXPECT_EQ(calls, 1);
    twoway::set_asyncgen_hooks({.firstiter = twoway::asyncgen_hook()});
}

namespace {
// try: yield 1; yield 2 / finally: log (no await: a synchronous close runs it all).
async_generator<int> sync_cleanup(std::string tag) {
    try {
        co_yield 1;
        co_yield 2;
    } catch (...) {
        log.push_back("[" + tag + "] finally");
        throw;
    }
    log.push_back("[" + tag + "] finally");
}

// Records the hooks' calls by qualname; the finalizer keeps an aclose() awaitable, as a loop would.
struct hooks_recorded {
    std::vector<std::string> events;
    std::vector<twoway::aclose_awaitable> pending;
    hooks_recorded() {
        twoway::set_asyncgen_hooks({.firstiter = [this](twoway::async_generator_ref g) { events.push_back(std::string("firstiter ") + g.qualname()); },
                                    .finalizer = [this](twoway::async_generator_ref g) {
                                        events.push_back(std::string("finalizer ") + g.qualname());
                                        pending.push_back(g.aclose());
                                    }});
    }
    ~hooks_recorded() { twoway::set_asyncgen_hooks({twoway::asyncgen_hook(), twoway::asyncgen_hook()}); }
};
} // namespace

TEST(AsyncGenerator, A20FirstiterRunsAtTheFirstCallOfAnyMethodOnce) {
    warnings_captured w;
    hooks_recorded h;
    {
        auto a = agen();
        a.set_qualname("A");
        auto first = a.asend("x"); // asend first: at the call, before anything runs
        EXPECT_EQ(h.events, (std::vector<std::string>{"firstiter A"}));
        EXPECT_EQ(run(first), "!! TypeError: can't send non-None value to a just-started async generator");
        EXPECT_EQ(run(a.anext()), "-> 'first'");
        EXPECT_EQ(run(a.aclose()), "-> None");
        EXPECT_EQ(h.events.size(), 1u); // once
        auto b = countdown(1);
        b.set_qualname("B");
        auto thrower = b.athrow(twoway::value_error("v")); // athrow first
        EXPECT_EQ(h.events.back(), "firstiter B");
        EXPECT_EQ(run(thrower), "!! ValueError: v");
        EXPECT_EQ(run(b.athrow(twoway::value_error("w"))), "-> None");
        auto c = countdown(1);
        c.set_qualname("C");
        auto closer = c.aclose(); // aclose first
        EXPECT_EQ(h.events.back(), "firstiter C");
        EXPECT_EQ(run(closer), "-> None");
        EXPECT_EQ(run(c.aclose()), "-> None");
        auto d = countdown(1);
        d.set_qualname("D");
        { auto unused = twoway::anext(d, 0); } // anext(d, default) calls __anext__() at once
        EXPECT_EQ(h.events.back(), "firstiter D");
        EXPECT_EQ(w.seen, (std::vector<std::string>{"RuntimeWarning: coroutine method 'asend' of 'D' was never awaited"}));
        EXPECT_EQ(run(d.anext()), "-> 1");
        EXPECT_EQ(run(d.anext()), "!! StopAsyncIteration");
    } // all four finished: no finalizer when they go
    EXPECT_EQ(h.events, (std::vector<std::string>{"firstiter A", "firstiter B", "firstiter C", "firstiter D"}));
    EXPECT_TRUE(h.pending.empty());
}

TEST(AsyncGenerator, A20HooksArePerThread) {
    log.clear();
    hooks_recorded h;
    bool thread_saw_hooks = true;
    std::thread other([&] {
        const twoway::asyncgen_hooks seen = twoway::get_asyncgen_hooks(); // a new thread: (None, None)
        thread_saw_hooks = static_cast<bool>(seen.firstiter) || static_cast<bool>(seen.finalizer);
        auto t = sync_cleanup("T");
        log.push_back("thread: " + run(t.anext()));
        t = {}; // no finalizer captured: closed synchronously, here
        log.push_back("thread: after del");
    });
    other.join();
    EXPECT_FALSE(thread_saw_hooks);
    EXPECT_EQ(log, (std::vector<std::string>{"thread: -> 1", "[T] finally", "thread: after del"}));
    EXPECT_TRUE(h.events.empty()); // this thread's hooks were never called
    const twoway::asyncgen_hooks here = twoway::get_asyncgen_hooks();
    EXPECT_TRUE(here.firstiter);
    EXPECT_TRUE(here.finalizer);
}

TEST(AsyncGenerator, A20ChangingTheHooksLaterDoesNotAffectACapturedFinalizer) {
    log.clear();
    std::vector<std::string> events;
    std::vector<twoway::async_generator_ref> kept; // the finalizers keep the generators (closed below)
    auto finalizer_named = [&](std::string name) {
        return twoway::asyncgen_hook([&events, &kept, name](twoway::async_generator_ref g) {
            events.push_back(name + " " + g.qualname());
            kept.push_back(g);
        });
    };
    twoway::set_asyncgen_hooks({.finalizer = finalizer_named("first finalizer")});
    auto f = sync_cleanup("F");
    f.set_qualname("F");
    EXPECT_EQ(run(f.anext()), "-> 1");
    twoway::set_asyncgen_hooks({.finalizer = finalizer_named("second finalizer")});
    auto g = sync_cleanup("G");
    g.set_qualname("G");
    EXPECT_EQ(run(g.anext()), "-> 1");
    twoway::set_asyncgen_hooks({.finalizer = twoway::asyncgen_hook()});
    f = {};
    g = {};
    EXPECT_EQ(events, (std::vector<std::string>{"first finalizer F", "second finalizer G"}));
    EXPECT_TRUE(log.empty()); // finalizers instead of closes: no finally ran
    // Hooks installed after the first method call: it captured none, so it is closed synchronously.
    auto late = sync_cleanup("H");
    late.set_qualname("H");
    EXPECT_EQ(run(late.anext()), "-> 1");
    twoway::set_asyncgen_hooks({.firstiter = [&](twoway::async_generator_ref r) { events.push_back(std::string("late firstiter ") + r.qualname()); },
                                .finalizer = finalizer_named("late finalizer")});
    EXPECT_EQ(run(late.anext()), "-> 2");
    late = {};
    EXPECT_EQ(log, (std::vector<std::string>{"[H] finally"}));
    EXPECT_EQ(events.size(), 2u);
    // An omitted hook is left as it is; an empty one clears it.
    twoway::set_asyncgen_hooks({.finalizer = twoway::asyncgen_hook()});
    EXPECT_TRUE(twoway::get_asyncgen_hooks().firstiter);
    EXPECT_FALSE(twoway::get_asyncgen_hooks().finalizer);
    twoway::set_asyncgen_hooks({twoway::asyncgen_hook(), twoway::asyncgen_hook()});
    log.clear();
    for (auto &r : kept) EXPECT_EQ(run(r.aclose()), "-> None");
    EXPECT_EQ(log, (std::vector<std::string>{"[F] finally", "[G] finally"}));
}

TEST(AsyncGenerator, A21ACreatedGeneratorWhoseMethodWasCalledGetsTheFinalizer) {
    warnings_captured w;
    unraisable_captured u;
    log.clear();
    {
        hooks_recorded h;
        auto k = agen();
        k.set_qualname("K");
        EXPECT_EQ(run(k.asend("x")), "!! TypeError: can't send non-None value to a just-started async generator");
        EXPECT_EQ(k.state(), async_generator_state::created);
        k = {}; // created, but its firstiter ran and it captured the finalizer
        EXPECT_EQ(h.events, (std::vector<std::string>{"firstiter K", "finalizer K"}));
        ASSERT_EQ(h.pending.size(), 1u);
        EXPECT_EQ(run(h.pending[0]), "-> None"); // no code runs
        h.pending.clear();
        h.events.clear();
        auto k2 = agen();
        k2.set_qualname("K2");
        { auto unused = k2.anext(); } // dropped without being awaited: A18's warning first
        EXPECT_EQ(w.seen, (std::vector<std::string>{"RuntimeWarning: coroutine method 'asend' of 'K2' was never awaited"}));
        k2 = {};
        EXPECT_EQ(h.events, (std::vector<std::string>{"firstiter K2", "finalizer K2"}));
        ASSERT_EQ(h.pending.size(), 1u);
        EXPECT_EQ(run(h.pending[0]), "-> None");
        h.pending.clear();
        h.events.clear();
        auto x = countdown(1); // exhausted: no finalizer
        x.set_qualname("X");
        EXPECT_EQ(run(x.anext()), "-> 1");
        EXPECT_EQ(run(x.anext()), "!! StopAsyncIteration");
        x = {};
        EXPECT_EQ(h.events, (std::vector<std::string>{"firstiter X"}));
        EXPECT_TRUE(h.pending.empty());
    }
    EXPECT_TRUE(log.empty());
    // A finalizer's error goes to the unraisable hook; the generator is not closed (no finally runs).
    twoway::set_asyncgen_hooks({.finalizer = [](twoway::async_generator_ref) { throw twoway::value_error("finalizer failed"); }});
    {
        auto y = sync_cleanup("Y");
        EXPECT_EQ(run(y.anext()), "-> 1");
    }
    twoway::set_asyncgen_hooks({.finalizer = twoway::asyncgen_hook()});
    EXPECT_EQ(u.seen, (std::vector<std::string>{"ValueError: finalizer failed"}));
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(w.seen.size(), 1u);
}

TEST(AsyncGenerator, A23ANeverStartedGeneratorIsFreedSilently) {
    warnings_captured w;
    unraisable_captured u;
    log.clear();
    { auto a = with_cleanup(); }
    EXPECT_TRUE(w.seen.empty());
    EXPECT_TRUE(u.seen.empty());
    EXPECT_TRUE(log.empty());
}

TEST(AsyncGenerator, AwaitablesKeepTheGeneratorAlive) {
    auto aw = countdown(2).anext();
    EXPECT_EQ(run(aw), "-> 2");
    auto ref = [] {
        auto g = countdown(1);
        return g.ref();
    }();
    EXPECT_EQ(ref.state(), async_generator_state::created);
    EXPECT_EQ(run(ref.aclose()), "-> None");
    EXPECT_EQ(ref.state(), async_generator_state::closed);
}

TEST(AsyncGenerator, MovedFromIsAClearError) {
    auto a = countdown(1);
    auto b = std::move(a);
    EXPECT_THROW((void)a.anext(), twoway::value_error);
    EXPECT_EQ(run(b.anext()), "-> 1");
}
