// twoway/asyncio/detail/loop_state.hpp — the untyped core of the asyncio layer: the loop's scheduling
// (ready queue, timers, handles), the future and task states without their result type, and the step of a
// task. The typed parts (future<T>, task<T>) and the public loop are in the headers beside this one.
//
// Scheduling is asyncio's (base_events.py): a FIFO ready queue of which one iteration runs exactly what was
// ready when it began; timers by deadline, moved to the back of the queue when due; completing a future
// schedules its callbacks. Waiting, I/O and wake-ups from other threads come from Asio.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <typeinfo>
#include <utility>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "twoway/async_generator.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/detail/hook_slot.hpp"
#include "twoway/detail/node.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/object.hpp"
#include "twoway/unraisable.hpp"

namespace twoway {

class event_loop;
struct exception_context;
class handle;
class future_ref;
class task_ref;

namespace detail {

class loop_state;
class future_state_base;
class task_core;

// What a ready-queue entry or a done callback runs: fn(target, arg).
using scheduled_fn = void (*)(box_base *target, box_base *arg);
// A ready-queue entry: target and arg (either may be null) each hold one reference, which whoever pops the
// entry releases. Plain pointers, so that queueing and running a task step copies three words.
struct scheduled {
    scheduled_fn fn;
    box_base *target;
    box_base *arg;
    void release() const noexcept {
        if (target) target->release();
        if (arg) arg->release();
    }
};

// A FIFO ring buffer: the ready queue. Grows by doubling, never shrinks.
class ready_queue {
public:
    ready_queue() : buf_(new scheduled[64]), mask_(63) {}
    ready_queue(const ready_queue &) = delete;
    ready_queue &operator=(const ready_queue &) = delete;
    ~ready_queue() { clear(); }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    // Takes over the references the entry holds (also when it throws: then they are released).
    void push(scheduled s) {
        if (size_ > mask_) [[unlikely]] {
            try {
                grow();
            } catch (...) {
                s.release();
                throw;
            }
        }
        buf_[(head_ + size_) & mask_] = s;
        ++size_;
    }
    scheduled pop() noexcept {
        scheduled s = buf_[head_];
        head_ = (head_ + 1) & mask_;
        --size_;
        return s;
    }
    void clear() noexcept {
        while (size_) pop().release();
    }

private:
    void grow() {
        const std::size_t capacity = (mask_ + 1) * 2;
        std::unique_ptr<scheduled[]> b(new scheduled[capacity]);
        for (std::size_t i = 0; i < size_; ++i) b[i] = buf_[(head_ + i) & mask_];
        buf_ = std::move(b);
        mask_ = capacity - 1;
        head_ = 0;
    }
    std::unique_ptr<scheduled[]> buf_;
    std::size_t mask_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

// A handle's description as the library's own callbacks give it: a string literal, kept as a pointer (a
// timeout's timer is made and cancelled on every `async with timeout()`: no allocation for its name).
struct static_text {
    const char *text;
};

// Python's Handle / TimerHandle: a callback with its arguments bound, cancellable until it runs.
class handle_state final : public box_base {
public:
    handle_state(loop_state *loop, std::function<void()> fn, std::string description)
        : loop(loop), fn(std::move(fn)), description(std::move(description)) {}
    // fn refers to `held` by a plain pointer (which keeps fn in std::function's inline buffer); both are
    // dropped together.
    handle_state(loop_state *loop, std::function<void()> fn, static_text description, ref<box_base> held)
        : loop(loop), fn(std::move(fn)), held(std::move(held)), literal(description.text) {}
    [[nodiscard]] std::string describe() const { return literal ? std::string(literal) : description; }
    const std::type_info &type() const noexcept override { return typeid(handle_state); }
    std::string type_name() const override { return timer ? "TimerHandle" : "Handle"; }
    std::string repr() const override {
        std::string s = "<";
        s += timer ? "TimerHandle" : "Handle";
        if (cancelled) s += " cancelled";
        if (timer) s += " when=" + twoway::repr(when);
        return s + " " + describe() + ">";
    }
    void *value() noexcept override { return this; }
    void cancel() noexcept;

