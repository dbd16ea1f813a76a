// twoway/asyncio/task.hpp — task<T>: Python's asyncio.Task, a future that drives a coroutine.
//
// The task is the root of its coroutine's await chain: each step is one O(1) resume of the innermost
// awaitable, from a ready-queue entry; a pending future that comes out of the chain gets the task's
// wake-up as a done callback. Cancellation is a CancelledError thrown in at the innermost suspension
// point (J9-J14). The loop keeps every pending task alive until it is done (all_tasks()).
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/coroutine.hpp"

namespace twoway {

namespace detail {

inline bool is_cancelled_error(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const cancelled_error &) {
        return true;
    } catch (...) {
        return false;
    }
}

// Clears a reentrancy flag on every way out of a scope.
struct flag_reset {
    bool &flag;
    ~flag_reset() { flag = false; }
};

// asyncio.Task without its result type: the step (Task.__step) is here, untyped; only resuming the
// coroutine on its cold paths (first step, throw) and setting the result are typed.
class task_core {
public:
    task_core(future_state_base *self, node *coro_root) noexcept
        : coro_root(coro_root), self_(self) {}
    task_core(const task_core &) = delete;
    task_core &operator=(const task_core &) = delete;

    [[nodiscard]] std::string name() const {
        const std::string *n = self_->explicit_name();
        return n ? *n : "Task-" + std::to_string(number);
    }
    void set_name(std::string n) { self_->set_explicit_name(std::move(n)); }
    bool cancel(std::optional<std::string> msg);
    int uncancel() noexcept {
        if (num_cancels_requested > 0) {
            --num_cancels_requested;
            if (num_cancels_requested == 0) must_cancel = false;
        }
        return num_cancels_requested;
    }
    void step(std::exception_ptr exc) noexcept;
    void step() noexcept; // the hot path: send(None)
    void run_step(std::exception_ptr exc) noexcept;
    void run_step() noexcept;
    void schedule_step(std::exception_ptr exc);
    void schedule_step() { loop().push_ready_adding_ref(&step_entry, self_); }
    void eager_start();
    static void step_entry(box_base *target, box_base *arg) noexcept;
    static void wakeup_entry(box_base *target, box_base *arg) noexcept;
    [[nodiscard]] std::string task_repr() const;

    [[nodiscard]] future_state_base &fut() noexcept { return *self_; }
    // The result as an object, for an await through a task_ref (the task finished without an exception).
    [[nodiscard]] object result_object() { return self_->task_result_object(); }
    [[nodiscard]] const future_state_base &fut() const noexcept { return *self_; }
    [[nodiscard]] loop_state &loop() const noexcept { return *self_->loop; }

