// twoway/asyncio/future.hpp — future<T>: Python's asyncio.Future.
//
// A shared handle (copies refer to one future, as Python references do). Done callbacks are scheduled on
// the loop with call_soon, never called synchronously (U5); `co_await fut` in a coroutine yields the
// future itself to the task driving it, which wakes up when the future is done (U7); a done future does
// not suspend.
#pragma once

#include <concepts>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/object.hpp"
#include "twoway/stop_iteration.hpp"

namespace twoway {

namespace detail {

inline future_state_base::future_state_base(ref<loop_state> l) noexcept : box_base(future_kind), loop(std::move(l)) {}

inline std::string future_state_base::repr() const {
    std::string s = "<";
    s += class_name();
    switch (status) {
    case future_status::pending: s += " pending"; break;
    case future_status::cancelled: s += " cancelled"; break;
    case future_status::finished:
        s += exception ? " finished exception=" + exception_repr(exception) : " finished result=" + result_repr();
        break;
    }
    return s + ">";
}

// Each callback goes through call_soon, which refuses a closed loop: the future stays done, its callbacks
// are dropped, and the completing call raises (CPython's future_schedule_callbacks).
inline void future_state_base::schedule_callbacks() {
    auto cbs = std::move(callbacks);
    callbacks.clear();
    if (!cbs.empty()) loop->check_closed();
    for (done_callback &c : cbs) loop->push_ready(c.fn, std::move(c.target), ref<box_base>(this));
}

inline void future_state_base::add_callback(scheduled_fn fn, ref<box_base> target) {
    if (done()) {
        loop->check_closed();
        loop->push_ready(fn, std::move(target), ref<box_base>(this));
    } else {
        callbacks.push_back({fn, std::move(target)});
    }
}

inline bool future_state_base::cancel_future(std::optional<std::string> msg) {
    log_traceback = false;
    if (done()) return false;
    status = future_status::cancelled;
    set_cancel_message(std::move(msg));
    schedule_callbacks();
    return true;
}

inline bool future_state_base::cancel(std::optional<std::string> msg) { return cancel_future(std::move(msg)); }

inline std::exception_ptr future_state_base::make_cancelled_error() {
    if (std::exception_ptr saved = take_cancelled_exc()) return saved; // J14: the original object, once
    const std::optional<std::string> &m = cancel_message();
    return std::make_exception_ptr(m ? cancelled_error(*m) : cancelled_error());
}

inline std::exception_ptr future_state_base::result_exception() {
    switch (status) {
    case future_status::cancelled: return make_cancelled_error();
    case future_status::pending: return std::make_exception_ptr(invalid_state_error("Result is not set."));
    case future_status::finished: break;
    }
    log_traceback = false;
    return exception;
}

inline std::exception_ptr future_state_base::exception_or_null() {
    switch (status) {
    case future_status::cancelled: std::rethrow_exception(make_cancelled_error());
    case future_status::pending: throw invalid_state_error("Exception is not set.");
    case future_status::finished: break;
    }
    log_traceback = false;
    return exception;
}

inline void future_state_base::set_exception_ptr(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const stop_iteration<> &) { // 3.13
        try {
            std::throw_with_nested(
                runtime_error("StopIteration interacts badly with generators and cannot be raised into a Future"));
        } catch (...) {
            e = std::current_exception();
        }
    } catch (...) {
    }
    exception = std::move(e);
    status = future_status::finished;
    log_traceback = true;
    schedule_callbacks();
}

inline void future_state_base::report_never_retrieved() noexcept {
    if (!log_traceback || !exception || !loop) return;
    log_traceback = false;
    exception_context_data ctx;
    ctx.message = std::string(class_name()) + " exception was never retrieved";
    ctx.exception = exception;
    add_ref(); // the context refers to this future while it is being destroyed
    ctx.future = ref<future_state_base>::adopt(this);
    loop->call_exception_handler(ctx);
    (void)ctx.future.release();
}

inline void future_state_base::destroy() noexcept {
    report_never_retrieved(); // U6
    delete this;
}

template <class T>
class future_state : public future_state_base {
public:
    using future_state_base::future_state_base;
    std::string result_repr() const override {
        if constexpr (std::is_void_v<T>)
            return "None";
        else
            return result ? any_repr(*result) : "None";
    }
    void set_result_value(auto &&...v) {
        if constexpr (!std::is_void_v<T>) result.emplace(std::forward<decltype(v)>(v)...);
        status = future_status::finished;
        schedule_callbacks();
    }
    // Python: fut.result() — the value, or the stored exception / CancelledError / InvalidStateError.
    decltype(auto) get_result() {
        if (status != future_status::finished || exception) std::rethrow_exception(result_exception());
        log_traceback = false;
        if constexpr (!std::is_void_v<T>) return static_cast<T &>(*result);
    }

