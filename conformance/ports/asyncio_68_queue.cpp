// Port of asyncio/68_queue.py — Rules: Q1-Q4, Q6, Q7 (Queue: FIFO, maxsize, blocking put/get in waiter
// order, QueueFull/QueueEmpty, task_done/join, PriorityQueue, LifoQueue).
//
// Python's producer() and consumer() read the variable `q`, which each section rebinds; here the queue
// is their parameter.
#include <memory>
#include <string>
#include <tuple>
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

template <class Q>
coroutine<void> producer(Q q, std::string name, typename Q::value_type item) {
    const std::string text = trace::repr(item);
    std::cout << "  [" << name << "] put(" << text << ") ...\n";
    co_await q.put(std::move(item));
    std::cout << "  [" << name << "] put(" << text << ") done\n";
}

coroutine<void> consumer(twoway::queue<std::string> q, std::string name) {
    std::cout << "  [" << name << "] get() ...\n";
    std::string item = co_await q.get();
    std::cout << "  [" << name << "] got " << trace::repr(item) << "\n";
}

coroutine<void> worker(twoway::queue<int> q) {
    for (;;) {
        int item = co_await q.get();
        std::cout << "  [worker] processing " << item << "\n";
        co_await twoway::sleep(0);
        q.task_done();
    }
}