    loop_state *loop;
    std::function<void()> fn;
    ref<box_base> held;
    std::string description;
    const char *literal = nullptr;
    double when = 0;
    std::uint64_t sequence = 0; // ties between equal deadlines run in scheduling order
    bool cancelled = false;
    bool timer = false;
    bool scheduled_timer = false; // still in the loop's timer heap
};

// What the exception handler receives (Python's context dict); keys() lists the present keys, sorted.
struct exception_context_data {
    std::optional<std::string> message;
    std::exception_ptr exception;
    ref<handle_state> handle;
    ref<future_state_base> future;
    ref<future_state_base> task; // a task
    object asyncgen;
    std::shared_ptr<const exception_context_data> context;
};

enum class future_status : unsigned char { pending, cancelled, finished };

struct done_callback {
    scheduled_fn fn;
    ref<box_base> target;
};

// A future's done callbacks: one pointer while there are none (most futures until awaited, every task
// nobody awaits), a pooled vector once there are.
class done_callback_list {
public:
    using vector_type = std::vector<done_callback, small_object_allocator<done_callback>>;

    done_callback_list() noexcept = default;
    done_callback_list(done_callback_list &&o) noexcept : v_(std::exchange(o.v_, nullptr)) {}
    done_callback_list &operator=(done_callback_list &&o) noexcept {
        std::swap(v_, o.v_);
        return *this;
    }
    ~done_callback_list() { reset(); }

    [[nodiscard]] bool empty() const noexcept { return !v_ || v_->empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return v_ ? v_->size() : 0; }
    void push_back(done_callback c) {
        if (!v_) v_ = new (allocate_small(sizeof(vector_type))) vector_type();
        v_->push_back(std::move(c));
    }
    done_callback *begin() noexcept { return v_ ? v_->data() : nullptr; }
    done_callback *end() noexcept { return v_ ? v_->data() + v_->size() : nullptr; }
    template <class P>
    std::size_t erase_if(P pred) {
        return v_ ? std::erase_if(*v_, pred) : 0;
    }
    void clear() noexcept { reset(); }

private:
    void reset() noexcept {
        if (v_) {
            v_->~vector_type();
            deallocate_small(v_, sizeof(vector_type));
            v_ = nullptr;
        }
    }
    vector_type *v_ = nullptr;
};

// asyncio.Future without its result type.
class future_state_base : public box_base {
public:
    explicit future_state_base(ref<loop_state> loop) noexcept;
    const std::type_info &type() const noexcept override { return typeid(future_state_base); }
    std::string type_name() const override { return class_name(); }
    std::string repr() const override;
    void *value() noexcept override { return this; }
    [[nodiscard]] virtual const char *class_name() const noexcept { return "Future"; }
    // The task this future is (null for a plain future): a field, not a virtual call, on the step's hot path.
    [[nodiscard]] task_core *as_task() const noexcept { return task_; }
    [[nodiscard]] bool is_task() const noexcept { return task_ != nullptr; }
    virtual std::string result_repr() const { return "None"; }

    [[nodiscard]] bool done() const noexcept { return status != future_status::pending; }
    [[nodiscard]] bool cancelled() const noexcept { return status == future_status::cancelled; }

    // Python: fut.cancel(msg). Virtual: a task forwards the cancellation to what it waits on.
    virtual bool cancel(std::optional<std::string> msg);
    bool cancel_future(std::optional<std::string> msg); // Future.cancel itself, for tasks too
    void set_exception_ptr(std::exception_ptr e);        // after the checks; 3.13's StopIteration rule
    // The exception result() would raise, or null when it would return (clears the never-retrieved flag).
    std::exception_ptr result_exception();
    std::exception_ptr exception_or_null(); // Python: fut.exception()
    std::exception_ptr make_cancelled_error();
    void add_callback(scheduled_fn fn, ref<box_base> target);
    // The library's remove_done_callback: every registration of fn with this target; how many.
    std::size_t remove_callback(scheduled_fn fn, const box_base *target) noexcept {
        return callbacks.erase_if([&](const done_callback &c) { return c.fn == fn && c.target.get() == target; });
    }
    void schedule_callbacks();

    // The one-byte fields first: they share the word of box_base's count and kind.
    future_status status = future_status::pending;
    bool blocking = false;      // Python's _asyncio_future_blocking: set by the await iterator
    bool log_traceback = false; // an exception nobody retrieved yet
    ref<loop_state> loop;
    std::exception_ptr exception;
    done_callback_list callbacks;

