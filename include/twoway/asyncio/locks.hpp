// twoway/asyncio/locks.hpp — asyncio's synchronisation primitives (Lib/asyncio/locks.py, 3.13):
// event, lock, semaphore, bounded_semaphore, condition, barrier, and broken_barrier_error.
//
//   twoway::lock lk;
//   co_await twoway::async_with(lk, [&]() -> twoway::coroutine<void> { ...; co_return; });   // async with lk:
//   bool ok = co_await ev.wait();                                                           // await ev.wait()
//
// Each primitive is a handle: copies share one state (Python shares the object), and a task blocked on
// a primitive holds its state, so dropping the handle that made it dangles nothing. The algorithms are
// CPython's, transliterated: the same futures are created and completed in the same order, so the
// number of loop passes between a release and the waiter's resumption is CPython's (one, for every
// primitive), and cancellation never loses a hand-off.
//
// event::wait(), lock::acquire() and semaphore::acquire() are awaitables without a coroutine frame (each
// suspends at most once, on one future), and so are the aenter/aexit of a lock, a semaphore and a
// condition; condition::wait/wait_for, barrier::wait/reset/abort and the barrier's aenter are
// coroutine<...>. A primitive binds to the running loop the first time it needs a
// future (Python's _LoopBoundMixin); a free lock is acquired without any loop.
#pragma once

#include <charconv>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "twoway/async_with.hpp"
#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/object.hpp"

