// Tests for twoway/shared_generator.hpp: one generator, several owners.
#include "twoway/shared_generator.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "twoway/primed.hpp"
#include "twoway/yield_from.hpp"

using twoway::generator;
using twoway::shared_generator;

namespace {

// Counts how often a generator's cleanup ran (Python's `finally`).
struct finalizer {
    int &count;
    ~finalizer() { ++count; }
};

generator<int, int, int> counter(int &finalized) {
    finalizer f{finalized};
    int n = 0;
    for (;;) {
        auto step = co_yield n;
        if (step.is_none())
            ++n;
        else
            n += *step;
    }
}

using Sink = generator<twoway::none_t, std::string, int>;

// The sink of the fan-in: records what it receives; close() returns how many lines it saw.
Sink printer(std::vector<std::string> &out, int &finalized) {
    finalizer f{finalized};
    int lines = 0;
    try {
        for (;;) {
            auto line = co_yield twoway::none;
            if (line.is_none()) {
                out.emplace_back("None");
            } else {
                ++lines;
                out.push_back(*line);
            }
        }
    } catch (const twoway::generator_exit &) {
        co_return lines;
    }
}

// A filter that holds its own copy of the shared sink.
generator<twoway::none_t, std::string> grep(std::string pattern, shared_generator<twoway::none_t, std::string, int> target) {
    for (;;) {
        auto line = co_yield twoway::none;
        if (line.is_none() || line->find(pattern) != std::string::npos) target.send(std::move(line)); // None relayed as next()
    }
}

using Filter = shared_generator<twoway::none_t, std::string>;

generator<twoway::none_t, std::string> broadcast(std::vector<Filter> targets) {
    for (;;) {
        auto item = co_yield twoway::none;
        for (auto &target : targets) target.send(item);
    }
}

generator<int, int, int> adder() {
    int total = 0;
    for (;;) {
        auto v = co_yield total;
        if (v.is_none()) co_return total;
        total += *v;
    }
}

generator<int, int, int> delegate_borrowed(shared_generator<int, int, int> sub) {
    auto result = co_yield twoway::from(sub.get());
    co_return *result * 10;
}

generator<int, int, int> delegate_to_handle(shared_generator<int, int, int> sub) {
    auto result = co_yield twoway::from(sub);
    co_return *result * 10;
}

struct oops : std::runtime_error {
    oops() : std::runtime_error("oops") {}
};

generator<int, int> catches() {
    int caught = 0;
    for (;;) {
        try {
            co_yield caught;
        } catch (const std::runtime_error &) {
            ++caught;
        }
    }
}

generator<int, int, int> closes_with(shared_generator<int, int, int> sub) {
    co_yield twoway::from(sub);
    co_return 0;
}

generator<int> reenters(const shared_generator<int> *self) {
    co_yield 1;
    co_yield self->next(); // drives itself through a copy of its own handle
}

} // namespace

TEST(SharedGenerator, CopiesDriveTheSameGenerator) {
    int finalized = 0;
    auto a = twoway::share(counter(finalized));
    auto b = a;
    EXPECT_EQ(a.next(), 0);
    EXPECT_EQ(b.next(), 1);
    EXPECT_EQ(a.send(10), 11);
    EXPECT_EQ(b.state(), twoway::generator_state::suspended);
    EXPECT_TRUE(a == b);
    EXPECT_EQ(a.address(), b.address());
    EXPECT_EQ(&a.get(), &b.get());
    EXPECT_EQ(a.use_count(), 2);
}

TEST(SharedGenerator, AGeneratorCallInitializesAHandle) {
    int finalized = 0;
    shared_generator<int, int, int> a = counter(finalized); // implicit, as shared_ptr from unique_ptr&&
    twoway::shared_generator b(counter(finalized));         // deduced
    static_assert(std::is_same_v<decltype(b), shared_generator<int, int, int>>);
    EXPECT_EQ(a.next(), 0);
    EXPECT_EQ(b.next(), 0);
    EXPECT_FALSE(a == b); // two generators
}

