// Tests for twoway/contextmanager.hpp: contextlib's rules M1-M13 (traces 24 and 25 compare the same
// rules with CPython's output line by line).
#include "twoway/contextmanager.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

using log_t = std::vector<std::string>;

namespace {

struct finally_log {
    log_t &log;
    ~finally_log() { log.push_back("finally"); }
};

twoway::generator<std::string> resource_gen(log_t &log) {
    log.push_back("setup");
    finally_log f{log};
    try {
        co_yield "handle";
    } catch (const std::invalid_argument &e) {
        log.push_back(std::string("swallowed ") + e.what());
    }
}
const auto resource = twoway::contextmanager(resource_gen);

twoway::generator<int> no_yield(log_t &log) {
    log.push_back("ran");
    co_return;
}

twoway::generator<int> two_yields(log_t &log) {
    finally_log f{log};
    co_yield 1;
    co_yield 2;
}

twoway::generator<int> rethrows_other(log_t &) {
    try {
        co_yield 1;
    } catch (const std::exception &) {
        throw std::domain_error("replaced");
    }
}

twoway::generator<int> yields_after_throw(log_t &log) {
    finally_log f{log};
    bool again = false;
    try {
        co_yield 1;
    } catch (...) {
        again = true;
    }
    if (again) co_yield 2;
}

} // namespace

TEST(ContextManager, M1TheGeneratorIsCreatedAtCallTimeButRunsOnlyOnEnter) {
    log_t log;
    auto cm = resource(log);
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(cm.enter(), "handle");
    EXPECT_EQ(log, (log_t{"setup"}));
    EXPECT_FALSE(cm.exit());
}

TEST(ContextManager, WithRunsTheBlockBetweenEnterAndExit) {
    log_t log;
    auto r = twoway::with(resource(log), [&](std::string &h) {
        log.push_back("body " + h);
        return 5;
    });
    EXPECT_EQ(r, 5);
    EXPECT_EQ(log, (log_t{"setup", "body handle", "finally"}));
}

TEST(ContextManager, M2AGeneratorThatDoesNotYieldIsDidntYield) {
    log_t log;
    auto cm = twoway::contextmanager(no_yield)(log);
    try {
        cm.enter();
        FAIL();
    } catch (const twoway::runtime_error &e) {
        EXPECT_STREQ(e.what(), "generator didn't yield");
        auto *n = dynamic_cast<const std::nested_exception *>(&e);
        ASSERT_NE(n, nullptr);
        EXPECT_THROW(n->rethrow_nested(), twoway::stop_iteration<>);
    }
}

TEST(ContextManager, M3IsSingleUse) {
    log_t log;
    auto cm = resource(log);
    twoway::with(cm, [] {});
    try {
        twoway::with(cm, [] {});
        FAIL();
    } catch (const twoway::attribute_error &e) {
        EXPECT_STREQ(e.what(), "'_GeneratorContextManager' object has no attribute 'args'");
    }
}

TEST(ContextManager, M3DecorateRecreatesTheContextManagerForEveryCall) {
    log_t log;
    auto twice = resource(log).decorate([](int x) { return x * 2; });
    EXPECT_EQ(twice(1), 2);
    EXPECT_EQ(twice(2), 4);
    EXPECT_EQ(log, (log_t{"setup", "finally", "setup", "finally"}));
}

TEST(ContextManager, DecorateNeedsAContextManagerMadeByContextmanager) {
    log_t log;
    twoway::context_manager<std::string> bare(resource_gen(log));
    EXPECT_THROW((void)bare.decorate([] {}), twoway::value_error);
}

TEST(ContextManager, M4ASecondYieldIsDidntStopAfterClosingTheGenerator) {
    log_t log;
    try {
        twoway::with(twoway::contextmanager(two_yields)(log), [] {});
        FAIL();
    } catch (const twoway::runtime_error &e) {
        EXPECT_STREQ(e.what(), "generator didn't stop");
    }
    EXPECT_EQ(log, (log_t{"finally"})); // close() ran before the error left exit()
}

TEST(ContextManager, M5M7AnExceptionTheGeneratorSwallowsIsSuppressed) {
    log_t log;
    auto r = twoway::with(resource(log), [&](std::string &) -> int { throw std::invalid_argument("bad"); });
    EXPECT_TRUE(r.is_none());
    EXPECT_EQ(log, (log_t{"setup", "swallowed bad", "finally"}));
}

TEST(ContextManager, M8AnExceptionTheGeneratorDoesNotCatchPropagatesAsTheSameObject) {
    log_t log;
    auto original = std::make_exception_ptr(std::out_of_range("not caught"));
    const void *thrown = twoway::detail::exception_address(original);
    try {
        twoway::with(resource(log), [&] { std::rethrow_exception(original); });
        FAIL();
    } catch (const std::out_of_range &e) {
        EXPECT_EQ(&e, thrown);
    }
    EXPECT_EQ(log, (log_t{"setup", "finally"}));
}

TEST(ContextManager, M9ADifferentExceptionFromTheGeneratorReplacesTheOriginal) {
    log_t log;
    EXPECT_THROW(twoway::with(twoway::contextmanager(rethrows_other)(log), [] { throw std::invalid_argument("x"); }),
                 std::domain_error);
}

TEST(ContextManager, M6YieldingAfterThrowIsDidntStopAfterThrow) {
    log_t log;
    try {
        twoway::with(twoway::contextmanager(yields_after_throw)(log), [] { throw std::invalid_argument("boom"); });
        FAIL();
    } catch (const twoway::runtime_error &e) {
        EXPECT_STREQ(e.what(), "generator didn't stop after throw()");
        auto *n = dynamic_cast<const std::nested_exception *>(&e);
        ASSERT_NE(n, nullptr); // the block's exception is its context
        EXPECT_THROW(n->rethrow_nested(), std::invalid_argument);
    }
    EXPECT_EQ(log, (log_t{"finally"}));
}

