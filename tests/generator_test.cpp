// Tests for twoway/generator.hpp: the protocol of a single generator (no delegation).
#include "twoway/generator.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <vector>

using twoway::generator;
using twoway::generator_state;
using twoway::maybe;

namespace {

generator<int, int, int> accumulator() {
    int total = 0;
    for (;;) {
        maybe<int> v = co_yield total;
        if (v.is_none()) co_return total;
        total += *v;
    }
}

generator<int> count_to(int n) {
    for (int i = 0; i < n; ++i) co_yield i;
}

template <class F>
std::string message_of(F &&f) {
    try {
        f();
    } catch (const std::exception &e) {
        return e.what();
    }
    return "<no exception>";
}

} // namespace

// Coroutine lambdas must not capture: the closure dies at the end of the full-expression while the
// frame lives on. State is passed as parameters instead.
generator<int> sets_flag(bool &ran) {
    ran = true;
    co_yield 1;
}

TEST(Generator, CallingTheFunctionRunsNoCode) {
    bool ran = false;
    auto g = sets_flag(ran);
    EXPECT_FALSE(ran);
    EXPECT_EQ(g.state(), generator_state::created);
    EXPECT_EQ(g.next(), 1);
    EXPECT_TRUE(ran);
}

TEST(Generator, SendDeliversTheValueOfCoYield) {
    auto acc = accumulator();
    EXPECT_EQ(acc.next(), 0);
    EXPECT_EQ(acc.send(10), 10);
    EXPECT_EQ(acc.send(20), 30);
    EXPECT_EQ(acc.send(5), 35);
}

TEST(Generator, NextSendsNoneAndReturnValueTravelsInStopIteration) {
    auto acc = accumulator();
    acc.next();
    acc.send(7);
    try {
        acc.next();
        FAIL() << "expected stop_iteration";
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(s.value, 7);
    }
    // R4: the value is delivered once.
    try {
        acc.next();
        FAIL() << "expected stop_iteration";
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_TRUE(s.value.is_none());
    }
}

TEST(Generator, SendToJustStartedGeneratorIsTypeErrorAndLeavesItUsable) {
    auto acc = accumulator();
    EXPECT_EQ(message_of([&] { acc.send(0); }), "can't send non-None value to a just-started generator");
    EXPECT_THROW(acc.send(0), twoway::type_error);
    EXPECT_EQ(acc.state(), generator_state::created);
    EXPECT_EQ(acc.next(), 0);
}

TEST(Generator, SendNoneIsNext) {
    auto acc = accumulator();
    EXPECT_EQ(acc.send(twoway::none), 0);
    EXPECT_THROW(acc.send(twoway::none), twoway::stop_iteration<int>);
}

TEST(Generator, SendToFinishedGeneratorIsStopIterationNotTypeError) {
    auto g = count_to(0);
    EXPECT_THROW(g.next(), twoway::stop_iteration<>);
    EXPECT_THROW(g.next(), twoway::stop_iteration<>);
    auto acc = accumulator();
    acc.next();
    EXPECT_THROW(acc.next(), twoway::stop_iteration<int>);
    EXPECT_THROW(acc.send(1), twoway::stop_iteration<int>);
}

generator<int> records_own_state(generator<int> *const &self, std::optional<generator_state> &seen) {
    seen = self->state();
    co_yield 1;
}

TEST(Generator, StatesThroughALife) {
    std::optional<generator_state> seen;
    generator<int> *self = nullptr;
    auto g = records_own_state(self, seen);
    self = &g;
    EXPECT_EQ(g.state(), generator_state::created);
    EXPECT_FALSE(g.suspended());
    g.next();
    EXPECT_EQ(seen, generator_state::running);
    EXPECT_EQ(g.state(), generator_state::suspended);
    EXPECT_TRUE(g.suspended());
    EXPECT_FALSE(g.running());
    EXPECT_THROW(g.next(), twoway::stop_iteration<>);
    EXPECT_EQ(g.state(), generator_state::closed);
    EXPECT_STREQ(twoway::to_string(g.state()), "GEN_CLOSED");
}

