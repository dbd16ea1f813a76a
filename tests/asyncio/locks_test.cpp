// Tests of twoway/asyncio/locks.hpp: asyncio's Event, Lock, Semaphore, BoundedSemaphore, Condition and
// Barrier (ASYNCIO.md group Q, rules Q10-Q23). Every expectation is what CPython 3.13.0 does; where a
// rule is not printed by a trace, the Python probe that settled it is quoted in a comment ("probe: …").
#include <gtest/gtest.h>

#include <exception>
#include <optional>
#include <regex>
#include <string>
#include <type_traits>
#include <vector>

#include "twoway/async_with.hpp"
#include "twoway/asyncio.hpp"
#include "twoway/asyncio/locks.hpp"

using twoway::coroutine;
using strings = std::vector<std::string>;

namespace {
strings out;

std::string describe(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const twoway::cancelled_error &c) {
        return std::string("CancelledError: ") + c.what();
    } catch (...) {
        return twoway::format_exception(std::current_exception());
    }
}
template <class F>
std::string error_of(F fn) {
    try {
        fn();
        return "no error";
    } catch (...) {
        return describe(std::current_exception());
    }
}
std::string yes(bool b) { return b ? "True" : "False"; }

// Awaits a task whatever its outcome.
template <class T>
coroutine<void> settle(twoway::task<T> t) {
    try {
        co_await t;
    } catch (...) {
    }
}
template <class T>
coroutine<void> settle_all(std::vector<twoway::task<T>> ts) {
    for (auto &t : ts) co_await settle(t);
}
coroutine<void> passes(int n) {
    for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
}
// Counts passes of the loop: tickN runs at the Nth pass after it was created.
coroutine<void> ticker(int n) {
    for (int i = 0; i < n; ++i) {
        out.push_back("tick" + std::to_string(i));
        co_await twoway::sleep(0);
    }
}

// ---- event ----

coroutine<void> event_waiter(twoway::event ev, std::string name) {
    out.push_back(name + " wait()");
    try {
        bool r = co_await ev.wait();
        out.push_back(name + " -> " + yes(r));
    } catch (const twoway::cancelled_error &) {
        out.push_back(name + " cancelled");
        throw;
    }
}

// ---- lock ----

coroutine<void> lock_user(twoway::lock lk, std::string name, int n) {
    out.push_back(name + " acquire()");
    co_await twoway::async_with(lk, [&]() -> coroutine<void> {
        out.push_back(name + " holds");
        for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    });
    out.push_back(name + " released");
}

coroutine<void> lock_acquirer(twoway::lock lk, std::string name) {
    try {
        co_await lk.acquire();
    } catch (const twoway::cancelled_error &) {
        out.push_back(name + " cancelled, locked=" + yes(lk.locked()));
        throw;
    }
    out.push_back(name + " acquired");
    lk.release();
}

coroutine<bool> acquire_lock(twoway::lock lk) {
    bool r = co_await lk.acquire();
    co_return r;
}

// ---- semaphore ----

coroutine<void> sem_user(twoway::semaphore sem, std::string name, int n) {
    out.push_back(name + " acquire()");
    co_await twoway::async_with(sem, [&]() -> coroutine<void> {
        out.push_back(name + " acquired");
        for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    });
    out.push_back(name + " released");
}

coroutine<void> sem_acquirer(twoway::semaphore sem, std::string name) {
    try {
        co_await sem.acquire();
    } catch (const twoway::cancelled_error &) {
        out.push_back(name + " cancelled");
        throw;
    }
    out.push_back(name + " acquired");
}

coroutine<bool> acquire_sem(twoway::semaphore sem) {
    bool r = co_await sem.acquire();
    co_return r;
}

// ---- condition ----

coroutine<void> cond_waiter(twoway::condition cond, std::string name) {
    co_await twoway::async_with(cond, [&]() -> coroutine<void> {
        out.push_back(name + " wait()");
        try {
            bool r = co_await cond.wait();
            out.push_back(name + " -> " + yes(r) + ", holds the lock -> " + yes(cond.locked()));
        } catch (const twoway::cancelled_error &) {
            out.push_back(name + " cancelled, holds the lock -> " + yes(cond.locked()));
            throw;
        }
    });
}

// ---- barrier ----

coroutine<void> party(twoway::barrier b, std::string name) {
    out.push_back(name + " wait()");
    try {
        long i = co_await b.wait();
        out.push_back(name + " -> " + std::to_string(i));
    } catch (const twoway::broken_barrier_error &e) {
        out.push_back(name + " !! BrokenBarrierError: " + e.what());
    } catch (const twoway::cancelled_error &) {
        out.push_back(name + " cancelled");
        throw;
    }
}

twoway::task<void> spawn(coroutine<void> &&c) { return twoway::create_task(std::move(c)); }

} // namespace

// ======================================== Event (Q10) ========================================

