// Tests for twoway/yield_from.hpp: `co_yield twoway::from(x)`, PEP 380's yield from, rules Y1-Y19.
// Expectations are CPython 3.13's behaviour (the traces 16-23 in conformance/ show the same rules
// against CPython's own output).
#include "twoway/yield_from.hpp"

#include <gtest/gtest.h>

#include <ranges>
#include <string>
#include <vector>

using twoway::from;
using twoway::generator;
using twoway::maybe;

namespace {

using log_t = std::vector<std::string>;

struct Boom : std::runtime_error {
    Boom() : std::runtime_error("boom") {}
};

// Receives values and reports them; returns the count of values it received when sent None.
generator<int, int, int> summer(log_t &log) {
    int total = 0, received = 0;
    for (;;) {
        auto v = co_yield total;
        log.push_back(v.is_none() ? "None" : std::to_string(*v));
        if (v.is_none()) co_return received;
        total += *v;
        ++received;
    }
}

generator<int, int, int> delegate_to_summer(log_t &log) {
    auto r = co_yield from(summer(log));
    co_yield 1000 + *r;
    co_return *r;
}

// An iterator object that logs the protocol methods used on it.
struct Spy {
    log_t *log;
    int i = 0;
    using return_type = std::string;
    int next() {
        log->push_back("next");
        if (++i > 3) throw twoway::stop_iteration<std::string>("spy done");
        return i;
    }
    int send(int v) {
        log->push_back("send " + std::to_string(v));
        return ++i * 100;
    }
    int throw_exception(std::exception_ptr e) {
        log->push_back("throw");
        std::rethrow_exception(e);
    }
    void close() { log->push_back("close"); }
};

struct NextOnly {
    int i = 0;
    int next() { return ++i; }
};

template <class Sub>
generator<int, int, std::string> delegate_and_report(Sub sub, log_t &log) {
    try {
        auto r = co_yield from(std::move(sub));
        log.push_back("result " + twoway::detail::type_name(typeid(r)));
    } catch (const twoway::generator_exit &) {
        log.push_back("delegator GeneratorExit");
        throw;
    } catch (const std::exception &e) {
        log.push_back(std::string("delegator caught ") + e.what());
    }
    co_yield -1;
    co_return "delegator done";
}

} // namespace

TEST(YieldFrom, Y2FirstStepIsNextEvenWhenTheDelegatorWasResumedBySend) {
    log_t log;
    auto g = [](log_t &l) -> generator<int, int> {
        auto v = co_yield 0;
        l.push_back("delegator got " + std::to_string(*v));
        co_yield from(summer(l)); // the summer must start with None, not with the 7
    }(log);
    g.next();
    EXPECT_EQ(g.send(7), 0);
    EXPECT_EQ(log, (log_t{"delegator got 7"}));
}

TEST(YieldFrom, Y3Y4ValuesGoToTheCallerAndTheReturnValueIsTheResult) {
    log_t log;
    auto g = delegate_to_summer(log);
    EXPECT_EQ(g.next(), 0);
    EXPECT_EQ(g.send(10), 10);
    EXPECT_EQ(g.send(20), 30);
    EXPECT_EQ(g.next(), 1002); // the summer returned 2 (values received)
    try {
        g.next();
        FAIL();
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(s.value, 2);
    }
    EXPECT_EQ(log, (log_t{"10", "20", "None"}));
}

TEST(YieldFrom, Y4TheSubgeneratorsReturnTypeMayDifferFromTheDelegators) {
    auto sub = []() -> generator<int, void, std::string> {
        co_yield 1;
        co_return "text";
    };
    auto g = [](auto make) -> generator<int, void, double> {
        maybe<std::string> r = co_yield from(make());
        co_return static_cast<double>(r->size());
    }(sub);
    EXPECT_EQ(g.next(), 1);
    try {
        g.next();
        FAIL();
    } catch (const twoway::stop_iteration<double> &s) {
        EXPECT_EQ(s.value, 4.0);
    }
}

