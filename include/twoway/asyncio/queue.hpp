// twoway/asyncio/queue.hpp — asyncio's queues (Lib/asyncio/queues.py, 3.13): queue<T> (FIFO),
// priority_queue<T, Compare> (heapq's order), lifo_queue<T>, and queue_empty, queue_full,
// queue_shut_down.
//
//   twoway::queue<int> q(2);                  // Python: q = asyncio.Queue(2)
//   co_await q.put(1);                        // waits while full
//   int x = co_await q.get();                 // waits while empty
//   q.task_done();  co_await q.join();  q.shutdown();
//
// A queue is a handle: copies share one state, and a task blocked in get() or put() holds it. put(),
// get() and join() are coroutine<...>, CPython's loops transliterated: a woken waiter re-checks the
// queue and, if another task took its item or slot in between, waits again at the back; a waiter woken
// and then cancelled before it ran hands the wake-up on (the bare `except:`), so nothing is lost.
#pragma once

#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/locks.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/object.hpp"

namespace twoway {

// Python: asyncio.QueueEmpty, asyncio.QueueFull and asyncio.QueueShutDown (3.13): Exception subclasses,
// raised as classes, so their message is empty.
class queue_empty : public std::exception, public python_named {
public:
    [[nodiscard]] const char *what() const noexcept override { return ""; }
    [[nodiscard]] const char *python_type() const noexcept override { return "QueueEmpty"; }
    [[nodiscard]] std::string python_str() const override { return {}; }
    [[nodiscard]] bool python_has_args() const noexcept override { return false; }
};
class queue_full : public std::exception, public python_named {
public:
    [[nodiscard]] const char *what() const noexcept override { return ""; }
    [[nodiscard]] const char *python_type() const noexcept override { return "QueueFull"; }
    [[nodiscard]] std::string python_str() const override { return {}; }
    [[nodiscard]] bool python_has_args() const noexcept override { return false; }
};
class queue_shut_down : public std::exception, public python_named {
public:
    [[nodiscard]] const char *what() const noexcept override { return ""; }
    [[nodiscard]] const char *python_type() const noexcept override { return "QueueShutDown"; }
    [[nodiscard]] std::string python_str() const override { return {}; }
    [[nodiscard]] bool python_has_args() const noexcept override { return false; }
};

namespace detail {

// The three storages (Python's _init/_put/_get overrides). items() is list(self._queue), for the repr.
template <class T>
class fifo_storage {
public:
    static constexpr const char *class_name = "Queue";
    [[nodiscard]] std::size_t size() const noexcept { return q_.size(); }
    void put(T item) { q_.push_back(std::move(item)); }
    T get() {
        T item = std::move(q_.front());
        q_.pop_front();
        return item;
    }
    [[nodiscard]] const std::deque<T> &items() const noexcept { return q_; }

private:
    std::deque<T> q_;
};

template <class T>
class lifo_storage {
public:
    static constexpr const char *class_name = "LifoQueue";
    [[nodiscard]] std::size_t size() const noexcept { return q_.size(); }
    void put(T item) { q_.push_back(std::move(item)); }
    T get() {
        T item = std::move(q_.back());
        q_.pop_back();
        return item;
    }
    [[nodiscard]] const std::vector<T> &items() const noexcept { return q_; }

private:
    std::vector<T> q_;
};

// heapq.heappush / heappop (and the C module's siftdown/siftup, which are the same algorithm): items
// that compare equal come out in CPython's order, which std::push_heap does not promise.
template <class T, class Compare = std::less<T>>
class heapq_storage {
public:
    static constexpr const char *class_name = "PriorityQueue";
    heapq_storage() = default;
    explicit heapq_storage(Compare c) : less_(std::move(c)) {}
    [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
    void put(T item) { // heappush
        heap_.push_back(std::move(item));
        siftdown(0, heap_.size() - 1);
    }
    T get() { // heappop
        T last = std::move(heap_.back());
        heap_.pop_back();
        if (heap_.empty()) return last;
        T top = std::move(heap_[0]);
        heap_[0] = std::move(last);
        siftup(0);
        return top;
    }
    [[nodiscard]] const std::vector<T> &items() const noexcept { return heap_; }

private:
    // The item at pos moves up towards startpos while it is smaller than its parent.
    void siftdown(std::size_t startpos, std::size_t pos) {
        T newitem = std::move(heap_[pos]);
        while (pos > startpos) {
            const std::size_t parentpos = (pos - 1) >> 1;
            if (less_(newitem, heap_[parentpos])) {
                heap_[pos] = std::move(heap_[parentpos]);
                pos = parentpos;
                continue;
            }
            break;
        }
        heap_[pos] = std::move(newitem);
    }
    // The smaller child moves up until a leaf is reached; then the item moves back up (siftdown).
    void siftup(std::size_t pos) {
        const std::size_t endpos = heap_.size();
        const std::size_t startpos = pos;
        T newitem = std::move(heap_[pos]);
        std::size_t childpos = 2 * pos + 1;
        while (childpos < endpos) {
            const std::size_t rightpos = childpos + 1;
            if (rightpos < endpos && !less_(heap_[childpos], heap_[rightpos])) childpos = rightpos;
            heap_[pos] = std::move(heap_[childpos]);
            pos = childpos;
            childpos = 2 * pos + 1;
        }
        heap_[pos] = std::move(newitem);
        siftdown(startpos, pos);
    }
    std::vector<T> heap_;
    [[no_unique_address]] Compare less_;
};

template <class T, class Storage>
class queue_state final : public box_base {
public:
    explicit queue_state(long maxsize) : maxsize(maxsize) { finished.set(); }
    const std::type_info &type() const noexcept override { return typeid(*this); }
    std::string type_name() const override { return Storage::class_name; }
    void *value() noexcept override { return this; }
    // Python's repr(q): "<Queue at 0x… maxsize=0 _queue=[1] _getters[1] tasks=1 shutdown>".
    std::string repr() const override { return std::string("<") + Storage::class_name + " at " + address_text(this) + " " + format() + ">"; }
    [[nodiscard]] std::string str() const { return std::string("<") + Storage::class_name + " " + format() + ">"; }
    [[nodiscard]] std::string format() const {
        std::string r = "maxsize=" + std::to_string(maxsize);
        if (storage.size()) {
            r += " _queue=[";
            bool first = true;
            for (const T &x : storage.items()) {
                if (!first) r += ", ";
                first = false;
                r += any_repr(x);
            }
            r += "]";
        }
        if (!getters.empty()) r += " _getters[" + std::to_string(getters.size()) + "]";
        if (!putters.empty()) r += " _putters[" + std::to_string(putters.size()) + "]";
        if (unfinished_tasks) r += " tasks=" + std::to_string(unfinished_tasks);
        if (is_shutdown) r += " shutdown";
        return r;
    }