TEST(Event, Q10SetWakesAllInOrder) { // 70:1-10
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::event ev;
        EXPECT_FALSE(ev.is_set());
        std::vector<twoway::task<void>> ws;
        for (const char *n : {"w1", "w2", "w3"}) ws.push_back(spawn(event_waiter(ev, n)));
        co_await twoway::sleep(0);
        EXPECT_NE(ev.repr().find("[unset, waiters:3]>"), std::string::npos) << ev.repr();
        out.push_back("set()");
        ev.set();
        EXPECT_TRUE(ev.is_set());
        co_await settle_all(ws);
        EXPECT_NE(ev.repr().find("[set]>"), std::string::npos) << ev.repr();
    }());
    EXPECT_EQ(out, (strings{"w1 wait()", "w2 wait()", "w3 wait()", "set()", "w1 -> True", "w2 -> True", "w3 -> True"}));
}

TEST(Event, Q10WaitOnSetEventDoesNotSuspend) { // 70:11-12
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::event ev;
        ev.set();
        auto t = spawn([]() -> coroutine<void> {
            out.push_back("other ran");
            co_return;
        }());
        bool r = co_await ev.wait();
        EXPECT_TRUE(r);
        out.push_back("wait() returned");
        co_await t;
    }());
    EXPECT_EQ(out, (strings{"wait() returned", "other ran"}));
}

TEST(Event, Q10ClearAfterSetKeepsWakeUps) { // 70:13-18
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::event ev;
        std::vector<twoway::task<void>> ws{spawn(event_waiter(ev, "v1")), spawn(event_waiter(ev, "v2"))};
        co_await twoway::sleep(0);
        ev.set();
        ev.clear();
        out.push_back("is_set() -> " + yes(ev.is_set()));
        co_await settle_all(ws);
    }());
    EXPECT_EQ(out, (strings{"v1 wait()", "v2 wait()", "is_set() -> False", "v1 -> True", "v2 -> True"}));
}

TEST(Event, Q10CancelledAfterSetEndsCancelled) {
    // 70:19-23: a waiter cancelled while waiting leaves; the others still wake.
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::event ev;
        auto c1 = spawn(event_waiter(ev, "c1"));
        auto c2 = spawn(event_waiter(ev, "c2"));
        co_await twoway::sleep(0);
        c1.cancel();
        co_await twoway::sleep(0);
        ev.set();
        co_await settle(c1);
        co_await settle(c2);
        EXPECT_TRUE(c1.cancelled());
    }());
    EXPECT_EQ(out, (strings{"c1 wait()", "c2 wait()", "c1 cancelled", "c2 -> True"}));
    // b3, the hand-off row: cancelled after set() woke it, it still ends cancelled (probe: ['cancelled']
    // True 0 — the log, t.cancelled(), len(ev._waiters)).
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::event ev;
        auto t = spawn(event_waiter(ev, "w"));
        co_await twoway::sleep(0);
        ev.set();
        t.cancel();
        co_await passes(2);
        EXPECT_TRUE(t.cancelled());
        EXPECT_NE(ev.repr().find("[set]>"), std::string::npos) << ev.repr(); // no waiter left behind
    }());
    EXPECT_EQ(out, (strings{"w wait()", "w cancelled"}));
}

// ======================================== Lock (Q11-Q13) ========================================

TEST(Lock, Q11ReleaseUnlockedRaises) { // 70:24-29
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::lock lk;
        EXPECT_FALSE(lk.locked());
        bool r = co_await lk.acquire();
        EXPECT_TRUE(r);
        EXPECT_TRUE(lk.locked());
        lk.release();
        EXPECT_EQ(error_of([&] { lk.release(); }), "RuntimeError: Lock is not acquired.");
        // `async with lock as target`: target is None.
        std::string seen = co_await twoway::async_with(lk, [&](auto target) -> coroutine<std::string> {
            co_return twoway::repr(target) + " " + yes(lk.locked());
        });
        EXPECT_EQ(seen, "None True");
        EXPECT_FALSE(lk.locked());
    }());
}

TEST(Lock, Q11FreeLockNeedsNoLoop) {
    // Python: Lock().acquire() on a free lock completes without a loop (nothing is bound).
    twoway::lock lk;
    auto c = acquire_lock(lk);
    bool value = false;
    try {
        c.send(twoway::none);
    } catch (const twoway::stop_iteration<bool> &s) {
        value = *s.value;
    }
    EXPECT_TRUE(value);
    EXPECT_TRUE(lk.locked());
    // A locked lock needs a future: Python fails with AttributeError ('NoneType' object has no attribute
    // 'create_future'); here it is "no running event loop".
    auto c2 = acquire_lock(lk);
    EXPECT_EQ(error_of([&] { c2.send(twoway::none); }), "RuntimeError: no running event loop");
}