TEST(YieldFrom, Y5ABorrowedStartedGeneratorContinuesAndAnExhaustedOneGivesNone) {
    auto sub = []() -> generator<int, void, int> {
        for (int i = 0; i < 4; ++i) co_yield i;
        co_return 4;
    };
    auto s = sub();
    EXPECT_EQ(s.next(), 0);
    EXPECT_EQ(s.next(), 1);
    auto g = [](generator<int, void, int> &borrowed) -> generator<int, void, int> {
        auto r = co_yield from(borrowed);
        co_return r.value_or(-1);
    }(s);
    EXPECT_EQ(g.next(), 2);
    EXPECT_EQ(g.next(), 3);
    EXPECT_THROW(g.next(), twoway::stop_iteration<int>);
    EXPECT_EQ(s.state(), twoway::generator_state::closed);

    auto again = [](generator<int, void, int> &borrowed) -> generator<int, void, int> {
        auto r = co_yield from(borrowed);
        co_return r.value_or(-1); // None: the exhausted generator has nothing left
    }(s);
    try {
        again.next();
        FAIL();
    } catch (const twoway::stop_iteration<int> &st) {
        EXPECT_EQ(st.value, -1);
    }
}

TEST(YieldFrom, Y6SendNoneIsNextAndSendValueIsSend) {
    log_t log;
    auto g = delegate_and_report(Spy{&log}, log);
    EXPECT_EQ(g.next(), 1);
    EXPECT_EQ(g.send(twoway::none), 2);
    EXPECT_EQ(g.send(5), 300);
    EXPECT_EQ(log, (log_t{"next", "next", "send 5"}));
}

TEST(YieldFrom, Y7SendingAValueToAnOperandWithoutSendIsAttributeErrorInTheDelegator) {
    log_t log;
    auto g = delegate_and_report(NextOnly{}, log);
    EXPECT_EQ(g.next(), 1);
    EXPECT_EQ(g.send(twoway::none), 2);
    EXPECT_EQ(g.send(9), -1); // the delegator caught it and went on
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0], "delegator caught 'NextOnly' object has no attribute 'send'");

    auto r = delegate_and_report(std::vector<int>{1, 2}, log);
    r.next();
    EXPECT_EQ(r.send(3), -1);
    EXPECT_NE(log.back().find("object has no attribute 'send'"), std::string::npos);
}

TEST(YieldFrom, Y8AnExceptionFromTheSubiteratorIsRaisedInTheDelegator) {
    log_t log;
    auto bad = []() -> generator<int, int> {
        co_yield 1;
        throw std::length_error("sub failed");
    };
    auto g = delegate_and_report(bad(), log);
    EXPECT_EQ(g.next(), 1);
    EXPECT_EQ(g.next(), -1);
    EXPECT_EQ(log.back(), "delegator caught sub failed");
}

TEST(YieldFrom, Y9ThrowIsForwardedAndASubgeneratorThatReturnsEndsTheDelegation) {
    auto sub = []() -> generator<int, int, std::string> {
        try {
            co_yield 1;
        } catch (const Boom &) {
            co_return "handled";
        }
        co_return "not thrown";
    };
    log_t log;
    auto g = [](auto s, log_t &l) -> generator<int, int> {
        auto r = co_yield from(std::move(s));
        l.push_back(*r);
        co_yield 2;
    }(sub(), log);
    g.next();
    EXPECT_EQ(g.throw_exception(Boom()), 2);
    EXPECT_EQ(log, (log_t{"handled"}));
}

TEST(YieldFrom, Y9ThrowIntoAnIteratorObjectUsesItsThrowMethod) {
    log_t log;
    auto g = delegate_and_report(Spy{&log}, log);
    g.next();
    EXPECT_EQ(g.throw_exception(std::invalid_argument("x")), -1); // Spy rethrows; the delegator catches
    EXPECT_EQ(log, (log_t{"next", "throw", "delegator caught x"}));
}

TEST(YieldFrom, Y10WithoutThrowTheExceptionIsRaisedInTheDelegatorAndTheOperandIsUntouched) {
    log_t log;
    NextOnly it;
    auto g = [](NextOnly &borrowed, log_t &l) -> generator<int, int> {
        try {
            co_yield from(borrowed);
        } catch (const std::exception &e) {
            l.push_back(e.what());
        }
    }(it, log);
    g.next();
    EXPECT_THROW(g.throw_exception(std::invalid_argument("direct")), twoway::stop_iteration<>);
    EXPECT_EQ(log, (log_t{"direct"}));
    EXPECT_EQ(it.next(), 2); // still usable
}

