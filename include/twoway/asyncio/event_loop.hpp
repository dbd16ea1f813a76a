// twoway/asyncio/event_loop.hpp — event_loop: asyncio's event loop, on Asio's io_context.
//
//   twoway::event_loop loop;                         // its own io_context and the monotonic clock
//   int v = loop.run_until_complete(main());         // or twoway::run(main()), asyncio.run's rules
//
// Scheduling is asyncio's: call_soon is FIFO, one iteration runs exactly what was ready when it began,
// timers by deadline; waiting, I/O and wake-ups from other threads are Asio's. A loop can run on an
// io_context the program already has — driving it, or as a guest of the program's own io.run()
// (run_in_io_context) — and take a virtual clock (time jumps to the next timer when nothing is ready)
// for deterministic tests. A loop handle is shared: copies refer to one loop.
#pragma once

#include <algorithm>
#include <exception>
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/task.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/detail/type_name.hpp"

namespace twoway {

// Python: asyncio.Handle (from call_soon) and asyncio.TimerHandle (from call_later / call_at).
class handle {
public:
    handle() noexcept = default;
    explicit handle(detail::ref<detail::handle_state> s) noexcept : s_(std::move(s)) {}
    void cancel() const noexcept { s_->cancel(); }
    [[nodiscard]] bool cancelled() const noexcept { return s_->cancelled; }
    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const handle &a, const handle &b) noexcept { return a.s_ == b.s_; }
    [[nodiscard]] detail::handle_state *state() const noexcept { return s_.get(); }

protected:
    detail::ref<detail::handle_state> s_;
};

class timer_handle : public handle {
public:
    using handle::handle;
    // The loop time at which it is scheduled to run.
    [[nodiscard]] double when() const noexcept { return s_->when; }
};

// Python's context dict of loop.call_exception_handler(): only the keys that are present are set.
struct exception_context {
    std::optional<std::string> message;
    std::exception_ptr exception;
    std::optional<twoway::handle> handle;
    std::optional<future_ref> future;
    std::optional<task_ref> task;
    object asyncgen;
    std::shared_ptr<const exception_context> context; // key "context": the context whose handler failed
    // sorted(context): the present keys.
    [[nodiscard]] std::vector<std::string> keys() const {
        std::vector<std::string> k;
        if (!asyncgen.is_none()) k.push_back("asyncgen");
        if (context) k.push_back("context");
        if (exception) k.push_back("exception");
        if (future) k.push_back("future");
        if (handle) k.push_back("handle");
        if (message) k.push_back("message");
        if (task) k.push_back("task");
        return k;
    }
};

class event_loop;
using exception_handler = std::function<void(event_loop &, const exception_context &)>;

// What the default exception handler logs (Python: logger "asyncio", level ERROR): a hook receives it
// instead of stderr when one is set.
using log_record = detail::log_record;
inline detail::log_hook set_log_hook(detail::log_hook hook) {
    return detail::hook_slot<detail::log_hook>::global().exchange(std::move(hook));
}

enum class clock_kind : unsigned char { monotonic, virtual_time };
// The clock a loop can be given: virtual_clock makes time jump to the next timer when nothing is ready.
inline constexpr clock_kind monotonic_clock = clock_kind::monotonic;
inline constexpr clock_kind virtual_clock = clock_kind::virtual_time;

struct eager_task_factory_t {
    explicit constexpr eager_task_factory_t(int) noexcept {}
};
// Python: asyncio.eager_task_factory (3.12+): a task's first step runs inside create_task.
inline constexpr eager_task_factory_t eager_task_factory{0};