TEST(Lock, Q11AnyTaskMayRelease) { // 70:48-49
    twoway::run([]() -> coroutine<void> {
        twoway::lock lk;
        co_await lk.acquire();
        auto t = spawn([](twoway::lock l) -> coroutine<void> {
            l.release();
            co_return;
        }(lk));
        co_await t;
        EXPECT_FALSE(lk.locked());
    }());
}

TEST(Lock, Q12WaitersInArrivalOrder) { // 70:30-40
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::lock lk;
        std::vector<twoway::task<void>> ts;
        for (const char *n : {"u1", "u2", "u3"}) ts.push_back(spawn(lock_user(lk, n, 2)));
        co_await settle_all(ts);
    }());
    EXPECT_EQ(out, (strings{"u1 acquire()", "u1 holds", "u2 acquire()", "u3 acquire()", "u1 released", "u2 holds",
                            "u2 released", "u3 holds", "u3 released"}));
}

TEST(Lock, Q12NewcomerQueuesBehindWokenWaiter) { // 70:41-47
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::lock lk;
        co_await lk.acquire();
        auto w = spawn(lock_user(lk, "queued", 0));
        co_await twoway::sleep(0);
        lk.release();
        out.push_back("released: locked() -> " + yes(lk.locked()));
        co_await lk.acquire(); // the fast path fails: queued's future is done, not cancelled
        out.push_back("main holds the lock; queued.done() -> " + yes(w.done()));
        lk.release();
    }());
    EXPECT_EQ(out, (strings{"queued acquire()", "released: locked() -> False", "queued holds", "queued released",
                            "main holds the lock; queued.done() -> True"}));
}

TEST(Lock, Q13CancelledWaiterLeavesTheQueue) { // 70:50-56
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::lock lk;
        co_await lk.acquire();
        auto a = spawn(lock_user(lk, "A", 0));
        auto b = spawn(lock_user(lk, "B", 0));
        co_await twoway::sleep(0);
        EXPECT_NE(lk.repr().find("[locked, waiters:2]>"), std::string::npos) << lk.repr();
        a.cancel();
        co_await twoway::sleep(0);
        EXPECT_TRUE(a.cancelled());
        EXPECT_NE(lk.repr().find("[locked, waiters:1]>"), std::string::npos) << lk.repr();
        lk.release();
        co_await settle(b);
        EXPECT_FALSE(lk.locked());
    }());
    EXPECT_EQ(out, (strings{"A acquire()", "B acquire()", "B holds", "B released"}));
}

TEST(Lock, Q13WokenWaiterCancelledHandsTheLockOn) {
    // b3. probe: ['A cancelled locked=False', 'B acquired'], then locked() False and no waiters.
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::lock lk;
        co_await lk.acquire();
        auto a = spawn(lock_acquirer(lk, "A"));
        auto b = spawn(lock_acquirer(lk, "B"));
        co_await twoway::sleep(0);
        lk.release(); // wakes A
        a.cancel();   // before A runs: the cancel is pending, A's future is done
        co_await passes(4);
        EXPECT_FALSE(lk.locked());
        EXPECT_EQ(lk.repr().find("waiters"), std::string::npos) << lk.repr();
        EXPECT_TRUE(a.cancelled());
        EXPECT_TRUE(b.done() && !b.cancelled());
    }());
    EXPECT_EQ(out, (strings{"A cancelled, locked=False", "B acquired"}));
}

TEST(Lock, Q13AllWaitersCancelledNewcomerTakesIt) {
    // b3. probe: all cancelled: waiters 2 locked False [True, True]; newcomer acquired True waiters 2;
    // afterwards both cancelled, neither acquired.
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::lock lk;
        co_await lk.acquire();
        auto a = spawn(lock_acquirer(lk, "A"));
        auto b = spawn(lock_acquirer(lk, "B"));
        co_await twoway::sleep(0);
        a.cancel();
        b.cancel();
        lk.release();
        EXPECT_NE(lk.repr().find("[unlocked, waiters:2]>"), std::string::npos) << lk.repr();
        // Must not suspend: the fast path (every waiter cancelled).
        auto c = acquire_lock(lk);
        bool took = false;
        try {
            c.send(twoway::none);
        } catch (const twoway::stop_iteration<bool> &s) {
            took = *s.value;
        }
        EXPECT_TRUE(took);
        co_await twoway::sleep(0);
        EXPECT_TRUE(a.cancelled());
        EXPECT_TRUE(b.cancelled());
        EXPECT_TRUE(lk.locked());
    }());
    EXPECT_EQ(out, (strings{"A cancelled, locked=True", "B cancelled, locked=True"}));
}