namespace twoway {

// Python: asyncio.BrokenBarrierError, a RuntimeError subclass.
class broken_barrier_error : public runtime_error, public python_named {
public:
    using runtime_error::runtime_error;
    broken_barrier_error() : runtime_error("") {}
    [[nodiscard]] const char *python_type() const noexcept override { return "BrokenBarrierError"; }
    [[nodiscard]] std::string python_str() const override { return what(); }
};

namespace detail {

// "0x7f…", as Python's id() in a default repr.
inline std::string address_text(const void *p) {
    char buf[2 + 2 * sizeof(void *) + 1];
    buf[0] = '0';
    buf[1] = 'x';
    auto r = std::to_chars(buf + 2, buf + sizeof buf, reinterpret_cast<std::uintptr_t>(p), 16);
    return std::string(buf, r.ptr);
}

// Python's collections.deque of waiter futures: a ring buffer that allocates nothing until the first
// waiter arrives. remove() is deque.remove (the first occurrence, linear), pop_front() is popleft().
template <class F>
class waiter_deque {
public:
    waiter_deque() noexcept = default;
    waiter_deque(const waiter_deque &) = delete;
    waiter_deque &operator=(const waiter_deque &) = delete;
    ~waiter_deque() = default;

    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] F *operator[](std::size_t i) const noexcept { return slot(i).get(); }
    [[nodiscard]] F *front() const noexcept { return slot(0).get(); }
    void push_back(ref<F> f) {
        if (size_ == capacity_) grow();
        slot(size_) = std::move(f);
        ++size_;
    }
    ref<F> pop_front() noexcept {
        ref<F> f = std::move(slot(0));
        head_ = (head_ + 1) & (capacity_ - 1);
        --size_;
        return f;
    }
    // Whether it was there (Python's deque.remove raises ValueError otherwise).
    bool remove(const F *f) noexcept {
        for (std::size_t i = 0; i < size_; ++i) {
            if (slot(i).get() != f) continue;
            ref<F> gone = std::move(slot(i));
            for (std::size_t j = i; j + 1 < size_; ++j) slot(j) = std::move(slot(j + 1));
            --size_;
            return true;
        }
        return false;
    }
    template <class P>
    [[nodiscard]] bool all_of(P p) const {
        for (std::size_t i = 0; i < size_; ++i)
            if (!p(*slot(i))) return false;
        return true;
    }

private:
    ref<F> &slot(std::size_t i) const noexcept { return buf_[(head_ + i) & (capacity_ - 1)]; }
    void grow() {
        const std::size_t capacity = capacity_ ? capacity_ * 2 : 4;
        std::unique_ptr<ref<F>[]> b(new ref<F>[capacity]);
        for (std::size_t i = 0; i < size_; ++i) b[i] = std::move(slot(i));
        buf_ = std::move(b);
        capacity_ = capacity;
        head_ = 0;
    }
    std::unique_ptr<ref<F>[]> buf_;
    std::size_t capacity_ = 0; // a power of two, or 0
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

// Python's mixins._LoopBoundMixin: bound to the running loop the first time a future is needed; another
// loop afterwards is "<repr> is bound to a different event loop". (Python, outside any loop, binds None
// and fails at create_future with an AttributeError; here it is "no running event loop".)
struct loop_binding {
    ref<loop_state> loop;
    loop_state &get(const box_base &owner) {
        loop_state *l = running_loop();
        if (!loop) {
            if (!l) throw runtime_error("no running event loop");
            loop = ref<loop_state>(l);
        }
        if (l != loop.get()) throw runtime_error(owner.repr() + " is bound to a different event loop");
        return *l;
    }
};

// A primitive's shared state: counted like a future, so that handles and waiting awaiters share it.
class primitive_state : public box_base {
public:
    const std::type_info &type() const noexcept override { return typeid(*this); }
    void *value() noexcept override { return this; }
    // Python's object.__repr__ of the asyncio.locks class, with the state in brackets.
    [[nodiscard]] std::string locks_repr(const char *cls, const std::string &extra) const {
        return std::string("<asyncio.locks.") + cls + " object at " + address_text(this) + " [" + extra + "]>";
    }
    loop_binding binding;
};

template <class F>
std::string waiters_suffix(const waiter_deque<F> &w) {
    return w.empty() ? std::string() : ", waiters:" + std::to_string(w.size());
}

class event_state final : public primitive_state {
public:
    std::string type_name() const override { return "Event"; }
    std::string repr() const override { return locks_repr("Event", (flag ? "set" : "unset") + waiters_suffix(waiters)); }
    void set() {
        if (flag) return;
        flag = true;
        for (std::size_t i = 0; i < waiters.size(); ++i)
            if (!waiters[i]->done()) waiters[i]->set_result_value(true);
    }
    waiter_deque<future_state<bool>> waiters;
    bool flag = false;
};

class lock_state final : public primitive_state {
public:
    std::string type_name() const override { return "Lock"; }
    std::string repr() const override { return locks_repr("Lock", (locked ? "locked" : "unlocked") + waiters_suffix(waiters)); }
    // (box_base::release() is the reference count: the lock's own is release_lock.)
    void release_lock() {
        if (!locked) throw runtime_error("Lock is not acquired.");
        locked = false;
        wake_up_first();
    }
    // Only the first waiter, done or not: a done one is already set to wake up.
    void wake_up_first() {
        if (waiters.empty()) return;
        future_state<bool> *f = waiters.front();
        if (!f->done()) f->set_result_value(true);
    }
    waiter_deque<future_state<bool>> waiters;
    bool locked = false;
};

class semaphore_state final : public primitive_state {
public:
    semaphore_state(long v, bool bounded) noexcept : units(v), bound(v), bounded(bounded) {}
    std::string type_name() const override { return bounded ? "BoundedSemaphore" : "Semaphore"; }
    std::string repr() const override {
        std::string extra = locked() ? std::string("locked") : "unlocked, value:" + std::to_string(units);
        return locks_repr(bounded ? "BoundedSemaphore" : "Semaphore", extra + waiters_suffix(waiters));
    }
    // Due to the value, or to FIFO: a waiter that is not cancelled comes first.
    [[nodiscard]] bool locked() const {
        return units == 0 || !waiters.all_of([](const future_state<bool> &w) { return w.cancelled(); });
    }
    void release_unit() {
        if (bounded && units >= bound) throw value_error("BoundedSemaphore released too many times");
        ++units;
        wake_up_next();
    }
    // The first waiter that is not done; the unit is reserved for it now.
    bool wake_up_next() {
        for (std::size_t i = 0; i < waiters.size(); ++i) {
            future_state<bool> *f = waiters[i];
            if (!f->done()) {
                --units;
                f->set_result_value(true);
                return true;
            }
        }
        return false;
    }
    waiter_deque<future_state<bool>> waiters;
    long units; // Python's _value
    long bound;
    bool bounded;
};

class condition_state final : public primitive_state {
public:
    explicit condition_state(ref<lock_state> l) noexcept : lock(std::move(l)) {}
    std::string type_name() const override { return "Condition"; }
    std::string repr() const override {
        return locks_repr("Condition", (lock->locked ? "locked" : "unlocked") + waiters_suffix(waiters));
    }
    void notify(std::size_t n) {
        if (!lock->locked) throw runtime_error("cannot notify on un-acquired lock");
        notify_unchecked(n);
    }
    // Python's _notify(n): the first n waiters that are not done.
    void notify_unchecked(std::size_t n) {
        std::size_t idx = 0;
        for (std::size_t i = 0; i < waiters.size(); ++i) {
            if (idx >= n) break;
            future_state<bool> *f = waiters[i];
            if (!f->done()) {
                ++idx;
                f->set_result_value(false);
            }
        }
    }
    ref<lock_state> lock;
    waiter_deque<future_state<bool>> waiters;
};

// What event::wait, lock::acquire and semaphore::acquire share: the waiter future, created (binding the
// primitive to the running loop) only when the fast path fails, and removed from the primitive's
// waiters when the await ends, whichever way it ends (Python's `finally: _waiters.remove(fut)`).
template <class S>
class primitive_wait : protected future_wait {
protected:
    primitive_wait(node &self, ref<S> s) noexcept : future_wait(self), s_(std::move(s)) {}
    primitive_wait(const primitive_wait &) = delete;
    primitive_wait &operator=(const primitive_wait &) = delete;
    ~primitive_wait() { leave(); } // a frame destroyed while suspended

