// Tests of twoway/asynccontextmanager.hpp: contextlib.asynccontextmanager's rules (ASYNCIO.md X1-X13),
// with coroutines driven by hand (no event loop: the generators' awaits are generator-based coroutines
// whose suspensions the driver sees). Expected behaviour: traces 72 and 73 (CPython 3.13).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "twoway/async_generator.hpp"
#include "twoway/async_with.hpp"
#include "twoway/asynccontextmanager.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/generator.hpp"
#include "twoway/unraisable.hpp"

using twoway::async_generator;
using twoway::coroutine;
using twoway::maybe;
using twoway::object;

namespace {

std::vector<std::string> log;

twoway::generator<object, object, object> pause(std::string tag) {
    maybe<object> reply = co_yield object(tag);
    co_return object(reply);
}

// Drives a coroutine by hand to its end; the suspensions are logged.
template <class T>
T drive(coroutine<T> c) {
    for (;;) {
        try {
            object y = c.send(object());
            log.push_back("(" + y.repr() + ")");
        } catch (twoway::stop_iteration<> &s) {
            if constexpr (std::is_void_v<T>)
                return;
            else
                return std::move(*dynamic_cast<twoway::stop_iteration<T> &>(s).value);
        }
    }
}

template <class T>
std::string attempt(coroutine<T> c) {
    try {
        if constexpr (std::is_void_v<T>) {
            drive(std::move(c));
            return "-> None";
        } else {
            return "-> " + twoway::repr(drive(std::move(c)));
        }
    } catch (...) {
        return "!! " + twoway::format_exception(std::current_exception());
    }
}

async_generator<std::string> resource_gen(std::string name) {
    log.push_back("[" + name + "] setup");
    co_await pause("setup");
    std::exception_ptr error;
    try {
        co_yield name + "-handle";
        log.push_back("[" + name + "] after yield (normal exit)");
        co_await pause("teardown");
    } catch (...) {
        error = std::current_exception();
    }
    log.push_back("[" + name + "] finally");
    if (error) std::rethrow_exception(error);
}
const auto resource = twoway::asynccontextmanager(resource_gen);

async_generator<std::string> never_yields_gen() {
    co_await pause("never");
    co_return;
}
const auto never_yields = twoway::asynccontextmanager(never_yields_gen);

async_generator<std::string> yields_twice_gen() {
    std::exception_ptr error;
    try {
        co_yield std::string("first");
        log.push_back("[twice] resumed by aexit, yields again");
        co_yield std::string("second");
    } catch (...) {
        error = std::current_exception();
    }
    log.push_back("[twice] finally");
    co_await pause("cleanup");
    if (error) std::rethrow_exception(error);
}
const auto yields_twice = twoway::asynccontextmanager(yields_twice_gen);

std::map<std::string, std::exception_ptr> seen;

// contextlib's observer: catches what the block raised and, by mode, swallows, re-raises, converts, or
// yields again.
async_generator<std::string> observer_gen(std::string name, std::string mode) {
    std::exception_ptr caught;
    try {
        co_yield name;
    } catch (...) {
        caught = std::current_exception();
    }
    if (!caught) co_return;
    seen[name] = caught;
    log.push_back("[" + name + "] caught " + twoway::format_exception(caught));
    co_await pause("observe");
    if (mode == "swallow") co_return;
    if (mode == "convert") {
        try {
            std::rethrow_exception(caught);
        } catch (...) {
            std::throw_with_nested(std::out_of_range("converted by " + name));
        }
    }
    if (mode == "yield-again") {
        bool exited = false;
        try {
            co_yield std::string("again");
        } catch (const twoway::generator_exit &) {
            exited = true;
        }
        if (exited) log.push_back("[" + name + "] closed at the second yield");
        throw twoway::generator_exit();
    }
    std::rethrow_exception(caught);
}
const auto observer = twoway::asynccontextmanager(observer_gen);

} // namespace