    // The cancel message, and the CancelledError that ended a task (handed out once, J14): kept apart,
    // allocated by the first cancellation, so that a future that is never cancelled does not carry them.
    [[nodiscard]] const std::optional<std::string> &cancel_message() const noexcept {
        static const std::optional<std::string> no_message;
        return cancellation_ ? cancellation_->message : no_message;
    }
    void set_cancel_message(std::optional<std::string> m) {
        if (!m && !cancellation_) return;
        cancellation().message = std::move(m);
    }
    void save_cancelled_exc(std::exception_ptr e) { cancellation().saved = std::move(e); }
    // A task's explicit name (null: "Task-N"), in the same rarely allocated record.
    [[nodiscard]] const std::string *explicit_name() const noexcept {
        return cancellation_ && cancellation_->name ? &*cancellation_->name : nullptr;
    }
    void set_explicit_name(std::string n) { cancellation().name = std::move(n); }

    // A task's typed operations (task_state<T> overrides them; a plain future has none).
    virtual outcome task_resume(std::exception_ptr) { std::terminate(); }
    virtual void task_set_returned() { std::terminate(); }
    [[nodiscard]] virtual std::string task_coro_repr() const { return {}; }
    [[nodiscard]] virtual object task_result_object() { return {}; }
    [[nodiscard]] std::exception_ptr take_cancelled_exc() noexcept {
        return cancellation_ ? std::exchange(cancellation_->saved, nullptr) : nullptr;
    }
    task_core *task_ = nullptr; // set by a task_state: the task this future is

protected:
    void destroy() noexcept override;
    void report_never_retrieved() noexcept;

private:
    struct cancellation_record {
        std::optional<std::string> message;
        std::exception_ptr saved;
        std::optional<std::string> name;
    };
    cancellation_record &cancellation() {
        if (!cancellation_) cancellation_ = std::make_unique<cancellation_record>();
        return *cancellation_;
    }
    std::unique_ptr<cancellation_record> cancellation_;

public:
};

// The eager task factory, or the default (lazy) one.
enum class task_factory_kind : unsigned char { lazy, eager };

// What owns Asio I/O objects on the loop's io_context (a transport's socket, a server's acceptors): closed
// when the loop closes, so that none outlives the loop or completes into it afterwards. Python's close()
// leaves transports to the collector, which closes their sockets; there is none here.
struct io_resource {
    virtual void release_io() noexcept = 0;

protected:
    ~io_resource() = default;
};

class loop_state final : public box_base {
public:
    loop_state(asio::io_context *external, bool virtual_clock)
        : owned_io_(external ? nullptr : std::make_unique<asio::io_context>(1)), io(external ? external : owned_io_.get()),
          wake_timer(*io), virtual_clock(virtual_clock), thread_token(std::make_shared<std::atomic<loop_state *>>(this)) {}
    ~loop_state() override;
    const std::type_info &type() const noexcept override { return typeid(loop_state); }
    std::string type_name() const override { return "_UnixSelectorEventLoop"; }
    std::string repr() const override {
        return std::string("<_UnixSelectorEventLoop running=") + (running ? "True" : "False") +
               " closed=" + (closed ? "True" : "False") + " debug=False>";
    }
    void *value() noexcept override { return this; }

    // ---- time ----
    [[nodiscard]] double time() const noexcept {
        if (virtual_clock) return virtual_now;
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    }

    // ---- scheduling ----
    void check_closed() const {
        if (closed) throw runtime_error("Event loop is closed");
    }
    // Python's _check_thread, in every build: a loop is driven by one thread at a time.
    void check_thread() const {
        if (running && owner != std::this_thread::get_id())
            throw runtime_error("Non-thread-safe operation invoked on an event loop other than the current one");
    }
    void push_ready(scheduled_fn fn, ref<box_base> target, ref<box_base> arg = {}) {
        ready.push({fn, target.release(), arg.release()});
        if (hosted && !drive_posted) [[unlikely]] post_drive();
    }
    // The same, with target's reference taken here (the hot path of a task step).
    void push_ready_adding_ref(scheduled_fn fn, box_base *target) {
        target->add_ref();
        ready.push({fn, target, nullptr});
        if (hosted && !drive_posted) [[unlikely]] post_drive();
    }
    ref<handle_state> call_soon(std::function<void()> fn, std::string description);
    ref<handle_state> call_at(double when, std::function<void()> fn, std::string description);
    // The library's own timers and callbacks: fn refers to `held` by a plain pointer.
    ref<handle_state> call_at(double when, std::function<void()> fn, static_text description, ref<box_base> held);
    ref<handle_state> call_soon(std::function<void()> fn, static_text description, ref<box_base> held);
    void schedule_timer(const ref<handle_state> &h, double when);
    void call_soon_threadsafe(std::function<void()> fn, std::string description);