TEST(Lock, PassCountsMatchCPython) {
    // §2.12 / b4: a release resumes the waiter one pass later, as Event.set and Condition.notify do.
    // probe: lock passes: ['got', 'tick0', 'tick1', 'tick2'] (likewise 'set seen' and 'woke').
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::lock lk;
        co_await lk.acquire();
        auto u = spawn([](twoway::lock l) -> coroutine<void> {
            co_await l.acquire();
            out.push_back("got");
        }(lk));
        co_await twoway::sleep(0);
        lk.release();
        auto tk = spawn(ticker(3));
        co_await passes(5);

        twoway::event ev;
        auto e = spawn([](twoway::event v) -> coroutine<void> {
            co_await v.wait();
            out.push_back("set seen");
        }(ev));
        co_await twoway::sleep(0);
        ev.set();
        tk = spawn(ticker(3));
        co_await passes(5);

        twoway::condition cond;
        auto w = spawn([](twoway::condition cv) -> coroutine<void> {
            co_await twoway::async_with(cv, [&]() -> coroutine<void> {
                co_await cv.wait();
                out.push_back("woke");
            });
        }(cond));
        co_await twoway::sleep(0);
        co_await twoway::async_with(cond, [&]() -> coroutine<void> {
            cond.notify();
            co_return;
        });
        tk = spawn(ticker(3));
        co_await passes(5);
    }());
    EXPECT_EQ(out, (strings{"got", "tick0", "tick1", "tick2", "set seen", "tick0", "tick1", "tick2", "woke", "tick0",
                            "tick1", "tick2"}));
}

TEST(Lock, BoundToTheFirstLoopThatWaits) {
    // _LoopBoundMixin. probe: a lock that waited in one asyncio.run() is acquired free in the next, and
    // a waiting acquire there raises "<asyncio.locks.Lock object at 0x… [locked]> is bound to a different
    // event loop".
    twoway::lock lk;
    twoway::run([](twoway::lock l) -> coroutine<void> {
        co_await l.acquire();
        auto t = twoway::create_task(acquire_lock(l));
        co_await twoway::sleep(0);
        t.cancel();
        co_await settle(t);
        l.release();
    }(lk));
    std::string message = twoway::run([](twoway::lock l) -> coroutine<std::string> {
        co_await l.acquire(); // free: no future, no loop needed
        auto t = twoway::create_task(acquire_lock(l));
        co_await twoway::sleep(0);
        std::string m = t.done() ? describe(t.exception()) : "pending";
        l.release();
        co_return m;
    }(lk));
    EXPECT_TRUE(std::regex_match(
        message, std::regex(R"(RuntimeError: <asyncio\.locks\.Lock object at 0x[0-9a-f]+ \[locked\]> is bound to a different event loop)")))
        << message;
    // An event set beforehand needs no loop at all. probe: set event in new loop: True
    twoway::event ev;
    ev.set();
    EXPECT_TRUE(twoway::run([](twoway::event e) -> coroutine<bool> {
        bool r = co_await e.wait();
        co_return r;
    }(ev)));
}

// ======================================== Semaphore (Q14-Q16) ========================================

TEST(Semaphore, Q14FifoAndLockedRule) { // 71:1-20
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::semaphore sem(2);
        std::vector<twoway::task<void>> ts;
        for (const char *n : {"s1", "s2", "s3", "s4"}) ts.push_back(spawn(sem_user(sem, n, 2)));
        co_await settle_all(ts);
        out.push_back("--");
        twoway::semaphore one(1);
        co_await one.acquire();
        out.push_back("locked() -> " + yes(one.locked()));
        auto w = spawn(sem_user(one, "queued", 0));
        co_await twoway::sleep(0);
        one.release(); // the unit is reserved for queued at once
        EXPECT_NE(one.repr().find("[locked, waiters:1]>"), std::string::npos) << one.repr();
        co_await one.acquire();
        out.push_back("main acquired; queued.done() -> " + yes(w.done()));
        one.release();
    }());
    EXPECT_EQ(out, (strings{"s1 acquire()", "s1 acquired", "s2 acquire()", "s2 acquired", "s3 acquire()", "s4 acquire()",
                            "s1 released", "s2 released", "s3 acquired", "s4 acquired", "s3 released", "s4 released",
                            "--", "locked() -> True", "queued acquire()", "queued acquired", "queued released",
                            "main acquired; queued.done() -> True"}));
}

TEST(Semaphore, Q14ExtraReleasesRaiseTheCount) {
    // 71:21-22, and with waiters (probe: locked after two releases with 3 waiters: True 0; then
    // ['A', 'B'] 0; one more release: ['A', 'B', 'C'] 0).
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::semaphore sem(1);
        sem.release();
        sem.release();
        for (int i = 0; i < 3; ++i) co_await sem.acquire();
        EXPECT_TRUE(sem.locked());

        twoway::semaphore zero(0);
        std::vector<twoway::task<void>> ts;
        for (const char *n : {"A", "B", "C"}) ts.push_back(spawn(sem_acquirer(zero, n)));
        co_await twoway::sleep(0);
        zero.release();
        zero.release();
        EXPECT_TRUE(zero.locked());
        EXPECT_NE(zero.repr().find("[locked, waiters:3]>"), std::string::npos) << zero.repr();
        co_await twoway::sleep(0);
        EXPECT_EQ(out, (strings{"A acquired", "B acquired"}));
        zero.release();
        co_await twoway::sleep(0);
        EXPECT_EQ(out, (strings{"A acquired", "B acquired", "C acquired"}));
        EXPECT_TRUE(zero.locked());
    }());
}

