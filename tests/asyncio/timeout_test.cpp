// Tests of twoway/asyncio/timeout.hpp: timeout(delay), timeout_at(when) and their timeout_cm (ASYNCIO.md
// group G, G27-G35), always on the virtual clock. The expected values are CPython 3.13.0's: the lines of
// trace 64 (conformance/ports/asyncio_64_timeout.cpp), or the probe quoted next to the test.
#include <gtest/gtest.h>

#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::coroutine;
using twoway::timeout_cm;

namespace {

std::vector<std::string> out;

const twoway::run_options virtual_time{twoway::virtual_clock};

std::string repr_of(const std::exception_ptr &e) { return twoway::exception_repr(e); }

// The Python class name: repr() up to its parenthesis.
std::string type_of(const std::exception_ptr &e) {
    std::string r = repr_of(e);
    return r.substr(0, r.find('('));
}

// The chain of links from e, as the types: "LookupError -> TimeoutError -> CancelledError".
std::string chain(std::exception_ptr e) {
    std::string s;
    for (; e; e = twoway::nested_of(e)) s += (s.empty() ? "" : " -> ") + type_of(e);
    return s;
}

struct my_cancelled : twoway::cancelled_error {
    using twoway::cancelled_error::cancelled_error;
};

template <class A>
coroutine<std::exception_ptr> error_of(A aw) {
    std::exception_ptr e;
    try {
        (void)co_await std::move(aw);
    } catch (...) {
        e = std::current_exception();
    }
    co_return e;
}

template <class F>
std::string call(F fn) {
    try {
        fn();
        return "None";
    } catch (...) {
        return repr_of(std::current_exception());
    }
}

// Sleeps for an hour; records the cancellation, in `caught` too, and re-raises it.
coroutine<void> body_forever(std::string tag, std::exception_ptr *caught = nullptr) {
    out.push_back(tag + " waiting");
    std::exception_ptr c;
    try {
        co_await twoway::sleep(3600);
    } catch (const twoway::cancelled_error &) {
        c = std::current_exception();
    }
    if (c) {
        out.push_back(tag + " got " + repr_of(c));
        if (caught) *caught = c;
        std::rethrow_exception(c);
    }
    out.push_back(tag + " not reached");
}

coroutine<void> ticker(int *ticks) {
    for (;;) {
        ++*ticks;
        co_await twoway::sleep(0);
    }
}

} // namespace

TEST(Timeout, G27ExpiryConvertsAndRestoresCancelling) { // trace 64:1-6
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        const double t0 = loop.time();
        timeout_cm cm = twoway::timeout(0.05);
        std::exception_ptr body_caught;
        bool entered_is_cm = false;
        auto expire = [&]() -> coroutine<void> {
            co_await twoway::async_with(cm, [&](timeout_cm entered) -> coroutine<void> {
                entered_is_cm = entered == cm; // __aenter__ returns the Timeout itself
                co_await body_forever("body", &body_caught);
            });
        };
        std::exception_ptr e = co_await error_of(expire());
        EXPECT_TRUE(entered_is_cm);
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_NE(body_caught, nullptr);
        EXPECT_EQ(twoway::nested_of(e), body_caught); // raised from the body's own CancelledError
        EXPECT_EQ(repr_of(body_caught), "CancelledError()"); // no message
        EXPECT_TRUE(cm.expired());
        EXPECT_EQ(twoway::current_task().cancelling(), 0);
        EXPECT_DOUBLE_EQ(loop.time() - t0, 0.05);
    }(), virtual_time);
    EXPECT_EQ(out, (std::vector<std::string>{"body waiting", "body got CancelledError()"}));
}