    // ---- running ----
    void run_forever();
    void run_once();
    void run_due_and_ready(); // the part of an iteration after the look at I/O (run_once and drive)
    template <class F>
    void arm_wake_timer(double delay, F on_wake) { // on_wake(error_code) when the delay has passed
        wake_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(delay)));
        wake_timer.async_wait(std::move(on_wake));
    }
    ref<handle_state> pop_timer() noexcept;            // the heap's head, no longer scheduled
    void drop_cancelled_timers_at_head() noexcept;
    void stop() noexcept {
        stopping = true;
        if (hosted && !drive_posted) post_drive(); // the next iteration ends the hosting
    }

    // ---- hosted: the program's own io_context::run() drives the loop (run_in_io_context) ----
    void start_hosted();
    void post_drive() noexcept;
    void drive();
    bool hosted = false;
    bool drive_posted = false;
    bool wake_armed = false;  // wake_timer waits for wake_deadline (run_once's sleep until the first timer)
    double wake_deadline = 0;
    void close();

    // ---- errors ----
    void call_exception_handler(const exception_context_data &ctx) noexcept;
    // Python's loop.default_exception_handler: logs the context; what fails while doing it propagates.
    void default_exception_handler(const exception_context_data &ctx);

    // ---- tasks ----
    void register_task(task_core *t);
    void unregister_task(task_core *t) noexcept;

    std::unique_ptr<asio::io_context> owned_io_;
    asio::io_context *io;
    asio::steady_timer wake_timer;
    ready_queue ready;
    std::vector<ref<handle_state>> timers; // a heap by (when, sequence)
    std::uint64_t timer_sequence = 0;
    std::size_t cancelled_timers = 0;
    bool virtual_clock;
    double virtual_now = 0;
    bool running = false;
    bool stopping = false;
    std::atomic<bool> closed{false}; // read by call_soon_threadsafe from other threads
    std::thread::id owner;
    std::uint32_t iterations_since_poll = 0;
    std::function<void(event_loop &, const exception_context &)> exception_handler; // empty: the default handler
    task_factory_kind task_factory = task_factory_kind::lazy;
    // What callbacks posted from other threads refer to the loop by: its count is atomic (a loop's is not),
    // and it is null once the loop is gone (an io_context of the program's can outlive it).
    std::shared_ptr<std::atomic<loop_state *>> thread_token;
    task_core *current_task = nullptr;
    // A SystemExit or KeyboardInterrupt raised by a callback or a task step: it stops the loop at once,
    // leaving the rest of the pass in the ready queue (Python lets it propagate out of _run_once).
    std::exception_ptr base_error;
    // The pending tasks in creation order, each holding a reference (all_tasks); finished ones leave holes
    // (null) until a compaction.
    std::vector<task_core *> tasks;
    std::size_t dead_tasks = 0;
    std::size_t task_count = 0;

    // ---- async generators (L11) ----
    // The generators whose first iteration ran under this loop, in that order; weak: a generator leaves
    // when it is destroyed or finalized.
    struct asyncgen_set final : twoway::detail::asyncgen_registry {
        std::vector<twoway::detail::async_generator_core *> live;
        void add(twoway::detail::async_generator_core *g) {
            if (g->registry == this) return;
            if (g->registry) g->registry->forget(g);
            live.push_back(g);
            g->registry = this;
        }
        void forget(twoway::detail::async_generator_core *g) noexcept override {
            if (g->registry != this) return;
            g->registry = nullptr;
            std::erase(live, g);
        }
        ~asyncgen_set() {
            for (auto *g : live) g->registry = nullptr;
        }
    } asyncgens;
    bool asyncgens_shutdown_called = false;

