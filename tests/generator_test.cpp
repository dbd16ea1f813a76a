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
        [&](const twoway::unraisable &u) { reported.push_back(twoway::format_exception(u.exception)); });
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
    // A generator is a view (as std::generator is): a pipeline takes it by value, so an rvalue composes
    // directly, and an lvalue through std::ranges::ref_view (or std::move).
    std::vector<int> out;
    for (int v : count_to(100) | std::views::filter([](int x) { return x % 2 == 1; }) | std::views::transform([](int x) { return x * 10; }))
        if (out.push_back(v); out.size() == 3) break;
    EXPECT_EQ(out, (std::vector<int>{10, 30, 50}));
    auto g = count_to(100);
    auto evens = std::move(g) | std::views::filter([](int x) { return x % 2 == 0; });
    EXPECT_EQ(*evens.begin(), 0);
#endif
    static_assert(std::ranges::input_range<generator<int>>);
    static_assert(std::ranges::view<generator<int>>);
    static_assert(std::ranges::view<generator<std::string, int, int>>);
}

TEST(Generator, TakeDoesNotPullAValueItWillNotHandOut) {
#if !TWOWAY_HAVE_STD_VIEWS
    GTEST_SKIP() << "this standard library cannot compile std::views (clang 14 with libstdc++ 12, libc++ 14)";
#else
    auto g = count_to(10);
    std::vector<int> out;
    for (int v : std::ranges::ref_view(g) | std::views::take(3)) out.push_back(v);
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

// ---- frames: alignment and recycling (issue 9) ----

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace {

struct alignas(64) cache_line {
    unsigned char bytes[64];
};
using vec8f = float __attribute__((vector_size(32)));

bool aligned_to(std::uintptr_t address, std::size_t alignment) { return address % alignment == 0; }

// Yields the addresses of its over-aligned locals; the test checks them outside the coroutine, where the
// compiler cannot fold the check away by assuming the alignment it is checking.
generator<std::array<std::uintptr_t, 4>> over_aligned_locals(int steps) {
    cache_line line{};
    alignas(32) float lanes[8] = {};
    vec8f vec = {};
#if defined(__AVX__)
    __m256 avx = _mm256_setzero_ps();
#else
    vec8f avx = {};
#endif
    for (int i = 0; i < steps; ++i) {
        line.bytes[i % 64] = static_cast<unsigned char>(i);
        lanes[i % 8] = static_cast<float>(i);
        vec = vec + static_cast<float>(i);
        avx = avx + avx;
        co_yield {reinterpret_cast<std::uintptr_t>(&line), reinterpret_cast<std::uintptr_t>(lanes),
                  reinterpret_cast<std::uintptr_t>(&vec), reinterpret_cast<std::uintptr_t>(&avx)};
    }
}

// A frame above the largest recycled size class (1 KiB): operator new's path.
generator<std::uintptr_t> large_over_aligned_frame(int steps) {
    struct alignas(64) page {
        unsigned char bytes[2048];
    } big{};
    for (int i = 0; i < steps; ++i) {
        big.bytes[i] = 1;
        co_yield reinterpret_cast<std::uintptr_t>(&big);
    }
}

} // namespace

TEST(Frames, OverAlignedLocalsAreAlignedInEveryStepOfManyLiveGenerators) {
    static_assert(twoway::detail::frame_alignment == 64);
    for (int round = 0; round < 3; ++round) { // later rounds reuse the frames freed by earlier ones
        std::vector<generator<std::array<std::uintptr_t, 4>>> small;
        std::vector<generator<std::uintptr_t>> large;
        for (int i = 0; i < 8; ++i) {
            small.push_back(over_aligned_locals(5));
            large.push_back(large_over_aligned_frame(5));
        }
        for (int step = 0; step < 5; ++step) {
            for (auto &g : small) {
                const auto a = g.next();
                ASSERT_TRUE(aligned_to(a[0], 64)) << "alignas(64) local at " << a[0];
                ASSERT_TRUE(aligned_to(a[1], 32)) << "alignas(32) array at " << a[1];
                ASSERT_TRUE(aligned_to(a[2], 32)) << "32-byte vector at " << a[2];
                ASSERT_TRUE(aligned_to(a[3], 32)) << "AVX local at " << a[3];
            }
            for (auto &g : large) ASSERT_TRUE(aligned_to(g.next(), 64));
        }
    }
}

#if TWOWAY_FRAME_RECYCLING
namespace {

std::size_t frames_kept_by_this_thread() {
    std::size_t n = 0;
    for (unsigned c : twoway::detail::this_thread_frames.counts) n += c;
    return n;
}

std::atomic<std::size_t> kept_after_lists_released{1000};

// A thread_local constructed before its thread frees a frame, so destroyed after the thread's free-list
// guard: the frames it frees come after the lists were released.
struct outlives_frame_lists {
    std::optional<generator<int>> g;
    ~outlives_frame_lists() {
        g.reset();                      // a suspended generator: closed, then its frame freed
        { auto fresh = count_to(1); }   // a frame made and freed after the release
        kept_after_lists_released = frames_kept_by_this_thread();
    }
};
thread_local outlives_frame_lists late_owner;

} // namespace

TEST(Frames, FramesFreedAfterTheThreadReleasedItsListsAreFreedAtOnce) {
    std::thread([] {
        late_owner.g.emplace(count_to(3)); // constructs late_owner before any frame is freed on this thread
        late_owner.g->next();
        { auto early = count_to(1); } // the first frame freed: kept, and the guard is constructed now
        EXPECT_EQ(frames_kept_by_this_thread(), 1u);
    }).join();
    EXPECT_EQ(kept_after_lists_released.load(), 0u); // none kept on lists that nobody will free
}
#else
TEST(Frames, FramesFreedAfterTheThreadReleasedItsListsAreFreedAtOnce) { GTEST_SKIP() << "frame recycling is off"; }
#endif

// ---- hardening (issue 9): iterator after an error, send(maybe), abandonment without an exception ----

namespace {
generator<int> raises_at(int n) {
    for (int i = 0;; ++i) {
        if (i == n) throw std::out_of_range("step");
        co_yield i;
    }
}

// Debug builds check a no_exit_handlers declaration by doing the exact close (with its exception) first.
const std::string abandon_suffix = TWOWAY_VERIFY_NO_EXIT_HANDLERS ? " (unwinding)" : "";

// Records its destruction, and whether an exception was unwinding at that moment.
struct witness {
    std::vector<std::string> *log;
    std::string name;
    ~witness() { log->push_back(name + (std::uncaught_exceptions() ? " (unwinding)" : "")); }
};

generator<int> opted_in(std::vector<std::string> &log) {
    co_await twoway::no_exit_handlers;
    witness a{&log, "a"};
    co_yield 1;
    witness b{&log, "b"};
    co_yield 2;
}

generator<int> not_opted_in(std::vector<std::string> &log) {
    witness a{&log, "a"};
    co_yield 1;
    witness b{&log, "b"};
    co_yield 2;
}
} // namespace

TEST(Generator, AfterAnExceptionTheIteratorEqualsEnd) {
    auto g = raises_at(2);
    auto it = g.begin();
    EXPECT_EQ(*it, 0);
    ++it;
    EXPECT_EQ(*it, 1);
    ++it;
    EXPECT_THROW((void)(it == g.end()), std::out_of_range);
    EXPECT_TRUE(it == g.end()); // not a second resume, not a read of a destroyed value
    EXPECT_THROW((void)*it, twoway::value_error);
    EXPECT_EQ(g.state(), generator_state::closed);
}

TEST(Generator, SendOfAMaybeIsNextForNoneAndSendForAValue) {
    auto g = accumulator();
    EXPECT_THROW(g.send(maybe<int>(5)), twoway::type_error); // the priming rule applies to a value
    EXPECT_EQ(g.state(), generator_state::created);
    EXPECT_EQ(g.send(maybe<int>()), 0); // None primes it
    EXPECT_EQ(g.send(maybe<int>(5)), 5);
    const maybe<int> seven(7);
    EXPECT_EQ(g.send(seven), 12);
    EXPECT_TRUE(g.step(maybe<int>(1)).is_yielded());
    EXPECT_TRUE(g.step(maybe<int>()).is_returned());
}

TEST(Generator, ThrowOfTwowaysOwnExceptionClassesUsesTheirEmptyMessage) {
    auto g = count_to(3);
    g.next();
    try {
        g.throw_exception<twoway::value_error>();
        FAIL() << "nothing raised";
    } catch (const twoway::value_error &e) {
        EXPECT_STREQ(e.what(), "");
    }
}

TEST(Generator, NoExitHandlersCloseDestroysTheFrameWithoutAnException) {
    std::vector<std::string> log;
    auto g = opted_in(log);
    EXPECT_EQ(g.next(), 1);
    EXPECT_EQ(g.next(), 2);
    g.close();
    EXPECT_EQ(log, (std::vector<std::string>{"b" + abandon_suffix, "a" + abandon_suffix})); // the exact close's order, nothing unwinding
    EXPECT_EQ(g.state(), generator_state::closed);
    EXPECT_THROW(g.next(), twoway::stop_iteration<>); // closed exactly as after a close
    EXPECT_EQ(g.address(), nullptr);
    g.close(); // C3
    EXPECT_THROW(g.throw_exception(std::out_of_range("x")), std::out_of_range); // T9
    EXPECT_FALSE(g.empty());
}

TEST(Generator, NoExitHandlersDestructionDestroysTheFrameWithoutAnException) {
    std::vector<std::string> log, exact;
    {
        auto g = opted_in(log);
        g.next();
        g.next();
        auto h = not_opted_in(exact);
        h.next();
        h.next();
    }
    EXPECT_EQ(log, (std::vector<std::string>{"b" + abandon_suffix, "a" + abandon_suffix}));
    EXPECT_EQ(exact, (std::vector<std::string>{"b (unwinding)", "a (unwinding)"})); // the exact close throws
}

#if TWOWAY_VERIFY_NO_EXIT_HANDLERS
namespace {
generator<int> lies_about_exit_handlers() {
    co_await twoway::no_exit_handlers;
    bool closed = false;
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        closed = true;
    }
    if (closed) co_yield 2;
}
} // namespace

TEST(GeneratorDeathTest, DebugBuildsCheckTheNoExitHandlersDeclaration) {
    EXPECT_DEATH(
        {
            auto g = lies_about_exit_handlers();
            g.next();
            g.close();
        },
        "declared `co_await twoway::no_exit_handlers;` but handled GeneratorExit");
}
#endif