    [[nodiscard]] future_state<bool> *fut() const noexcept { return static_cast<future_state<bool> *>(waited()); }
    void enter() {
        loop_state &l = s_->binding.get(*s_);
        ref<future_state<bool>> f(new future_state<bool>(ref<loop_state>(&l)));
        s_->waiters.push_back(f);
        fut_ = object(ref<box_base>(f.get()));
        queued_ = true;
    }
    void leave() noexcept {
        if (queued_) {
            queued_ = false;
            s_->waiters.remove(fut());
        }
    }

public:
    void await_suspend(std::coroutine_handle<>) noexcept { yield_future(); }

protected:
    ref<S> s_;
    bool queued_ = false; // enter() ran: the awaiter suspended, or is about to
};

// Event.wait(): True at once if set; otherwise one future, completed by set().
class event_wait_awaiter : public primitive_wait<event_state> {
public:
    event_wait_awaiter(node &self, ref<event_state> s) noexcept : primitive_wait(self, std::move(s)) {}
    bool await_ready() {
        if (s_->flag) return true;
        enter();
        return false;
    }
    bool await_resume() {
        if (!queued_) return true;
        leave();
        resumed();
        fut()->get_result();
        return true;
    }
};

// Lock.acquire(): the fast path only when no waiter is queued that is not cancelled (FIFO fairness).
class lock_acquire_awaiter : public primitive_wait<lock_state> {
public:
    lock_acquire_awaiter(node &self, ref<lock_state> s) noexcept : primitive_wait(self, std::move(s)) {}
    bool await_ready() {
        lock_state &s = *s_;
        if (!s.locked && s.waiters.all_of([](const future_state<bool> &w) { return w.cancelled(); })) {
            s.locked = true;
            return true;
        }
        enter();
        return false;
    }
    bool await_resume() {
        if (!queued_) return true;
        leave();
        try {
            resumed();
            fut()->get_result();
        } catch (const cancelled_error &) {
            // Woken (or about to be) but cancelled: the next waiter gets the lock.
            if (!s_->locked) s_->wake_up_first();
            throw;
        }
        s_->locked = true;
        return true;
    }
};

// Semaphore.acquire(): the unit was reserved by the release that woke us; a cancelled waiter that was
// woken gives it back, and on every way out as many waiters as there are units are woken.
class semaphore_acquire_awaiter : public primitive_wait<semaphore_state> {
public:
    semaphore_acquire_awaiter(node &self, ref<semaphore_state> s) noexcept : primitive_wait(self, std::move(s)) {}
    bool await_ready() {
        if (!s_->locked()) {
            --s_->units;
            return true;
        }
        enter();
        return false;
    }
    bool await_resume() {
        if (!queued_) return true;
        leave();
        std::exception_ptr error;
        try {
            resumed();
            fut()->get_result();
        } catch (const cancelled_error &) {
            if (fut()->done() && !fut()->cancelled()) ++s_->units;
            error = std::current_exception();
        } catch (...) {
            error = std::current_exception();
        }
        while (s_->units > 0)
            if (!s_->wake_up_next()) break;
        if (error) std::rethrow_exception(error);
        return true;
    }
};

// The awaitables that event::wait(), lock::acquire() and semaphore::acquire() return (Python returns a
// coroutine object: nothing runs until it is awaited).
template <class S, class A>
struct primitive_operation {
    using twoway_awaitable = void;
    ref<S> state;
    A make_awaiter(node &self) && { return A(self, std::move(state)); }
};

using event_wait_operation = primitive_operation<event_state, event_wait_awaiter>;
using lock_acquire_operation = primitive_operation<lock_state, lock_acquire_awaiter>;
using semaphore_acquire_operation = primitive_operation<semaphore_state, semaphore_acquire_awaiter>;

// Python's truth value of a predicate's result: bool(x), or `not empty` for a container or a string.
template <class R>
bool python_truth(const R &r) {
    if constexpr (std::is_constructible_v<bool, const R &>)
        return static_cast<bool>(r);
    else if constexpr (requires { r.empty(); })
        return !r.empty();
    else
        static_assert(std::is_constructible_v<bool, const R &>, "wait_for: the predicate's result has no truth value");
}

// ---- the coroutines (free functions of the state: a task blocked in one keeps the state alive) ----


// Condition.wait(), 3.13: release, wait for a notification, then re-acquire even when cancelled (the
// latest CancelledError wins); any error passes one notification on (_notify(1)).
inline coroutine<bool> condition_wait(ref<condition_state> s) {
    if (!s->lock->locked) throw runtime_error("cannot wait on un-acquired lock");
    loop_state &l = s->binding.get(*s);
    ref<future_state<bool>> fut(new future_state<bool>(ref<loop_state>(&l)));
    s->lock->release_lock();
    std::exception_ptr error;
    s->waiters.push_back(fut);
    try {
        future<bool> f = future<bool>::adopt(fut);
        co_await f;
    } catch (...) {
        error = std::current_exception();
    }
    s->waiters.remove(fut.get());
    std::exception_ptr cancelled; // the latest CancelledError of the re-acquire loop
    for (;;) {
        try {
            lock_acquire_operation op{s->lock};
            co_await std::move(op);
            break;
        } catch (const cancelled_error &) {
            cancelled = std::current_exception();
        } catch (...) { // not retried: it leaves the finally block, replacing what was raised
            error = std::current_exception();
            cancelled = nullptr;
            break;
        }
    }
    if (cancelled) error = cancelled;
    if (error) {
        s->notify_unchecked(1);
        std::rethrow_exception(error);
    }
    co_return true;
}

template <class R, class P>
coroutine<R> condition_wait_for(ref<condition_state> s, P predicate) {
    R result = predicate();
    while (!python_truth(result)) {
        co_await condition_wait(s);
        result = predicate();
    }
    co_return result;
}


template <class T>
T named(T c, const char *qualname) {
    c.set_qualname(qualname);
    return c;
}

} // namespace detail

// Python: asyncio.Event.
class event {
public:
    event() : s_(new detail::event_state()) {}