    // ---- I/O objects (sockets, acceptors) ----
    std::vector<io_resource *> io_resources;
    void add_io_resource(io_resource *r) { io_resources.push_back(r); }
    void remove_io_resource(io_resource *r) noexcept { std::erase(io_resources, r); }
    // How the finalizer hook closes a generator: a task awaiting its aclose() (set by event_loop, which
    // knows tasks; the loop state does not).
    static inline void (*aclose_in_task)(loop_state &, async_generator_ref) = nullptr;
    // run_forever's hooks (_asyncgen_firstiter_hook, _asyncgen_finalizer_hook); each holds the loop.
    std::shared_ptr<const asyncgen_hook> asyncgen_firstiter_hook();
    std::shared_ptr<const asyncgen_hook> asyncgen_finalizer_hook();
};

// The loop running on this thread (Python's _get_running_loop).
inline loop_state *&running_loop() noexcept {
    thread_local loop_state *l = nullptr;
    return l;
}
inline loop_state &require_running_loop() {
    loop_state *l = running_loop();
    if (!l) throw runtime_error("no running event loop");
    return *l;
}

inline std::uint64_t next_task_number() noexcept {
    static std::uint64_t counter = 0; // Python's process-wide _task_name_counter
    return ++counter;
}

// ---- handle ----------------------------------------------------------------------------------------------

inline void handle_state::cancel() noexcept {
    if (cancelled) return;
    cancelled = true;
    fn = nullptr; // Python drops the callback and its arguments at once
    held = nullptr;
    if (timer && scheduled_timer && loop) ++loop->cancelled_timers;
}

// SystemExit and KeyboardInterrupt: what asyncio lets out of the loop instead of reporting it.
inline bool is_base_error(const std::exception_ptr &e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const system_exit &) {
        return true;
    } catch (const keyboard_interrupt &) {
        return true;
    } catch (...) {
        return false;
    }
}

inline void run_handle_entry(box_base *target, box_base *) noexcept {
    auto *h = static_cast<handle_state *>(target);
    if (h->cancelled) return;
    try {
        h->fn();
    } catch (const system_exit &) { // Handle._run re-raises them
        h->loop->base_error = std::current_exception();
    } catch (const keyboard_interrupt &) {
        h->loop->base_error = std::current_exception();
    } catch (...) {
        exception_context_data ctx;
        ctx.message = "Exception in callback " + h->describe();
        ctx.exception = std::current_exception();
        ctx.handle = ref<handle_state>(h);
        h->loop->call_exception_handler(ctx);
    }
}

inline ref<handle_state> loop_state::call_soon(std::function<void()> fn, std::string description) {
    ref<handle_state> h(new handle_state(this, std::move(fn), std::move(description)));
    push_ready(&run_handle_entry, ref<box_base>(h.get()));
    return h;
}

inline bool timer_later(const ref<handle_state> &a, const ref<handle_state> &b) noexcept {
    return a->when > b->when || (a->when == b->when && a->sequence > b->sequence);
}

inline ref<handle_state> loop_state::call_soon(std::function<void()> fn, static_text description, ref<box_base> held) {
    ref<handle_state> h(new handle_state(this, std::move(fn), description, std::move(held)));
    push_ready(&run_handle_entry, ref<box_base>(h.get()));
    return h;
}

inline ref<handle_state> loop_state::call_at(double when, std::function<void()> fn, std::string description) {
    ref<handle_state> h(new handle_state(this, std::move(fn), std::move(description)));
    schedule_timer(h, when);
    return h;
}

inline ref<handle_state> loop_state::call_at(double when, std::function<void()> fn, static_text description,
                                             ref<box_base> held) {
    ref<handle_state> h(new handle_state(this, std::move(fn), description, std::move(held)));
    schedule_timer(h, when);
    return h;
}

inline void loop_state::schedule_timer(const ref<handle_state> &h, double when) {
    h->timer = true;
    h->scheduled_timer = true;
    h->when = when;
    h->sequence = timer_sequence++;
    timers.push_back(h);
    std::push_heap(timers.begin(), timers.end(), timer_later);
    if (hosted && !drive_posted) post_drive(); // the wake-up may have to come earlier
}