// Probe (3.13.0): the task cancels itself and swallows it (cancelling() -> 1); an expiring
// `async with timeout(0.01)` then raises TimeoutError (uncancel() gives 1 <= 1), and cancelling() is 1 after.
TEST(Timeout, G27CancellingIsRestoredToItsValueAtEntry) {
    twoway::run([]() -> coroutine<void> {
        auto me = twoway::current_task();
        me.cancel();
        std::exception_ptr first = co_await error_of(twoway::sleep(0));
        EXPECT_EQ(repr_of(first), "CancelledError()");
        EXPECT_EQ(me.cancelling(), 1);
        std::exception_ptr e = co_await error_of(twoway::async_with(twoway::timeout(0.01), []() -> coroutine<void> {
            co_await twoway::sleep(3600);
        }));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_EQ(me.cancelling(), 1);
        me.uncancel();
    }(), virtual_time);
}

// Probe (3.13.0): timeout_at(123.4567): <Timeout [created]>, inside <Timeout [active] when=123.457> (when()
// 123.4567, expired() False), after <Timeout [finished]>; timeout_at(None) inside <Timeout [active] when=None>;
// in the handler of an expiring timeout(0.01) <Timeout [expiring]> (expired() True), after <Timeout [expired]>;
// timeout_at(2.0004) inside <Timeout [active] when=2.0>, timeout_at(2.5) inside <Timeout [active] when=2.5>.
TEST(Timeout, G28ReprInEachState) { // trace 64:2, 6, 8, 10
    std::vector<std::string> seen = twoway::run([]() -> coroutine<std::vector<std::string>> {
        std::vector<std::string> seen;
        timeout_cm cm = twoway::timeout_at(123.4567);
        seen.push_back(cm.repr());
        co_await twoway::async_with(cm, [&]() -> coroutine<void> {
            seen.push_back(cm.repr());
            EXPECT_EQ(cm.when().value_or(0), 123.4567);
            EXPECT_FALSE(cm.expired());
            co_return;
        });
        seen.push_back(cm.repr());
        co_await twoway::async_with(twoway::timeout_at(std::nullopt), [&](timeout_cm c) -> coroutine<void> {
            seen.push_back(c.repr());
            co_return;
        });
        timeout_cm short_one = twoway::timeout(0.01);
        std::exception_ptr e = co_await error_of(twoway::async_with(short_one, [&]() -> coroutine<void> {
            bool cancelled = false;
            try {
                co_await twoway::sleep(3600);
            } catch (const twoway::cancelled_error &) {
                cancelled = true;
                seen.push_back(short_one.repr());
                EXPECT_TRUE(short_one.expired());
            }
            if (cancelled) throw twoway::cancelled_error();
        }));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        seen.push_back(short_one.repr());
        co_await twoway::async_with(twoway::timeout_at(2.0004), [&](timeout_cm c) -> coroutine<void> {
            seen.push_back(c.repr());
            co_return;
        });
        co_await twoway::async_with(twoway::timeout_at(2.5), [&](timeout_cm c) -> coroutine<void> {
            seen.push_back(c.repr());
            co_return;
        });
        co_return seen;
    }(), virtual_time);
    EXPECT_EQ(seen, (std::vector<std::string>{"<Timeout [created]>", "<Timeout [active] when=123.457>", "<Timeout [finished]>",
                                              "<Timeout [active] when=None>", "<Timeout [expiring]>", "<Timeout [expired]>",
                                              "<Timeout [active] when=2.0>", "<Timeout [active] when=2.5>"}));
}

TEST(Timeout, G29NoneNeverFires) { // trace 64:11 (timeout(None) has no deadline)
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        const double t0 = loop.time();
        timeout_cm a = twoway::timeout(std::nullopt);
        timeout_cm b = twoway::timeout_at(std::nullopt);
        EXPECT_FALSE(a.when().has_value());
        std::string r = co_await twoway::async_with(a, []() -> coroutine<std::string> {
            co_await twoway::sleep(1000);
            co_return "slept";
        });
        EXPECT_EQ(r, "slept");
        co_await twoway::async_with(b, []() -> coroutine<void> { co_await twoway::sleep(1000); });
        EXPECT_FALSE(a.expired() || b.expired());
        EXPECT_DOUBLE_EQ(loop.time() - t0, 2000);
    }(), virtual_time);
}