generator<int, int> reenters(generator<int, int> *const &self, std::vector<std::string> &errors) {
    errors.push_back(message_of([&] { self->next(); }));
    errors.push_back(message_of([&] { self->send(1); }));
    errors.push_back(message_of([&] { self->throw_exception(std::runtime_error("x")); }));
    errors.push_back(message_of([&] { self->close(); }));
    co_yield 1;
}

TEST(Generator, ReentrantCallsAreValueErrorAlreadyExecuting) {
    generator<int, int> *self = nullptr;
    std::vector<std::string> errors;
    auto g = reenters(self, errors);
    self = &g;
    EXPECT_EQ(g.next(), 1);
    ASSERT_EQ(errors.size(), 4u);
    for (const auto &e : errors) EXPECT_EQ(e, "generator already executing");
}

TEST(Generator, ExceptionEscapingFinishesTheGenerator) {
    auto g = []() -> generator<int> {
        co_yield 1;
        throw std::out_of_range("boom");
    }();
    g.next();
    EXPECT_THROW(g.next(), std::out_of_range);
    EXPECT_EQ(g.state(), generator_state::closed);
    EXPECT_THROW(g.next(), twoway::stop_iteration<>);
}

TEST(Generator, Pep479StopIterationLeavingTheFrameBecomesRuntimeError) {
    auto g = []() -> generator<int> {
        co_yield 1;
        throw twoway::stop_iteration<>();
    }();
    g.next();
    try {
        g.next();
        FAIL();
    } catch (const twoway::runtime_error &e) {
        EXPECT_STREQ(e.what(), "generator raised StopIteration");
        auto *nested = dynamic_cast<const std::nested_exception *>(&e);
        ASSERT_NE(nested, nullptr);
        EXPECT_THROW(nested->rethrow_nested(), twoway::stop_iteration<>);
    }
    EXPECT_THROW(g.next(), twoway::stop_iteration<>);
}

TEST(Generator, ThrowCaughtAndYieldsReturnsTheValue) {
    auto g = []() -> generator<std::string> {
        std::string caught; // C++ cannot co_yield inside a handler: record, then yield after it
        try {
            co_yield "first";
        } catch (const std::invalid_argument &e) {
            caught = e.what();
        }
        co_yield "caught " + caught;
    }();
    g.next();
    EXPECT_EQ(g.throw_exception(std::invalid_argument("x")), "caught x");
}

TEST(Generator, ThrowNotCaughtPropagatesTheSameObject) {
    auto g = count_to(3);
    g.next();
    auto e = std::make_exception_ptr(std::length_error("lk"));
    const void *thrown = nullptr;
    try {
        std::rethrow_exception(e);
    } catch (const std::length_error &x) {
        thrown = &x;
    }
    try {
        g.throw_exception(e);
        FAIL();
    } catch (const std::length_error &x) {
        EXPECT_EQ(&x, thrown);
    }
    EXPECT_EQ(g.state(), generator_state::closed);
}

TEST(Generator, ThrowIntoCreatedRaisesBeforeAnyCodeAndCloses) {
    bool ran = false;
    auto g = sets_flag(ran);
    EXPECT_THROW(g.throw_exception(std::domain_error("early")), std::domain_error);
    EXPECT_FALSE(ran);
    EXPECT_EQ(g.state(), generator_state::closed);
}

TEST(Generator, ThrowIntoClosedRaisesDirectly) {
    auto g = count_to(0);
    g.close();
    EXPECT_THROW(g.throw_exception(std::domain_error("late")), std::domain_error);
}

struct Reset : std::exception {};

TEST(Generator, ThrowOfAClassInstantiatesItAndReturnRaisesStopIteration) {
    auto g = []() -> generator<int, void, std::string> {
        try {
            co_yield 1;
        } catch (const Reset &) {
            co_return "handled";
        }
        co_return "not handled";
    }();
    g.next();
    try {
        g.throw_exception<Reset>();
        FAIL();
    } catch (const twoway::stop_iteration<std::string> &s) {
        EXPECT_EQ(s.value, "handled");
    }
}