coroutine<void> async_main() {
    std::cout << "== FIFO order; qsize / empty / full; maxsize <= 0 means unbounded\n";
    {
        twoway::queue<std::string> q;
        for (const char *x : {"a", "b", "c"}) q.put_nowait(x);
        std::cout << "maxsize -> " << q.maxsize() << ", qsize() -> " << q.qsize() << ", empty() -> "
                  << trace::repr(q.empty()) << ", full() -> " << trace::repr(q.full()) << "\n";
        std::vector<std::string> gets;
        for (int i = 0; i < 3; ++i) gets.push_back(q.get_nowait());
        std::cout << "gets -> " << trace::repr(gets) << "\n";
        trace::attempt("get_nowait() on an empty queue", [&] { return q.get_nowait(); });
        twoway::queue<int> unbounded(-1);
        for (int i = 0; i < 100; ++i) unbounded.put_nowait(i);
        std::cout << "Queue(-1) after 100 puts: full() -> " << trace::repr(unbounded.full())
                  << ", qsize() -> " << unbounded.qsize() << "\n";
    }

    std::cout << "== maxsize=2: put_nowait on a full queue raises QueueFull\n";
    twoway::queue<int> q(2);
    q.put_nowait(1);
    q.put_nowait(2);
    std::cout << "full() -> " << trace::repr(q.full()) << "\n";
    trace::attempt("put_nowait(3)", [&] { q.put_nowait(3); });
    // issubclass(..., Exception): a static fact in C++.
    std::cout << "QueueFull is an Exception -> " << trace::repr(std::is_base_of_v<std::exception, twoway::queue_full>)
              << ", QueueEmpty is an Exception -> "
              << trace::repr(std::is_base_of_v<std::exception, twoway::queue_empty>) << "\n";

    std::cout << "== put() blocks while full; blocked putters are served in arrival order\n";
    auto p1 = twoway::create_task(producer(q, "p1", 3));
    auto p2 = twoway::create_task(producer(q, "p2", 4));
    co_await twoway::sleep(0);
    std::cout << "qsize() -> " << q.qsize() << ", p1.done() -> " << trace::repr(p1.done())
              << ", p2.done() -> " << trace::repr(p2.done()) << "\n";
    std::cout << "get_nowait() -> " << trace::repr(q.get_nowait()) << "\n";
    co_await twoway::sleep(0);
    std::cout << "get_nowait() -> " << trace::repr(q.get_nowait()) << "\n";
    co_await twoway::sleep(0);
    std::vector<int> remaining;
    for (std::size_t i = 0, n = q.qsize(); i < n; ++i) remaining.push_back(q.get_nowait());
    std::cout << "remaining -> " << trace::repr(remaining) << "\n";

    std::cout << "== get() blocks while empty; blocked getters are served in arrival order\n";
    {
        twoway::queue<std::string> sq;
        std::vector<twoway::task<void>> cs;
        for (const char *name : {"c1", "c2", "c3"}) cs.push_back(twoway::create_task(consumer(sq, name)));
        co_await twoway::sleep(0);
        for (const char *item : {"x", "y", "z"}) sq.put_nowait(item);
        co_await twoway::wait(cs);
    }

    std::cout << "== a woken putter whose slot is taken before it runs waits again, behind the other putters\n";
    {
        twoway::queue<std::string> sq(1);
        sq.put_nowait("first");
        auto pa = twoway::create_task(producer(sq, "A", std::string("from A")));
        auto pb = twoway::create_task(producer(sq, "B", std::string("from B")));
        co_await twoway::sleep(0);
        std::cout << "get_nowait() -> " << trace::repr(sq.get_nowait()) << "  (wakes A)\n";
        sq.put_nowait("queue-jumper");
        std::cout << "put_nowait('queue-jumper') before A could run\n";
        co_await twoway::sleep(0);
        std::cout << "A done -> " << trace::repr(pa.done()) << ", B done -> " << trace::repr(pb.done()) << "\n";
        std::cout << "get_nowait() -> " << trace::repr(sq.get_nowait()) << "  (wakes the first putter in line)\n";
        co_await twoway::sleep(0);
        std::cout << "get_nowait() -> " << trace::repr(sq.get_nowait()) << "\n";
        co_await twoway::sleep(0);
        std::cout << "get_nowait() -> " << trace::repr(sq.get_nowait()) << "\n";
        std::cout << "A done -> " << trace::repr(pa.done()) << ", B done -> " << trace::repr(pb.done()) << "\n";
    }

    std::cout << "== task_done / join\n";
    {
        twoway::queue<int> jq;
        co_await attempt("join() with nothing put", jq.join());
        for (int i = 0; i < 3; ++i) jq.put_nowait(i);
        auto w = twoway::create_task(worker(jq));
        co_await jq.join();
        std::cout << "join() returned after three task_done() calls\n";
        w.cancel();
        std::vector<twoway::task<void>> ws{w}; // (GCC 12: no braced list inside a co_await operand)
        co_await twoway::wait(ws);
        trace::attempt("task_done() once more", [&] { jq.task_done(); });
        twoway::queue<std::string> q2;
        q2.put_nowait("only");
        trace::attempt("task_done() counts puts, not gets: called before any get()", [&] { q2.task_done(); });
        trace::attempt("task_done() again", [&] { q2.task_done(); });
    }

    std::cout << "== PriorityQueue: smallest first; LifoQueue: last in, first out\n";
    using item = std::tuple<int, std::string>;
    twoway::priority_queue<item> pq;
    const std::vector<item> items{{3, "c"}, {1, "a"}, {2, "b"}, {1, "A"}};
    for (const item &x : items) pq.put_nowait(x);
    std::vector<item> pgets;
    for (int i = 0; i < 4; ++i) pgets.push_back(pq.get_nowait());
    std::cout << "PriorityQueue gets -> " << trace::repr(pgets) << "\n";
    twoway::lifo_queue<std::string> lq;
    for (const char *x : {"a", "b", "c"}) lq.put_nowait(x);
    std::vector<std::string> lgets;
    for (int i = 0; i < 3; ++i) lgets.push_back(lq.get_nowait());
    std::cout << "LifoQueue gets -> " << trace::repr(lgets) << "\n";
    twoway::lifo_queue<std::string> lq1(1);
    lq1.put_nowait("x");
    trace::attempt("LifoQueue(1).put_nowait on full", [&] { lq1.put_nowait("y"); });
}

} // namespace

int main() { twoway::run(async_main()); }