    [[nodiscard]] bool is_set() const noexcept { return s_->flag; }
    // Wakes every waiter, in the order they waited; they return True even if clear() follows at once.
    void set() const { s_->set(); }
    void clear() const noexcept { s_->flag = false; }
    // Python: await ev.wait(): True; no suspension when the event is set.
    [[nodiscard]] detail::event_wait_operation wait() const { return {s_}; }

    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const event &a, const event &b) noexcept { return a.s_ == b.s_; }

private:
    detail::ref<detail::event_state> s_;
};

// Python: asyncio.Lock. Not owned: any task may release it.
class lock {
public:
    lock() : s_(new detail::lock_state()) {}

    [[nodiscard]] bool locked() const noexcept { return s_->locked; }
    // Python: await lock.acquire(): True. FIFO: a newcomer queues behind any waiter not cancelled.
    [[nodiscard]] detail::lock_acquire_operation acquire() const { return {s_}; }
    // runtime_error("Lock is not acquired.") when unlocked.
    void release() const { s_->release_lock(); }
    // Python's `async with lock` (the target is None).
    // Frame-less, as acquire() is: __aenter__ is the acquire, __aexit__ the release.
    [[nodiscard]] auto aenter() const { return detail::discard_result<detail::lock_acquire_operation>{{s_}}; }
    [[nodiscard]] auto aexit(std::exception_ptr) const {
        return detail::ready_call{[s = s_] { s->release_lock(); }};
    }

    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const lock &a, const lock &b) noexcept { return a.s_ == b.s_; }

private:
    friend class condition;
    detail::ref<detail::lock_state> s_;
};

// Python: asyncio.Semaphore(value=1).
class semaphore {
public:
    // value_error("Semaphore initial value must be >= 0") for a negative value.
    explicit semaphore(long value = 1) : semaphore(value, false) {}