    // Not polymorphic (the typed operations are virtual functions of the future it is), and packed: a task
    // is one allocation of its future's size plus these 40 bytes.
    node *coro_root; // the root of the coroutine's chain
    ref<future_state_base> fut_waiter;
    std::uint32_t number = 0;         // "Task-<number>" unless it has an explicit name
    std::uint32_t registry_index = 0; // its slot in the loop's list of pending tasks, while registered
    int num_cancels_requested = 0;
    bool must_cancel = false;
    bool registered = false;
    bool log_destroy_pending = true;
    mutable bool in_repr = false; // task_repr is running for this task
    bool in_cancel = false;       // cancel() is forwarding to fut_waiter

private:
    future_state_base *self_; // the task as a future (the task_state holding this task_core)

protected:
    ~task_core() = default;
    outcome resume_coroutine(std::exception_ptr exc) { return self_->task_resume(std::move(exc)); } // first step, throw
    void set_returned() { self_->task_set_returned(); }
    [[nodiscard]] std::string coro_repr() const { return self_->task_coro_repr(); }
    void handle_yield();
    void finish_step(outcome o) noexcept;
    void report_destroyed_pending() noexcept;
};

inline void loop_state::register_task(task_core *t) {
    if (tasks.size() >= 64 && dead_tasks * 2 > tasks.size()) { // mostly finished: compact, keeping the order
        std::size_t j = 0;
        for (task_core *x : tasks)
            if (x) {
                x->registry_index = static_cast<std::uint32_t>(j);
                tasks[j++] = x;
            }
        tasks.resize(j);
        dead_tasks = 0;
    }
    tasks.push_back(t);
    t->fut().add_ref();
    t->registered = true;
    t->registry_index = static_cast<std::uint32_t>(tasks.size() - 1);
    ++task_count;
}

inline void loop_state::unregister_task(task_core *t) noexcept {
    if (!t->registered) return;
    t->registered = false;
    tasks[t->registry_index] = nullptr; // a hole, until the next compaction
    ++dead_tasks;
    --task_count;
    future_state_base &f = t->fut();
    if (closed) {
        if (t->fut_waiter) { // the loop is gone: break the task <-> awaited future cycle
            t->fut_waiter->callbacks.erase_if([&f](const done_callback &c) { return c.target.get() == &f; });
            t->fut_waiter = nullptr;
        }
        // Its done callbacks can never run now; their targets (a gather, a task group) often hold the task.
        if (f.status == future_status::pending) f.callbacks.clear();
    }
    f.release();
}

inline std::string task_core::task_repr() const {
    if (in_repr) return "..."; // reprlib.recursive_repr: two tasks awaiting each other
    in_repr = true;
    const flag_reset r{in_repr};
    const future_state_base &f = fut();
    std::string s = "<Task ";
    // base_tasks._task_repr_info: 'cancelling' while a cancel is requested, then name, coro, wait_for.
    s += f.status == future_status::pending     ? (num_cancels_requested > 0 ? "cancelling" : "pending")
         : f.status == future_status::cancelled ? "cancelled"
                                                : "finished";
    s += " name=" + twoway::repr(name()) + " coro=<" + coro_repr() + ">";
    if (fut_waiter) s += " wait_for=" + fut_waiter->repr();
    if (f.status == future_status::finished)
        s += f.exception ? " exception=" + exception_repr(f.exception) : " result=" + f.result_repr();
    return s + ">";
}

inline bool task_core::cancel(std::optional<std::string> msg) {
    future_state_base &f = fut();
    f.log_traceback = false;
    if (f.done()) return false;
    // Tasks awaiting each other in a cycle: CPython's forwarding recurses until RecursionError.
    if (in_cancel) throw runtime_error("maximum recursion depth exceeded while calling a Python object");
    ++num_cancels_requested;
    if (fut_waiter) {
        in_cancel = true;
        const flag_reset r{in_cancel};
        if (fut_waiter->cancel(msg)) return true; // it may be a task that refuses: kept (J11)
    }
    must_cancel = true;
    f.set_cancel_message(std::move(msg));
    return true;
}

inline void task_core::schedule_step(std::exception_ptr exc) {
    loop().push_ready(&step_entry, ref<box_base>(&fut()),
                      exc ? ref<box_base>(new value_box<std::exception_ptr>(std::move(exc))) : ref<box_base>());
}

inline void task_core::step_entry(box_base *target, box_base *arg) noexcept {
    task_core *t = static_cast<future_state_base *>(target)->as_task();
    if (!arg) [[likely]]
        t->step();
    else
        t->step(*static_cast<std::exception_ptr *>(arg->value()));
}

// Task.__wakeup: the awaited future is done; its result is read by the await in the coroutine, its
// exception (or cancellation) is thrown in.
inline void task_core::wakeup_entry(box_base *target, box_base *arg) noexcept {
    task_core *t = static_cast<future_state_base *>(target)->as_task();
    auto *f = static_cast<future_state_base *>(arg);
    if (f->status == future_status::finished && !f->exception) [[likely]]
        t->step();
    else
        t->step(f->result_exception());
}

// What the coroutine yielded (Task.__step_run_and_handle_result).
inline void task_core::handle_yield() {
    const object &y = *static_cast<const object *>(coro_root->yielded);
    box_base *b = y.box();
    if (!b) [[likely]] { // a bare yield (sleep(0)): step again at the next iteration
        schedule_step();
        return;
    }
    if (b->kind() == box_base::future_kind) {
        auto *f = static_cast<future_state_base *>(b);
        if (f->loop.get() != &loop()) {
            schedule_step(std::make_exception_ptr(
                runtime_error("Task " + task_repr() + " got Future " + f->repr() + " attached to a different loop")));
        } else if (f->blocking) {
            if (f == &fut()) {
                schedule_step(std::make_exception_ptr(runtime_error("Task cannot await on itself: " + task_repr())));
                return;
            }
            f->blocking = false;
            f->add_callback(&wakeup_entry, ref<box_base>(&fut()));
            fut_waiter = ref<future_state_base>(f);
            if (must_cancel && f->cancel(fut().cancel_message())) must_cancel = false;
        } else {
            schedule_step(std::make_exception_ptr(
                runtime_error("yield was used instead of yield from in task " + task_repr() + " with " + f->repr())));
        }
        return;
    }
    if (b->kind() == box_base::generator_kind) {
        schedule_step(std::make_exception_ptr(runtime_error(
            "yield was used instead of yield from for generator in task " + task_repr() + " with " + y.repr())));
        return;
    }
    schedule_step(std::make_exception_ptr(runtime_error("Task got bad yield: " + y.repr())));
}

inline void task_core::finish_step(outcome o) noexcept {
    future_state_base &f = fut();
    try {
        switch (o) {
        case outcome::yielded: handle_yield(); return;
        case outcome::returned:
        case outcome::exhausted:
            if (must_cancel) { // a cancel() arrived while it ran to its end: it ends cancelled (J12)
                must_cancel = false;
                f.cancel_future(f.cancel_message());
            } else {
                set_returned();
            }
            break;
        case outcome::raised:
            try {
                raise_from_frame(coro_root->error.take(), true);
            } catch (const cancelled_error &) {
                f.save_cancelled_exc(std::current_exception());
                f.cancel_future(std::nullopt);
            } catch (const system_exit &) { // the task ends with it, and it stops the loop (Task.__step)
                f.set_exception_ptr(std::current_exception());
                loop().base_error = f.exception;
            } catch (const keyboard_interrupt &) {
                f.set_exception_ptr(std::current_exception());
                loop().base_error = f.exception;
            } catch (...) {
                f.set_exception_ptr(std::current_exception());
            }
            break;
        }
    } catch (...) {
        exception_context_data ctx;
        ctx.message = "Exception in callback Task.__step()";
        ctx.exception = std::current_exception();
        loop().call_exception_handler(ctx);
    }
}

inline void task_core::step(std::exception_ptr exc) noexcept {
    loop_state &l = loop();
    if (fut().done() || l.current_task) {
        exception_context_data ctx;
        ctx.message = "Exception in callback Task.__step()";
        ctx.exception = std::make_exception_ptr(
            fut().done() ? invalid_state_error("_step(): already done: " + task_repr())
                         : invalid_state_error("Cannot enter into task " + task_repr() + " while another task " +
                                               l.current_task->task_repr() + " is being executed."));
        l.call_exception_handler(ctx);
        return;
    }
    l.current_task = this;
    run_step(std::move(exc));
    l.current_task = nullptr;
}

// The hot path of a step: nothing to throw in, no pending cancel, the chain suspended at a plain yield.
// Everything else takes run_step(exc).
inline void task_core::step() noexcept {
    loop_state &l = loop();
    if (self_->done() || l.current_task || must_cancel) [[unlikely]] {
        step(nullptr);
        return;
    }
    l.current_task = this;
    run_step();
    l.current_task = nullptr;
}

inline void task_core::run_step() noexcept {
    node *r = coro_root;
    if (must_cancel || !r->ready()) [[unlikely]] {
        run_step(nullptr);
        return;
    }
    if (fut_waiter) fut_waiter = nullptr;
    if (r->resume_ready(nullptr)) [[likely]] {
        try {
            handle_yield(); // a task that yielded is pending: nothing to unregister
        } catch (...) {
            exception_context_data ctx;
            ctx.message = "Exception in callback Task.__step()";
            ctx.exception = std::current_exception();
            loop().call_exception_handler(ctx);
        }
        return;
    }
    finish_step(r->end_resumption());
    if (self_->done() && registered) loop().unregister_task(this); // may destroy this task: the last thing done
}

inline void task_core::run_step(std::exception_ptr exc) noexcept {
    if (must_cancel) {
        if (!exc || !is_cancelled_error(exc)) exc = fut().make_cancelled_error();
        must_cancel = false;
    }
    fut_waiter = nullptr;
    node *r = coro_root;
    outcome o;
    if (!exc && r->ready()) [[likely]] {
        o = r->resume_ready(nullptr) ? outcome::yielded : r->end_resumption();
    } else {
        try {
            o = resume_coroutine(std::move(exc));
        } catch (...) { // raised by the call itself (a throw into a coroutine that never started)
            r->error = std::current_exception();
            o = outcome::raised;
        }
    }
    finish_step(o);
    if (fut().done() && registered) loop().unregister_task(this); // may destroy this task: the last thing done
}

inline void task_core::eager_start() {
    loop_state &l = loop();
    ref<box_base> keep(&fut());
    l.register_task(this); // in all_tasks() during its first step (_register_eager_task); run_step drops it if done
    task_core *prev = std::exchange(l.current_task, this);
    run_step();
    l.current_task = prev;
    if (l.base_error) [[unlikely]] // a first step ending in SystemExit/KeyboardInterrupt: out of create_task
        std::rethrow_exception(std::exchange(l.base_error, nullptr));
}

inline void task_core::report_destroyed_pending() noexcept {
    future_state_base &f = fut();
    if (f.status != future_status::pending || !log_destroy_pending || !f.loop) return;
    exception_context_data ctx; // J17
    ctx.message = "Task was destroyed but it is pending!";
    f.add_ref();
    ctx.task = ref<future_state_base>::adopt(&f);
    f.loop->call_exception_handler(ctx);
    (void)ctx.task.release();
}

template <class T>
class task_state final : public future_state<T>, public task_core {
public:
    task_state(ref<loop_state> l, coroutine<T> &&c) noexcept
        : future_state<T>(std::move(l)), task_core(this, coroutine_access::root(c)), coro(std::move(c)) {
        this->task_ = this;
    }