TEST(YieldFrom, Y11CloseClosesTheSubgeneratorFirstAndDiscardsItsReturnValue) {
    log_t log;
    auto sub = [](log_t &l) -> generator<int, int, int> {
        try {
            co_yield 1;
        } catch (const twoway::generator_exit &) {
            l.push_back("sub exit");
            co_return 42; // discarded: close() of the subgenerator returns it, yield from ignores it
        }
        co_return 0;
    };
    auto g = [](auto s, log_t &l) -> generator<int, int, int> {
        try {
            auto r = co_yield from(std::move(s));
            l.push_back("delegation ended with " + std::to_string(*r));
        } catch (const twoway::generator_exit &) {
            l.push_back("delegator exit");
            co_return 7; // Y13: the delegator's own return value is close()'s value
        }
        co_return 0;
    }(sub(log), log);
    g.next();
    EXPECT_EQ(g.close(), 7);
    EXPECT_EQ(log, (log_t{"sub exit", "delegator exit"}));
}

TEST(YieldFrom, Y11AnErrorFromTheSubgeneratorsCloseIsRaisedInTheDelegator) {
    log_t log;
    auto sub = []() -> generator<int, int> {
        try {
            co_yield 1;
        } catch (const twoway::generator_exit &) {
            throw std::domain_error("close failed");
        }
    };
    auto g = delegate_and_report(sub(), log);
    g.next();
    EXPECT_THROW(g.close(), twoway::runtime_error); // the delegator catches it and yields: ignored exit
    EXPECT_EQ(log, (log_t{"delegator caught close failed"}));
}

TEST(YieldFrom, Y11AStubbornSubgeneratorGivesIgnoredGeneratorExitInTheDelegator) {
    log_t log;
    auto stubborn = []() -> generator<int, int> {
        for (;;) {
            try {
                co_yield 1;
            } catch (const twoway::generator_exit &) {
            }
        }
    };
    auto g = delegate_and_report(stubborn(), log);
    g.next();
    EXPECT_THROW(g.close(), twoway::runtime_error); // the delegator caught the RuntimeError and yielded -1
    EXPECT_EQ(log, (log_t{"delegator caught generator ignored GeneratorExit"}));
}

TEST(YieldFrom, Y11ThrowOfGeneratorExitClosesTheSubgeneratorAndRaisesTheSameInstance) {
    log_t log;
    auto g = delegate_and_report(Spy{&log}, log);
    g.next();
    auto ge = std::make_exception_ptr(twoway::generator_exit("mine"));
    try {
        g.throw_exception(ge);
        FAIL();
    } catch (const twoway::generator_exit &e) {
        EXPECT_STREQ(e.what(), "mine");
        try {
            std::rethrow_exception(ge);
        } catch (const twoway::generator_exit &original) {
            EXPECT_EQ(&e, &original);
        }
    }
    EXPECT_EQ(log, (log_t{"next", "close", "delegator GeneratorExit"}));
}

TEST(YieldFrom, Y12WithoutCloseGeneratorExitIsRaisedInTheDelegatorDirectly) {
    log_t log;
    auto g = delegate_and_report(NextOnly{}, log);
    g.next();
    EXPECT_EQ(g.close(), twoway::none);
    EXPECT_EQ(log, (log_t{"delegator GeneratorExit"}));
}

namespace {
struct finally_log {
    log_t &log;
    std::string text;
    ~finally_log() { log.push_back(text); }
};

generator<int, int, int> leaf(log_t &log) {
    finally_log f{log, "leaf finally"};
    auto v = co_yield 1;
    co_return *v;
}
generator<int, int, int> mid(log_t &log) {
    finally_log f{log, "mid finally"};
    auto r = co_yield from(leaf(log));
    co_return *r + 1;
}
generator<int, int, int> top(log_t &log) {
    finally_log f{log, "top finally"};
    auto r = co_yield from(mid(log));
    co_return *r + 1;
}
} // namespace

TEST(YieldFrom, Y14ReturnValuesClimbTheChain) {
    log_t log;
    auto g = top(log);
    g.next();
    try {
        g.send(40);
        FAIL();
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(s.value, 42);
    }
    EXPECT_EQ(log, (log_t{"leaf finally", "mid finally", "top finally"}));
}