    // The value is 0, or a waiter that is not cancelled is queued (a free unit is not taken ahead of it).
    [[nodiscard]] bool locked() const { return s_->locked(); }
    [[nodiscard]] detail::semaphore_acquire_operation acquire() const { return {s_}; }
    // Adds a unit (beyond the initial value too) and wakes the first waiter; a bounded_semaphore's
    // value_error("BoundedSemaphore released too many times") at its bound.
    void release() const { s_->release_unit(); }
    [[nodiscard]] auto aenter() const { return detail::discard_result<detail::semaphore_acquire_operation>{{s_}}; }
    [[nodiscard]] auto aexit(std::exception_ptr) const {
        return detail::ready_call{[s = s_] { s->release_unit(); }};
    }

    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const semaphore &a, const semaphore &b) noexcept { return a.s_ == b.s_; }

protected:
    semaphore(long value, bool bounded) {
        if (value < 0) throw value_error("Semaphore initial value must be >= 0");
        s_ = detail::ref<detail::semaphore_state>(new detail::semaphore_state(value, bounded));
    }

private:
    detail::ref<detail::semaphore_state> s_;
};

// Python: asyncio.BoundedSemaphore(value=1): the bound lives in the shared state, so a
// bounded_semaphore handled as a semaphore keeps its check.
class bounded_semaphore : public semaphore {
public:
    explicit bounded_semaphore(long value = 1) : semaphore(value, true) {}
};

// Python: asyncio.Condition(lock=None): a new lock, or the given one's state shared.
class condition {
public:
    condition() : condition(twoway::lock()) {}
    explicit condition(const twoway::lock &l) : s_(new detail::condition_state(l.s_)) {}

    [[nodiscard]] bool locked() const noexcept { return s_->lock->locked; }
    [[nodiscard]] detail::lock_acquire_operation acquire() const { return {s_->lock}; }
    void release() const { s_->lock->release_lock(); }
    // Python: await cond.wait(): True once notified and the lock is held again.
    // runtime_error("cannot wait on un-acquired lock"), raised when awaited.
    [[nodiscard]] coroutine<bool> wait() const { return detail::named(detail::condition_wait(s_), "Condition.wait"); }
    // Python: await cond.wait_for(predicate): the predicate's value once it is true (Python's truth:
    // bool, or not empty).
    template <class P>
    [[nodiscard]] coroutine<std::decay_t<std::invoke_result_t<P &>>> wait_for(P predicate) const {
        using R = std::decay_t<std::invoke_result_t<P &>>;
        return detail::named(detail::condition_wait_for<R, P>(s_, std::move(predicate)), "Condition.wait_for");
    }
    // runtime_error("cannot notify on un-acquired lock") without the lock.
    void notify(std::size_t n = 1) const { s_->notify(n); }
    void notify_all() const { s_->notify(s_->waiters.size()); }
    [[nodiscard]] auto aenter() const { return detail::discard_result<detail::lock_acquire_operation>{{s_->lock}}; }
    [[nodiscard]] auto aexit(std::exception_ptr) const {
        return detail::ready_call{[s = s_] { s->lock->release_lock(); }};
    }

    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const condition &a, const condition &b) noexcept { return a.s_ == b.s_; }

private:
    detail::ref<detail::condition_state> s_;
};

