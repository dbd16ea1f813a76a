// Port of asyncio/71_semaphore_condition_barrier.py — Rules: Q14, Q15, Q17-Q22 (Semaphore /
// BoundedSemaphore, Condition wait/notify/wait_for, a cancelled notified waiter, Barrier).
//
// Python's user(), cwaiter(), consumer() and cancellable() read the variables `sem` and `cond`, which
// each section rebinds; here they are parameters. `async with x` is twoway::async_with with a lambda
// body.
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "asyncio_support.hpp"
#include "twoway/asyncio/gather.hpp"
#include "twoway/async_with.hpp"
#include "twoway/asyncio/locks.hpp"

namespace {

using twoway::coroutine;


// The trace's `await attempt(label, aw)`.
template <class A>
coroutine<void> attempt(std::string label, A aw) {
    try {
        if constexpr (std::is_same_v<A, coroutine<void>>) {
            co_await std::move(aw);
            std::cout << label << " -> None\n";
        } else {
            auto r = co_await std::move(aw);
            std::cout << label << " -> " << trace::repr(r) << "\n";
        }
    } catch (...) {
        std::cout << label << " !! " << trace::describe(std::current_exception()) << "\n";
    }
}

coroutine<void> user(twoway::semaphore sem, std::string name, int n) {
    std::cout << "  [" << name << "] acquire() ...\n";
    co_await twoway::async_with(sem, [&]() -> coroutine<void> {
        std::cout << "  [" << name << "] acquired\n";
        for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    });
    std::cout << "  [" << name << "] released\n";
}

coroutine<void> cwaiter(twoway::condition cond, std::string name) {
    co_await twoway::async_with(cond, [&]() -> coroutine<void> {
        std::cout << "  [" << name << "] wait() ...\n";
        bool r = co_await cond.wait();
        std::cout << "  [" << name << "] wait() -> " << trace::repr(r) << ", holds the lock -> "
                  << trace::repr(cond.locked()) << "\n";
    });
}

coroutine<void> consumer(twoway::condition cond, std::vector<std::string> *box) {
    co_await twoway::async_with(cond, [&]() -> coroutine<void> {
        // Python: lambda: len(box) >= 2 and list(box): False, or the list.
        std::optional<std::vector<std::string>> r =
            co_await cond.wait_for([box]() -> std::optional<std::vector<std::string>> {
                if (box->size() >= 2) return *box;
                return std::nullopt;
            });
        std::cout << "  [consumer] wait_for -> " << trace::repr(r) << "\n";
    });
}

coroutine<void> cancellable(twoway::condition cond, std::string name) {
    co_await twoway::async_with(cond, [&]() -> coroutine<void> {
        bool r = false;
        try {
            r = co_await cond.wait();
        } catch (const twoway::cancelled_error &) {
            std::cout << "  [" << name << "] cancelled; holds the lock -> " << trace::repr(cond.locked()) << "\n";
            throw;
        }
        std::cout << "  [" << name << "] wait() -> " << trace::repr(r) << "\n";
    });
}

coroutine<void> party(std::string name, twoway::barrier barrier) {
    std::cout << "  [" << name << "] wait() ...\n";
    try {
        long i = co_await barrier.wait();
        std::cout << "  [" << name << "] wait() -> " << i << "\n";
    } catch (const twoway::broken_barrier_error &) {
        std::cout << "  [" << name << "] wait() !! " << trace::describe(std::current_exception()) << "\n";
    }
}

coroutine<void> with_party(std::string name, twoway::barrier b) {
    co_await twoway::async_with(b, [&](long i) -> coroutine<void> {
        std::cout << "  [" << name << "] async with -> " << i << "\n";
        co_return;
    });
}

std::vector<twoway::task<void>> parties(const char *prefix, std::vector<int> ids, const twoway::barrier &b) {
    std::vector<twoway::task<void>> ts;
    for (int i : ids) ts.push_back(twoway::create_task(party(prefix + std::to_string(i), b)));
    return ts;
}

coroutine<void> async_main() {
    std::cout << "== Semaphore(2): two acquire at once, the third waits for a release\n";
    twoway::semaphore sem(2);
    std::vector<twoway::task<void>> ts;
    for (const char *name : {"s1", "s2", "s3", "s4"}) ts.push_back(twoway::create_task(user(sem, name, 2)));
    co_await twoway::wait(ts);

    std::cout << "== locked() and FIFO: a free unit is not taken ahead of a waiter\n";
    sem = twoway::semaphore(1);
    co_await sem.acquire();
    std::cout << "value exhausted: locked() -> " << trace::repr(sem.locked()) << "\n";
    auto w = twoway::create_task(user(sem, "queued", 0));
    co_await twoway::sleep(0);
    sem.release();
    std::cout << "release(); main calls acquire() at once\n";
    co_await sem.acquire();
    std::cout << "main acquired; queued.done() -> " << trace::repr(w.done()) << "\n";
    sem.release();

    std::cout << "== Semaphore: release() beyond the initial value is allowed and raises the count\n";
    sem = twoway::semaphore(1);
    sem.release();
    sem.release();
    for (int i = 0; i < 3; ++i) co_await sem.acquire();
    std::cout << "three acquire() calls without blocking after two extra release() calls; locked() -> "
              << trace::repr(sem.locked()) << "\n";
    trace::attempt("Semaphore(-1)", [] { twoway::semaphore s(-1); });
    trace::attempt("Semaphore(0).locked()", [] { return twoway::semaphore(0).locked(); });

    std::cout << "== BoundedSemaphore: release() above the initial value raises ValueError\n";
    twoway::bounded_semaphore bs(2);
    co_await bs.acquire();
    bs.release();
    trace::attempt("release() at the bound", [&] { bs.release(); });
    // issubclass(BoundedSemaphore, Semaphore): a static fact in C++.
    std::cout << "BoundedSemaphore is a Semaphore -> "
              << trace::repr(std::is_base_of_v<twoway::semaphore, twoway::bounded_semaphore>) << "\n";

    std::cout << "== Condition: wait() and notify() need the lock\n";
    twoway::condition cond;
    co_await attempt("wait() without the lock", cond.wait());
    trace::attempt("notify() without the lock", [&] { cond.notify(); });
    trace::attempt("notify_all() without the lock", [&] { cond.notify_all(); });

    std::cout << "== notify(n) wakes the first n waiters; each re-acquires the lock before wait() returns\n";
    cond = twoway::condition();
    std::vector<twoway::task<void>> ws;
    for (const char *name : {"c1", "c2", "c3", "c4"}) ws.push_back(twoway::create_task(cwaiter(cond, name)));
    co_await twoway::sleep(0);
    co_await twoway::async_with(cond, [&]() -> coroutine<void> {
        std::cout << "notify(1)\n";
        cond.notify(1);
        co_await twoway::sleep(0);
        std::cout << "  (notifier still holds the lock: nobody returned yet)\n";
    });
    co_await twoway::sleep(0);
    co_await twoway::async_with(cond, [&]() -> coroutine<void> {
        std::cout << "notify(2)\n";
        cond.notify(2);
        co_return;
    });
    co_await twoway::sleep(0);
    co_await twoway::async_with(cond, [&]() -> coroutine<void> {
        std::cout << "notify_all()\n";
        cond.notify_all();
        co_return;
    });
    co_await twoway::wait(ws);
    co_await twoway::async_with(cond, [&]() -> coroutine<void> {
        trace::attempt("notify() with no waiters", [&] { cond.notify(); });
        co_return;
    });

    std::cout << "== wait_for(predicate): loops until the predicate is true and returns its value\n";
    cond = twoway::condition();
    std::vector<std::string> box;
    auto c = twoway::create_task(consumer(cond, &box));
    for (const char *item : {"x", "y"}) {
        co_await twoway::sleep(0);
        co_await twoway::async_with(cond, [&]() -> coroutine<void> {
            box.push_back(item);
            std::cout << "append(" << trace::repr(item) << "); notify()\n";
            cond.notify();
            co_return;
        });
    }
    co_await c;
    std::string r = co_await twoway::async_with(cond, [&]() -> coroutine<std::string> {
        std::string v = co_await cond.wait_for([] { return std::string("already true"); });
        co_return v;
    });
    std::cout << "wait_for(predicate already true) -> " << trace::repr(r) << "\n";

    std::cout << "== a notified waiter that is cancelled before it runs re-acquires the lock, then passes the "
                 "notification on\n";
    std::cout << "   [3.13+] the next waiter wakes up; 3.11/3.12 lose the notification (B stays blocked)\n";
    cond = twoway::condition();
    auto a = twoway::create_task(cancellable(cond, "A"), "A");
    auto b = twoway::create_task(cancellable(cond, "B"), "B");
    co_await twoway::sleep(0);
    co_await twoway::async_with(cond, [&]() -> coroutine<void> {
        std::cout << "notify(1) wakes A; then A.cancel()\n";
        cond.notify(1);
        a.cancel();
        co_return;
    });
    std::vector<twoway::task<void>> ab{a, b};
    twoway::wait_result<twoway::task<void>> waited = co_await twoway::wait(ab, 0.05);
    std::vector<twoway::task<void>> pending = waited.pending;
    std::vector<std::string> names;
    for (auto &t : pending) names.push_back(t.get_name()); // in creation order: sorted, as the trace prints
    std::cout << "wait([A, B], timeout=0.05): pending -> " << trace::repr(names)
              << ", A.cancelled() -> " << trace::repr(a.cancelled()) << "\n";
    if (!pending.empty()) {
        co_await twoway::async_with(cond, [&]() -> coroutine<void> {
            cond.notify_all();
            co_return;
        });
        co_await twoway::wait(pending);
    }

    std::cout << "== Condition(lock) shares an existing Lock\n";
    twoway::lock lock;
    cond = twoway::condition(lock);
    co_await lock.acquire();
    std::cout << "lock acquired directly: cond.locked() -> " << trace::repr(cond.locked()) << "\n";
    cond.notify();
    lock.release();
    std::cout << "released: cond.locked() -> " << trace::repr(cond.locked()) << "\n";

    std::cout << "== Barrier [3.11+]\n";
    trace::attempt("Barrier(0)", [] { twoway::barrier b0(0); });
    // issubclass(BrokenBarrierError, RuntimeError): a static fact in C++.
    std::cout << "BrokenBarrierError is a RuntimeError -> "
              << trace::repr(std::is_base_of_v<twoway::runtime_error, twoway::broken_barrier_error>) << "\n";

    std::cout << "== Barrier(3): wait() returns the arrival index once the third party arrives\n";
    twoway::barrier br(3);
    std::cout << "parties -> " << br.parties() << ", n_waiting -> " << br.n_waiting() << ", broken -> "
              << trace::repr(br.broken()) << "\n";
    ts = parties("p", {1, 2}, br);
    co_await twoway::sleep(0);
    std::cout << "two arrived: n_waiting -> " << br.n_waiting() << "\n";
    ts.push_back(twoway::create_task(party("p3", br)));
    co_await twoway::wait(ts);
    std::cout << "after release: n_waiting -> " << br.n_waiting() << ", broken -> " << trace::repr(br.broken()) << "\n";

    std::cout << "== Barrier: the same barrier can be used again; async with returns the index\n";
    ts.clear();
    for (const char *name : {"q1", "q2", "q3"}) ts.push_back(twoway::create_task(with_party(name, br)));
    co_await twoway::wait(ts);

    std::cout << "== Barrier: abort(): waiting parties and later callers get BrokenBarrierError\n";
    br = twoway::barrier(3);
    ts = parties("a", {1, 2}, br);
    co_await twoway::sleep(0);
    co_await br.abort();
    std::cout << "abort(): broken -> " << trace::repr(br.broken()) << ", n_waiting -> " << br.n_waiting() << "\n";
    co_await twoway::wait(ts);
    co_await attempt("wait() on a broken barrier", br.wait());
    co_await br.reset();
    std::cout << "reset() on a broken barrier: broken -> " << trace::repr(br.broken()) << "\n";

    std::cout << "== Barrier: reset(): waiting parties get BrokenBarrierError; the barrier is usable again\n";
    br = twoway::barrier(2);
    auto t = twoway::create_task(party("r1", br));
    co_await twoway::sleep(0);
    co_await br.reset();
    std::vector<twoway::task<void>> one{t};
    co_await twoway::wait(one);
    std::cout << "after reset(): broken -> " << trace::repr(br.broken()) << ", n_waiting -> " << br.n_waiting() << "\n";
    ts = parties("r", {2, 3}, br);
    co_await twoway::wait(ts);
}

} // namespace

int main(int argc, char **argv) { twoway::run(async_main(), {trace::clock_from_args(argc, argv)}); }