    struct no_value {};
    [[no_unique_address]] std::conditional_t<std::is_void_v<T>, no_value, std::optional<T>> result; // void: the status says it all
};

// What every awaiter of a future shares (Future.__await__): the future is held as the object the channel
// carries, so yielding it copies nothing; it is yielded with its blocking flag set (the task then waits on
// it), and once resumed the awaiter raises what the driver threw in, or "await wasn't used with future" if
// the future is still pending. Empty (None) until the awaiter has a future.
class future_wait {
protected:
    explicit future_wait(node &self, object fut = {}) noexcept : self_(&self), fut_(std::move(fut)) {}
    [[nodiscard]] future_state_base *waited() const noexcept { return static_cast<future_state_base *>(fut_.box()); }
    // Future.__await__ on a pending future: it must not already be yielded to a task that has not taken
    // it (a task that awaited itself leaves its blocking flag set): CPython's future iterator refuses.
    [[nodiscard]] bool ready_or_refused() const {
        future_state_base *f = waited();
        if (f->done()) return true;
        if (f->blocking) throw runtime_error("await wasn't used with future");
        return false;
    }
    void yield_future() noexcept {
        waited()->blocking = true;
        yield_to_driver(*self_, &fut_);
    }
    void resumed() const {
        resumed_by_driver(*self_);
        if (!waited()->done()) throw runtime_error("await wasn't used with future");
    }

    node *self_;
    object fut_;
};

// The awaiter of `co_await fut` in a coroutine. A done future does not suspend; a pending one yields
// itself and, once resumed, returns its result.
template <class T>
class future_awaiter : future_wait {
public:
    future_awaiter(node &self, const ref<future_state<T>> &f) noexcept : future_wait(self, object(ref<box_base>(f.get()))) {}
    bool await_ready() const { return ready_or_refused(); }
    void await_suspend(std::coroutine_handle<>) noexcept {
        yield_future();
        suspended_ = true;
    }
    decltype(auto) await_resume() {
        if (suspended_) resumed();
        auto *f = static_cast<future_state<T> *>(waited());
        if constexpr (std::is_void_v<T>)
            f->get_result();
        else
            return T(f->get_result());
    }

private:
    bool suspended_ = false;
};

// What set_exception() takes by value: an object of a class type that is not a string (C++ can throw an
// int; Python raises only exception objects).
template <class E>
concept exception_object = std::is_class_v<std::remove_cvref_t<E>> &&
                           !std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr> &&
                           !std::is_convertible_v<const std::remove_cvref_t<E> &, std::string_view>;

// Callables stored as done callbacks: fn(future) runs through the ready queue.
template <class F>
class callback_box final : public box_base {
public:
    explicit callback_box(F f) : f(std::move(f)) {}
    const std::type_info &type() const noexcept override { return typeid(F); }
    std::string type_name() const override { return "function"; }
    std::string repr() const override { return "<function " + short_type_name(typeid(F)) + ">"; }
    void *value() noexcept override { return &f; }
    F f;
};

} // namespace detail