TEST(Timeout, G29DeadlineFixedAtCreation) { // trace 64:25-27
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        timeout_cm early = twoway::timeout(0.02);
        EXPECT_DOUBLE_EQ(*early.when(), loop.time() + 0.02);
        co_await twoway::sleep(0.1);
        bool expired_at_entry = true;
        std::exception_ptr e = co_await error_of(twoway::async_with(early, [&]() -> coroutine<void> {
            expired_at_entry = early.expired();
            co_await twoway::sleep(0);
            out.push_back("not reached");
        }));
        EXPECT_FALSE(expired_at_entry); // fires at the first await, not at the entry
        EXPECT_EQ(repr_of(e), "TimeoutError()");
    }(), virtual_time);
    EXPECT_TRUE(out.empty());
}

TEST(Timeout, G29RescheduleRearmsAndNoneDisarms) { // trace 64:11-17
    out.clear();
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        double t0 = loop.time();
        std::optional<double> when_after;
        std::exception_ptr e = co_await error_of(
            twoway::async_with(twoway::timeout(std::nullopt), [&](timeout_cm cm) -> coroutine<void> {
                cm.reschedule(loop.time() + 0.05);
                when_after = cm.when();
                co_await body_forever("body");
            }));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_TRUE(when_after.has_value());
        EXPECT_DOUBLE_EQ(when_after.value_or(0), t0 + 0.05);
        EXPECT_DOUBLE_EQ(loop.time() - t0, 0.05);

        timeout_cm cm = twoway::timeout(0.05);
        t0 = loop.time();
        co_await twoway::async_with(cm, [&]() -> coroutine<void> {
            cm.reschedule(std::nullopt);
            co_await twoway::sleep(0.1);
        });
        EXPECT_FALSE(cm.expired());
        EXPECT_FALSE(cm.when().has_value());
        EXPECT_DOUBLE_EQ(loop.time() - t0, 0.1);
    }(), virtual_time);
}

// Probe (3.13.0): `async with timeout(-1): pass` -> no error, cm.expired() False, repr <Timeout [finished]>.
// With the ticker: timeout(-1) around `await sleep(0)` raises TimeoutError 1 pass after the body's mark, around
// `await sleep(3600)` 2 passes after it (docs/plans/structured-concurrency.md 2.12).
TEST(Timeout, G29PastDeadlineFiresAtTheFirstAwaitNotBefore) { // trace 64:18-24
    out.clear();
    twoway::run([]() -> coroutine<void> {
        timeout_cm cm = twoway::timeout(-1);
        co_await twoway::async_with(cm, []() -> coroutine<void> { co_return; });
        EXPECT_FALSE(cm.expired());
        EXPECT_EQ(cm.repr(), "<Timeout [finished]>");

        int ticks = 0;
        auto t = twoway::create_task(ticker(&ticks));
        co_await twoway::sleep(0);
        int mark = -1;
        std::exception_ptr e = co_await error_of(twoway::async_with(twoway::timeout(-1), [&]() -> coroutine<void> {
            out.push_back("before the first await");
            mark = ticks;
            co_await twoway::sleep(0);
            out.push_back("not reached");
        }));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_EQ(ticks - mark, 1); // call_soon: before the body's own next step
        e = co_await error_of(twoway::async_with(twoway::timeout(-1), [&]() -> coroutine<void> {
            mark = ticks;
            co_await twoway::sleep(3600);
            out.push_back("not reached");
        }));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_EQ(ticks - mark, 2);
        t.cancel();
        (void)co_await error_of(t);
    }(), virtual_time);
    EXPECT_EQ(out, (std::vector<std::string>{"before the first await"}));
}