namespace detail {

inline exception_context to_public(const exception_context_data &d) {
    exception_context c;
    c.message = d.message;
    c.exception = d.exception;
    if (d.handle) c.handle = twoway::handle(d.handle);
    if (d.future) c.future = future_ref(d.future);
    if (d.task) c.task = task_ref(d.task);
    c.asyncgen = d.asyncgen;
    if (d.context) c.context = std::make_shared<exception_context>(to_public(*d.context));
    return c;
}
inline exception_context_data to_data(const exception_context &c) {
    exception_context_data d;
    d.message = c.message;
    d.exception = c.exception;
    if (c.handle) d.handle = ref<handle_state>(c.handle->state());
    if (c.future) d.future = ref<future_state_base>(c.future->state());
    if (c.task) d.task = ref<future_state_base>(c.task->state());
    d.asyncgen = c.asyncgen;
    if (c.context) d.context = std::make_shared<exception_context_data>(to_data(*c.context));
    return d;
}

// run_until_complete's done callback (Python's _run_until_complete_cb): it reads fut.exception(), which
// marks the exception retrieved, then stops the loop.
struct stop_loop {
    static void entry(box_base *target, box_base *fut) noexcept {
        auto *f = static_cast<future_state_base *>(fut);
        f->log_traceback = false;
        // A SystemExit/KeyboardInterrupt already stopped the loop as it propagated: this entry, still in the
        // ready queue, must not stop the run that comes next (the shutdown's).
        if (f->status == future_status::finished && f->exception && is_base_error(f->exception)) return;
        static_cast<loop_state *>(target)->stop();
    }
};

// The common part of run_until_complete, after its checks: runs the loop until f is done, stopped by a
// done callback; "Event loop stopped before Future completed." if the loop stopped first.
inline void run_until_done(loop_state &l, future_state_base &f) {
    f.add_callback(&stop_loop::entry, ref<box_base>(&l));
    auto remove_stop = [&f] {
        f.callbacks.erase_if([](const done_callback &c) { return c.fn == &stop_loop::entry; });
    };
    try {
        l.run_forever();
    } catch (...) {
        remove_stop();
        throw;
    }
    remove_stop();
    if (!f.done()) throw runtime_error("Event loop stopped before Future completed.");
}

// The result of a task only its runner holds: copied (its repr stays intact for a task_ref someone may
// hold), or moved when T cannot be copied.
template <class T>
T take_result(future_state<T> &f) {
    if constexpr (std::is_copy_constructible_v<T>)
        return T(f.get_result());
    else
        return T(std::move(f.get_result()));
}

// A readable name for a callback in "Exception in callback …".
template <class F>
std::string callback_name() {
    if constexpr (std::is_function_v<std::remove_pointer_t<F>>)
        return "function()";
    else
        return short_type_name(typeid(F)) + "()";
}

} // namespace detail

class event_loop {
public:
    // A new loop with its own io_context.
    explicit event_loop(clock_kind clock = monotonic_clock)
        : s_(new detail::loop_state(nullptr, clock == virtual_clock)) {
        detail::loop_state::aclose_in_task = &aclose_in_task;
    }
    // A new loop on an io_context the program already has (it must outlive the loop).
    explicit event_loop(asio::io_context &io, clock_kind clock = monotonic_clock)
        : s_(new detail::loop_state(&io, clock == virtual_clock)) {
        detail::loop_state::aclose_in_task = &aclose_in_task;
    }
    explicit event_loop(detail::ref<detail::loop_state> s) noexcept : s_(std::move(s)) {}

    // Python: loop.call_soon(callback, *args): FIFO, at the next iteration. The arguments are copied.
    template <class F, class... A>
        requires std::invocable<F &, A &...>
    handle call_soon(F f, A... args) const {
        s_->check_closed();
        s_->check_thread();
        return handle(s_->call_soon(bind(std::move(f), std::move(args)...), detail::callback_name<F>()));
    }
    // Python: loop.call_later(delay, callback, *args), delay in seconds; a delay <= 0 is due at once.
    template <class F, class... A>
        requires std::invocable<F &, A &...>
    timer_handle call_later(double delay, F f, A... args) const {
        s_->check_closed();
        s_->check_thread();
        return timer_handle(s_->call_at(s_->time() + delay, bind(std::move(f), std::move(args)...), detail::callback_name<F>()));
    }
    // Python: loop.call_at(when, callback, *args), when on the loop's clock.
    template <class F, class... A>
        requires std::invocable<F &, A &...>
    timer_handle call_at(double when, F f, A... args) const {
        s_->check_closed();
        s_->check_thread();
        return timer_handle(s_->call_at(when, bind(std::move(f), std::move(args)...), detail::callback_name<F>()));
    }
    // Python: loop.call_soon_threadsafe(callback, *args): from any thread; wakes the loop.
    template <class F, class... A>
        requires std::invocable<F &, A &...>
    void call_soon_threadsafe(F f, A... args) const {
        s_->check_closed();
        s_->call_soon_threadsafe(bind(std::move(f), std::move(args)...), detail::callback_name<F>());
    }
    // Python: loop.time(): the loop's clock, in seconds (time.monotonic(), or the virtual time).
    [[nodiscard]] double time() const noexcept { return s_->time(); }

