// Port of asyncio/70_event_lock.py — Rules: Q10-Q13 (Event set/clear/wait and wake-up order; Lock errors,
// FIFO fairness, cancelled waiters).
//
// Python's waiter(), user() and releaser() read the variables `ev` and `lock`, which each section
// rebinds; here they are parameters. `async with lock` is twoway::async_with with a lambda body.
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "asyncio_support.hpp"
#include "twoway/asyncio/gather.hpp"
#include "twoway/async_with.hpp"
#include "twoway/asyncio/locks.hpp"

namespace {

using twoway::coroutine;


// The trace's `await attempt(label, aw)`, for a coroutine or anything else co_await takes.
template <class A>
coroutine<void> attempt(std::string label, A aw) {
    try {
        auto r = co_await std::move(aw);
        std::cout << label << " -> " << trace::repr(r) << "\n";
    } catch (...) {
        std::cout << label << " !! " << trace::describe(std::current_exception()) << "\n";
    }
}

coroutine<void> waiter(twoway::event ev, std::string name) {
    std::cout << "  [" << name << "] wait() ...\n";
    bool r = co_await ev.wait();
    std::cout << "  [" << name << "] wait() -> " << trace::repr(r) << "\n";
}

coroutine<void> other(std::vector<std::string> *steps) {
    steps->push_back("other ran");
    co_return;
}

coroutine<std::string> as_target(twoway::lock lock) {
    std::string r = co_await twoway::async_with(lock, [&](auto target) -> coroutine<std::string> {
        co_return "async with lock as target: target -> " + twoway::repr(target) + ", locked() -> " +
            trace::repr(lock.locked());
    });
    co_return r;
}

coroutine<void> user(twoway::lock lock, std::string name, int n, std::vector<std::string> *order) {
    std::cout << "  [" << name << "] acquire() ...\n";
    co_await twoway::async_with(lock, [&]() -> coroutine<void> {
        std::cout << "  [" << name << "] holds the lock\n";
        if (order) order->push_back(name);
        for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    });
    std::cout << "  [" << name << "] released\n";
}

coroutine<std::string> releaser(twoway::lock lock) {
    lock.release();
    co_return "released by another task, locked() -> " + trace::repr(lock.locked());
}

coroutine<void> async_main() {
    std::cout << "== Event: starts clear; wait() blocks until set(); all waiters wake, in the order they waited\n";
    twoway::event ev;
    std::cout << "is_set() -> " << trace::repr(ev.is_set()) << "\n";
    std::vector<twoway::task<void>> ws;
    for (const char *name : {"w1", "w2", "w3"}) ws.push_back(twoway::create_task(waiter(ev, name)));
    co_await twoway::sleep(0);
    std::cout << "set()\n";
    ev.set();
    std::cout << "is_set() -> " << trace::repr(ev.is_set()) << "\n";
    co_await twoway::wait(ws);

    std::cout << "== wait() on a set event returns True without suspending\n";
    std::vector<std::string> steps;
    auto t = twoway::create_task(other(&steps));
    co_await ev.wait();
    steps.push_back("wait() returned");
    co_await t;
    std::cout << "order -> " << trace::repr(steps) << "\n";

    std::cout << "== set() then clear() before the waiters run: they still wake with True\n";
    ev = twoway::event();
    ws = {twoway::create_task(waiter(ev, "v1")), twoway::create_task(waiter(ev, "v2"))};
    co_await twoway::sleep(0);
    ev.set();
    ev.clear();
    std::cout << "set(); clear(); is_set() -> " << trace::repr(ev.is_set()) << "\n";
    co_await twoway::wait(ws);

    std::cout << "== a cancelled Event waiter does not disturb the others\n";
    ev = twoway::event();
    ws = {twoway::create_task(waiter(ev, "c1")), twoway::create_task(waiter(ev, "c2"))};
    co_await twoway::sleep(0);
    ws[0].cancel();
    co_await twoway::sleep(0);
    ev.set();
    co_await twoway::wait(ws);
    std::cout << "c1.cancelled() -> " << trace::repr(ws[0].cancelled()) << "\n";

    std::cout << "== Lock: acquire() returns True; release() of an unlocked lock raises RuntimeError\n";
    twoway::lock lock;
    std::cout << "locked() -> " << trace::repr(lock.locked()) << "\n";
    co_await attempt("acquire()", lock.acquire());
    std::cout << "locked() -> " << trace::repr(lock.locked()) << "\n";
    lock.release();
    trace::attempt("release() again", [&] { lock.release(); });
    co_await attempt("async with", as_target(lock));

    std::cout << "== Lock waiters acquire in FIFO order\n";
    lock = twoway::lock();
    std::vector<std::string> order;
    std::vector<twoway::task<void>> ts;
    for (const char *name : {"u1", "u2", "u3"}) ts.push_back(twoway::create_task(user(lock, name, 2, &order)));
    co_await twoway::wait(ts);
    std::cout << "acquisition order -> " << trace::repr(order) << "\n";

    std::cout << "== fairness: a newcomer cannot take a just-released lock ahead of a woken waiter\n";
    lock = twoway::lock();
    co_await lock.acquire();
    auto w = twoway::create_task(user(lock, "queued", 0, &order));
    co_await twoway::sleep(0);
    lock.release();
    std::cout << "released with a waiter pending: locked() -> " << trace::repr(lock.locked()) << "\n";
    std::cout << "main calls acquire() at once\n";
    co_await lock.acquire();
    std::cout << "main holds the lock; queued.done() -> " << trace::repr(w.done()) << "\n";
    lock.release();

    std::cout << "== a Lock is not owned: any task may release it\n";
    lock = twoway::lock();
    co_await lock.acquire();
    co_await attempt("other task releases", twoway::create_task(releaser(lock)));

    std::cout << "== a waiter cancelled while waiting leaves the queue; the lock is not lost\n";
    lock = twoway::lock();
    co_await lock.acquire();
    auto a = twoway::create_task(user(lock, "A", 0, &order));
    auto b = twoway::create_task(user(lock, "B", 0, &order));
    co_await twoway::sleep(0);
    a.cancel();
    co_await twoway::sleep(0);
    std::cout << "A.cancelled() -> " << trace::repr(a.cancelled()) << "\n";
    lock.release();
    std::vector<twoway::task<void>> bs{b};
    co_await twoway::wait(bs);
    std::cout << "locked() at the end -> " << trace::repr(lock.locked()) << "\n";
}

} // namespace

int main() { twoway::run(async_main()); }