TEST(YieldFrom, Y14CloseUnwindsInnermostFirst) {
    log_t log;
    auto g = top(log);
    g.next();
    g.close();
    EXPECT_EQ(log, (log_t{"leaf finally", "mid finally", "top finally"}));
}

TEST(YieldFrom, Y15S6YieldFromReportsTheDirectSubiteratorOnlyWhileSuspendedInIt) {
    log_t log;
    auto g = top(log);
    EXPECT_FALSE(g.yield_from().has_value());
    g.next();
    auto y = g.yield_from();
    ASSERT_TRUE(y.has_value());
    EXPECT_EQ(y->what, twoway::subiterator::kind::generator);
    std::vector<int> v{1, 2};
    auto r = [](std::vector<int> &src) -> generator<int> { co_yield from(src); }(v);
    r.next();
    ASSERT_TRUE(r.yield_from().has_value());
    EXPECT_EQ(r.yield_from()->what, twoway::subiterator::kind::range);
    EXPECT_EQ(r.yield_from()->address, &v);
    g.close();
    EXPECT_FALSE(g.yield_from().has_value());
}

TEST(YieldFrom, Y16DelegatingToItselfIsAlreadyExecuting) {
    generator<int> g;
    g = [](generator<int> &me) -> generator<int> {
        co_yield 1;
        co_yield from(me);
    }(g);
    g.next();
    try {
        g.next();
        FAIL();
    } catch (const twoway::value_error &e) {
        EXPECT_STREQ(e.what(), "generator already executing");
    }
    EXPECT_EQ(g.state(), twoway::generator_state::closed);
}

TEST(YieldFrom, Y17TheDelegatorIsRunningWhileTheSubgeneratorRuns) {
    generator<int> outer;
    std::vector<twoway::generator_state> seen;
    auto inner = [](generator<int> &o, std::vector<twoway::generator_state> &s) -> generator<int> {
        s.push_back(o.state());
        co_yield 1;
    };
    outer = [](auto make, generator<int> &o, std::vector<twoway::generator_state> &s) -> generator<int> {
        co_yield from(make(o, s));
    }(inner, outer, seen);
    outer.next();
    EXPECT_EQ(seen, std::vector<twoway::generator_state>{twoway::generator_state::running});
    EXPECT_EQ(outer.state(), twoway::generator_state::suspended);
}

TEST(YieldFrom, Y18AfterTheDelegationSendsGoToTheDelegatorAgain) {
    log_t log;
    auto g = delegate_to_summer(log);
    g.next();
    g.send(1);
    EXPECT_EQ(g.next(), 1001);
    EXPECT_THROW(g.send(5), twoway::stop_iteration<int>); // the delegator's own yield receives it
    EXPECT_EQ(log, (log_t{"1", "None"}));
}

TEST(YieldFrom, Y19AStopIterationThrownPastAnOperandWithoutThrowEndsTheDelegationWithItsValue) {
    struct NoThrow {
        using return_type = int;
        int next() { return 1; }
    };
    auto g = []() -> generator<int, void, int> {
        auto r = co_yield from(NoThrow{});
        co_return *r;
    }();
    g.next();
    try {
        g.throw_exception(twoway::stop_iteration<int>(7));
        FAIL();
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(s.value, 7);
    }
}

// std::views::iota where the standard library can compile it (not clang 14 with libstdc++ 12).
#if TWOWAY_HAVE_STD_VIEWS
auto zero_to(int n) { return std::views::iota(0, n); }
auto one_to(int n) { return std::views::iota(1, n); }
#else
std::vector<int> zero_to(int n) {
    std::vector<int> v;
    for (int i = 0; i < n; ++i) v.push_back(i);
    return v;
}
std::vector<int> one_to(int n) {
    std::vector<int> v;
    for (int i = 1; i < n; ++i) v.push_back(i);
    return v;
}
#endif

TEST(YieldFrom, RangesOfEveryKind) {
    auto g = []() -> generator<int> {
        co_yield from(zero_to(3));
        std::vector<int> v{7, 8};
        co_yield from(v);
        co_yield from(std::vector<int>());
    }();
    std::vector<int> out;
    for (int x : g) out.push_back(x);
    EXPECT_EQ(out, (std::vector<int>{0, 1, 2, 7, 8}));
    auto chars = []() -> generator<char> { co_yield from(std::string("ab")); }();
    EXPECT_EQ(chars.next(), 'a');
    EXPECT_EQ(chars.next(), 'b');
    EXPECT_THROW(chars.next(), twoway::stop_iteration<>);
}

