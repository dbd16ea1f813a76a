// Tests of twoway/coroutine.hpp: coroutine<T>, Python's coroutine objects (ASYNCIO.md group K).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "twoway/coroutine.hpp"
#include "twoway/generator.hpp"
#include "twoway/unraisable.hpp"
#include "twoway/warnings.hpp"

using twoway::coroutine;
using twoway::coroutine_state;
using twoway::object;

namespace {

// A generator-based coroutine (@types.coroutine): yields to the driver, returns what was sent.
twoway::generator<object, object, object> suspend(std::string tag) {
    object reply = co_yield object(tag);
    co_return reply;
}

std::vector<std::string> log;

coroutine<int> doubler(int x) {
    log.push_back("start");
    object reply = co_await suspend("need " + std::to_string(x));
    co_return reply.as<int>() * 2;
}

coroutine<int> nested(int depth) {
    if (depth == 0) {
        object r = co_await suspend("leaf");
        co_return r.as<int>();
    }
    int v = co_await nested(depth - 1);
    co_return v + 1;
}

struct warnings_captured {
    std::vector<std::string> seen;
    twoway::warning_hook previous;
    warnings_captured() {
        previous = twoway::set_warning_hook([this](const twoway::warning &w) { seen.push_back(std::string(w.category) + ": " + w.message); });
    }
    ~warnings_captured() { twoway::set_warning_hook(previous); }
};

} // namespace

TEST(Coroutine, CallingRunsNothing) { // K1
    log.clear();
    warnings_captured w;
    {
        auto c = doubler(1);
        EXPECT_EQ(c.state(), coroutine_state::created);
        EXPECT_TRUE(log.empty());
        c.close();
    }
    EXPECT_TRUE(w.seen.empty()); // closed: no never-awaited warning
}

TEST(Coroutine, StatesAndSendProtocol) { // K2, K3
    log.clear();
    auto c = doubler(21);
    EXPECT_STREQ(twoway::to_string(c.state()), "CORO_CREATED");
    EXPECT_THROW(
        {
            try {
                c.send(5);
            } catch (const twoway::type_error &e) {
                EXPECT_STREQ(e.what(), "can't send non-None value to a just-started coroutine");
                throw;
            }
        },
        twoway::type_error);
    EXPECT_EQ(c.state(), coroutine_state::created);
    object y = c.send(twoway::none);
    EXPECT_EQ(y.as<std::string>(), "need 21");
    EXPECT_EQ(c.state(), coroutine_state::suspended);
    EXPECT_TRUE(c.suspended());
    ASSERT_TRUE(c.cr_await().has_value());
    EXPECT_EQ(c.cr_await()->what, twoway::subiterator::kind::generator);
    try {
        c.send(21);
        FAIL() << "no StopIteration";
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(*s.value, 42);
    }
    EXPECT_EQ(c.state(), coroutine_state::closed);
    EXPECT_FALSE(c.has_frame());
    EXPECT_FALSE(c.cr_await().has_value());
}

TEST(Coroutine, FinishedCannotBeReused) { // K5
    auto c = doubler(1);
    c.send(twoway::none);
    EXPECT_THROW(c.send(1), twoway::stop_iteration<int>);
    for (int i = 0; i < 2; ++i) {
        try {
            if (i == 0)
                c.send(twoway::none);
            else
                c.throw_exception(twoway::value_error("x")); // not raised: K5
            FAIL();
        } catch (const twoway::runtime_error &e) {
            EXPECT_STREQ(e.what(), "cannot reuse already awaited coroutine");
        }
    }
    c.close(); // None
}

coroutine<std::string> reenter(coroutine<std::string> *self, std::vector<std::string> *out) {
    try {
        self->send(twoway::none);
    } catch (const twoway::value_error &e) {
        out->push_back(e.what());
    }
    out->push_back(twoway::to_string(self->state()));
    co_return "ok";
}

TEST(Coroutine, RunningCoroutineRefusesReentry) { // K6
    std::vector<std::string> out;
    coroutine<std::string> r;
    r = reenter(&r, &out);
    EXPECT_THROW(r.send(twoway::none), twoway::stop_iteration<std::string>);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0], "coroutine already executing");
    EXPECT_EQ(out[1], "CORO_RUNNING");
}

coroutine<std::string> catcher() {
    bool caught = false;
    try {
        co_await suspend("first");
    } catch (const twoway::value_error &) {
        caught = true;
    }
    if (caught) co_await suspend("recovered");
    co_return "end";
}