    [[nodiscard]] bool empty() const noexcept { return storage.size() == 0; }
    [[nodiscard]] bool full() const noexcept { return maxsize > 0 && storage.size() >= static_cast<std::size_t>(maxsize); }

    // Wakes the first waiter that is not done; the ones passed over leave the deque.
    static void wakeup_next(waiter_deque<future_state<void>> &waiters) {
        while (!waiters.empty()) {
            ref<future_state<void>> w = waiters.pop_front();
            if (!w->done()) {
                w->set_result_value();
                break;
            }
        }
    }
    void put_nowait(T item) {
        if (is_shutdown) throw queue_shut_down();
        if (full()) throw queue_full();
        storage.put(std::move(item));
        ++unfinished_tasks;
        finished.clear();
        wakeup_next(getters);
    }
    T get_nowait() {
        if (empty()) {
            if (is_shutdown) throw queue_shut_down();
            throw queue_empty();
        }
        T item = storage.get();
        wakeup_next(putters);
        return item;
    }
    void task_done() {
        if (unfinished_tasks <= 0) throw value_error("task_done() called too many times");
        if (--unfinished_tasks == 0) finished.set();
    }
    void shutdown(bool immediate) {
        is_shutdown = true;
        if (immediate) {
            while (!empty()) {
                (void)storage.get();
                if (unfinished_tasks > 0) --unfinished_tasks;
            }
            if (unfinished_tasks == 0) finished.set();
        }
        // Every woken waiter re-checks the queue, and raises queue_shut_down.
        while (!getters.empty()) {
            ref<future_state<void>> g = getters.pop_front();
            if (!g->done()) g->set_result_value();
        }
        while (!putters.empty()) {
            ref<future_state<void>> p = putters.pop_front();
            if (!p->done()) p->set_result_value();
        }
    }
    // A new waiter future at the back of `waiters` (the queue binds to the running loop here).
    ref<future_state<void>> new_waiter(waiter_deque<future_state<void>> &waiters) {
        loop_state &l = binding.get(*this);
        ref<future_state<void>> w(new future_state<void>(ref<loop_state>(&l)));
        waiters.push_back(w);
        return w;
    }