TEST(Generator, CloseRunsHandlersAndReturnsTheReturnValue) {
    auto collector = []() -> generator<twoway::none_t, std::string, int> {
        int items = 0;
        try {
            for (;;) {
                co_yield twoway::none;
                ++items;
            }
        } catch (const twoway::generator_exit &) {
            co_return items;
        }
    };
    auto c = collector();
    c.next();
    c.send("a");
    c.send("b");
    c.send("c");
    EXPECT_EQ(c.close(), 3);
    EXPECT_TRUE(c.close().is_none()); // C3
    auto never = collector();
    EXPECT_TRUE(never.close().is_none()); // C2
}

generator<int> catches_std_exception(bool &caught_as_std, bool &finally_ran) {
    try {
        co_yield 1;
    } catch (const std::exception &) {
        caught_as_std = true;
    }
    finally_ran = true;
}

TEST(Generator, GeneratorExitIsNotAStdException) {
    bool caught_as_std = false, finally_ran = false;
    auto g = catches_std_exception(caught_as_std, finally_ran);
    g.next();
    g.close();
    EXPECT_FALSE(caught_as_std);
    EXPECT_FALSE(finally_ran); // the exit propagated past the handler
    EXPECT_EQ(g.state(), generator_state::closed);
}

TEST(Generator, YieldingAfterGeneratorExitIsIgnoredGeneratorExit) {
    auto g = []() -> generator<int> {
        for (;;) {
            try {
                co_yield 1;
            } catch (const twoway::generator_exit &) {
            }
        }
    }();
    g.next();
    EXPECT_EQ(message_of([&] { g.close(); }), "generator ignored GeneratorExit");
    EXPECT_EQ(g.state(), generator_state::suspended);
    EXPECT_THROW(g.throw_exception(std::logic_error("stop")), std::logic_error);
    EXPECT_EQ(g.state(), generator_state::closed);
}

TEST(Generator, CloseRaisesWhatTheGeneratorRaisesWhileClosing) {
    auto g = []() -> generator<int> {
        try {
            co_yield 1;
        } catch (const twoway::generator_exit &) {
            throw std::invalid_argument("fie!");
        }
    }();
    g.next();
    EXPECT_THROW(g.close(), std::invalid_argument);
    EXPECT_EQ(g.state(), generator_state::closed);
}

generator<int> logs_exit(std::vector<std::string> &log) {
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        log.push_back("exit");
        throw;
    }
}

TEST(Generator, DestroyingASuspendedGeneratorClosesIt) {
    std::vector<std::string> log;
    {
        auto g = logs_exit(log);
        g.next();
    }
    EXPECT_EQ(log, std::vector<std::string>{"exit"});
}

TEST(Generator, DestructorErrorsGoToTheUnraisableHook) {
    std::vector<std::string> reported;
    auto previous = twoway::set_unraisable_hook(
        [&](const twoway::unraisable &u) { reported.push_back(twoway::describe(u.exception)); });
    {
        auto g = []() -> generator<int> {
            bool exiting = false;
            try {
                co_yield 1;
            } catch (const twoway::generator_exit &) {
                exiting = true;
            }
            if (exiting) co_yield 2;
        }();
        g.next();
    }
    twoway::set_unraisable_hook(std::move(previous));
    EXPECT_EQ(reported, std::vector<std::string>{"RuntimeError: generator ignored GeneratorExit"});
}

TEST(Generator, MovedFromGeneratorGivesAClearError) {
    auto g = count_to(2);
    auto h = std::move(g);
    EXPECT_TRUE(g.empty());
    EXPECT_EQ(message_of([&] { g.next(); }), twoway::messages::empty_generator);
    EXPECT_EQ(g.state(), generator_state::closed);
    EXPECT_EQ(h.next(), 0);
}

TEST(Generator, RangeForIsPythonsForLoop) {
    std::vector<int> seen;
    for (int v : count_to(4)) seen.push_back(v);
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));
}