    const char *class_name() const noexcept override { return "Task"; }
    std::string repr() const override { return task_repr(); }
    bool cancel(std::optional<std::string> msg) override { return task_core::cancel(std::move(msg)); }

    coroutine<T> coro;

private:
    void destroy() noexcept override {
        report_destroyed_pending();
        this->report_never_retrieved();
        delete this;
    }
    outcome task_resume(std::exception_ptr exc) override {
        return exc ? coroutine_access::resume_throw(coro, std::move(exc)) : coroutine_access::resume(coro);
    }
    void task_set_returned() override {
        if constexpr (std::is_void_v<T>) {
            this->set_result_value();
        } else if constexpr (std::is_same_v<T, object>) {
            this->set_result_value(object(coroutine_access::take_return(coro)));
        } else {
            auto v = coroutine_access::take_return(coro);
            this->set_result_value(std::move(*v));
        }
    }
    std::string task_coro_repr() const override { return std::string(coro.qualname()) + "()"; }
    object task_result_object() override {
        if constexpr (std::is_void_v<T>)
            return object();
        else if constexpr (std::is_copy_constructible_v<T>)
            return object(*this->result);
        else
            throw type_error("the result of this task cannot be shared: await the task<T> itself");
    }
};

// The awaiter of `co_await` on a task_ref: Future.__await__, with the result as an object.
class task_ref_awaiter : future_wait {
public:
    task_ref_awaiter(node &self, const ref<future_state_base> &f) noexcept : future_wait(self, object(ref<box_base>(f.get()))) {}
    bool await_ready() const { return ready_or_refused(); }
    void await_suspend(std::coroutine_handle<>) noexcept {
        yield_future();
        suspended_ = true;
    }
    object await_resume() {
        if (suspended_) resumed();
        if (std::exception_ptr e = waited()->result_exception()) std::rethrow_exception(e);
        return waited()->as_task()->result_object();
    }

private:
    bool suspended_ = false;
};

} // namespace detail