TEST(SharedGenerator, TheLastHandleToGoFinalizesTheGeneratorOnce) {
    int finalized = 0;
    {
        auto a = twoway::share(counter(finalized));
        (void)a.next();
        std::vector<shared_generator<int, int, int>> copies(3, a);
        a = {}; // Python's `del a`: the copies still hold it
        EXPECT_EQ(finalized, 0);
        EXPECT_EQ(copies[2].next(), 1);
        copies.pop_back();
        copies.pop_back();
        EXPECT_EQ(finalized, 0);
        EXPECT_EQ(copies[0].state(), twoway::generator_state::suspended);
    } // the last copy closes it: its cleanup runs here, once
    EXPECT_EQ(finalized, 1);
}

TEST(SharedGenerator, CloseThroughOneHandleIsSeenThroughAll) {
    int finalized = 0;
    auto a = twoway::share(counter(finalized));
    const auto b = a; // a const handle still drives the generator, as a const shared_ptr does
    (void)a.next();
    EXPECT_TRUE(b.close().is_none());
    EXPECT_EQ(finalized, 1);
    EXPECT_EQ(a.state(), twoway::generator_state::closed);
    EXPECT_THROW((void)a.next(), twoway::stop_iteration<int>);
    a = {};
    EXPECT_EQ(finalized, 1); // finalizing a closed generator runs nothing again
}

TEST(SharedGenerator, BroadcastFansInToOneSharedPrinter) {
    std::vector<std::string> printed;
    int finalized = 0;
    auto p = twoway::primed(printer(printed, finalized));
    const auto sink = twoway::share(std::move(p));
    // A braced list of handles compiles (a braced list of generators would not: they are move-only).
    std::vector<Filter> filters{twoway::primed(grep("python", sink)), twoway::primed(grep("ply", sink)),
                                twoway::primed(grep("swig", sink))};
    EXPECT_EQ(sink.use_count(), 4);
    auto b = twoway::primed(broadcast(filters));
    b.send("python generators");
    b.send("perl");
    b.send("python ply swig");
    b.next(); // None is relayed: each filter sends it on, which is next() for the printer
    EXPECT_EQ(printed, (std::vector<std::string>{"python generators", "python ply swig", "python ply swig",
                                                 "python ply swig", "None", "None", "None"}));

    // The printer lives as long as one filter does; each holds it as a parameter of its frame.
    const shared_generator<twoway::none_t, std::string, int> observer = sink;
    b = {};
    filters.clear();
    EXPECT_EQ(finalized, 0);
    EXPECT_EQ(observer.use_count(), 2); // `sink` and `observer`: the filters are gone
    EXPECT_EQ(observer.close(), 4);     // 3.13: close() returns the generator's return value
    EXPECT_EQ(finalized, 1);
}

TEST(SharedGenerator, SendMaybeIsNextForNoneAndSendForAValue) {
    std::vector<std::string> printed;
    int finalized = 0;
    auto sink = twoway::share(printer(printed, finalized));
    // The priming rule is the one of send(v): a None starts the generator, a value cannot.
    try {
        sink.send(twoway::maybe<std::string>("too early"));
        FAIL() << "expected type_error";
    } catch (const twoway::type_error &e) {
        EXPECT_STREQ(e.what(), "can't send non-None value to a just-started generator");
    }
    EXPECT_EQ(sink.state(), twoway::generator_state::created);
    sink.send(twoway::maybe<std::string>()); // starts it
    EXPECT_EQ(sink.state(), twoway::generator_state::suspended);
    sink.send(twoway::maybe<std::string>("a"));
    sink.send(twoway::none);
    sink.send(std::string("b"));
    EXPECT_EQ(printed, (std::vector<std::string>{"a", "None", "b"}));
}

TEST(SharedGenerator, ThrowExceptionOverloadsAreForwarded) {
    auto g = twoway::share(catches());
    EXPECT_EQ(g.next(), 0);
    EXPECT_EQ(g.throw_exception(std::runtime_error("x")), 1);
    EXPECT_EQ(g.throw_exception<oops>(), 2); // a class: default-constructed
    EXPECT_EQ(g.throw_exception(std::make_exception_ptr(oops())), 3);
}