TEST(Generator, ComposesWithStdViews) {
#if !TWOWAY_HAVE_STD_VIEWS
    GTEST_SKIP() << "this standard library cannot compile std::views (clang 14 with libstdc++ 12, libc++ 14)";
#else
    auto g = count_to(100);
    std::vector<int> out;
    for (int v : g | std::views::filter([](int x) { return x % 2 == 1; }) | std::views::transform([](int x) { return x * 10; }))
        if (out.push_back(v); out.size() == 3) break;
    EXPECT_EQ(out, (std::vector<int>{10, 30, 50}));
#endif
    static_assert(std::ranges::input_range<generator<int>>);
}

TEST(Generator, TakeDoesNotPullAValueItWillNotHandOut) {
#if !TWOWAY_HAVE_STD_VIEWS
    GTEST_SKIP() << "this standard library cannot compile std::views (clang 14 with libstdc++ 12, libc++ 14)";
#else
    auto g = count_to(10);
    std::vector<int> out;
    for (int v : g | std::views::take(3)) out.push_back(v);
    EXPECT_EQ(out, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(g.next(), 3); // nothing was lost between the view and the next caller
#endif
}

TEST(Generator, StepIsTheNonThrowingProtocol) {
    auto acc = accumulator();
    auto s = acc.step();
    ASSERT_TRUE(s.is_yielded());
    EXPECT_EQ(s.yielded(), 0);
    EXPECT_EQ(acc.step(4).yielded(), 4);
    auto end = acc.step();
    ASSERT_TRUE(end.is_returned());
    EXPECT_EQ(end.returned(), 4);
    EXPECT_TRUE(acc.step().returned().is_none());
}

TEST(Generator, MoveOnlyValuesTravelBothWays) {
    auto g = []() -> generator<std::unique_ptr<int>, std::unique_ptr<int>> {
        auto in = co_yield std::make_unique<int>(1);
        co_yield std::move(*in);
    }();
    EXPECT_EQ(*g.next(), 1);
    EXPECT_EQ(*g.send(std::make_unique<int>(2)), 2);
}

TEST(Generator, UsingNoneAsAValueIsACheckedError) {
    auto doubler = []() -> generator<int, int> {
        for (;;) {
            auto v = co_yield 0;
            co_yield *v * 2;
        }
    }();
    doubler.next();
    EXPECT_EQ(doubler.send(5), 10);
    doubler.next();
    EXPECT_THROW(doubler.next(), twoway::none_error);
}

generator<int> closes_noisily(std::vector<std::string> &log) {
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        log.push_back("closing");
        throw std::runtime_error("error while closing"); // goes to the unraisable hook
    }
}

TEST(Generator, F4FinalizingInsideAHandlerLeavesTheHandledExceptionAlone) {
    std::vector<std::string> log;
    auto previous = twoway::set_unraisable_hook([&](const twoway::unraisable &) { log.push_back("unraisable"); });
    try {
        try {
            throw std::invalid_argument("in flight");
        } catch (const std::invalid_argument &) {
            {
                auto g = closes_noisily(log);
                g.next();
            } // finalized here, in the middle of the handler
            throw; // the handled exception is still the one being handled
        }
    } catch (const std::invalid_argument &e) {
        log.push_back(e.what());
    }
    twoway::set_unraisable_hook(std::move(previous));
    EXPECT_EQ(log, (std::vector<std::string>{"closing", "unraisable", "in flight"}));
}

generator<int, int> relay() {
    for (;;) {
        auto v = co_yield 0;
        co_yield *v;
    }
}

TEST(Generator, S9AResumptionReturnsToWhoeverMadeThatCall) {
    auto g = relay();
    g.next();
    auto first_caller = [&] { return g.send(1); };
    auto second_caller = [&] {
        g.next();
        return g.send(2);
    };
    EXPECT_EQ(first_caller(), 1);
    EXPECT_EQ(second_caller(), 2);
}

TEST(Generator, N8SentAndYieldedValuesKeepTheirIdentityUntilMovedOut) {
    auto g = []() -> generator<std::string, std::string> {
        auto in = co_yield std::string("out");
        co_yield std::move(*in);
    }();
    EXPECT_EQ(g.next(), "out");
    std::string big(1000, 'x');
    const char *data = big.data();
    auto back = g.send(std::move(big));
    EXPECT_EQ(back.data(), data); // moved through the generator and back, never copied
}