TEST(Coroutine, ThrowReachesInnermostAwait) { // K7
    auto c = catcher();
    EXPECT_EQ(c.send(twoway::none).as<std::string>(), "first");
    EXPECT_EQ(c.throw_exception(twoway::value_error("v")).as<std::string>(), "recovered");
    EXPECT_THROW(c.send(twoway::none), twoway::stop_iteration<std::string>);
}

TEST(Coroutine, ThrowIntoCreatedRaisesSameObject) { // K7
    auto c = catcher();
    auto e = std::make_exception_ptr(twoway::value_error("early"));
    try {
        c.throw_exception(e);
        FAIL();
    } catch (...) {
        EXPECT_EQ(std::current_exception(), e);
    }
    EXPECT_EQ(c.state(), coroutine_state::closed);
}

coroutine<std::string> returns_on_close() {
    try {
        co_await suspend("waiting");
    } catch (const twoway::generator_exit &) {
        co_return "closing value";
    }
    co_return "never";
}

coroutine<std::string> stubborn() {
    bool exiting = false;
    try {
        co_await suspend("one");
    } catch (const twoway::generator_exit &) {
        exiting = true;
    }
    if (exiting) co_await suspend("two");
    co_return "stubborn done";
}

TEST(Coroutine, CloseReturnsValueAndDetectsIgnoredExit) { // K8, K9
    auto c = returns_on_close();
    c.send(twoway::none);
    EXPECT_EQ(*c.close(), "closing value"); // 3.13
    auto s = stubborn();
    s.send(twoway::none);
    try {
        s.close();
        FAIL();
    } catch (const twoway::runtime_error &e) {
        EXPECT_STREQ(e.what(), "coroutine ignored GeneratorExit");
    }
    EXPECT_EQ(s.state(), coroutine_state::suspended);
    try {
        s.send(twoway::none);
    } catch (const twoway::stop_iteration<std::string> &v) {
        EXPECT_EQ(*v.value, "stubborn done");
    }
}

coroutine<void> leaks_stop_iteration() {
    throw twoway::stop_iteration<>();
    co_return;
}

TEST(Coroutine, Pep479SaysCoroutine) { // K10
    auto c = leaks_stop_iteration();
    try {
        c.send(twoway::none);
        FAIL();
    } catch (const twoway::runtime_error &e) {
        EXPECT_STREQ(e.what(), "coroutine raised StopIteration");
    }
}

TEST(Coroutine, AwaitIsDelegationAtAnyDepth) { // K11: one send reaches the leaf 1000 levels down
    auto c = nested(1000);
    EXPECT_EQ(c.send(twoway::none).as<std::string>(), "leaf");
    EXPECT_EQ(c.await_chain().size(), 1001u);
    try {
        c.send(1);
        FAIL();
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(*s.value, 1001);
    }
}

coroutine<int> awaits_twice(coroutine<int> *other) {
    int a = co_await *other;
    int b = co_await *other; // K12: cannot reuse
    co_return a + b;
}

coroutine<int> immediate() { co_return 10; }

TEST(Coroutine, AwaitingAFinishedCoroutineRaisesInside) { // K5, K12
    auto inner = immediate();
    auto c = awaits_twice(&inner);
    try {
        c.send(twoway::none);
        FAIL();
    } catch (const twoway::runtime_error &e) {
        EXPECT_STREQ(e.what(), "cannot reuse already awaited coroutine");
    }
}

TEST(Coroutine, NeverAwaitedWarnsWithItsName) { // K14
    warnings_captured w;
    { auto c = immediate(); }
    {
        auto c = immediate();
        c.set_qualname("factory.<locals>.nested");
    }
    {
        auto c = immediate();
        EXPECT_THROW(c.send(twoway::none), twoway::stop_iteration<int>); // finished: no warning
    }
    ASSERT_EQ(w.seen.size(), 2u);
    EXPECT_EQ(w.seen[0], "RuntimeWarning: coroutine 'immediate' was never awaited");
    EXPECT_EQ(w.seen[1], "RuntimeWarning: coroutine 'factory.<locals>.nested' was never awaited");
}