TEST(ContextManager, M10AStopIterationFromTheBlockIsNeverSwallowedByAGeneratorThatDoesNotCatchIt) {
    log_t log;
    EXPECT_THROW(twoway::with(resource(log), [] { throw twoway::stop_iteration<>(); }), twoway::stop_iteration<>);
}

TEST(ContextManager, M13ExitReturnsTrueOnlyWhenSuppressing) {
    log_t log;
    auto a = resource(log);
    a.enter();
    EXPECT_TRUE(a.exit(std::make_exception_ptr(std::invalid_argument("z"))));
    auto b = resource(log);
    b.enter();
    EXPECT_FALSE(b.exit(std::make_exception_ptr(std::length_error("t"))));
    auto c = resource(log);
    c.enter();
    EXPECT_FALSE(c.exit());
}

TEST(ContextManager, NestedWithsExitInnermostFirst) {
    log_t outer_log, inner_log;
    twoway::with(resource(outer_log), [&] { twoway::with(resource(inner_log), [&] { EXPECT_EQ(outer_log.size(), 1u); }); });
    EXPECT_EQ(inner_log, (log_t{"setup", "finally"}));
    EXPECT_EQ(outer_log, (log_t{"setup", "finally"}));
}

namespace {
twoway::generator<std::string> named(std::string name, log_t &log) {
    log.push_back("enter " + name);
    co_yield name;
}
} // namespace

TEST(ContextManager, DecorateKeepsRvalueArgumentsByValueAndLvaluesByReference) {
    log_t log;
    auto f = twoway::contextmanager(named)(std::string("tmp"), log).decorate([] { return 1; });
    EXPECT_EQ(f(), 1);
    EXPECT_EQ(log, (log_t{"enter tmp"})); // the string was kept by value, the log by reference
}

namespace {
twoway::generator<int> replaces_int_with_int() {
    try {
        co_yield 0;
    } catch (int) {
        throw 2; // a different exception object, of the same non-class type
    }
}
} // namespace

TEST(ContextManager, M8M9IdentityHoldsForExceptionsOfNonClassType) {
    // The same int object back is the original (M8); a new int is a replacement (M9).
    try {
        twoway::with(twoway::contextmanager(replaces_int_with_int)(), [] { throw 1; });
        FAIL();
    } catch (int e) {
        EXPECT_EQ(e, 2);
    }
    log_t log;
    try {
        twoway::with(twoway::contextmanager(two_yields)(log), [] { throw 7; }); // does not catch it
        FAIL();
    } catch (int e) {
        EXPECT_EQ(e, 7);
    }
}

namespace {
struct counted {
    int *copies;
    explicit counted(int *c) : copies(c) {}
    counted(const counted &other) : copies(other.copies) { ++*copies; }
    counted(counted &&) noexcept = default;
    counted &operator=(const counted &) = delete;
};
twoway::generator<int> reads(const counted &c) { co_yield *c.copies; }
twoway::generator<int> takes_a_copy(counted c) { co_yield *c.copies; }
twoway::generator<int> owns(std::unique_ptr<int> p) { co_yield *p; }
twoway::generator<std::string> refers_to(const std::string &s) { co_yield s; }
} // namespace

TEST(ContextManager, AMoveOnlyArgumentWorksForASingleUse) {
    auto r = twoway::with(twoway::contextmanager(owns)(std::make_unique<int>(7)), [](int &v) { return v; });
    EXPECT_EQ(r, 7);
}

TEST(ContextManager, DecorateWithAMoveOnlyArgumentIsATypeError) {
    auto cm = twoway::contextmanager(owns)(std::make_unique<int>(7));
    try {
        (void)cm.decorate([] {});
        FAIL();
    } catch (const twoway::type_error &e) {
        EXPECT_NE(std::string(e.what()).find("cannot be recreated"), std::string::npos);
    }
    EXPECT_EQ(twoway::with(cm, [](int &v) { return v; }), 7); // still good for its single use
}

TEST(ContextManager, ArgumentsAreNotCopiedWhenDecorateIsNotUsed) {
    int copies = 0;
    auto r = twoway::with(twoway::contextmanager(reads)(counted(&copies)), [](int &v) { return v; });
    EXPECT_EQ(r, 0);
    EXPECT_EQ(copies, 0);
}

TEST(ContextManager, DecorateRefersToTheKeptArgumentsWithoutCopying) {
    int copies = 0;
    auto f = twoway::contextmanager(reads)(counted(&copies)).decorate([] { return 1; });
    EXPECT_EQ(f(), 1);
    EXPECT_EQ(f(), 1);
    EXPECT_EQ(copies, 0);
}

TEST(ContextManager, AByValueParameterGetsItsOwnCopyOfTheKeptArgumentInEveryGenerator) {
    // The kept argument must stay intact for decorate(): each generator copies it, the first included.
    int copies = 0;
    auto cm = twoway::contextmanager(takes_a_copy)(counted(&copies));
    EXPECT_EQ(copies, 1);
    auto f = cm.decorate([] {});
    f();
    EXPECT_EQ(copies, 2);
}

TEST(ContextManager, AReferenceParameterRefersToTheKeptRvalueAsLongAsTheContextManagerLives) {
    auto cm = twoway::contextmanager(refers_to)(std::string(100, 'x')); // the temporary is gone after this line
    EXPECT_EQ(twoway::with(cm, [](std::string &s) { return s; }), std::string(100, 'x'));
}