TEST(SharedGenerator, ThrowKeepsTheExceptionObject) {
    auto g = twoway::share(catches());
    (void)g.next();
    const auto e = std::make_exception_ptr(std::logic_error("not caught"));
    try {
        (void)g.throw_exception(e);
        FAIL() << "expected the logic_error";
    } catch (const std::logic_error &x) {
        try {
            std::rethrow_exception(e);
        } catch (const std::logic_error &same) {
            EXPECT_EQ(&x, &same);
        }
    }
    EXPECT_EQ(g.state(), twoway::generator_state::closed);
}

TEST(SharedGenerator, StepVariantsAreForwarded) {
    auto g = twoway::share(adder());
    EXPECT_EQ(g.step().yielded(), 0);
    EXPECT_EQ(g.step(5).yielded(), 5);
    EXPECT_EQ(g.step(twoway::maybe<int>(2)).yielded(), 7);
    auto end = g.step(twoway::maybe<int>());
    ASSERT_TRUE(end.is_returned());
    EXPECT_EQ(end.returned(), 7);
    auto h = twoway::share(catches());
    (void)h.next();
    EXPECT_EQ(h.step_throw(std::runtime_error("x")).yielded(), 1);
}

TEST(SharedGenerator, ARangeForLoopSendsNoneThroughTheHandle) {
    int finalized = 0;
    const auto g = twoway::share(counter(finalized));
    std::vector<int> seen;
    for (int n : g) {
        seen.push_back(n);
        if (n == 3) break;
    }
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(g.next(), 4); // the loop did not close it
}

TEST(SharedGenerator, YieldFromGetBorrowsTheGeneratorIntoTheChain) {
    auto sub = twoway::share(adder());
    auto other = sub;
    auto d = delegate_borrowed(sub);
    EXPECT_EQ(d.next(), 0);
    EXPECT_EQ(d.send(4), 4);
    ASSERT_TRUE(d.yield_from().has_value());
    EXPECT_EQ(d.yield_from()->what, twoway::subiterator::kind::generator);
    EXPECT_EQ(d.yield_from()->address, other.address());
    // Borrowed into the chain: only the delegator drives it until the delegation ends.
    try {
        (void)other.next();
        FAIL() << "expected value_error";
    } catch (const twoway::value_error &e) {
        EXPECT_STREQ(e.what(), "generator is being delegated to: drive the delegating generator instead");
    }
    try {
        (void)d.next();
        FAIL() << "expected stop_iteration";
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(s.value, 40);
    }
    EXPECT_EQ(other.state(), twoway::generator_state::closed);
}

TEST(SharedGenerator, YieldFromTheHandleDelegatesToItAsAnIteratorObject) {
    auto sub = twoway::share(adder());
    auto other = sub;
    auto d = delegate_to_handle(sub);
    EXPECT_EQ(d.next(), 0);
    EXPECT_EQ(d.send(4), 4);
    ASSERT_TRUE(d.yield_from().has_value());
    EXPECT_EQ(d.yield_from()->what, twoway::subiterator::kind::iterator);
    // As in CPython, another holder may drive the subgenerator between the delegator's steps.
    EXPECT_EQ(other.send(6), 10);
    EXPECT_EQ(d.send(1), 11);
    try {
        (void)d.next();
        FAIL() << "expected stop_iteration";
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(s.value, 110);
    }
}

TEST(SharedGenerator, YieldFromAndDelegationChainAreForwarded) {
    auto sub = twoway::share(adder());
    const auto d = twoway::share(delegate_borrowed(sub));
    EXPECT_TRUE(d.delegation_chain().empty()); // not started
    EXPECT_EQ(d.next(), 0);
    ASSERT_EQ(d.delegation_chain().size(), 1U);
    EXPECT_EQ(d.delegation_chain()[0].address, sub.address());
    EXPECT_EQ(d.yield_from()->address, sub.address());
    EXPECT_TRUE(shared_generator<int>().delegation_chain().empty());
}

TEST(SharedGenerator, TwoDelegatorsCanDelegateToOneHandle) {
    int finalized = 0;
    auto sub = twoway::share(counter(finalized));
    auto d1 = delegate_to_handle(sub);
    auto d2 = delegate_to_handle(sub);
    EXPECT_EQ(d1.next(), 0);
    EXPECT_EQ(d2.next(), 1);
    EXPECT_EQ(d1.next(), 2);
    EXPECT_EQ(d2.send(10), 12);
    EXPECT_EQ(sub.use_count(), 3); // each delegator holds the handle as its parameter
}