TEST(Semaphore, Q14NegativeValue) { // 71:23-24
    EXPECT_EQ(error_of([] { twoway::semaphore s(-1); }), "ValueError: Semaphore initial value must be >= 0");
    EXPECT_EQ(error_of([] { twoway::bounded_semaphore s(-1); }), "ValueError: Semaphore initial value must be >= 0");
    EXPECT_TRUE(twoway::semaphore(0).locked());
    EXPECT_NE(twoway::semaphore(2).repr().find("[unlocked, value:2]>"), std::string::npos);
}

TEST(Semaphore, Q15BoundedReleaseTooMany) { // 71:25-27
    twoway::run([]() -> coroutine<void> {
        twoway::bounded_semaphore bs(2);
        co_await bs.acquire();
        bs.release();
        EXPECT_EQ(error_of([&] { bs.release(); }), "ValueError: BoundedSemaphore released too many times");
        // Handled as a semaphore, it keeps its bound.
        twoway::semaphore as_base = bs;
        EXPECT_EQ(error_of([&] { as_base.release(); }), "ValueError: BoundedSemaphore released too many times");
        EXPECT_EQ(as_base.repr().rfind("<asyncio.locks.BoundedSemaphore object at 0x", 0), 0u) << as_base.repr();
    }());
    static_assert(std::is_base_of_v<twoway::semaphore, twoway::bounded_semaphore>);
}

TEST(Semaphore, Q16WokenWaiterCancelledGivesTheUnitBack) {
    // b3. probe: ['released value=0', 'A cancelled value=0', 'B acquired value=0'], value 0, no waiters.
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::semaphore sem(0);
        auto a = spawn(sem_acquirer(sem, "A"));
        auto b = spawn(sem_acquirer(sem, "B"));
        co_await twoway::sleep(0);
        sem.release(); // reserved for A at once
        a.cancel();
        co_await passes(4);
        EXPECT_TRUE(a.cancelled());
        EXPECT_TRUE(b.done() && !b.cancelled());
        EXPECT_NE(sem.repr().find("[locked]>"), std::string::npos) << sem.repr(); // value 0, no waiter
    }());
    EXPECT_EQ(out, (strings{"A cancelled", "B acquired"}));
}

TEST(Semaphore, Q16AcquireCancelledByWaitForTakesNoUnit) {
    // Python: wait_for(sem.acquire(), 0.01) leaves value 0 and no waiters (b3). wait_for is not in this
    // header: a timer cancels the task instead. probe: True 0 0 True, then after release value 1, False.
    twoway::run(
        []() -> coroutine<void> {
            twoway::semaphore sem(0);
            auto t = twoway::create_task(acquire_sem(sem));
            co_await twoway::sleep(0.01);
            t.cancel();
            co_await twoway::sleep(0);
            EXPECT_TRUE(t.cancelled());
            EXPECT_TRUE(sem.locked());
            EXPECT_NE(sem.repr().find("[locked]>"), std::string::npos) << sem.repr();
            sem.release();
            EXPECT_FALSE(sem.locked());
            EXPECT_NE(sem.repr().find("[unlocked, value:1]>"), std::string::npos) << sem.repr();
        }(),
        {twoway::virtual_clock});
}

// ======================================== Condition (Q17-Q20) ========================================

TEST(Condition, Q17WaitAndNotifyNeedTheLock) { // 71:28-31
    twoway::run([]() -> coroutine<void> {
        twoway::condition cond;
        std::string e;
        auto w = cond.wait(); // raised when awaited, not when called
        try {
            co_await std::move(w);
            e = "no error";
        } catch (...) {
            e = describe(std::current_exception());
        }
        EXPECT_EQ(e, "RuntimeError: cannot wait on un-acquired lock");
        EXPECT_EQ(error_of([&] { cond.notify(); }), "RuntimeError: cannot notify on un-acquired lock");
        EXPECT_EQ(error_of([&] { cond.notify_all(); }), "RuntimeError: cannot notify on un-acquired lock");
    }());
}

TEST(Condition, Q17SharesAGivenLock) { // 71:57-59
    twoway::run([]() -> coroutine<void> {
        twoway::lock lk;
        twoway::condition cond(lk);
        co_await lk.acquire();
        EXPECT_TRUE(cond.locked());
        cond.notify(); // allowed: the shared lock is held
        lk.release();
        EXPECT_FALSE(cond.locked());
        co_await cond.acquire();
        EXPECT_TRUE(lk.locked());
        cond.release();
        EXPECT_FALSE(lk.locked());
    }());
}