template <class T = void>
class future;
template <class T>
class future_iter;

// A future of any result type: what the exception handler's context and current_task() hand out.
class future_ref {
public:
    future_ref() noexcept = default;
    explicit future_ref(detail::ref<detail::future_state_base> s) noexcept : s_(std::move(s)) {}
    template <class T>
    future_ref(const future<T> &f) noexcept;

    [[nodiscard]] bool done() const noexcept { return s_->done(); }
    [[nodiscard]] bool cancelled() const noexcept { return s_->cancelled(); }
    bool cancel(std::optional<std::string> msg = std::nullopt) { return s_->cancel(std::move(msg)); }
    [[nodiscard]] std::exception_ptr exception() const { return s_->exception_or_null(); }
    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] bool is_task() const noexcept { return s_->is_task(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(s_); }
    friend bool operator==(const future_ref &a, const future_ref &b) noexcept { return a.s_ == b.s_; }
    [[nodiscard]] detail::ref<detail::box_base> twoway_box() const noexcept { return detail::ref<detail::box_base>(s_.get()); }
    [[nodiscard]] detail::future_state_base *state() const noexcept { return s_.get(); }

private:
    detail::ref<detail::future_state_base> s_;
};

template <class T>
class future {
public:
    using result_type = T;
    using twoway_awaitable = void;

    // Python: fut.result().
    decltype(auto) result() const { return s_->get_result(); }
    // Python: fut.exception(): null for None.
    [[nodiscard]] std::exception_ptr exception() const { return s_->exception_or_null(); }
    // Python: fut.set_result(v).
    template <class... V>
        requires(std::is_void_v<T> ? sizeof...(V) == 0 : sizeof...(V) == 1)
    void set_result(V &&...v) const {
        check_settable("set_result");
        s_->set_result_value(std::forward<V>(v)...);
    }
    // Python: fut.set_exception(e), with e an exception object or (the class form) a type. What Python
    // refuses with TypeError "invalid exception object" (42, 'text') does not compile here.
    template <class E>
        requires detail::exception_object<E>
    void set_exception(E &&e) const {
        set_exception(std::make_exception_ptr(std::forward<E>(e)));
    }
    template <class E>
        requires detail::exception_object<E>
    void set_exception() const {
        set_exception(std::make_exception_ptr(E()));
    }
    void set_exception(std::exception_ptr e) const {
        check_settable("set_exception"); // before the type check, as in CPython
        if (!e) throw type_error("invalid exception object");
        s_->set_exception_ptr(std::move(e));
    }
    bool cancel() const { return s_->cancel(std::nullopt); }
    bool cancel(std::string msg) const { return s_->cancel(std::move(msg)); }
    [[nodiscard]] bool done() const noexcept { return s_->done(); }
    [[nodiscard]] bool cancelled() const noexcept { return s_->cancelled(); }

    // Python: fut.add_done_callback(fn): fn(future) runs from the loop's ready queue, never synchronously.
    template <class F>
        requires std::invocable<F &, future<T>>
    void add_done_callback(F fn) const {
        s_->add_callback(&run_callback<F>, detail::ref<detail::box_base>(new detail::callback_box<F>(std::move(fn))));
    }
    // Python: fut.remove_done_callback(fn): removes every registration equal to fn; how many.
    template <class F>
        requires std::equality_comparable<std::decay_t<F>>
    std::size_t remove_done_callback(const F &fn) const { // F may be a function: stored as its pointer
        auto &cbs = s_->callbacks;
        const std::size_t before = cbs.size();
        cbs.erase_if([&](const detail::done_callback &c) {
            auto *b = dynamic_cast<detail::callback_box<std::decay_t<F>> *>(c.target.get());
            return b && b->f == fn;
        });
        return before - cbs.size();
    }