template <class T = void>
class task;

// A task of any result type: what current_task(), all_tasks() and the exception handler's context hand out.
class task_ref {
public:
    task_ref() noexcept = default;
    explicit task_ref(detail::ref<detail::future_state_base> s) noexcept : s_(std::move(s)) {}
    template <class T>
    task_ref(const task<T> &t) noexcept : s_(t.state()) {}

    [[nodiscard]] std::string get_name() const { return core()->name(); }
    void set_name(std::string n) const { core()->set_name(std::move(n)); }
    bool cancel(std::optional<std::string> msg = std::nullopt) const { return s_->cancel(std::move(msg)); }
    int uncancel() const noexcept { return core()->uncancel(); }
    [[nodiscard]] int cancelling() const noexcept { return core()->num_cancels_requested; }
    [[nodiscard]] bool done() const noexcept { return s_->done(); }
    [[nodiscard]] bool cancelled() const noexcept { return s_->cancelled(); }
    [[nodiscard]] std::exception_ptr exception() const { return s_->exception_or_null(); }
    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(s_); }
    friend bool operator==(const task_ref &a, const task_ref &b) noexcept { return a.s_ == b.s_; }
    operator future_ref() const noexcept { return future_ref(s_); }
    [[nodiscard]] detail::ref<detail::box_base> twoway_box() const noexcept { return detail::ref<detail::box_base>(s_.get()); }
    [[nodiscard]] detail::future_state_base *state() const noexcept { return s_.get(); }
    // Python: `await task`, with the result as an object.
    using twoway_awaitable = void;
    detail::task_ref_awaiter make_awaiter(detail::node &self) const { return {self, s_}; }