    // Python: loop.run_until_complete(coro): runs it as a task until it is done; its result or its error.
    // The coroutine is taken only once the loop has accepted it (a refused one stays the caller's).
    template <class T>
    T run_until_complete(coroutine<T> &&c) const {
        check_can_run();
        task<T> t = create_task(std::move(c));
        detail::future_state<T> *st = t.state();
        static_cast<detail::task_state<T> *>(st)->log_destroy_pending = false;
        try {
            detail::run_until_done(*s_, *st);
        } catch (...) {
            // Python consumes the exception of a task the caller cannot reach, so it is not logged.
            if (st->done() && !st->cancelled()) st->log_traceback = false;
            throw;
        }
        if constexpr (std::is_void_v<T>)
            st->get_result();
        else
            return detail::take_result(*st);
    }
    template <class T>
    T run_until_complete(const future<T> &f) const;
    // Python: loop.run_forever(), until stop().
    void run_forever() const { s_->run_forever(); }
    // Python: loop.stop(): the current iteration finishes, then run_forever returns (or the hosting ends).
    void stop() const noexcept { s_->stop(); }
    // No Python equivalent: the loop becomes a guest of its io_context, which the program runs itself
    // (io.run(), on any one thread): each iteration is an Asio handler, and a task made ready by an Asio
    // completion runs in the same io.run(). Returns at once; is_running() is true until stop().
    //   asio::io_context io;  twoway::event_loop loop(io);
    //   auto t = loop.create_task(main());  loop.run_in_io_context();  io.run();
    void run_in_io_context() const { s_->start_hosted(); }
    // Python: loop.close(): the loop refuses work from now on; pending tasks are released.
    void close() const { s_->close(); }
    [[nodiscard]] bool is_running() const noexcept { return s_->running; }
    [[nodiscard]] bool is_closed() const noexcept { return s_->closed; }

    // Python: loop.create_future().
    template <class T = void>
    future<T> create_future() const {
        return future<T>::adopt(detail::ref<detail::future_state<T>>(new detail::future_state<T>(s_)));
    }
    // Python: loop.create_task(coro, name=None): schedules its first step (or, with the eager factory
    // and a running loop, runs it now).
    template <class T>
    task<T> create_task(coroutine<T> &&c, std::optional<std::string> name = std::nullopt) const {
        s_->check_closed();
        if (c.empty()) throw value_error(messages::empty_coroutine);
        auto *st = new detail::task_state<T>(s_, std::move(c));
        task<T> t = task<T>::adopt(st);
        if (name)
            st->set_name(std::move(*name));
        else
            st->number = static_cast<std::uint32_t>(detail::next_task_number());
        if (s_->task_factory == detail::task_factory_kind::eager && s_->running) {
            st->eager_start();
        } else {
            s_->register_task(st);
            st->schedule_step();
        }
        return t;
    }
    void set_task_factory(eager_task_factory_t) const noexcept { s_->task_factory = detail::task_factory_kind::eager; }
    void set_task_factory(std::nullptr_t) const noexcept { s_->task_factory = detail::task_factory_kind::lazy; }
    [[nodiscard]] bool has_eager_task_factory() const noexcept { return s_->task_factory == detail::task_factory_kind::eager; }

    // Python: loop.set_exception_handler(handler) / (None), get_exception_handler() (null for None).
    void set_exception_handler(exception_handler h) const { s_->exception_handler = std::move(h); }
    void set_exception_handler(std::nullptr_t) const { s_->exception_handler = nullptr; }
    [[nodiscard]] const exception_handler *get_exception_handler() const noexcept {
        return s_->exception_handler ? &s_->exception_handler : nullptr;
    }
    // Python: loop.default_exception_handler(context) / loop.call_exception_handler(context).
    void default_exception_handler(const exception_context &c) const { s_->default_exception_handler(detail::to_data(c)); }
    void call_exception_handler(const exception_context &c) const { s_->call_exception_handler(detail::to_data(c)); }