TEST(Condition, Q18NotifyNWakesFirstN) { // 71:32-45
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::condition cond;
        std::vector<twoway::task<void>> ws;
        for (const char *n : {"c1", "c2", "c3", "c4"}) ws.push_back(spawn(cond_waiter(cond, n)));
        co_await twoway::sleep(0);
        co_await twoway::async_with(cond, [&]() -> coroutine<void> {
            out.push_back("notify(1)");
            cond.notify(1);
            co_await twoway::sleep(0);
            out.push_back("(notifier still holds the lock)");
        });
        co_await twoway::sleep(0);
        co_await twoway::async_with(cond, [&]() -> coroutine<void> {
            out.push_back("notify(2)");
            cond.notify(2);
            co_return;
        });
        co_await twoway::sleep(0);
        co_await twoway::async_with(cond, [&]() -> coroutine<void> {
            out.push_back("notify_all()");
            cond.notify_all();
            co_return;
        });
        co_await settle_all(ws);
        co_await twoway::async_with(cond, [&]() -> coroutine<void> {
            cond.notify(); // no waiters: nothing
            co_return;
        });
    }());
    EXPECT_EQ(out, (strings{"c1 wait()", "c2 wait()", "c3 wait()", "c4 wait()", "notify(1)",
                            "(notifier still holds the lock)", "c1 -> True, holds the lock -> True", "notify(2)",
                            "c2 -> True, holds the lock -> True", "c3 -> True, holds the lock -> True", "notify_all()",
                            "c4 -> True, holds the lock -> True"}));
}

TEST(Condition, Q18WaiterReturnsOnlyAfterReacquiring) {
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::condition cond;
        auto w = spawn(cond_waiter(cond, "w"));
        co_await twoway::sleep(0);
        co_await cond.acquire();
        cond.notify();
        co_await passes(3); // w wakes, and queues on the lock
        EXPECT_FALSE(w.done());
        EXPECT_NE(cond.repr().find("[locked]>"), std::string::npos) << cond.repr(); // no condition waiter left
        out.push_back("release()");
        cond.release();
        co_await settle(w);
    }());
    EXPECT_EQ(out, (strings{"w wait()", "release()", "w -> True, holds the lock -> True"}));
}

TEST(Condition, Q19WaitForReturnsThePredicateValue) { // 71:46-50
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::condition cond;
        std::vector<std::string> box;
        auto c = spawn([](twoway::condition cv, std::vector<std::string> *bx) -> coroutine<void> {
            co_await twoway::async_with(cv, [&]() -> coroutine<void> {
                // Python: lambda: len(box) >= 2 and list(box)
                std::optional<std::vector<std::string>> r = co_await cv.wait_for(
                    [bx]() -> std::optional<std::vector<std::string>> {
                        if (bx->size() >= 2) return *bx;
                        return std::nullopt;
                    });
                out.push_back("wait_for -> " + twoway::repr(*r));
            });
        }(cond, &box));
        for (const char *item : {"x", "y"}) {
            co_await twoway::sleep(0);
            co_await twoway::async_with(cond, [&]() -> coroutine<void> {
                box.push_back(item);
                out.push_back(std::string("append ") + item);
                cond.notify();
                co_return;
            });
        }
        co_await c;
        // A predicate already true: no wait; its value is returned (a str: Python's truth, not empty).
        std::string r = co_await twoway::async_with(cond, [&]() -> coroutine<std::string> {
            std::string v = co_await cond.wait_for([] { return std::string("already true"); });
            co_return v;
        });
        EXPECT_EQ(r, "already true");
    }());
    EXPECT_EQ(out, (strings{"append x", "append y", "wait_for -> ['x', 'y']"}));
}

TEST(Condition, Q20CancelledWaitReacquiresBeforeRaising) {
    // b6. probe: ['pass0 done=False', 'pass1 done=False', 'pass2 done=False', 'cancelled locked=True',
    // 'after release pass0 done=True', …]: the CancelledError waits for the lock.
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::condition cond;
        auto t = spawn(cond_waiter(cond, "w"));
        co_await twoway::sleep(0);
        co_await cond.acquire();
        t.cancel();
        for (int i = 0; i < 3; ++i) {
            co_await twoway::sleep(0);
            out.push_back("pass" + std::to_string(i) + " done=" + yes(t.done()));
        }
        cond.release();
        co_await twoway::sleep(0);
        out.push_back("after release done=" + yes(t.done()) + " cancelled=" + yes(t.cancelled()));
        EXPECT_FALSE(cond.locked()); // the waiter's async with released it
    }());
    EXPECT_EQ(out, (strings{"w wait()", "pass0 done=False", "pass1 done=False", "pass2 done=False",
                            "w cancelled, holds the lock -> True", "after release done=True cancelled=True"}));
}

