// Tests for twoway/primed.hpp.
#include "twoway/primed.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

twoway::generator<std::string, std::string> echo() {
    twoway::maybe<std::string> got;
    for (;;) {
        // A local, not a conditional expression in the co_yield operand: GCC 12 mis-destroys conditional
        // temporaries when the generator is closed at that yield (docs/differences.md, compiler notes).
        std::string out = got.is_none() ? std::string("ready") : "got " + *got;
        got = co_yield out;
    }
}

twoway::generator<int, int, std::string> returns_first() {
    co_return "nothing";
    co_yield 0;
}

twoway::generator<int, int> fails_first() {
    throw std::invalid_argument("setup");
    co_yield 0;
}

} // namespace

TEST(Primed, TheFirstCallCanBeASend) {
    auto g = twoway::primed(echo());
    EXPECT_EQ(g.state(), twoway::generator_state::suspended);
    EXPECT_EQ(g.send("x"), "got x");
}

TEST(Primed, OnFirstReceivesTheDiscardedValue) {
    std::string first;
    auto g = twoway::primed(echo(), [&](std::string v) { first = std::move(v); });
    EXPECT_EQ(first, "ready");
    EXPECT_EQ(g.send("y"), "got y");
}

TEST(Primed, WrappingAGeneratorFunctionPrimesEveryCall) {
    auto make = twoway::primed_fn(echo);
    auto a = make();
    auto b = make();
    EXPECT_EQ(a.send("a"), "got a");
    EXPECT_EQ(b.send("b"), "got b");
}

TEST(Primed, AGeneratorThatReturnsBeforeYieldingRaisesItsStopIteration) {
    try {
        (void)twoway::primed(returns_first());
        FAIL() << "expected stop_iteration";
    } catch (const twoway::stop_iteration<std::string> &s) {
        EXPECT_EQ(s.value, "nothing");
    }
}

TEST(Primed, ErrorsBeforeTheFirstYieldPropagate) { EXPECT_THROW((void)twoway::primed(fails_first()), std::invalid_argument); }

TEST(Primed, MisuseAnEmptyGeneratorIsAClearError) {
    twoway::generator<int> empty;
    EXPECT_THROW((void)twoway::primed(std::move(empty)), twoway::value_error);
}

TEST(Primed, PrimingTwiceAdvancesAgainLikeASecondNext) {
    auto g = twoway::primed(twoway::primed(echo()));
    EXPECT_EQ(g.send("z"), "got z");
}

// @primed where the body is defined: primed on a lambda is primed_fn(lambda).
const auto upper_echo = twoway::primed([](std::string prefix) -> twoway::generator<std::string, std::string> {
    twoway::maybe<std::string> got;
    for (;;) {
        std::string out = got.is_none() ? std::string("ready") : prefix + *got;
        got = co_yield out;
    }
});

TEST(Primed, PrimedOnALambdaWrapsItLikeTheDecorator) {
    auto a = upper_echo("a:");
    auto b = upper_echo("b:");
    EXPECT_EQ(a.state(), twoway::generator_state::suspended);
    EXPECT_EQ(a.send("x"), "a:x");
    EXPECT_EQ(b.send("y"), "b:y");
}

// A program's own unconstrained primed(f) helper, called with a generator function: the lambda overload
// must not take part (argument-dependent lookup finds twoway::primed through the function's return type).
template <class F>
auto primed(F f) {
    return [f] { return twoway::primed(f(), [](const std::string &) {}); };
}

TEST(Primed, AProgramsOwnPrimedHelperIsNotAmbiguousWithTheLambdaOverload) {
    const auto make = primed(echo);
    auto g = make();
    EXPECT_EQ(g.send("x"), "got x");
}