inline void loop_state::call_soon_threadsafe(std::function<void()> fn, std::string description) {
    // Through Asio's queue, which is thread-safe and wakes a waiting loop; the callback then joins the
    // ready queue on the loop's thread.
    asio::post(*io, [token = thread_token, fn = std::move(fn), description = std::move(description)]() mutable {
        loop_state *self = token->load();
        if (self && !self->closed) self->call_soon(std::move(fn), std::move(description));
    });
}

// ---- the loop ----------------------------------------------------------------------------------------------

// One iteration (BaseEventLoop._run_once): wait for I/O only when nothing is ready, move due timers to the
// ready queue, then run exactly what is ready now.
inline ref<handle_state> loop_state::pop_timer() noexcept {
    std::pop_heap(timers.begin(), timers.end(), timer_later);
    ref<handle_state> h = std::move(timers.back());
    timers.pop_back();
    h->scheduled_timer = false;
    return h;
}

inline void loop_state::drop_cancelled_timers_at_head() noexcept {
    while (!timers.empty() && timers.front()->cancelled) {
        (void)pop_timer();
        if (cancelled_timers) --cancelled_timers;
    }
}

inline void loop_state::run_once() {
    if (timers.size() > 100 && cancelled_timers * 2 > timers.size()) {
        // Mostly cancelled (long timeouts that were cancelled): rebuild the heap without them, as Python does.
        std::erase_if(timers, [](const ref<handle_state> &h) {
            if (h->cancelled) h->scheduled_timer = false;
            return h->cancelled;
        });
        std::make_heap(timers.begin(), timers.end(), timer_later);
        cancelled_timers = 0;
    } else {
        drop_cancelled_timers_at_head();
    }
    if (ready.empty() && !stopping) {
        if (io->stopped()) io->restart();
        if (timers.empty()) {
            io->run_one(); // blocks until I/O or a wake-up (the loop holds work while running)
        } else if (virtual_clock) {
            io->poll();
            if (ready.empty()) virtual_now = std::max(virtual_now, timers.front()->when); // jump to the deadline
        } else {
            const double deadline = timers.front()->when;
            const double delay = deadline - time();
            if (delay > 0) {
                // One wait per deadline, left armed across iterations: re-arming (or cancelling) at each one
                // would queue an aborted wait for the next run_one() to return on at once, and the loop
                // would spin instead of sleeping.
                if (!wake_armed || wake_deadline != deadline) {
                    wake_armed = true;
                    wake_deadline = deadline;
                    arm_wake_timer(delay, [this](const std::error_code &ec) {
                        if (!ec) wake_armed = false;
                    });
                }
                io->run_one();
            } else {
                io->poll();
            }
        }
        iterations_since_poll = 0;
    } else if (++iterations_since_poll >= 256) { // fairness for I/O while work is ready, without a syscall per step
        iterations_since_poll = 0;
        if (io->stopped()) io->restart();
        io->poll();
    }
    run_due_and_ready();
}

inline void loop_state::run_due_and_ready() {
    // Due timers go to the back of the ready queue, in deadline order (the clock is read only when there
    // are timers: with tasks ready it is a vDSO call per iteration for nothing).
    const double end_time = timers.empty() ? 0.0 : time() + 1e-9;
    for (;;) {
        drop_cancelled_timers_at_head();
        if (timers.empty() || timers.front()->when >= end_time) break;
        push_ready(&run_handle_entry, ref<box_base>(pop_timer().get()));
    }
    // Exactly what is ready now; what these schedule waits for the next iteration.
    for (std::size_t n = ready.size(); n > 0; --n) {
        const scheduled s = ready.pop();
        s.fn(s.target, s.arg); // noexcept: every entry function handles its own errors
        s.release();
        if (base_error) [[unlikely]]
            std::rethrow_exception(std::exchange(base_error, nullptr));
    }
}

