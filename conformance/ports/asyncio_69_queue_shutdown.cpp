// Port of asyncio/69_queue_shutdown.py — Rules: Q8, Q9 ([3.13+] Queue.shutdown(), shutdown(immediate=True),
// QueueShutDown for blocked and later callers, join).
//
// Python's getter() and putter() read the variable `q`, which each section rebinds; here the queue is
// their parameter.
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "asyncio_support.hpp"
#include "twoway/asyncio/gather.hpp"
#include "twoway/asyncio/queue.hpp"

namespace {

using twoway::coroutine;


// The trace's `await attempt(label, aw)`.
template <class T>
coroutine<void> attempt(std::string label, coroutine<T> aw) {
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(aw);
            std::cout << label << " -> None\n";
        } else {
            T r = co_await std::move(aw);
            std::cout << label << " -> " << trace::repr(r) << "\n";
        }
    } catch (...) {
        std::cout << label << " !! " << trace::describe(std::current_exception()) << "\n";
    }
}

template <class T>
coroutine<void> getter(twoway::queue<T> q, std::string name) {
    try {
        T item = co_await q.get();
        std::cout << "  [" << name << "] got " << trace::repr(item) << "\n";
    } catch (const twoway::queue_shut_down &) {
        std::cout << "  [" << name << "] get() !! " << trace::describe(std::current_exception()) << "\n";
    }
}

// Section 3 puts ints into a queue that holds a str: a queue of Python objects.
coroutine<void> putter(twoway::queue<twoway::object> q, std::string name, int item) {
    try {
        co_await q.put(twoway::object(item));
        std::cout << "  [" << name << "] put(" << item << ") done\n";
    } catch (const twoway::queue_shut_down &) {
        std::cout << "  [" << name << "] put(" << item << ") !! " << trace::describe(std::current_exception()) << "\n";
    }
}

coroutine<void> joiner(twoway::queue<int> q) {
    co_await q.join();
    std::cout << "  [joiner] join() returned\n";
}

coroutine<void> async_main() {
    std::cout << "QueueShutDown is an Exception -> "
              << trace::repr(std::is_base_of_v<std::exception, twoway::queue_shut_down>) << "\n";

    std::cout << "== shutdown(): puts fail at once; gets drain what is left, then fail\n";
    {
        twoway::queue<std::string> q;
        q.put_nowait("a");
        q.put_nowait("b");
        q.shutdown();
        trace::attempt("put_nowait('c')", [&] { q.put_nowait("c"); });
        co_await attempt("await put('c')", q.put("c"));
        trace::attempt("get_nowait()", [&] { return q.get_nowait(); });
        co_await attempt("await get()", q.get());
        trace::attempt("get_nowait() on the empty shut-down queue", [&] { return q.get_nowait(); });
        co_await attempt("await get() on the empty shut-down queue", q.get());
        trace::attempt("shutdown() again", [&] { q.shutdown(); });
    }

    std::cout << "== blocked getters are woken with QueueShutDown\n";
    {
        twoway::queue<int> q;
        std::vector<twoway::task<void>> gs;
        for (const char *name : {"g1", "g2"}) gs.push_back(twoway::create_task(getter(q, name)));
        co_await twoway::sleep(0);
        q.shutdown();
        std::cout << "shutdown() called\n";
        co_await twoway::wait(gs);
    }

    std::cout << "== blocked putters are woken with QueueShutDown; items already in stay gettable\n";
    {
        twoway::queue<twoway::object> q(1);
        q.put_nowait(std::string("kept"));
        std::vector<twoway::task<void>> ps;
        for (int i : {1, 2}) ps.push_back(twoway::create_task(putter(q, "p" + std::to_string(i), i)));
        co_await twoway::sleep(0);
        q.shutdown();
        co_await twoway::wait(ps);
        trace::attempt("get_nowait()", [&] { return q.get_nowait(); });
    }

    std::cout << "== shutdown(immediate=True): remaining items are dropped and count as done for join()\n";
    {
        twoway::queue<int> q;
        for (int i = 0; i < 3; ++i) q.put_nowait(i);
        std::cout << "get_nowait() -> " << trace::repr(q.get_nowait()) << "  (taken, task_done() not yet called)\n";
        auto j = twoway::create_task(joiner(q));
        co_await twoway::sleep(0);
        q.shutdown(true);
        std::cout << "after shutdown(immediate=True): qsize() -> " << q.qsize() << ", joiner done -> "
                  << trace::repr(j.done()) << "\n";
        trace::attempt("get_nowait()", [&] { return q.get_nowait(); });
        co_await twoway::sleep(0);
        std::cout << "joiner done -> " << trace::repr(j.done()) << "  (one item was taken and never marked done)\n";
        trace::attempt("task_done() for the item that was taken", [&] { q.task_done(); });
        co_await twoway::sleep(0);
        std::cout << "joiner done -> " << trace::repr(j.done()) << "\n";
        trace::attempt("task_done() once more", [&] { q.task_done(); });
    }

    std::cout << "== shutdown(immediate=True) also wakes a getter blocked on an empty queue\n";
    {
        twoway::queue<int> q;
        auto g = twoway::create_task(getter(q, "g-immediate"));
        co_await twoway::sleep(0);
        q.shutdown(true);
        std::vector<twoway::task<void>> gs{g};
        co_await twoway::wait(gs);
    }
}

} // namespace

int main() { twoway::run(async_main()); }