TEST(AsyncContextManager, X1X3NormalEnterAndExitAwaitBothSides) {
    log.clear();
    auto body = []() -> coroutine<std::string> {
        maybe<std::string> r = co_await twoway::async_with(resource("r1"), [](std::string &h) -> coroutine<std::string> {
            log.push_back("[body] using " + h);
            co_return std::string("body done");
        });
        co_return *r;
    };
    EXPECT_EQ(attempt(body()), "-> 'body done'");
    EXPECT_EQ(log, (std::vector<std::string>{"[r1] setup", "('setup')", "[body] using r1-handle",
                                             "[r1] after yield (normal exit)", "('teardown')", "[r1] finally"}));
}

TEST(AsyncContextManager, X2NeverYieldingIsAnErrorWithStopAsyncIterationAsContext) {
    log.clear();
    auto cm = never_yields();
    try {
        (void)drive(cm.aenter());
        FAIL();
    } catch (const twoway::runtime_error &e) {
        EXPECT_STREQ(e.what(), "generator didn't yield");
        EXPECT_THROW(std::rethrow_if_nested(e), twoway::stop_async_iteration);
    }
}

TEST(AsyncContextManager, X3YieldingTwiceIsAnErrorAfterTheCleanup) {
    log.clear();
    auto body = []() -> coroutine<void> {
        co_await twoway::async_with(yields_twice(), [](std::string &) -> coroutine<void> {
            log.push_back("[body] ok");
            co_return;
        });
    };
    EXPECT_EQ(attempt(body()), "!! RuntimeError: generator didn't stop");
    EXPECT_EQ(log, (std::vector<std::string>{"[body] ok", "[twice] resumed by aexit, yields again", "[twice] finally",
                                             "('cleanup')"}));
}

TEST(AsyncContextManager, X3DirectCallsAndX4SingleUse) {
    log.clear();
    auto cm = resource("direct");
    EXPECT_EQ(drive(cm.aenter()), "direct-handle");
    EXPECT_FALSE(drive(cm.aexit()));
    EXPECT_EQ(log.back(), "[direct] finally");
    try {
        (void)drive(cm.aenter());
        FAIL();
    } catch (const twoway::attribute_error &e) {
        EXPECT_STREQ(e.what(), "'_AsyncGeneratorContextManager' object has no attribute 'args'");
    }
}

TEST(AsyncContextManager, X5DecoratorMakesAFreshManagerPerCall) {
    log.clear();
    auto decorated = resource("deco").decorate([](int x) -> coroutine<int> {
        log.push_back("[decorated] x=" + std::to_string(x));
        co_return x * 2;
    });
    EXPECT_EQ(*drive(decorated(1)), 2);
    EXPECT_EQ(*drive(decorated(2)), 4);
    EXPECT_EQ(std::count(log.begin(), log.end(), std::string("[deco] setup")), 2); // the first generator never ran
    EXPECT_EQ(std::count(log.begin(), log.end(), std::string("[deco] finally")), 2);
}

namespace {
coroutine<std::string> raise_in(std::string label, twoway::async_context_manager<std::string> cm, std::exception_ptr exc) {
    std::exception_ptr caught;
    try {
        co_await twoway::async_with(cm, [&](std::string &) -> coroutine<void> {
            std::rethrow_exception(exc);
            co_return;
        });
    } catch (...) {
        caught = std::current_exception();
    }
    if (!caught) co_return label + " -> suppressed";
    co_return label + " !! " + twoway::format_exception(caught) + (caught == exc ? " (same object)" : "");
}
} // namespace

TEST(AsyncContextManager, X6X8ReraisedIsTheVeryObject) {
    log.clear();
    seen.clear();
    auto v = std::make_exception_ptr(twoway::value_error("v"));
    EXPECT_EQ(drive(raise_in("reraise", observer("reraise", "reraise"), v)), "reraise !! ValueError: v (same object)");
    EXPECT_EQ(seen["reraise"], v); // the generator saw the very object
}

TEST(AsyncContextManager, X7SwallowedIsSuppressed) {
    log.clear();
    auto v = std::make_exception_ptr(twoway::value_error("v"));
    EXPECT_EQ(drive(raise_in("swallowed", observer("swallow", "swallow"), v)), "swallowed -> suppressed");
}

