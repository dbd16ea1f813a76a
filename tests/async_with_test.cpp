// Tests of twoway/async_with.hpp: async_with(cm, body), Python's `async with` statement (PEP 492; the
// semantics of docs/plans/structured-concurrency.md 3.1). No rule of ASYNCIO.md group G is about the statement
// itself, so the names carry none; the timeouts and task groups that use it are tested in tests/asyncio/.
//
// Standard library only, like the header: no event loop. The coroutines are driven by hand, Python's
// c.send(None) until StopIteration, and a body suspends through a generator-based coroutine (Python's
// @types.coroutine) that yields to that driver.
//
// CPython 3.13.0 probe for the expected values, with a manager CM whose __aenter__ logs "aenter" and returns
// "target", whose __aexit__ logs f"aexit {e!r}", keeps e, raises exit_raises if given and returns suppress:
//   async with CM(fail_enter=True): ...          -> log ['aenter'], ValueError('aenter failed') propagates
//   async with cm as t: raise err               -> log ['aenter', 'body target', "aexit KeyError('k')"],
//                                                  the exception is err, cm.seen is err
//   async with CM(exit_raises=RuntimeError("from aexit")): raise err
//                                               -> RuntimeError('from aexit') (its __context__ is err)
//   async with CM(suppress=True): raise err; return "after"   -> 'after'
//   async with CM() as t: n times `await suspend(f"body {i}")`; return t, driven by c.send(None):
//                                               -> n=0: [] then StopIteration('target'); n=1: ['body 0'];
//                                                  n=2: ['body 0', 'body 1'] (the statement adds no suspension;
//                                                  under asyncio: no loop pass, the ticker counts 0)
#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "twoway/async_with.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/generator.hpp"
#include "twoway/unraisable.hpp"

using twoway::coroutine;
using twoway::object;