TEST(Condition, Q20NotifiedThenCancelledPassesTheNotificationOn) { // 71:51-56 (3.13)
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::condition cond;
        auto a = spawn(cond_waiter(cond, "A"));
        auto b = spawn(cond_waiter(cond, "B"));
        co_await twoway::sleep(0);
        co_await twoway::async_with(cond, [&]() -> coroutine<void> {
            cond.notify(1);
            a.cancel();
            co_return;
        });
        co_await settle(a);
        co_await settle(b);
        EXPECT_TRUE(a.cancelled());
        EXPECT_TRUE(b.done() && !b.cancelled());
    }());
    EXPECT_EQ(out, (strings{"A wait()", "B wait()", "A cancelled, holds the lock -> True",
                            "B -> True, holds the lock -> True"}));
}

TEST(Condition, Q20CancelledUnnotifiedWaiterWakesAnotherSpuriously) {
    // b6: 3.13's _notify(1) on any error. probe: ['A cancelled', 'B True'], B done.
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::condition cond;
        auto a = spawn(cond_waiter(cond, "A"));
        auto b = spawn(cond_waiter(cond, "B"));
        co_await twoway::sleep(0);
        a.cancel(); // nobody calls notify()
        co_await passes(4);
        EXPECT_TRUE(b.done());
    }());
    EXPECT_EQ(out, (strings{"A wait()", "B wait()", "A cancelled, holds the lock -> True",
                            "B -> True, holds the lock -> True"}));
}

// ======================================== Barrier (Q21-Q23) ========================================

TEST(Barrier, Q21LastArriverReturnsFirst) { // 71:60-72
    EXPECT_EQ(error_of([] { twoway::barrier b(0); }), "ValueError: parties must be > 0");
    static_assert(std::is_base_of_v<twoway::runtime_error, twoway::broken_barrier_error>);
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::barrier b(3);
        EXPECT_EQ(b.parties(), 3);
        EXPECT_EQ(b.n_waiting(), 0);
        EXPECT_FALSE(b.broken());
        std::vector<twoway::task<void>> ts{spawn(party(b, "p1")), spawn(party(b, "p2"))};
        co_await twoway::sleep(0);
        EXPECT_EQ(b.n_waiting(), 2);
        EXPECT_NE(b.repr().find("[filling, waiters:2/3]>"), std::string::npos) << b.repr();
        ts.push_back(spawn(party(b, "p3")));
        co_await settle_all(ts);
        EXPECT_EQ(b.n_waiting(), 0);
        EXPECT_FALSE(b.broken());
    }());
    EXPECT_EQ(out, (strings{"p1 wait()", "p2 wait()", "p3 wait()", "p3 -> 2", "p1 -> 0", "p2 -> 1"}));
}

TEST(Barrier, Q21Reusable) { // 71:73-76: async with b as i
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::barrier b(3);
        for (int round = 0; round < 2; ++round) {
            std::vector<twoway::task<void>> ts;
            for (const char *n : {"q1", "q2", "q3"})
                ts.push_back(spawn([](twoway::barrier br, std::string name) -> coroutine<void> {
                    co_await twoway::async_with(br, [&](long i) -> coroutine<void> {
                        out.push_back(name + " -> " + std::to_string(i));
                        co_return;
                    });
                }(b, n)));
            co_await settle_all(ts);
        }
    }());
    EXPECT_EQ(out, (strings{"q3 -> 2", "q1 -> 0", "q2 -> 1", "q3 -> 2", "q1 -> 0", "q2 -> 1"}));
}

TEST(Barrier, Q22AbortBreaksWaitersAndLaterCallers) { // 71:77-84
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::barrier b(3);
        std::vector<twoway::task<void>> ts{spawn(party(b, "a1")), spawn(party(b, "a2"))};
        co_await twoway::sleep(0);
        co_await b.abort();
        EXPECT_TRUE(b.broken());
        EXPECT_EQ(b.n_waiting(), 0); // 0 outside filling
        EXPECT_NE(b.repr().find("[broken]>"), std::string::npos) << b.repr();
        co_await settle_all(ts);
        co_await party(b, "later");
        co_await b.reset();
        EXPECT_FALSE(b.broken());
    }());
    EXPECT_EQ(out, (strings{"a1 wait()", "a2 wait()", "a1 !! BrokenBarrierError: Abort or reset of barrier",
                            "a2 !! BrokenBarrierError: Abort or reset of barrier", "later wait()",
                            "later !! BrokenBarrierError: Barrier aborted"}));
}

TEST(Barrier, Q22ResetBreaksWaitersAndRepairs) { // 71:85-92
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::barrier b(2);
        auto t = spawn(party(b, "r1"));
        co_await twoway::sleep(0);
        co_await b.reset();
        co_await settle(t);
        EXPECT_FALSE(b.broken());
        EXPECT_EQ(b.n_waiting(), 0);
        std::vector<twoway::task<void>> ts{spawn(party(b, "r2")), spawn(party(b, "r3"))};
        co_await settle_all(ts);
    }());
    EXPECT_EQ(out, (strings{"r1 wait()", "r1 !! BrokenBarrierError: Abort or reset of barrier", "r2 wait()",
                            "r3 wait()", "r3 -> 1", "r2 -> 0"}));
}