TEST(AsyncContextManager, X9ConvertedPropagatesWithTheOriginalAsContext) {
    log.clear();
    auto v = std::make_exception_ptr(twoway::value_error("v"));
    auto body = [](std::exception_ptr e) -> coroutine<std::string> {
        std::exception_ptr caught;
        try {
            auto cm = observer("convert", "convert");
            co_await twoway::async_with(cm, [&](std::string &) -> coroutine<void> {
                std::rethrow_exception(e);
                co_return;
            });
        } catch (...) {
            caught = std::current_exception();
        }
        try {
            std::rethrow_exception(caught);
        } catch (const std::out_of_range &x) {
            try {
                std::rethrow_if_nested(x);
            } catch (...) {
                co_return std::string(x.what()) + " | context " + twoway::format_exception(std::current_exception());
            }
        }
        co_return "?";
    };
    EXPECT_EQ(drive(body(v)), "converted by convert | context ValueError: v");
}

TEST(AsyncContextManager, X10YieldingAfterAthrowIsAnErrorAfterAclose) {
    log.clear();
    auto v = std::make_exception_ptr(twoway::value_error("v"));
    EXPECT_EQ(drive(raise_in("again", observer("again", "yield-again"), v)), "again !! RuntimeError: generator didn't stop after athrow()");
    EXPECT_EQ(log.back(), "[again] closed at the second yield");
}

TEST(AsyncContextManager, X11StopIterationsFromTheBlockComeOutAsThemselves) {
    log.clear();
    auto plain = [](std::string name) { return observer(name, "reraise"); };
    auto sai = std::make_exception_ptr(twoway::stop_async_iteration("sai"));
    auto si = std::make_exception_ptr(twoway::stop_iteration<>());
    auto rt = std::make_exception_ptr(twoway::runtime_error("body runtime error"));
    EXPECT_EQ(drive(raise_in("sai", plain("p1"), sai)), "sai !! StopAsyncIteration: sai (same object)");
    EXPECT_EQ(drive(raise_in("si", plain("p2"), si)), "si !! StopIteration (same object)");
    EXPECT_EQ(drive(raise_in("rt", plain("p3"), rt)), "rt !! RuntimeError: body runtime error (same object)");
    // A generator that does not catch them: PEP 479's rewrite in the generator, recognised by contextlib.
    auto passthrough = twoway::asynccontextmanager([]() -> async_generator<std::string> { co_yield std::string("x"); });
    EXPECT_EQ(drive(raise_in("sai2", passthrough(), sai)), "sai2 !! StopAsyncIteration: sai (same object)");
    EXPECT_EQ(drive(raise_in("si2", passthrough(), si)), "si2 !! StopIteration (same object)");
}

TEST(AsyncContextManager, X12AexitWithAClassThrowsAnInstance) {
    log.clear();
    seen.clear();
    auto cm = observer("direct", "swallow");
    EXPECT_EQ(drive(cm.aenter()), "direct");
    EXPECT_TRUE(drive(cm.template aexit<twoway::value_error>()));
    EXPECT_EQ(twoway::format_exception(seen["direct"]), "ValueError");
}

namespace {
async_generator<std::string> fails_before_gen(std::exception_ptr e) {
    log.push_back("[before] setup");
    co_await pause("setup");
    std::rethrow_exception(e);
}
const auto fails_before = twoway::asynccontextmanager(fails_before_gen);

async_generator<std::string> fails_after_gen(std::exception_ptr e) {
    co_yield std::string("x");
    log.push_back("[after] resumed by aexit");
    co_await pause("teardown");
    std::rethrow_exception(e);
}
const auto fails_after = twoway::asynccontextmanager(fails_after_gen);

// What came out of `async with cm: <block>`, and whether it is the very object `expected`.
coroutine<std::string> outcome(twoway::async_context_manager<std::string> cm, std::exception_ptr expected) {
    std::exception_ptr caught;
    try {
        co_await twoway::async_with(cm, [](std::string &) -> coroutine<void> {
            log.push_back("[body] ran");
            co_return;
        });
    } catch (...) {
        caught = std::current_exception();
    }
    if (!caught) co_return "-> None";
    co_return "!! " + twoway::format_exception(caught) + (caught == expected ? " (same object)" : "");
}
} // namespace