namespace detail {

enum class barrier_phase : unsigned char { filling, draining, resetting, broken };

class barrier_state final : public primitive_state {
public:
    explicit barrier_state(long parties) : parties(parties) {}
    std::string type_name() const override { return "Barrier"; }
    std::string repr() const override {
        static const char *const names[] = {"filling", "draining", "resetting", "broken"};
        std::string extra = names[static_cast<int>(phase)];
        if (phase != barrier_phase::broken)
            extra += ", waiters:" + std::to_string(n_waiting()) + "/" + std::to_string(parties);
        return locks_repr("Barrier", extra);
    }
    [[nodiscard]] long n_waiting() const noexcept { return phase == barrier_phase::filling ? count : 0; }
    // Python's _exit(): the last task out ends draining or resetting and wakes whoever waits for that.
    void exit() {
        if (count == 0) {
            if (phase == barrier_phase::resetting || phase == barrier_phase::draining) phase = barrier_phase::filling;
            cond.notify_all();
        }
    }
    condition cond; // notifies every state change
    long parties;
    barrier_phase phase = barrier_phase::filling;
    long count = 0; // tasks in the barrier
};

// Barrier.wait(): `async with self._cond:` around _block(), then the arrival index, with the count
// decremented and _exit() run on every way out.
inline coroutine<long> barrier_wait(ref<barrier_state> b) {
    co_await b->cond.aenter();
    std::exception_ptr error;
    long index = 0;
    try {
        // _block(): wait while the barrier drains or resets; broken → "Barrier aborted".
        barrier_state *bs = b.get();
        coroutine<bool> block = b->cond.wait_for([bs] {
            return bs->phase != barrier_phase::draining && bs->phase != barrier_phase::resetting;
        });
        co_await std::move(block);
        if (b->phase == barrier_phase::broken) throw broken_barrier_error("Barrier aborted");
        std::exception_ptr inner;
        try {
            index = b->count;
            b->count += 1;
            if (index + 1 == b->parties) {
                // _release(): draining; everyone waiting is woken.
                b->phase = barrier_phase::draining;
                b->cond.notify_all();
            } else {
                // _wait(): until filling ends; broken or resetting → "Abort or reset of barrier".
                coroutine<bool> released = b->cond.wait_for([bs] { return bs->phase != barrier_phase::filling; });
                co_await std::move(released);
                if (b->phase == barrier_phase::broken || b->phase == barrier_phase::resetting)
                    throw broken_barrier_error("Abort or reset of barrier");
            }
        } catch (...) {
            inner = std::current_exception();
        }
        b->count -= 1;
        b->exit();
        if (inner) std::rethrow_exception(inner);
    } catch (...) {
        error = std::current_exception();
    }
    co_await b->cond.aexit(error);
    if (error) std::rethrow_exception(error);
    co_return index;
}

inline coroutine<long> barrier_aenter(ref<barrier_state> b) {
    coroutine<long> w = named(barrier_wait(std::move(b)), "Barrier.wait");
    long index = co_await std::move(w);
    co_return index;
}

inline coroutine<void> barrier_reset(ref<barrier_state> b) {
    co_await b->cond.aenter();
    std::exception_ptr error;
    try {
        if (b->count > 0) {
            if (b->phase != barrier_phase::resetting) b->phase = barrier_phase::resetting;
        } else {
            b->phase = barrier_phase::filling;
        }
        b->cond.notify_all();
    } catch (...) {
        error = std::current_exception();
    }
    co_await b->cond.aexit(error);
    if (error) std::rethrow_exception(error);
}

inline coroutine<void> barrier_abort(ref<barrier_state> b) {
    co_await b->cond.aenter();
    std::exception_ptr error;
    try {
        b->phase = barrier_phase::broken;
        b->cond.notify_all();
    } catch (...) {
        error = std::current_exception();
    }
    co_await b->cond.aexit(error);
    if (error) std::rethrow_exception(error);
}


} // namespace detail

// Python: asyncio.Barrier(parties) (3.11+).
class barrier {
public:
    // value_error("parties must be > 0").
    explicit barrier(long parties) : s_(make(parties)) {}

    // Python: await b.wait(): the arrival index 0 … parties-1 once `parties` tasks wait; the last to arrive
    // returns first. broken_barrier_error on abort() or reset().
    [[nodiscard]] coroutine<long> wait() const { return detail::named(detail::barrier_wait(s_), "Barrier.wait"); }
    // Waiters get broken_barrier_error("Abort or reset of barrier"); the barrier is usable again.
    [[nodiscard]] coroutine<void> reset() const { return detail::named(detail::barrier_reset(s_), "Barrier.reset"); }
    // Broken: waiters and later callers get broken_barrier_error.
    [[nodiscard]] coroutine<void> abort() const { return detail::named(detail::barrier_abort(s_), "Barrier.abort"); }
    [[nodiscard]] long parties() const noexcept { return s_->parties; }
    // The tasks waiting while filling; 0 otherwise.
    [[nodiscard]] long n_waiting() const noexcept { return s_->n_waiting(); }
    [[nodiscard]] bool broken() const noexcept { return s_->phase == detail::barrier_phase::broken; }
    // `async with barrier as i`: i is wait()'s index; leaving does nothing.
    [[nodiscard]] coroutine<long> aenter() const { return detail::named(detail::barrier_aenter(s_), "Barrier.__aenter__"); }
    [[nodiscard]] auto aexit(std::exception_ptr) const { return detail::ready_call{[] {}}; } // does nothing

    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const barrier &a, const barrier &b) noexcept { return a.s_ == b.s_; }

private:
    static detail::ref<detail::barrier_state> make(long parties) {
        if (parties < 1) throw value_error("parties must be > 0");
        return detail::ref<detail::barrier_state>(new detail::barrier_state(parties));
    }
    detail::ref<detail::barrier_state> s_;
};

} // namespace twoway