TEST(Coroutine, DestroyingASuspendedCoroutineClosesIt) { // K15
    std::vector<std::string> reported;
    auto previous = twoway::set_unraisable_hook([&](const twoway::unraisable &u) { reported.push_back(twoway::format_exception(u.exception)); });
    {
        auto s = stubborn();
        s.send(twoway::none);
    }
    twoway::set_unraisable_hook(previous);
    ASSERT_EQ(reported.size(), 1u);
    EXPECT_EQ(reported[0], "RuntimeError: coroutine ignored GeneratorExit");
}

TEST(Coroutine, TulipPatternSendsResultsBack) { // K16: a hand driver answers what the leaf yields
    auto c = nested(3);
    object y = c.send(twoway::none);
    EXPECT_EQ(y.repr(), "'leaf'");
    auto r = c.step(object(4));
    ASSERT_TRUE(r.is_returned());
    EXPECT_EQ(*r.returned(), 7);
}

struct Request { // an object with Python's __await__
    std::string what;
    twoway::generator<object, object, object> await_iter() {
        object r = co_yield object(std::make_tuple(std::string("request"), what));
        co_return r;
    }
};

coroutine<std::string> uses_request() {
    Request request{"b"}; // a local: GCC 12 mishandles aggregates built inside a co_await expression
    object r = co_await request;
    co_return r.as<std::string>();
}

TEST(Coroutine, AwaitIterObjectsAreDelegatedTo) { // K11, K12
    auto c = uses_request();
    EXPECT_EQ(c.send(twoway::none).repr(), "('request', 'b')");
    try {
        c.send(std::string("B"));
        FAIL();
    } catch (const twoway::stop_iteration<std::string> &s) {
        EXPECT_EQ(*s.value, "B");
    }
}

TEST(Coroutine, AwaitIterWrapperDrivesTheCoroutine) { // K4: c.__await__()
    auto c = doubler(1);
    auto w = c.await_iter();
    EXPECT_EQ(w.next().as<std::string>(), "need 1");
    EXPECT_EQ(c.state(), coroutine_state::suspended);
    EXPECT_THROW(w.send(4), twoway::stop_iteration<int>);
}

TEST(Coroutine, MovedFromCoroutineIsAClearError) {
    auto c = immediate();
    auto d = std::move(c);
    EXPECT_TRUE(c.empty());
    EXPECT_THROW(c.send(twoway::none), twoway::value_error);
    EXPECT_THROW(d.send(twoway::none), twoway::stop_iteration<int>);
}

coroutine<void> takes_text(const char *text) { // the argument must not become the coroutine's name
    (void)text;
    co_return;
}

TEST(Coroutine, ParametersDoNotBecomeTheName) { // K14
    warnings_captured w;
    { auto c = takes_text("user text"); }
    ASSERT_EQ(w.seen.size(), 1u);
    EXPECT_EQ(w.seen[0], "RuntimeWarning: coroutine 'takes_text' was never awaited");
}

TEST(Coroutine, InspectTraits) { // K13: inspect.iscoroutine / isgenerator / isawaitable
    using gen_coro = twoway::generator<object, object, object>;
    static_assert(twoway::iscoroutine<coroutine<int>>);
    static_assert(!twoway::iscoroutine<gen_coro>);
    static_assert(twoway::isgenerator<gen_coro>);
    static_assert(twoway::isawaitable<gen_coro>);
    static_assert(twoway::isawaitable<coroutine<int>>);
    static_assert(twoway::isawaitable<Request>);
    static_assert(!twoway::isawaitable<int>);
    static_assert(!twoway::isawaitable<twoway::generator<int>>); // a plain generator cannot be awaited
    SUCCEED();
}

// A coroutine<maybe<X>>: `co_return none` is a value of the result type (Python's None), not "nothing
// returned" (it used to throw none_error when read).
TEST(Coroutine, MaybeResultKeepsANoneReturn) {
    auto nothing = []() -> coroutine<twoway::maybe<int>> { co_return twoway::none; };
    auto something = []() -> coroutine<twoway::maybe<int>> { co_return 7; };
    auto outcome = [](coroutine<twoway::maybe<int>> c) -> std::string {
        try {
            (void)c.send(twoway::none);
        } catch (const twoway::stop_iteration<twoway::maybe<int>> &s) {
            const twoway::maybe<int> &v = *s.value;
            return v.is_none() ? "None" : std::to_string(*v);
        }
        return "no StopIteration";
    };
    EXPECT_EQ(outcome(nothing()), "None");
    EXPECT_EQ(outcome(something()), "7");
}