TEST(Timeout, G30StateErrorMessages) { // trace 64:32-39
    twoway::run([]() -> coroutine<void> {
        timeout_cm cm = twoway::timeout(10);
        EXPECT_EQ(call([&] { cm.reschedule(std::nullopt); }), "RuntimeError('Timeout has not been entered')");
        co_await twoway::async_with(cm, []() -> coroutine<void> { co_return; });
        EXPECT_EQ(call([&] { cm.reschedule(std::nullopt); }), "RuntimeError('Cannot change state of finished Timeout')");
        std::exception_ptr e = co_await error_of(twoway::async_with(cm, []() -> coroutine<void> { co_return; }));
        EXPECT_EQ(repr_of(e), "RuntimeError('Timeout has already been entered')");

        timeout_cm expired_cm = twoway::timeout(0.01);
        e = co_await error_of(twoway::async_with(expired_cm, []() -> coroutine<void> { co_await twoway::sleep(3600); }));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_EQ(call([&] { expired_cm.reschedule(std::nullopt); }), "RuntimeError('Cannot change state of expired Timeout')");

        std::string in_flight;
        e = co_await error_of(twoway::async_with(twoway::timeout(0.01), [&](timeout_cm cm2) -> coroutine<void> {
            try {
                co_await twoway::sleep(3600);
            } catch (const twoway::cancelled_error &) {
                in_flight = call([&] { cm2.reschedule(std::nullopt); });
                throw;
            }
        }));
        EXPECT_EQ(in_flight, "RuntimeError('Cannot change state of expiring Timeout')");
        EXPECT_EQ(repr_of(e), "TimeoutError()");
    }(), virtual_time);
}

TEST(Timeout, G30AenterOutsideATask) { // trace 64:40
    std::string message = "not called";
    twoway::run([](std::string *message) -> coroutine<void> {
        twoway::get_running_loop().call_soon([message] {
            auto aenter = []() -> coroutine<timeout_cm> { co_return co_await twoway::timeout(10).aenter(); };
            coroutine<timeout_cm> c = aenter();
            *message = call([&] { c.send(twoway::none); });
        });
        co_await twoway::sleep(0);
    }(&message), virtual_time);
    EXPECT_EQ(message, "RuntimeError('Timeout should be used inside a task')");
}

// Probe (3.13.0): the body catches the CancelledError: no exception; cm.expired() True, cancelling() 0,
// repr <Timeout [expired]>.
TEST(Timeout, G31SwallowedCancellationIsNotAnError) { // trace 64:28-30
    twoway::run([]() -> coroutine<void> {
        timeout_cm cm = twoway::timeout(0.05);
        std::string r = co_await twoway::async_with(cm, []() -> coroutine<std::string> {
            try {
                co_await twoway::sleep(3600);
            } catch (const twoway::cancelled_error &) {
                co_return "swallowed";
            }
            co_return "not reached";
        });
        EXPECT_EQ(r, "swallowed");
        EXPECT_TRUE(cm.expired());
        EXPECT_EQ(cm.repr(), "<Timeout [expired]>");
        EXPECT_EQ(twoway::current_task().cancelling(), 0);
        co_await twoway::sleep(0); // the task is not left cancelled
    }(), virtual_time);
}

TEST(Timeout, G32InnerExpiryCaughtByOuterBody) { // trace 64:41-44
    out.clear();
    twoway::run([]() -> coroutine<void> {
        timeout_cm outer = twoway::timeout(10);
        timeout_cm inner = twoway::timeout(0.02);
        bool caught = false;
        co_await twoway::async_with(outer, [&]() -> coroutine<void> {
            try {
                co_await twoway::async_with(inner, []() -> coroutine<void> { co_await body_forever("inner body"); });
            } catch (const twoway::timeout_error &) {
                caught = true;
            }
            co_await twoway::sleep(0); // not cancelled any more
        });
        EXPECT_TRUE(caught);
        EXPECT_TRUE(inner.expired());
        EXPECT_FALSE(outer.expired());
    }(), virtual_time);
    EXPECT_EQ(out, (std::vector<std::string>{"inner body waiting", "inner body got CancelledError()"}));
}