TEST(YieldFrom, AChainMayEndInARange) {
    auto bottom = []() -> generator<int> { co_yield from(one_to(4)); };
    auto g = [](auto make) -> generator<int> { co_yield from(make()); }(bottom);
    EXPECT_EQ(g.next(), 1);
    EXPECT_EQ(g.next(), 2);
    EXPECT_EQ(g.next(), 3);
    EXPECT_THROW(g.next(), twoway::stop_iteration<>);
}

// ---- depth -----------------------------------------------------------------------------------------

namespace {

struct CaughtAtBottom : std::exception {};
struct CaughtAtTop : std::exception {};

// Level 0 echoes what it is sent and catches CaughtAtBottom; the top level catches CaughtAtTop.
generator<int, int, int> level(int depth, int top_depth) {
    if (depth == 0) {
        int last = 0;
        for (;;) {
            maybe<int> v;
            try {
                v = co_yield last;
            } catch (const CaughtAtBottom &) {
                last = -1;
                continue;
            }
            if (v.is_none()) co_return last;
            last = *v;
        }
    }
    if (depth == top_depth) {
        try {
            auto r = co_yield from(level(depth - 1, top_depth));
            co_return *r + 1;
        } catch (const CaughtAtTop &) {
        }
        co_yield -2; // after the handler: C++ cannot yield inside it
        co_return 0;
    }
    auto r = co_yield from(level(depth - 1, top_depth));
    co_return *r + 1;
}

constexpr int deep = 100000;

} // namespace

TEST(YieldFromDepth, AChainOfDepth100000IsDrivenThrownThroughAndReturnsOnADefaultStack) {
    auto g = level(deep, deep);
    EXPECT_EQ(g.next(), 0);
    for (int i = 1; i <= 100; ++i) ASSERT_EQ(g.send(i), i);
    EXPECT_EQ(g.throw_exception(CaughtAtBottom()), -1); // caught at the bottom
    EXPECT_EQ(g.send(5), 5);
    try {
        g.next(); // the bottom returns 5; each level adds 1 on the way up
        FAIL();
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(s.value, 5 + deep);
    }
}

TEST(YieldFromDepth, AnExceptionClimbs100000LevelsToTheTop) {
    auto g = level(deep, deep);
    g.next();
    EXPECT_EQ(g.throw_exception(CaughtAtTop()), -2); // caught at the top, after 100,000 frames unwound
    EXPECT_EQ(g.yield_from(), std::nullopt);
}

TEST(YieldFromDepth, Closing100000LevelsUnwindsEveryFrame) {
    auto g = level(deep, deep);
    g.next();
    EXPECT_EQ(g.close(), twoway::none);
    EXPECT_EQ(g.state(), twoway::generator_state::closed);
}

TEST(YieldFromDepth, Destroying100000SuspendedLevelsDoesNotOverflowOrLeak) {
    auto g = level(deep, deep);
    g.next();
    g.send(3);
    // The destructor closes the chain (finalizer); ASan's leak check covers the frames.
}

// ---- hardening (issue 9) ----