TEST(AsyncContextManager, X2AnErrorBeforeTheFirstYieldPropagatesUnchanged) {
    log.clear();
    auto v = std::make_exception_ptr(twoway::value_error("setup failed"));
    EXPECT_EQ(drive(outcome(fails_before(v), v)), "!! ValueError: setup failed (same object)");
    EXPECT_EQ(log, (std::vector<std::string>{"[before] setup", "('setup')"})); // the block never ran
}

TEST(AsyncContextManager, X3AnErrorAfterTheYieldOnANormalExitPropagates) {
    log.clear();
    auto w = std::make_exception_ptr(twoway::value_error("teardown failed"));
    EXPECT_EQ(drive(outcome(fails_after(w), w)), "!! ValueError: teardown failed (same object)");
    EXPECT_EQ(log, (std::vector<std::string>{"[body] ran", "[after] resumed by aexit", "('teardown')"}));
}

TEST(AsyncContextManager, X10TheDidntStopErrorHasTheOriginalAsContext) {
    log.clear();
    auto v = std::make_exception_ptr(twoway::value_error("v"));
    auto body = [](std::exception_ptr e) -> coroutine<std::string> {
        try {
            co_await twoway::async_with(observer("again", "yield-again"), [&](std::string &) -> coroutine<void> {
                std::rethrow_exception(e);
                co_return;
            });
        } catch (const twoway::runtime_error &x) {
            auto *nested = dynamic_cast<const std::nested_exception *>(&x);
            co_return std::string(x.what()) + (nested && nested->nested_ptr() == e ? " | context is the original" : " | no context");
        }
        co_return "no error";
    };
    EXPECT_EQ(drive(body(v)), "generator didn't stop after athrow() | context is the original");
    EXPECT_EQ(log.back(), "[again] closed at the second yield");
}

namespace {
async_generator<std::string> guarded_gen() {
    std::exception_ptr cancelled;
    try {
        co_yield std::string("g");
    } catch (const twoway::cancelled_error &) {
        cancelled = std::current_exception();
    }
    if (cancelled) {
        log.push_back("[guarded] got CancelledError, cleaning up");
        co_await pause("cleanup");
        log.push_back("[guarded] cleanup done, re-raising");
        std::rethrow_exception(cancelled);
    }
}
const auto guarded = twoway::asynccontextmanager(guarded_gen);
} // namespace

TEST(AsyncContextManager, X13ACancelledErrorFromTheBlockIsThrownInAndTheGeneratorMayAwait) {
    // A task's cancellation is a throw into its coroutine: here by hand (the loop's part, the task ending
    // cancelled, is conformance.asyncio_73_asynccontextmanager_exception's).
    log.clear();
    auto victim = []() -> coroutine<void> {
        co_await twoway::async_with(guarded(), [](std::string &) -> coroutine<void> {
            log.push_back("[body] sleeping");
            co_await pause("sleep");
            log.push_back("[body] never here");
        });
    };
    auto c = victim();
    EXPECT_EQ(c.send(object()).repr(), "'sleep'");
    auto cancel = std::make_exception_ptr(twoway::cancelled_error());
    EXPECT_EQ(c.throw_exception(cancel).repr(), "'cleanup'"); // the generator's await reaches the driver
    EXPECT_EQ(log, (std::vector<std::string>{"[body] sleeping", "[guarded] got CancelledError, cleaning up"}));
    try {
        (void)c.send(object());
        ADD_FAILURE() << "no CancelledError";
    } catch (const twoway::cancelled_error &) {
        EXPECT_EQ(std::current_exception(), cancel); // re-raised by the generator: the same object
    }
    EXPECT_EQ(log.back(), "[guarded] cleanup done, re-raising");
}