    long maxsize;
    Storage storage;
    waiter_deque<future_state<void>> getters;
    waiter_deque<future_state<void>> putters;
    long unfinished_tasks = 0;
    event finished;
    bool is_shutdown = false;
    loop_binding binding;
};

// Queue.put(): `while full(): ... await putter`, the bare `except:` handing a wake-up on.
template <class T, class S>
coroutine<void> queue_put(ref<queue_state<T, S>> s, T item) {
    while (s->full()) {
        if (s->is_shutdown) throw queue_shut_down();
        ref<future_state<void>> putter = s->new_waiter(s->putters);
        try {
            future<void> f = future<void>::adopt(putter);
            co_await f;
        } catch (...) { // Python's bare except: CancelledError, GeneratorExit, anything
            putter->cancel(std::nullopt); // a no-op if it was already woken
            s->putters.remove(putter.get()); // it may have been popped already (get_nowait, shutdown)
            if (!s->full() && !putter->cancelled()) queue_state<T, S>::wakeup_next(s->putters);
            throw;
        }
    }
    s->put_nowait(std::move(item));
}

// Queue.get(): the same loop on empty(); queue_shut_down once shut down and empty.
template <class T, class S>
coroutine<T> queue_get(ref<queue_state<T, S>> s) {
    while (s->empty()) {
        if (s->is_shutdown && s->empty()) throw queue_shut_down();
        ref<future_state<void>> getter = s->new_waiter(s->getters);
        try {
            future<void> f = future<void>::adopt(getter);
            co_await f;
        } catch (...) {
            getter->cancel(std::nullopt);
            s->getters.remove(getter.get());
            if (!s->empty() && !getter->cancelled()) queue_state<T, S>::wakeup_next(s->getters);
            throw;
        }
    }
    co_return s->get_nowait();
}

template <class T, class S>
coroutine<void> queue_join(ref<queue_state<T, S>> s) {
    if (s->unfinished_tasks > 0) {
        event_wait_operation w = s->finished.wait();
        co_await std::move(w);
    }
}

} // namespace detail

// Python: asyncio.Queue(maxsize=0), and with another Storage its subclasses. A handle.
template <class T = object, class Storage = detail::fifo_storage<T>>
class basic_queue {
public:
    using value_type = T;
    // maxsize <= 0: unbounded.
    explicit basic_queue(long maxsize = 0) : s_(new state(maxsize)) {}

    [[nodiscard]] long maxsize() const noexcept { return s_->maxsize; }
    [[nodiscard]] std::size_t qsize() const noexcept { return s_->storage.size(); }
    [[nodiscard]] bool empty() const noexcept { return s_->empty(); }
    [[nodiscard]] bool full() const noexcept { return s_->full(); }

    // Python: await q.put(item): waits while full; queue_shut_down once shut down.
    [[nodiscard]] coroutine<void> put(T item) const {
        return detail::named(detail::queue_put<T, Storage>(s_, std::move(item)), "Queue.put");
    }
    // queue_full when full, queue_shut_down once shut down.
    void put_nowait(T item) const { s_->put_nowait(std::move(item)); }
    // Python: await q.get(): waits while empty; queue_shut_down once shut down and empty.
    [[nodiscard]] coroutine<T> get() const { return detail::named(detail::queue_get<T, Storage>(s_), "Queue.get"); }
    // queue_empty when empty (queue_shut_down once shut down).
    T get_nowait() const { return s_->get_nowait(); }
    // value_error("task_done() called too many times") below zero. It counts puts, not gets.
    void task_done() const { s_->task_done(); }
    // Python: await q.join(): until every put has had its task_done() (no suspension at zero).
    [[nodiscard]] coroutine<void> join() const { return detail::named(detail::queue_join<T, Storage>(s_), "Queue.join"); }
    // Python 3.13: q.shutdown(immediate=False). Puts fail from now on, gets once the queue is empty;
    // immediate drops the items, each counted done. Blocked getters and putters are woken to raise.
    void shutdown(bool immediate = false) const { s_->shutdown(immediate); }

    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] std::string str() const { return s_->str(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const basic_queue &a, const basic_queue &b) noexcept { return a.s_ == b.s_; }

private:
    using state = detail::queue_state<T, Storage>;
    detail::ref<state> s_;
};

// Python: asyncio.Queue: first in, first out.
template <class T = object>
using queue = basic_queue<T, detail::fifo_storage<T>>;
// Python: asyncio.PriorityQueue: the smallest item first, in heapq's order (std::tuple's < is Python's
// tuple order).
template <class T, class Compare = std::less<T>>
using priority_queue = basic_queue<T, detail::heapq_storage<T, Compare>>;
// Python: asyncio.LifoQueue: last in, first out.
template <class T = object>
using lifo_queue = basic_queue<T, detail::lifo_storage<T>>;

} // namespace twoway