namespace {
generator<int, std::vector<int>> reads_vectors() {
    auto v = co_yield 0;
    co_yield static_cast<int>(v->size());
}
generator<int> relays_without_reading() { co_yield from(reads_vectors()); }
generator<int, std::string> sends_strings(log_t &log) {
    try {
        co_yield from(relays_without_reading());
    } catch (const twoway::type_error &e) {
        log.push_back(e.what());
    }
    co_yield -1;
}
generator<int, std::string> reads_strings() {
    auto v = co_yield 0;
    co_yield static_cast<int>(v->size());
}
generator<int> relays_strings() { co_yield from(reads_strings()); }
generator<int, std::string> sends_strings_ok() { co_yield from(relays_strings()); }

generator<int, int, int> counts_to(int n) {
    for (int i = 0; i < n; ++i) co_yield i;
    co_return n * 100;
}
generator<int, int, int> borrows(generator<int, int, int> &sub, log_t &log) {
    auto r = co_yield from(sub);
    log.push_back("result " + std::to_string(*r));
    co_return *r;
}

struct move_only_result_iterator {
    using return_type = std::unique_ptr<int>;
    int i = 0;
    int next() {
        if (i == 2) throw twoway::stop_iteration<std::unique_ptr<int>>(std::make_unique<int>(42));
        return i++;
    }
};
generator<int, void, int> takes_move_only_result() {
    auto r = co_yield from(move_only_result_iterator{});
    co_return **r;
}

struct throwing_move {
    throwing_move() = default;
    throwing_move(const throwing_move &) { throw std::out_of_range("copy"); }
    throwing_move(throwing_move &&) { throw std::out_of_range("move"); }
    throwing_move &operator=(throwing_move &&) { throw std::out_of_range("move"); }
};
struct hands_over_a_throwing_value {
    using return_type = throwing_move;
    int next() {
        twoway::stop_iteration<throwing_move> s;
        s.value.emplace();
        throw s;
    }
};
generator<int> delivers_the_move_error(log_t &log) {
    try {
        co_yield from(hands_over_a_throwing_value{});
    } catch (const std::out_of_range &e) {
        log.push_back(std::string("caught ") + e.what());
    }
    co_yield 7;
}

generator<int> leaf() {
    co_yield 1;
    co_yield 2;
}
generator<int> middle() { co_yield from(leaf()); }
generator<int> top() { co_yield from(middle()); }
generator<int> over_a_range() {
    std::vector<int> values{5, 6}; // GCC 12: no braced list inside co_yield (docs/differences.md)
    co_yield from(std::move(values));
}
generator<int> middle_over_a_range() { co_yield from(over_a_range()); }
} // namespace

TEST(YieldFrom, AVoidSendMiddleCannotJoinMismatchedSendTypes) {
    log_t log;
    auto g = sends_strings(log);
    EXPECT_EQ(g.next(), -1); // the delegation was refused at from(), before any value crossed
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("receives std::vector<int"), std::string::npos) << log[0];
    EXPECT_NE(log[0].find("sent std::__cxx11::basic_string"), std::string::npos) << log[0];
    auto ok = sends_strings_ok(); // the same shape with one send type is fine
    EXPECT_EQ(ok.next(), 0);
    EXPECT_EQ(ok.send(std::string("abc")), 3);
}

TEST(YieldFrom, ABorrowedGeneratorKeptInAVectorThatReallocates) {
    log_t log;
    std::vector<generator<int, int, int>> subs;
    subs.push_back(counts_to(2));
    auto g = borrows(subs[0], log);
    EXPECT_EQ(g.next(), 0);
    for (int i = 0; i < 100; ++i) subs.push_back(counts_to(1)); // moves subs[0] elsewhere
    EXPECT_EQ(g.next(), 1);
    EXPECT_THROW(g.next(), twoway::stop_iteration<int>);
    EXPECT_EQ(log, (log_t{"result 200"}));
}

TEST(YieldFrom, ABorrowedGeneratorDestroyedWhileDelegatedToLivesUntilTheDelegationEnds) {
    log_t log;
    auto sub = std::make_unique<generator<int, int, int>>(counts_to(3));
    const void *frame = sub->address();
    auto g = borrows(*sub, log);
    EXPECT_EQ(g.next(), 0);
    sub.reset(); // Python: the delegation still holds a reference
    EXPECT_EQ(g.yield_from()->address, frame);
    EXPECT_EQ(g.next(), 1);
    EXPECT_EQ(g.next(), 2);
    try {
        g.next();
        FAIL();
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(*s.value, 300);
    }
    EXPECT_EQ(log, (log_t{"result 300"}));
}

TEST(YieldFrom, ABorrowedGeneratorDestroyedWhileDelegatedToIsFinalizedWhenTheDelegatorCloses) {
    log_t log;
    auto sub = std::make_unique<generator<int, int, int>>(counts_to(3));
    auto g = borrows(*sub, log);
    EXPECT_EQ(g.next(), 0);
    sub.reset();
    g.close(); // closes the orphaned frame, then frees it (ASan: no leak, no use after free)
    EXPECT_EQ(g.state(), twoway::generator_state::closed);
}