namespace {

std::vector<std::string> out;

std::string repr_of(const std::exception_ptr &e) { return twoway::exception_repr(e); }

// A generator-based coroutine: yields tag to the driver, returns what was sent.
twoway::generator<object, object, object> suspend(std::string tag) {
    object reply = co_yield object(tag);
    co_return reply;
}

// Python's driver loop: c.send(None) until it returns (its value); the yielded values go to `yielded`.
template <class T>
T drive(coroutine<T> c, std::vector<std::string> *yielded = nullptr) {
    for (;;) {
        auto r = c.step();
        if (r.is_returned()) {
            if constexpr (std::is_void_v<T>)
                return;
            else
                return std::move(r).returned().value();
        }
        if (yielded) yielded->push_back(r.yielded().template as<std::string>());
    }
}

// What driving c raised (null if nothing).
template <class T>
std::exception_ptr error_of(coroutine<T> c) {
    try {
        (void)drive(std::move(c));
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

// A manager whose aexit returns nothing: it never suppresses.
struct manager {
    bool fail_enter = false;
    std::exception_ptr exit_raises;
    std::exception_ptr seen; // what aexit received
    int exits = 0;

    coroutine<std::string> aenter() {
        out.push_back("aenter");
        if (fail_enter) throw twoway::value_error("aenter failed");
        co_return "target";
    }
    coroutine<void> aexit(std::exception_ptr e) {
        out.push_back(e ? "aexit " + repr_of(e) : "aexit None");
        seen = e;
        ++exits;
        if (exit_raises) std::rethrow_exception(exit_raises);
        co_return;
    }
};

// A manager whose aexit returns bool: true suppresses the exception.
struct suppressing_manager {
    bool suppress = true;
    std::exception_ptr seen;
    coroutine<void> aenter() { co_return; }
    coroutine<bool> aexit(std::exception_ptr e) {
        seen = e;
        co_return suppress;
    }
};

// Counts its copies and moves; aenter returns how many times this object was entered.
struct counted_manager {
    int *copies;
    int *moves;
    int entered = 0;
    counted_manager(int *c, int *m) : copies(c), moves(m) {}
    counted_manager(const counted_manager &o) : copies(o.copies), moves(o.moves), entered(o.entered) { ++*copies; }
    counted_manager(counted_manager &&o) noexcept : copies(o.copies), moves(o.moves), entered(o.entered) { ++*moves; }
    counted_manager &operator=(const counted_manager &) = delete;
    counted_manager &operator=(counted_manager &&) = delete;
    ~counted_manager() { entered = -1; } // a manager used after its end would say so
    coroutine<int> aenter() {
        ++entered;
        co_return entered;
    }
    coroutine<void> aexit(std::exception_ptr) {
        out.push_back("aexit entered=" + std::to_string(entered));
        co_return;
    }
};

} // namespace

TEST(AsyncWith, AexitIsNotCalledWhenAenterRaises) {
    out.clear();
    manager cm;
    cm.fail_enter = true;
    std::exception_ptr e = error_of(twoway::async_with(cm, []() -> coroutine<void> {
        out.push_back("body");
        co_return;
    }));
    EXPECT_EQ(repr_of(e), "ValueError('aenter failed')");
    EXPECT_EQ(cm.exits, 0);
    EXPECT_EQ(out, (std::vector<std::string>{"aenter"}));
}

TEST(AsyncWith, TheSameExceptionObjectReachesAexitAndIsReraised) {
    out.clear();
    manager cm;
    std::exception_ptr err = std::make_exception_ptr(twoway::value_error("k"));
    std::exception_ptr e = error_of(twoway::async_with(cm, [err](std::string t) -> coroutine<int> {
        out.push_back("body " + t);
        std::rethrow_exception(err);
        co_return 0;
    }));
    EXPECT_EQ(cm.seen, err);
    EXPECT_EQ(e, err);
    EXPECT_EQ(out, (std::vector<std::string>{"aenter", "body target", "aexit ValueError('k')"}));
}

TEST(AsyncWith, NormalExitGivesAexitNoneAndTheBodysValue) {
    out.clear();
    manager cm;
    cm.seen = std::make_exception_ptr(twoway::value_error("not overwritten"));
    auto c = twoway::async_with(cm, [](std::string t) -> coroutine<std::string> { co_return t; });
    static_assert(std::is_same_v<decltype(c), coroutine<std::string>>); // a void aexit never suppresses: R itself
    EXPECT_EQ(drive(std::move(c)), "target");
    EXPECT_EQ(cm.seen, nullptr);
    EXPECT_EQ(out, (std::vector<std::string>{"aenter", "aexit None"}));
}

TEST(AsyncWith, AexitsExceptionReplacesTheBodys) {
    out.clear();
    manager cm;
    cm.exit_raises = std::make_exception_ptr(twoway::runtime_error("from aexit"));
    std::exception_ptr e = error_of(twoway::async_with(cm, []() -> coroutine<void> {
        throw twoway::value_error("from body");
        co_return;
    }));
    EXPECT_EQ(e, cm.exit_raises);
    EXPECT_EQ(repr_of(cm.seen), "ValueError('from body')");
    manager clean; // on a normal exit too
    clean.exit_raises = std::make_exception_ptr(twoway::runtime_error("at exit"));
    e = error_of(twoway::async_with(clean, []() -> coroutine<int> { co_return 1; }));
    EXPECT_EQ(e, clean.exit_raises);
}

TEST(AsyncWith, BoolAexitThatSuppressesGivesNone) {
    suppressing_manager cm;
    std::exception_ptr err = std::make_exception_ptr(twoway::value_error("swallowed"));
    auto c = twoway::async_with(cm, [err]() -> coroutine<int> {
        std::rethrow_exception(err);
        co_return 1;
    });
    static_assert(std::is_same_v<decltype(c), coroutine<twoway::maybe<int>>>);
    twoway::maybe<int> r = drive(std::move(c));
    EXPECT_TRUE(r.is_none());
    EXPECT_EQ(cm.seen, err);

    twoway::maybe<int> v = drive(twoway::async_with(cm, []() -> coroutine<int> { co_return 5; }));
    EXPECT_TRUE(v.has_value());
    EXPECT_EQ(v.value_or(0), 5);
    EXPECT_EQ(cm.seen, nullptr);

    suppressing_manager keeps;
    keeps.suppress = false; // False: the same object propagates
    std::exception_ptr e = error_of(twoway::async_with(keeps, [err]() -> coroutine<int> {
        std::rethrow_exception(err);
        co_return 1;
    }));
    EXPECT_EQ(e, err);

    // A void body gives void whatever aexit returns; the target of a void aenter is None.
    std::string target;
    auto vc = twoway::async_with(cm, [&target](twoway::none_t t) -> coroutine<void> {
        target = twoway::repr(t);
        co_return;
    });
    static_assert(std::is_same_v<decltype(vc), coroutine<void>>);
    drive(std::move(vc));
    EXPECT_EQ(target, "None");
}

TEST(AsyncWith, NoExtraSuspension) { // under asyncio: no extra loop pass, the same task
    for (int n = 0; n < 3; ++n) {
        out.clear();
        manager cm;
        std::vector<std::string> yielded;
        std::string r = drive(twoway::async_with(cm, [n](std::string t) -> coroutine<std::string> {
            for (int i = 0; i < n; ++i) co_await suspend("body " + std::to_string(i));
            co_return t;
        }), &yielded);
        EXPECT_EQ(r, "target");
        std::vector<std::string> expected;
        for (int i = 0; i < n; ++i) expected.push_back("body " + std::to_string(i));
        EXPECT_EQ(yielded, expected); // only the body's own suspensions reach the driver
        EXPECT_EQ(out, (std::vector<std::string>{"aenter", "aexit None"}));
    }
}

TEST(AsyncWith, AnLvalueManagerIsReferredToAnRvalueOneMovedIn) {
    out.clear();
    int copies = 0;
    int moves = 0;
    counted_manager cm(&copies, &moves);
    int first = drive(twoway::async_with(cm, [](int n) -> coroutine<int> { co_return n; }));
    EXPECT_EQ(first, 1);
    EXPECT_EQ(cm.entered, 1); // the caller's object was entered
    EXPECT_EQ(copies + moves, 0);

    // The temporary is gone before the statement runs: it must have been moved into the frame.
    auto c = twoway::async_with(counted_manager(&copies, &moves), [](int n) -> coroutine<int> { co_return n * 10; });
    EXPECT_EQ(copies, 0);
    EXPECT_GE(moves, 1);
    EXPECT_EQ(drive(std::move(c)), 10);
    EXPECT_EQ(copies, 0);
    EXPECT_EQ(out, (std::vector<std::string>{"aexit entered=1", "aexit entered=1"}));
}