TEST(Barrier, Q23CancelledPartyLeavesTheCount) {
    // b3. probe: n_waiting 1; after cancel: n_waiting 0 broken False ['X cancelled']; then
    // ['X cancelled', 'Z 1', 'Y 0'] 0 False.
    out.clear();
    twoway::run([]() -> coroutine<void> {
        twoway::barrier b(2);
        auto x = spawn(party(b, "X"));
        co_await twoway::sleep(0);
        EXPECT_EQ(b.n_waiting(), 1);
        x.cancel();
        co_await passes(2);
        EXPECT_EQ(b.n_waiting(), 0);
        EXPECT_FALSE(b.broken());
        std::vector<twoway::task<void>> ts{spawn(party(b, "Y")), spawn(party(b, "Z"))};
        co_await settle_all(ts);
        EXPECT_EQ(b.n_waiting(), 0);
        EXPECT_FALSE(b.broken());
    }());
    EXPECT_EQ(out, (strings{"X wait()", "X cancelled", "Y wait()", "Z wait()", "Z -> 1", "Y -> 0"}));
}

TEST(Locks, ReprsAreCPythons) {
    // probe: "<asyncio.locks.Lock object at 0x… [unlocked]>", "[locked]", "[unset]",
    // "[unlocked, value:2]", "<asyncio.locks.BoundedSemaphore object at 0x… [locked]>" (value 0),
    // Condition "[unlocked]", Barrier "[filling, waiters:0/3]", then "[broken]".
    const std::regex lock_re(R"(<asyncio\.locks\.Lock object at 0x[0-9a-f]+ \[unlocked\]>)");
    twoway::lock lk;
    EXPECT_TRUE(std::regex_match(lk.repr(), lock_re)) << lk.repr();
    EXPECT_NE(twoway::event().repr().find("[unset]>"), std::string::npos);
    EXPECT_NE(twoway::bounded_semaphore(0).repr().find("BoundedSemaphore object at 0x"), std::string::npos);
    EXPECT_NE(twoway::bounded_semaphore(0).repr().find("[locked]>"), std::string::npos);
    EXPECT_NE(twoway::condition().repr().find("Condition object at 0x"), std::string::npos);
    EXPECT_NE(twoway::barrier(3).repr().find("[filling, waiters:0/3]>"), std::string::npos);
    // Handles: copies are the same object.
    twoway::lock other = lk;
    EXPECT_TRUE(other == lk);
    EXPECT_EQ(other.identity(), lk.identity());
    EXPECT_FALSE(twoway::lock() == lk);
}

TEST(Locks, NeverAwaitedConditionWaitWarnsWithItsName) {
    std::vector<std::string> warnings;
    auto previous = twoway::set_warning_hook([&](const twoway::warning &w) { warnings.push_back(w.message); });
    {
        twoway::condition cond;
        auto w = cond.wait();
    }
    twoway::set_warning_hook(previous);
    EXPECT_EQ(warnings, (strings{"coroutine 'Condition.wait' was never awaited"}));
}

TEST(Locks, ClosingTheLoopFreesBlockedWaiters) {
    // A waiter future refers to its task only through the task's wake-up callback, which close() drops:
    // each pending task is then destroyed (J17's report), its coroutine closed, and its await leaves the
    // primitive's waiters (Python's `finally: _waiters.remove(fut)` under GeneratorExit). No cycle is
    // left for the leak checker.
    strings logged;
    auto previous = twoway::set_log_hook([&](const twoway::log_record &r) {
        logged.push_back(r.message.substr(0, r.message.find('\n')));
    });
    twoway::lock lk;
    twoway::event ev;
    twoway::semaphore sem(0);
    twoway::condition cond;
    twoway::barrier b(2);
    {
        twoway::event_loop loop;
        loop.run_until_complete([](twoway::lock l, twoway::event e, twoway::semaphore s, twoway::condition c,
                                   twoway::barrier br) -> coroutine<void> {
            co_await l.acquire();
            (void)twoway::create_task(acquire_lock(l));
            (void)twoway::create_task(event_waiter(e, "e"));
            (void)twoway::create_task(acquire_sem(s));
            (void)twoway::create_task(cond_waiter(c, "c"));
            (void)twoway::create_task(party(br, "p"));
            co_await passes(2);
        }(lk, ev, sem, cond, b));
        EXPECT_NE(lk.repr().find("waiters:1"), std::string::npos) << lk.repr();
        loop.close();
    }
    twoway::set_log_hook(previous);
    for (const std::string &r : {lk.repr(), ev.repr(), sem.repr(), cond.repr()})
        EXPECT_EQ(r.find("waiters"), std::string::npos) << r;
    EXPECT_EQ(b.n_waiting(), 0);
    EXPECT_FALSE(cond.locked());
    EXPECT_EQ(logged, strings(5, "Task was destroyed but it is pending!"));
}