TEST(YieldFrom, ABorrowedGeneratorMovedOrReassignedWhileDelegatedTo) {
    log_t log;
    auto sub = counts_to(2);
    auto g = borrows(sub, log);
    EXPECT_EQ(g.next(), 0);
    auto moved = std::move(sub);
    sub = counts_to(5); // another generator in the old place
    EXPECT_EQ(g.next(), 1);
    EXPECT_THROW(g.next(), twoway::stop_iteration<int>);
    EXPECT_EQ(log, (log_t{"result 200"})); // the original's result, not the newcomer's
    EXPECT_EQ(moved.state(), twoway::generator_state::closed);
    EXPECT_EQ(sub.next(), 0);
}

TEST(YieldFrom, AnIteratorObjectsMoveOnlyReturnValueIsMovedOut) {
    auto g = takes_move_only_result();
    EXPECT_EQ(g.next(), 0);
    EXPECT_EQ(g.next(), 1);
    try {
        g.next();
        FAIL();
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(*s.value, 42);
    }
}

TEST(YieldFrom, AnErrorTakingTheReturnValueIsDeliveredToTheDelegator) {
    log_t log;
    auto g = delivers_the_move_error(log);
    EXPECT_EQ(g.next(), 7); // not std::terminate
    EXPECT_EQ(log, (log_t{"caught move"}));
}

TEST(YieldFrom, YieldFromNamesTheTypeOfAGeneratorSubiterator) {
    auto g = top();
    g.next();
    auto sub = g.yield_from();
    ASSERT_TRUE(sub);
    EXPECT_EQ(sub->what, twoway::subiterator::kind::generator);
    ASSERT_NE(sub->type, nullptr);
    EXPECT_EQ(*sub->type, typeid(generator<int>));
}

TEST(YieldFrom, DelegationChainWalksGiYieldfromDownToTheInnermost) {
    auto g = top();
    EXPECT_TRUE(g.delegation_chain().empty()); // created: not in a delegation
    g.next();
    auto chain = g.delegation_chain();
    ASSERT_EQ(chain.size(), 2u);
    EXPECT_EQ(chain[0].address, g.yield_from()->address);
    EXPECT_EQ(chain[1].what, twoway::subiterator::kind::generator);
    EXPECT_NE(chain[0].address, chain[1].address);
    auto r = middle_over_a_range();
    r.next();
    auto rc = r.delegation_chain();
    ASSERT_EQ(rc.size(), 2u);
    EXPECT_EQ(rc[1].what, twoway::subiterator::kind::range);
    EXPECT_EQ(*rc[1].type, typeid(std::vector<int>));
}

namespace {
generator<int> opted_in_delegator(log_t &log, generator<int> &borrowed) {
    co_await twoway::no_exit_handlers;
    struct note {
        log_t *log;
        ~note() { log->push_back(std::string("delegator") + (std::uncaught_exceptions() ? " (unwinding)" : "")); }
    } n{&log};
    co_yield from(borrowed);
}
generator<int> records_close(log_t &log, std::string name) {
    try {
        co_yield 1;
        co_yield 2;
    } catch (const twoway::generator_exit &) {
        log.push_back(name + " closed");
        throw;
    }
}
generator<int> opted_in_owner(log_t &log) {
    co_await twoway::no_exit_handlers;
    co_yield from(records_close(log, std::string("owned")));
}
generator<int, int> opted_in_over_an_iterator_object(log_t &log) {
    co_await twoway::no_exit_handlers;
    co_yield from(Spy{&log});
}
} // namespace

TEST(YieldFrom, NoExitHandlersStillClosesSubgeneratorsInnermostFirst) {
    log_t log;
    {
        auto g = opted_in_owner(log);
        g.next();
    }
    EXPECT_EQ(log, (log_t{"owned closed"}));
    log.clear();
    auto borrowed = records_close(log, std::string("borrowed"));
    {
        auto g = opted_in_delegator(log, borrowed);
        g.next();
    }
    const std::string suffix = TWOWAY_VERIFY_NO_EXIT_HANDLERS ? " (unwinding)" : ""; // debug builds check by closing
    EXPECT_EQ(log, (log_t{"borrowed closed", "delegator" + suffix})); // the delegator's frame: no exception
    EXPECT_EQ(borrowed.state(), twoway::generator_state::closed);
    log.clear();
    {
        auto g = opted_in_over_an_iterator_object(log);
        g.next();
    }
    EXPECT_EQ(log, (log_t{"next", "close"})); // an iterator object gets its close()
}