    // The io_context under the loop: Asio operations started on it complete on the loop's thread.
    [[nodiscard]] asio::io_context &get_io_context() const noexcept { return *s_->io; }

    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const event_loop &a, const event_loop &b) noexcept { return a.s_ == b.s_; }
    [[nodiscard]] detail::loop_state *state() const noexcept { return s_.get(); }

private:
    template <class F, class... A>
    static std::function<void()> bind(F f, A... args) {
        if constexpr (sizeof...(A) == 0)
            return std::function<void()>(std::move(f));
        else
            return [f = std::move(f), t = std::make_tuple(std::move(args)...)]() mutable { std::apply(f, t); };
    }
    // The finalizer hook's work (_asyncgen_finalizer_hook): `create_task(agen.aclose())`.
    static coroutine<void> aclose_generator(async_generator_ref g) { co_await g.aclose(); }
    static void aclose_in_task(detail::loop_state &l, async_generator_ref g) {
        (void)event_loop(detail::ref<detail::loop_state>(&l)).create_task(aclose_generator(std::move(g)));
    }
    void check_can_run() const {
        s_->check_closed();
        if (s_->running) throw runtime_error("This event loop is already running");
        if (detail::running_loop()) throw runtime_error("Cannot run the event loop while another loop is running");
    }

    detail::ref<detail::loop_state> s_;
};

template <class T>
T event_loop::run_until_complete(const future<T> &f) const {
    check_can_run();
    detail::future_state<T> *st = f.state();
    if (st->loop.get() != s_.get())
        throw value_error("The future belongs to a different loop than the one specified as the loop argument");
    detail::run_until_done(*s_, *st);
    if constexpr (std::is_void_v<T>)
        st->get_result();
    else
        return T(st->get_result());
}

template <class T>
event_loop future<T>::get_loop() const {
    return event_loop(s_->loop);
}

// Python: asyncio.new_event_loop().
inline event_loop new_event_loop(clock_kind clock = monotonic_clock) { return event_loop(clock); }

// Python: asyncio.get_running_loop(): RuntimeError "no running event loop" outside a running loop.
inline event_loop get_running_loop() { return event_loop(detail::ref<detail::loop_state>(&detail::require_running_loop())); }

// Python: asyncio.create_task(coro, name=None), on the running loop.
template <class T>
task<T> create_task(coroutine<T> &&c, std::optional<std::string> name = std::nullopt) {
    return get_running_loop().create_task(std::move(c), std::move(name));
}

// Python: asyncio.current_task(): the task being stepped; a null task_ref inside a plain callback.
inline task_ref current_task() {
    detail::loop_state &l = detail::require_running_loop();
    return l.current_task ? task_ref(detail::ref<detail::future_state_base>(&l.current_task->fut())) : task_ref();
}

// Python: asyncio.all_tasks(): the running loop's tasks that are not done, oldest first.
inline std::vector<task_ref> all_tasks() {
    detail::loop_state &l = detail::require_running_loop();
    std::vector<task_ref> v;
    for (detail::task_core *t : l.tasks)
        if (t) v.emplace_back(detail::ref<detail::future_state_base>(&t->fut()));
    return v;
}

namespace detail {
// Python's BaseEventLoop.call_exception_handler: the custom handler, or the default one; what either
// raises is logged, never propagated (the loop carries on).
inline void loop_state::call_exception_handler(const exception_context_data &c) noexcept {
    try {
        if (!exception_handler) {
            try {
                default_exception_handler(c);
            } catch (...) {
                log_error("Exception in default exception handler", std::current_exception());
            }
            return;
        }
        try {
            event_loop self{ref<loop_state>(this)};
            exception_handler(self, to_public(c));
        } catch (...) {
            try {
                exception_context_data e;
                e.message = "Unhandled error in exception handler";
                e.exception = std::current_exception();
                e.context = std::make_shared<exception_context_data>(c);
                default_exception_handler(e);
            } catch (...) {
                log_error("Exception in default exception handler while handling an unexpected error in custom "
                          "exception handler",
                          std::current_exception());
            }
        }
    } catch (...) { // the log hook failed as well: nowhere left to report to
        std::fputs("twoway: the exception handler failed\n", stderr);
    }
}
} // namespace detail

} // namespace twoway