private:
    detail::task_core *core() const noexcept { return s_->as_task(); }
    detail::ref<detail::future_state_base> s_;
};

// Python's asyncio.Task[T]. A future<T> (it passes wherever one does), created by create_task().
template <class T>
class task : public future<T> {
public:
    // Python: task.cancel(msg) (3.13): asks the coroutine to stop; True unless the task is done.
    bool cancel() const { return core()->cancel(std::nullopt); }
    bool cancel(std::string msg) const { return core()->cancel(std::move(msg)); }
    // Python: task.uncancel(): one fewer pending cancellation request; at zero a pending cancel is withdrawn.
    int uncancel() const noexcept { return core()->uncancel(); }
    [[nodiscard]] int cancelling() const noexcept { return core()->num_cancels_requested; }
    [[nodiscard]] std::string get_name() const { return core()->name(); }
    // Python: task.set_name(n), str(n).
    template <class N>
    void set_name(const N &n) const {
        if constexpr (std::is_convertible_v<const N &, std::string>)
            core()->set_name(std::string(n));
        else
            core()->set_name(repr(n));
    }
    [[nodiscard]] coroutine<T> &get_coro() const noexcept { return core()->coro; }

    static task adopt(detail::task_state<T> *s) noexcept { return task(s); }

private:
    explicit task(detail::task_state<T> *s) noexcept
        : future<T>(future<T>::adopt(detail::ref<detail::future_state<T>>(s))) {}
    detail::task_state<T> *core() const noexcept { return static_cast<detail::task_state<T> *>(this->state()); }
};

} // namespace twoway