inline void loop_state::run_forever() {
    check_closed();
    if (running) throw runtime_error("This event loop is already running");
    if (running_loop()) throw runtime_error("Cannot run the event loop while another loop is running");
    auto work = asio::make_work_guard(*io);
    ref<loop_state> keep(this);
    // The thread's async generator hooks are the loop's while it runs (_run_forever_setup).
    twoway::detail::asyncgen_thread_hooks &hooks = twoway::detail::asyncgen_thread_hooks::current();
    twoway::detail::asyncgen_thread_hooks saved = hooks;
    hooks.firstiter = asyncgen_firstiter_hook();
    hooks.finalizer = asyncgen_finalizer_hook();
    running = true;
    owner = std::this_thread::get_id();
    running_loop() = this;
    struct reset {
        loop_state *l;
        twoway::detail::asyncgen_thread_hooks &hooks;
        twoway::detail::asyncgen_thread_hooks saved;
        ~reset() {
            l->stopping = false;
            l->running = false;
            l->owner = {};
            running_loop() = nullptr;
            hooks = std::move(saved);
        }
    } r{this, hooks, std::move(saved)};
    for (;;) {
        run_once();
        if (stopping) break;
    }
}

// Hosted: the loop is a guest of an io_context that the program runs itself. Each iteration is an Asio
// handler: it runs what is ready and the due timers (never waiting: the host does that), then posts the
// next one while work is ready, or arms the wake-up timer for the first deadline; a task made ready by an
// Asio completion, a timer scheduled or stop() posts one too.
inline void loop_state::start_hosted() {
    check_closed();
    if (running) throw runtime_error("This event loop is already running");
    if (virtual_clock) throw runtime_error("a loop on the virtual clock cannot be hosted by an io_context");
    running = true;
    hosted = true;
    stopping = false;
    wake_armed = false;
    post_drive();
}

inline void loop_state::post_drive() noexcept {
    drive_posted = true;
    wake_timer.cancel();
    asio::post(*io, [keep = ref<loop_state>(this)] { keep->drive(); });
}

inline void loop_state::drive() {
    drive_posted = false;
    if (!hosted || closed) return;
    loop_state *previous = running_loop();
    if (previous && previous != this) throw runtime_error("Cannot run the event loop while another loop is running");
    twoway::detail::asyncgen_thread_hooks &hooks = twoway::detail::asyncgen_thread_hooks::current();
    twoway::detail::asyncgen_thread_hooks saved = hooks;
    hooks.firstiter = asyncgen_firstiter_hook();
    hooks.finalizer = asyncgen_finalizer_hook();
    owner = std::this_thread::get_id();
    running_loop() = this;
    struct reset {
        loop_state *l;
        loop_state *previous;
        twoway::detail::asyncgen_thread_hooks &hooks;
        twoway::detail::asyncgen_thread_hooks saved;
        ~reset() {
            running_loop() = previous;
            hooks = std::move(saved);
        }
    } r{this, previous, hooks, std::move(saved)};
    drive_posted = true; // what this iteration schedules waits for the next one (posted below)
    try {
        run_due_and_ready();
    } catch (...) {
        drive_posted = false;
        throw;
    }
    drive_posted = false;
    if (stopping) { // stop(): the hosting ends; the loop can be run again, or closed
        stopping = false;
        hosted = false;
        running = false;
        owner = {};
        return;
    }
    if (!ready.empty()) {
        post_drive();
    } else if (!timers.empty()) {
        drop_cancelled_timers_at_head();
        if (timers.empty()) return;
        arm_wake_timer(std::max(0.0, timers.front()->when - time()), [keep = ref<loop_state>(this)](const std::error_code &ec) {
            if (!ec && !keep->drive_posted) keep->drive();
        });
    }
}

inline std::shared_ptr<const asyncgen_hook> loop_state::asyncgen_firstiter_hook() {
    return std::make_shared<const asyncgen_hook>([l = ref<loop_state>(this)](async_generator_ref g) {
        if (l->asyncgens_shutdown_called)
            warn({"ResourceWarning",
                  "asynchronous generator " + g.repr() + " was scheduled after loop.shutdown_asyncgens() call", l.get()});
        l->asyncgens.add(twoway::detail::async_generator_access::core(g));
    });
}

inline std::shared_ptr<const asyncgen_hook> loop_state::asyncgen_finalizer_hook() {
    return std::make_shared<const asyncgen_hook>([l = ref<loop_state>(this)](async_generator_ref g) {
        l->asyncgens.forget(twoway::detail::async_generator_access::core(g));
        if (l->closed || !aclose_in_task) return;
        std::function<void()> close_it = [l, g = std::move(g)] { aclose_in_task(*l, g); };
        // call_soon_threadsafe: from the loop's own thread that is a call_soon (the next iteration); from
        // another thread it goes through Asio's queue.
        if (l->running && l->owner == std::this_thread::get_id())
            (void)l->call_soon(std::move(close_it), "BaseEventLoop.create_task");
        else
            l->call_soon_threadsafe(std::move(close_it), "BaseEventLoop.create_task");
    });
}