// Probe (3.13.0): the outer timeout's TimeoutError has __cause__ the CancelledError that the inner body caught.
TEST(Timeout, G32OuterExpiryPassesThroughInner) { // trace 64:45-50
    twoway::run([]() -> coroutine<void> {
        timeout_cm outer = twoway::timeout(0.02);
        timeout_cm inner = twoway::timeout(10);
        std::exception_ptr body_caught;
        std::exception_ptr through_inner;
        std::exception_ptr e = co_await error_of(twoway::async_with(outer, [&]() -> coroutine<void> {
            try {
                co_await twoway::async_with(inner, [&]() -> coroutine<void> { co_await body_forever("inner body", &body_caught); });
            } catch (const twoway::cancelled_error &) {
                through_inner = std::current_exception(); // the inner timeout let the CancelledError through
                throw;
            }
        }));
        EXPECT_EQ(through_inner, body_caught);
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_EQ(twoway::nested_of(e), body_caught);
        EXPECT_TRUE(outer.expired());
        EXPECT_FALSE(inner.expired());
    }(), virtual_time);
}

// Probe (3.13.0): t.cancel("away") on a task inside `async with timeout(10)` -> await t raises
// CancelledError('away'), t.cancelled() -> True.
TEST(Timeout, G33ForeignCancelIsNotConverted) { // trace 64:51-54
    twoway::run([]() -> coroutine<void> {
        std::optional<timeout_cm> cm;
        auto victim = [](std::optional<timeout_cm> *cm) -> coroutine<void> {
            co_await twoway::async_with(twoway::timeout(10), [cm](timeout_cm c) -> coroutine<void> {
                *cm = c;
                co_await twoway::sleep(3600);
            });
        };
        auto t = twoway::create_task(victim(&cm));
        co_await twoway::sleep(0);
        t.cancel("away");
        std::exception_ptr e = co_await error_of(t);
        EXPECT_EQ(repr_of(e), "CancelledError('away')");
        EXPECT_TRUE(t.cancelled());
        EXPECT_TRUE(cm.has_value());
        if (cm) {
            EXPECT_FALSE(cm->expired());
        }
    }(), virtual_time);
}

// Probe (3.13.0): inside timeout(10): cm.reschedule(loop.time() - 1); current_task().cancel("foreign");
// await sleep(0) -> the task ends with CancelledError() (the timeout's own cancel() came last and dropped the
// message), t.cancelled() -> True; trace 64: cancelling() inside -> 2, expired() -> True.
TEST(Timeout, G33ExpiryPlusForeignCancelStaysCancelled) { // trace 64:55-58
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        std::optional<timeout_cm> cm;
        int cancelling_inside = -1;
        auto both = [&]() -> coroutine<void> {
            co_await twoway::async_with(twoway::timeout(10), [&](timeout_cm c) -> coroutine<void> {
                cm = c;
                c.reschedule(loop.time() - 1);               // fires at the next pass
                twoway::current_task().cancel("foreign"); // another cancel request
                std::exception_ptr x;
                try {
                    co_await twoway::sleep(0);
                } catch (const twoway::cancelled_error &) {
                    x = std::current_exception();
                }
                cancelling_inside = twoway::current_task().cancelling();
                if (x) std::rethrow_exception(x);
            });
        };
        auto t = twoway::create_task(both());
        std::exception_ptr e = co_await error_of(t);
        EXPECT_EQ(cancelling_inside, 2);
        EXPECT_EQ(repr_of(e), "CancelledError()"); // not converted
        EXPECT_TRUE(t.cancelled());
        EXPECT_TRUE(cm.has_value());
        if (cm) {
            EXPECT_TRUE(cm->expired());
        }
    }(), virtual_time);
}