TEST(SharedGenerator, ClosingTheDelegatorClosesTheSharedSubgenerator) {
    int finalized = 0;
    auto sub = twoway::share(counter(finalized));
    auto d = closes_with(sub);
    (void)d.next();
    (void)d.close();
    EXPECT_EQ(finalized, 1); // Y11: the subiterator is closed, though another handle still holds it
    EXPECT_EQ(sub.state(), twoway::generator_state::closed);
}

generator<int> holds(shared_generator<int, int, int> h) { co_yield h.next(); }

// A documented difference (docs/differences.md): C++ destroys a coroutine's parameters with its frame,
// so a finished generator keeps a handle it took as a parameter until the generator object goes.
TEST(SharedGenerator, AHandleParameterIsReleasedWhenTheGeneratorObjectGoes) {
    int finalized = 0;
    auto sub = twoway::share(counter(finalized));
    auto g = holds(sub);
    EXPECT_EQ(g.next(), 0);
    EXPECT_THROW((void)g.next(), twoway::stop_iteration<>);
    EXPECT_EQ(sub.use_count(), 2); // g has finished; its parameter is still alive
    g = {};
    EXPECT_EQ(sub.use_count(), 1);
}

TEST(SharedGenerator, N6DrivingItselfThroughAHandleIsAlreadyExecuting) {
    shared_generator<int> self;
    self = reenters(&self);
    EXPECT_EQ(self.next(), 1);
    try {
        (void)self.next();
        FAIL() << "expected value_error";
    } catch (const twoway::value_error &e) {
        EXPECT_STREQ(e.what(), "generator already executing");
    }
    EXPECT_EQ(self.state(), twoway::generator_state::closed);
}

TEST(SharedGenerator, EqualityAndHashAreByIdentity) {
    int finalized = 0;
    auto a = twoway::share(counter(finalized));
    auto b = twoway::share(counter(finalized));
    std::unordered_set<shared_generator<int, int, int>> set{a, b, a};
    EXPECT_EQ(set.size(), 2U);
    EXPECT_TRUE(set.contains(shared_generator<int, int, int>(a)));
    EXPECT_FALSE(a == b);
    EXPECT_TRUE(shared_generator<int>() == shared_generator<int>());
}

TEST(SharedGenerator, MisuseAnEmptyHandleRaisesTheEmptyGeneratorError) {
    const std::string message = "generator object is empty (moved-from or default-constructed)";
    auto expect_empty = [&](auto &&call) {
        try {
            call();
            ADD_FAILURE() << "expected value_error";
        } catch (const twoway::value_error &e) {
            EXPECT_EQ(e.what(), message);
        }
    };
    shared_generator<int, int, int> h;
    EXPECT_TRUE(h.empty());
    EXPECT_EQ(h.state(), twoway::generator_state::closed);
    EXPECT_EQ(h.address(), nullptr);
    EXPECT_FALSE(h.yield_from().has_value());
    EXPECT_EQ(h.use_count(), 0);
    expect_empty([&] { (void)h.next(); });
    expect_empty([&] { (void)h.send(1); });
    expect_empty([&] { (void)h.send(twoway::maybe<int>(1)); });
    expect_empty([&] { (void)h.throw_exception(std::runtime_error("x")); });
    expect_empty([&] { (void)h.close(); });
    expect_empty([&] { (void)h.step(); });
    expect_empty([&] { (void)h.get(); });
    expect_empty([&] { (void)h.begin(); });

    int finalized = 0;
    auto a = twoway::share(counter(finalized));
    auto moved = std::move(a);
    EXPECT_TRUE(a.empty()); // NOLINT(bugprone-use-after-move): a moved-from handle is empty
    expect_empty([&] { (void)a.next(); });
    EXPECT_EQ(moved.next(), 0);

    generator<int, int, int> nothing;
    auto from_empty = twoway::share(std::move(nothing)); // a handle to an empty generator
    EXPECT_TRUE(from_empty.empty());
    expect_empty([&] { (void)from_empty.next(); });
}