inline void loop_state::close() {
    if (running) throw runtime_error("Cannot close a running event loop");
    if (closed) return;
    closed = true;
    ready.clear();
    for (auto &t : timers) {
        t->scheduled_timer = false;
        t->fn = nullptr; // it can no longer run; what it holds (often what holds the handle) is released
        t->held = nullptr;
    }
    timers.clear();
    // Pending tasks are no longer kept alive by the loop: whichever nobody else holds is destroyed now,
    // which reports "Task was destroyed but it is pending!" (CPython reports it when the task is collected).
    for (std::size_t i = 0; i < tasks.size(); ++i)
        if (task_core *t = tasks[i]) unregister_task(t);
    tasks.clear();
    dead_tasks = 0;
    // Sockets and acceptors close; their aborted operations complete in the poll below, into nothing.
    for (io_resource *r : std::exchange(io_resources, {})) r->release_io();
    if (io->stopped()) io->restart();
    wake_timer.cancel();
    wake_armed = false;
    io->poll();
}

inline loop_state::~loop_state() {
    thread_token->store(nullptr);
    ready.clear();
    for (auto &t : timers) t->scheduled_timer = false; // a handle kept by the program must not reach the loop
    timers.clear();
}

// ---- exception handler -----------------------------------------------------------------------------------

// The keys of Python's context dict, in sorted() order.
inline std::vector<std::string> context_keys(const exception_context_data &c) {
    std::vector<std::string> k;
    if (c.asyncgen) k.push_back("asyncgen");
    if (c.context) k.push_back("context");
    if (c.exception) k.push_back("exception");
    if (c.future) k.push_back("future");
    if (c.handle) k.push_back("handle");
    if (c.message) k.push_back("message");
    if (c.task) k.push_back("task");
    return k;
}

struct log_record {
    int level;            // logging.ERROR = 40
    std::string logger;   // "asyncio"
    std::string message;  // the lines the default handler logs
    std::exception_ptr exc_info;
};
using log_hook = std::function<void(const log_record &)>;

// logger.error(text, exc_info=e) on the "asyncio" logger: to the log hook, or else to stderr with the
// exception's line (Python's last-resort handler prints the traceback after the message).
inline void log_error(std::string text, std::exception_ptr exc) {
    if (const log_hook h = hook_slot<log_hook>::global().get()) {
        h({40, "asyncio", std::move(text), std::move(exc)});
        return;
    }
    if (exc) text += "\n" + format_exception(exc);
    std::fprintf(stderr, "%s\n", text.c_str());
}

// repr(context) for the "context" key: a dict of the present keys (in sorted order: the insertion order
// of Python's dict depends on who made it).
inline std::string context_repr(const exception_context_data &c) {
    std::string s = "{";
    auto item = [&s](const char *key, const std::string &value) {
        if (s.size() > 1) s += ", ";
        s += std::string("'") + key + "': " + value;
    };
    if (c.asyncgen) item("asyncgen", c.asyncgen.repr());
    if (c.context) item("context", context_repr(*c.context));
    if (c.exception) item("exception", exception_repr(c.exception));
    if (c.future) item("future", c.future->repr());
    if (c.handle) item("handle", c.handle->repr());
    if (c.message) item("message", repr_str(*c.message));
    if (c.task) item("task", c.task->repr());
    return s + "}";
}

inline void loop_state::default_exception_handler(const exception_context_data &c) {
    // Python: `if not message`: an empty message gets the default text too.
    std::string text = c.message && !c.message->empty() ? *c.message : "Unhandled exception in event loop";
    if (c.asyncgen) text += "\nasyncgen: " + c.asyncgen.repr();
    if (c.context) text += "\ncontext: " + context_repr(*c.context);
    if (c.future) text += "\nfuture: " + c.future->repr();
    if (c.handle) text += "\nhandle: " + c.handle->repr();
    if (c.task) text += "\ntask: " + c.task->repr();
    log_error(std::move(text), c.exception);
}

} // namespace detail
} // namespace twoway