// Probe (3.13.0): the body raises s = MyCancelled("custom") from its handler: TimeoutError(), with
// __cause__ is s -> True and __context__ is s -> True.
TEST(Timeout, G34CancelledErrorSubclassIsConverted) { // trace 64:63-64 (3.13)
    twoway::run([]() -> coroutine<void> {
        std::exception_ptr sub;
        std::exception_ptr e = co_await error_of(twoway::async_with(twoway::timeout(0.01), [&]() -> coroutine<void> {
            try {
                co_await twoway::sleep(3600);
            } catch (const twoway::cancelled_error &) {
                sub = std::make_exception_ptr(my_cancelled("custom"));
            }
            if (sub) std::rethrow_exception(sub);
        }));
        EXPECT_EQ(repr_of(e), "TimeoutError()");
        EXPECT_NE(sub, nullptr);
        EXPECT_EQ(twoway::nested_of(e), sub);
        EXPECT_EQ(twoway::current_task().cancelling(), 0);
    }(), virtual_time);
}

// Probe (3.13.0): in the handler of the body's CancelledError c, `raise LookupError("cleanup failed")` as l;
// the block raises e: e is l -> True, repr(e.__context__) -> TimeoutError(), e.__context__.__cause__ is c ->
// True, e.__context__.__context__ is c -> True, e.__cause__ -> None.
TEST(Timeout, G35SpliceIntoTheContextChain) { // trace 64:59-62 (3.13)
    twoway::run([]() -> coroutine<void> {
        std::exception_ptr c;
        std::exception_ptr raised;
        std::exception_ptr e = co_await error_of(twoway::async_with(twoway::timeout(0.01), [&]() -> coroutine<void> {
            try {
                co_await twoway::sleep(3600);
            } catch (const twoway::cancelled_error &) {
                c = std::current_exception();
                try {
                    std::throw_with_nested(twoway::value_error("cleanup failed")); // Python's implicit __context__
                } catch (...) {
                    raised = std::current_exception();
                }
            }
            if (raised) std::rethrow_exception(raised);
        }));
        EXPECT_NE(raised, nullptr);
        EXPECT_EQ(e, raised); // propagates as itself
        EXPECT_EQ(chain(e), "ValueError -> TimeoutError -> CancelledError");
        EXPECT_EQ(repr_of(twoway::nested_of(e)), "TimeoutError()");
        EXPECT_EQ(twoway::nested_of(twoway::nested_of(e)), c);
        EXPECT_EQ(twoway::current_task().cancelling(), 0);
    }(), virtual_time);
}

namespace {
coroutine<void> raises_when_cancelled() {
    try {
        co_await twoway::sleep(3600);
    } catch (const twoway::cancelled_error &) {
        std::throw_with_nested(twoway::value_error("child cleanup"));
    }
}
} // namespace

// Probe (3.13.0, experiment b7): a TaskGroup inside `async with timeout(0.01)`, a child that raises
// ValueError when cancelled, the body sleeping: ExceptionGroup whose chain is
// ExceptionGroup -> TimeoutError(__cause__ is __context__) -> CancelledError; its member's chain is
// ValueError -> TimeoutError(__cause__ is __context__) -> CancelledError.
TEST(Timeout, G35SpliceIntoEachGroupMember) { // experiment b7 (3.13)
    twoway::run([]() -> coroutine<void> {
        std::exception_ptr e = co_await error_of(twoway::async_with(twoway::timeout(0.01), []() -> coroutine<void> {
            co_await twoway::async_with(twoway::task_group(), [](twoway::task_group tg) -> coroutine<void> {
                tg.create_task(raises_when_cancelled());
                co_await twoway::sleep(3600);
            });
        }));
        EXPECT_EQ(chain(e), "ExceptionGroup -> TimeoutError -> CancelledError");
        std::vector<std::exception_ptr> members;
        try {
            std::rethrow_exception(e);
        } catch (const twoway::exception_group &g) {
            members = g.exceptions();
        } catch (...) {
        }
        EXPECT_EQ(members.size(), 1u);
        if (!members.empty()) {
            EXPECT_EQ(chain(members[0]), "ValueError -> TimeoutError -> CancelledError");
        }
        EXPECT_EQ(twoway::current_task().cancelling(), 0);
    }(), virtual_time);
}