    [[nodiscard]] event_loop get_loop() const;
    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const future &a, const future &b) noexcept { return a.s_ == b.s_; }

    // On the channel: the future itself (Python's `yield self`).
    [[nodiscard]] detail::ref<detail::box_base> twoway_box() const noexcept { return detail::ref<detail::box_base>(s_.get()); }
    detail::future_awaiter<T> make_awaiter(detail::node &self) const { return {self, s_}; }
    // Python: fut.__await__() (and iter(fut)): the iterator behind `await fut` and `yield from fut`.
    [[nodiscard]] future_iter<T> await_iter() const;

    // The state, for the library's own use.
    [[nodiscard]] detail::future_state<T> *state() const noexcept { return s_.get(); }
    static future adopt(detail::ref<detail::future_state<T>> s) noexcept { return future(std::move(s)); }

protected:
    explicit future(detail::ref<detail::future_state<T>> s) noexcept : s_(std::move(s)) {}
    void check_settable(const char *what) const {
        if (s_->is_task()) throw runtime_error(std::string("Task does not support ") + what + " operation");
        if (s_->done()) throw invalid_state_error("invalid state");
    }
    detail::ref<detail::future_state<T>> s_;

private:
    template <class F>
    static void run_callback(detail::box_base *target, detail::box_base *fut) {
        auto *f = static_cast<detail::future_state<T> *>(static_cast<detail::future_state_base *>(fut));
        auto *cb = static_cast<detail::callback_box<F> *>(target);
        detail::ref<detail::future_state<T>> keep(f);
        try {
            cb->f(future(keep));
        } catch (const system_exit &) {
            f->loop->base_error = std::current_exception();
        } catch (const keyboard_interrupt &) {
            f->loop->base_error = std::current_exception();
        } catch (...) {
            detail::exception_context_data ctx;
            ctx.message = "Exception in callback " + cb->repr();
            ctx.exception = std::current_exception();
            ctx.handle = detail::ref<detail::handle_state>(new detail::handle_state(f->loop.get(), {}, cb->repr()));
            f->loop->call_exception_handler(ctx);
        }
    }
};

// Python's FutureIter, what fut.__await__() returns: next() yields the future itself (its blocking flag
// set), raises "await wasn't used with future" if still pending when asked again, then raises
// stop_iteration with the result once the future is done; a sent value is ignored. Usable in
// `co_yield twoway::from(it)`.
template <class T>
class future_iter {
public:
    using return_type = T;
    using stop_type = std::conditional_t<std::is_void_v<T>, stop_iteration<>, stop_iteration<T>>;
    explicit future_iter(detail::ref<detail::future_state<T>> s) noexcept : s_(std::move(s)) {}

    object next() {
        if (!s_) throw stop_type{}; // exhausted (or closed)
        if (!s_->done()) {
            if (s_->blocking) throw runtime_error("await wasn't used with future");
            s_->blocking = true;
            return object(detail::ref<detail::box_base>(s_.get()));
        }
        detail::ref<detail::future_state<T>> s = std::move(s_);
        if constexpr (std::is_void_v<T>) {
            s->get_result();
            throw stop_type{};
        } else {
            throw stop_type(T(s->get_result()));
        }
    }
    object send(const object &) { return next(); } // Future.__iter__ ignores what is sent
    [[noreturn]] object throw_exception(std::exception_ptr e) {
        if (!e) throw type_error("throw_exception() needs an exception (got an empty exception_ptr)");
        std::rethrow_exception(e);
    }
    void close() noexcept { s_ = nullptr; }

private:
    detail::ref<detail::future_state<T>> s_;
};

template <class T>
future_iter<T> future<T>::await_iter() const {
    return future_iter<T>(s_);
}

template <class T>
future_ref::future_ref(const future<T> &f) noexcept : s_(f.state()) {}

// Python: asyncio.isfuture(x).
template <class X>
inline constexpr bool isfuture = requires(const X &x) { x.state()->blocking; };

} // namespace twoway
