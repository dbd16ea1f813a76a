// twoway/detail/async_generator.hpp — the machinery behind async_generator<Y, S>: its reference-counted
// core, its promise, the protocol of its asend/athrow/aclose awaitables (CPython 3.13's
// async_gen_asend_send / async_gen_athrow_send), the per-thread hooks and finalization.
//
// Two channels on one chain (docs/design.md): awaiting an asend links the generator under its consumer,
// as `co_await coroutine` does, so the generator's awaits reach the task's driver in O(1); its co_yield
// ends that delegation without finishing the generator (node::yield_out), so its values go one level up.
// Nothing is wrapped: the two channels never meet.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "twoway/detail/coroutine.hpp"
#include "twoway/detail/frame_allocator.hpp"
#include "twoway/detail/generator.hpp"
#include "twoway/detail/node.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/none.hpp"
#include "twoway/object.hpp"
#include "twoway/stop_iteration.hpp"
#include "twoway/subiterator.hpp"
#include "twoway/unraisable.hpp"
#include "twoway/warnings.hpp"

namespace twoway {

template <class Y, class S = void>
class async_generator;
class async_generator_ref;

// inspect.getasyncgenstate()
enum class async_generator_state : unsigned char { created, running, suspended, closed };

constexpr const char *to_string(async_generator_state s) noexcept {
    switch (s) {
    case async_generator_state::created: return "AGEN_CREATED";
    case async_generator_state::running: return "AGEN_RUNNING";
    case async_generator_state::suspended: return "AGEN_SUSPENDED";
    case async_generator_state::closed: return "AGEN_CLOSED";
    }
    return "?";
}

// sys.set_asyncgen_hooks' functions: an empty one is Python's None.
using asyncgen_hook = std::function<void(async_generator_ref)>;

namespace messages {
inline constexpr const char *agen_just_started = "can't send non-None value to a just-started async generator";
inline constexpr const char *agen_already_executing = "async generator already executing";
inline constexpr const char *agen_ignored_exit = "async generator ignored GeneratorExit";
inline constexpr const char *agen_raised_stop_async_iteration = "async generator raised StopAsyncIteration";
inline constexpr const char *agen_raised_stop_iteration = "async generator raised StopIteration";
inline constexpr const char *asend_reused = "cannot reuse already awaited __anext__()/asend()";
inline constexpr const char *athrow_reused = "cannot reuse already awaited aclose()/athrow()";
inline constexpr const char *anext_running = "anext(): asynchronous generator is already running";
inline constexpr const char *athrow_running = "athrow(): asynchronous generator is already running";
inline constexpr const char *aclose_running = "aclose(): asynchronous generator is already running";
inline constexpr const char *empty_async_generator = "async generator object is empty (moved-from or default-constructed)";
} // namespace messages

namespace detail {

// This thread's hooks (sys.set_asyncgen_hooks is per thread). Shared pointers: a generator captures the
// finalizer with one reference count, and a later change does not affect it (A20).
struct asyncgen_thread_hooks {
    std::shared_ptr<const asyncgen_hook> firstiter, finalizer;
    static asyncgen_thread_hooks &current() noexcept {
        thread_local asyncgen_thread_hooks hooks;
        return hooks;
    }
};

struct async_generator_core;

// Where an event loop keeps the async generators it saw start (Python's WeakSet _asyncgens): told when
// one is destroyed, so that it never holds a generator alive.
struct asyncgen_registry {
    virtual void forget(async_generator_core *g) noexcept = 0;

protected:
    ~asyncgen_registry() = default;
};

// The type-erased part of an async generator's promise: what its awaitables, its references and the
// hooks work on without knowing Y and S.
struct async_generator_core : node {
    enum : unsigned char {
        running_async_flag = 1, // ag_running: an awaitable is in progress
        ag_closed_flag = 2,     // aclose() started, or StopAsyncIteration / GeneratorExit came out
        hooks_inited_flag = 4,  // firstiter ran (or there was none) and the finalizer was captured
        finalized_flag = 8,     // the last reference went once already (PEP 442: finalize once)
        aclose_mode_flag = 16,  // the awaitable in progress is an aclose()
    };

    unsigned char flags = 0;
    std::uint32_t refs = 1;    // the async_generator object, the awaitables, async_generator_refs
    void *value = nullptr;     // the Y of the last co_yield, alive in the frame until it is resumed
    const char *qualname;      // __qualname__
    std::shared_ptr<const asyncgen_hook> finalizer; // captured at the first method call
    asyncgen_registry *registry = nullptr;           // the loop that registered it, if any

    async_generator_core(std::coroutine_handle<> h, const generator_info &i, const char *name) noexcept
        : node(h, i), qualname(name) {}

    [[nodiscard]] bool running_async() const noexcept { return flags & running_async_flag; }
    [[nodiscard]] bool ag_closed() const noexcept { return flags & ag_closed_flag; }
    void set(unsigned char f) noexcept { flags = static_cast<unsigned char>(flags | f); }
    void clear(unsigned char f) noexcept { flags = static_cast<unsigned char>(flags & ~f); }

    [[nodiscard]] async_generator_state agen_state() const noexcept {
        if (running_async() || chain_running()) return async_generator_state::running;
        switch (own()) {
        case own_created: return async_generator_state::created;
        case own_closed: return async_generator_state::closed;
        default: return async_generator_state::suspended;
        }
    }

    void add_ref() noexcept { ++refs; }
    void release() noexcept {
        if (--refs == 0) [[unlikely]]
            finalize();
    }

    // A20: at the first __anext__/asend/athrow/aclose call. The finalizer is captured before firstiter
    // runs; an exception of firstiter propagates from the method call, and it is not called again.
    void init_hooks() {
        if (!(flags & hooks_inited_flag)) [[unlikely]]
            first_call_hooks();
    }
    void first_call_hooks();

    // The last reference went away (A21-A23, _PyGen_Finalize).
    void finalize() noexcept;

    void destroy_frame() noexcept {
        if (registry) registry->forget(this);
        release_slots();
        handle.destroy(); // the promise, and this core with it
    }
};

// What escaped an async generator's frame, as it must be raised: PEP 479 for async generators (A10).
// A GeneratorExit coming out marks the generator closed (ag_closed).
inline std::exception_ptr take_escaped(async_generator_core &g) noexcept {
    std::exception_ptr e = g.error.take();
    try {
        std::rethrow_exception(e);
    } catch (const stop_async_iteration &) {
        try {
            std::throw_with_nested(runtime_error(messages::agen_raised_stop_async_iteration));
        } catch (...) {
            return std::current_exception();
        }
    } catch (const stop_iteration<> &) {
        try {
            std::throw_with_nested(runtime_error(messages::agen_raised_stop_iteration));
        } catch (...) {
            return std::current_exception();
        }
    } catch (const generator_exit &) {
        g.set(async_generator_core::ag_closed_flag);
    } catch (...) {
    }
    return e;
}

[[nodiscard]] inline bool is_stop_async_iteration(const std::exception_ptr &e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const stop_async_iteration &) {
        return true;
    } catch (...) {
        return false;
    }
}

// §3.5 of the design: what closing an async generator that is a member of a chain (its consumer is being
// closed) raises in the consumer. It finished: nothing. It yielded a value: swallowed, except that an
// aclose() in progress says it ignored GeneratorExit. It awaited again: "coroutine ignored
// GeneratorExit", and ag_running stays set for good. Another error: that error.
inline std::exception_ptr async_generator_close_outcome(node &x, const std::exception_ptr &exit) noexcept {
    auto &g = static_cast<async_generator_core &>(x);
    if (!g.closed()) {
        if (g.bits & node::value_bit) {
            g.bits = static_cast<unsigned char>(g.bits & ~node::value_bit);
            g.clear(async_generator_core::running_async_flag);
            if (g.flags & async_generator_core::aclose_mode_flag)
                return std::make_exception_ptr(runtime_error(messages::agen_ignored_exit));
            return nullptr;
        }
        return std::make_exception_ptr(runtime_error(messages::coroutine_ignored_exit));
    }
    g.clear(async_generator_core::running_async_flag);
    if (!g.error) {
        g.set(async_generator_core::ag_closed_flag);
        return nullptr;
    }
    if (exit && g.error == exit) {
        g.error = nullptr;
        g.set(async_generator_core::ag_closed_flag);
        return nullptr;
    }
    std::exception_ptr e = take_escaped(g);
    if (is_generator_exit(e)) return nullptr;
    return e;
}

// ---- the awaitables' protocol ---------------------------------------------------------------------------

enum class awaitable_state : unsigned char { init, iter, closed };
enum class agen_operation_kind : unsigned char { asend, athrow, aclose };

// How one step of an awaitable ended, once CPython's unwrap and the athrow/aclose rules are applied; the
// other endings (errors, StopAsyncIteration) are raised.
enum class agen_step : unsigned char {
    value,    // the generator yielded: the awaitable completes with the value (core::value)
    awaiting, // the generator is suspended in an await: the driver receives what it awaits
    none,     // the awaitable completes with None (athrow/aclose on a finished generator, aclose's end)
    finished, // asend/athrow: the generator returned (StopAsyncIteration)
};

// The state machine of async_generator_asend / async_generator_athrow, shared by the three awaitables
// and by their two ways of being driven: by hand (send/throw/close on the awaitable) and by co_await in
// a coroutine or async generator body.
class agen_operation {
public:
    agen_operation(const agen_operation &) = delete;
    agen_operation &operator=(const agen_operation &) = delete;

    [[nodiscard]] bool empty() const noexcept { return g_ == nullptr; }
    [[nodiscard]] awaitable_state state() const noexcept { return state_; }
    [[nodiscard]] async_generator_core *core() const noexcept { return g_; }

protected:
    agen_operation(async_generator_core *g, agen_operation_kind k, std::exception_ptr e = nullptr) noexcept
        : g_(g), kind_(k), exc_(std::move(e)) {
        g_->add_ref();
    }
    agen_operation(agen_operation &&o) noexcept
        : g_(std::exchange(o.g_, nullptr)), kind_(o.kind_), state_(o.state_), exc_(std::move(o.exc_)) {}
    ~agen_operation() {
        if (!g_) return;
        if (state_ == awaitable_state::init) [[unlikely]]
            warn_never_awaited();
        g_->release();
    }
    TWOWAY_NOINLINE void warn_never_awaited() const noexcept { // A18 [3.13]
        try {
            warn({"RuntimeWarning",
                  std::string("coroutine method '") + method_name() + "' of '" + g_->qualname + "' was never awaited",
                  this});
        } catch (...) { // the text could not be built (out of memory): nothing to report it with
        }
    }

    [[nodiscard]] const char *method_name() const noexcept {
        switch (kind_) {
        case agen_operation_kind::asend: return "asend";
        case agen_operation_kind::athrow: return "athrow";
        case agen_operation_kind::aclose: return "aclose";
        }
        return "?";
    }
    [[nodiscard]] bool throw_kind() const noexcept { return kind_ != agen_operation_kind::asend; }
    [[noreturn]] void raise_reused() const {
        throw runtime_error(throw_kind() ? messages::athrow_reused : messages::asend_reused);
    }
    void check_usable() const {
        if (!g_) throw value_error(messages::empty_async_generator);
        if (state_ == awaitable_state::closed) raise_reused();
    }
    // INIT -> ITER, or refused: another awaitable is in progress (A7); the refused awaitable is closed.
    void start() {
        if (g_->running_async()) {
            state_ = awaitable_state::closed;
            switch (kind_) {
            case agen_operation_kind::asend: throw runtime_error(messages::anext_running);
            case agen_operation_kind::athrow: throw runtime_error(messages::athrow_running);
            case agen_operation_kind::aclose: throw runtime_error(messages::aclose_running);
            }
        }
        state_ = awaitable_state::iter;
        g_->set(async_generator_core::running_async_flag);
        if (kind_ == agen_operation_kind::aclose) g_->set(async_generator_core::aclose_mode_flag);
    }
    void end() noexcept {
        state_ = awaitable_state::closed;
        g_->clear(async_generator_core::running_async_flag | async_generator_core::aclose_mode_flag);
    }
    void check_not_executing() const {
        if (g_->chain_running()) throw value_error(messages::agen_already_executing);
    }

    // ---- the step of an athrow/aclose in INIT that runs no generator code (§2.4); true: it ended ----
    // Shared by both drivers; `step` receives how it ended.
    bool throw_kind_prologue(agen_step &step) {
        async_generator_core &g = *g_;
        if (g.closed()) { // A13, A15: a finished generator completes the awaitable with None, before the running check
            state_ = awaitable_state::closed;
            step = agen_step::none;
            return true;
        }
        start();
        if (g.ag_closed()) { // an earlier aclose() was ignored: the frame is suspended
            end();
            throw stop_async_iteration();
        }
        if (kind_ == agen_operation_kind::aclose) g.set(async_generator_core::ag_closed_flag);
        if (g.own() == node::own_created) { // raised before any code runs; the frame completes
            g.close_unstarted();
            end();
            if (kind_ == agen_operation_kind::aclose) {
                step = agen_step::none;
                return true;
            }
            std::exception_ptr e = exc_;
            if (is_generator_exit(e)) g.set(async_generator_core::ag_closed_flag);
            std::rethrow_exception(e);
        }
        return false;
    }

    // ---- interpreting a resumption (§2.2, §2.4) -----------------------------------------------------
    // After the generator ran as a root (by hand) or under a consumer (g.closed() tells a return from a
    // value there; a root's value yield has value_bit).
    agen_step interpret(bool await_suspended) {
        async_generator_core &g = *g_;
        if (await_suspended) return agen_step::awaiting;
        if (!g.closed()) { // a value
            const bool aclose = kind_ == agen_operation_kind::aclose;
            end();
            if (aclose) throw runtime_error(messages::agen_ignored_exit); // A12
            return agen_step::value;
        }
        const bool aclose = kind_ == agen_operation_kind::aclose;
        end();
        if (!g.error) { // returned: StopAsyncIteration (A4, A14); aclose: None (A11)
            g.set(async_generator_core::ag_closed_flag);
            if (aclose) return agen_step::none;
            return agen_step::finished;
        }
        std::exception_ptr e = take_escaped(g);
        if (aclose && is_generator_exit(e)) return agen_step::none; // A11
        std::rethrow_exception(e);
    }

    // ---- by hand: the awaitable's send / throw / close --------------------------------------------
    // `first` is what the first resumption of an asend sends (its value, or null for None); `later` what
    // every later one sends to the await the generator is suspended in.
    agen_step hand_send(void *first, bool first_is_value, object *later) {
        check_usable();
        async_generator_core &g = *g_;
        if (throw_kind()) {
            if (state_ == awaitable_state::init) {
                if (g.closed()) { // before the running check (§2.4)
                    state_ = awaitable_state::closed;
                    return agen_step::none;
                }
                if (later && !later->is_none()) throw runtime_error(messages::coroutine_just_started); // x8: stays INIT
                agen_step step;
                if (throw_kind_prologue(step)) return step;
                check_not_executing();
                return run_root_raise(kind_ == agen_operation_kind::aclose ? std::make_exception_ptr(generator_exit()) : exc_);
            }
            if (g.closed()) {
                end();
                return agen_step::none;
            }
            check_not_executing();
            g.sent = later && !later->is_none() ? later : nullptr;
            return run_root();
        }
        if (state_ == awaitable_state::init) {
            start();
            check_not_executing();
            if (g.closed()) { // A4
                end();
                g.set(async_generator_core::ag_closed_flag);
                return agen_step::finished;
            }
            if (g.own() == node::own_created) {
                if (first_is_value) { // A3: the generator stays CREATED
                    end();
                    throw type_error(messages::agen_just_started);
                }
                g.start();
                g.sent = nullptr;
                return run_root();
            }
            g.sent = first;
            return run_root();
        }
        if (g.closed()) {
            end();
            g.set(async_generator_core::ag_closed_flag);
            return agen_step::finished;
        }
        check_not_executing();
        g.sent = later && !later->is_none() ? later : nullptr;
        return run_root();
    }

    // throw(exc) on the awaitable (§2.3, §2.4): exc is thrown as given, in aclose mode too (x4).
    agen_step hand_throw(std::exception_ptr e) {
        check_usable();
        async_generator_core &g = *g_;
        if (state_ == awaitable_state::init) start();
        if (g.closed()) { // a finished generator: exc is raised as is (x10)
            end();
            std::rethrow_exception(e);
        }
        check_not_executing();
        if (g.own() == node::own_created) {
            g.close_unstarted();
            end();
            if (is_generator_exit(e) || is_stop_async_iteration(e)) g.set(async_generator_core::ag_closed_flag);
            if (kind_ == agen_operation_kind::aclose && (is_generator_exit(e) || is_stop_async_iteration(e)))
                return agen_step::none;
            std::rethrow_exception(e);
        }
        if ((g.child || g.foreign) && is_generator_exit(e)) { // gen_throw closes an awaited chain first
            g.close_chain(std::move(e));
            return after_root_run();
        }
        return run_root_raise(std::move(e));
    }

    // close() (3.13, A19): GeneratorExit thrown in, even in INIT; None unless the generator goes on.
    void hand_close() {
        if (!g_) throw value_error(messages::empty_async_generator);
        if (state_ == awaitable_state::closed) return;
        agen_step step;
        try {
            step = hand_throw(std::make_exception_ptr(generator_exit()));
        } catch (const stop_iteration<> &) {
            return;
        } catch (const stop_async_iteration &) {
            return;
        } catch (const generator_exit &) {
            return;
        }
        if (step == agen_step::awaiting) throw runtime_error(messages::coroutine_ignored_exit); // stays ITER
    }

    agen_step run_root() {
        g_->run();
        return after_root_run();
    }
    agen_step run_root_raise(std::exception_ptr e) {
        g_->raise_in_leaf(std::move(e));
        return after_root_run();
    }
    agen_step after_root_run() {
        async_generator_core &g = *g_;
        if (!g.closed()) {
            if (g.bits & node::value_bit) {
                g.bits = static_cast<unsigned char>(g.bits & ~node::value_bit);
                return interpret(false);
            }
            return interpret(true);
        }
        return interpret(false);
    }

    // ---- co_await in a consumer ------------------------------------------------------------------------
    // await_ready: the checks that fail, or end, without running the generator. true: the result is
    // ready (`step` says which).
    bool consumer_ready(bool asend_has_value, agen_step &step) {
        // The common case in one test: a fresh asend/anext, the generator an idle root suspended at a
        // yield (bits == 0: not created, closed, running or delegated), no awaitable in progress.
        if (g_ && state_ == awaitable_state::init && kind_ == agen_operation_kind::asend && g_->bits == 0 &&
            !(g_->flags & async_generator_core::running_async_flag)) [[likely]] {
            resumed_from_iter_ = false;
            state_ = awaitable_state::iter;
            g_->set(async_generator_core::running_async_flag);
            return false;
        }
        return consumer_ready_slow(asend_has_value, step);
    }
    TWOWAY_NOINLINE bool consumer_ready_slow(bool asend_has_value, agen_step &step) {
        check_usable();
        async_generator_core &g = *g_;
        resumed_from_iter_ = state_ == awaitable_state::iter;
        if (resumed_from_iter_) { // started by hand: its await chain joins ours and goes on
            if (g.delegated()) throw runtime_error(messages::coroutine_awaited_already);
            check_not_executing();
            return false;
        }
        // A fresh awaitable while another consumer's is in progress (the generator linked under it, in an
        // await): CPython refuses it as "anext(): ... already running" (A7), which start() checks first.
        if (throw_kind()) return throw_kind_prologue(step);
        start();
        if (g.delegated()) {
            end();
            throw runtime_error(messages::coroutine_awaited_already);
        }
        check_not_executing();
        if (g.closed()) {
            end();
            g.set(async_generator_core::ag_closed_flag);
            step = agen_step::finished;
            return true;
        }
        if (g.own() == node::own_created && asend_has_value) { // A3
            end();
            throw type_error(messages::agen_just_started);
        }
        return false;
    }

    // await_suspend: the generator joins the consumer's chain and receives what this operation sends.
    void consumer_suspend(node &self, void *asend_value) noexcept {
        async_generator_core &g = *g_;
        self.link(g);
        if (resumed_from_iter_) return; // the await the generator is suspended in continues with None
        node *r = self.root;
        if (throw_kind()) {
            r->inject = kind_ == agen_operation_kind::aclose ? std::make_exception_ptr(generator_exit()) : exc_;
            r->sent = raise_pending;
        } else {
            r->sent = asend_value;
        }
    }

    // await_resume: how the generator gave control back to the consumer.
    agen_step consumer_resume(node &self) {
        node *r = self.root;
        if (r->sent != raise_pending && !g_->closed() && kind_ != agen_operation_kind::aclose) [[likely]] {
            end(); // a value
            return agen_step::value;
        }
        if (r->sent == raise_pending) { // the consumer is being closed (§3.5): raise what its close raises
            state_ = awaitable_state::closed;
            std::rethrow_exception(r->take_pending_raise());
        }
        return interpret(false);
    }

    // The consumer's frame is destroyed mid-await: the generator leaves its chain (ag_running stays set,
    // as for an awaitable dropped in progress).
    void consumer_gone(node &self) noexcept {
        if (g_ && g_->parent == &self) g_->detach();
    }

    template <class T>
    T take_yielded() {
        return std::move(*static_cast<T *>(g_->value));
    }

    template <class>
    friend class agen_consumer_awaiter;

    async_generator_core *g_;
    agen_operation_kind kind_;
    awaitable_state state_ = awaitable_state::init;
    bool resumed_from_iter_ = false;
    std::exception_ptr exc_; // athrow's exception
};

// What the three awaitables share: Python's send/throw/close on what __await__() returns (the awaitable
// itself), and how a step ends by hand: an await suspension comes out of send; a value raises
// stop_iteration<Y>(value); the end, stop_async_iteration; None, a StopIteration with None. Y = void:
// aclose, which never completes with a value. An awaitable that sends something first (asend) has its own
// send, sent_value() and has_sent_value().
template <class Derived, class Y>
class agen_awaitable : public agen_operation {
public:
    using twoway_awaitable = void;

    Derived &await_iter() noexcept { return static_cast<Derived &>(*this); }
    object next() { return static_cast<Derived &>(*this).send(object()); }
    object send(object v) { return finish_by_hand(hand_send(nullptr, false, &v)); }
    template <class E>
        requires(!std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>)
    object throw_exception(E &&e) {
        return finish_by_hand(hand_throw(std::make_exception_ptr(std::forward<E>(e))));
    }
    template <class E>
    object throw_exception() {
        return throw_exception(E());
    }
    object throw_exception(std::exception_ptr e) {
        if (!e) throw type_error("throw_exception() needs an exception (got an empty exception_ptr)");
        return finish_by_hand(hand_throw(std::move(e)));
    }
    void close() { hand_close(); }

protected:
    using agen_operation::agen_operation;
    template <class>
    friend class agen_consumer_awaiter;

    object finish_by_hand(agen_step step) {
        switch (step) {
        case agen_step::value:
            if constexpr (!std::is_void_v<Y>) throw stop_iteration<Y>(maybe<Y>(take_yielded<Y>()));
            break;
        case agen_step::awaiting: return object(*static_cast<const object *>(core()->yielded));
        case agen_step::finished: throw stop_async_iteration();
        case agen_step::none: break;
        }
        if constexpr (std::is_void_v<Y>)
            throw stop_iteration<>();
        else
            throw stop_iteration<Y>();
    }
    static constexpr bool has_sent_value() noexcept { return false; }
    static constexpr void *sent_value() noexcept { return nullptr; }
};

// The awaiter of `co_await` on one of the awaitables in a coroutine or async generator body (self's
// frame): the generator joins self's chain; step() says how it gave control back.
template <class A>
class agen_consumer_awaiter {
public:
    agen_consumer_awaiter(A &aw, node &self) noexcept : aw_(&aw), self_(&self) {}
    agen_consumer_awaiter(const agen_consumer_awaiter &) = delete;
    agen_consumer_awaiter &operator=(const agen_consumer_awaiter &) = delete;
    ~agen_consumer_awaiter() { aw_->consumer_gone(*self_); }

    bool await_ready() {
        if (!aw_->consumer_ready(aw_->has_sent_value(), ready_)) return false;
        ready_now_ = true;
        return true;
    }
    void await_suspend(std::coroutine_handle<>) noexcept { aw_->consumer_suspend(*self_, aw_->sent_value()); }

protected:
    agen_step step() { return ready_now_ ? ready_ : aw_->consumer_resume(*self_); }
    template <class T>
    T take_yielded() {
        return aw_->template take_yielded<T>();
    }

private:
    A *aw_;
    node *self_;
    agen_step ready_ = agen_step::none;
    bool ready_now_ = false;
};

// ---- the promise ---------------------------------------------------------------------------------------

// Awaited at every co_yield: the value goes to the awaitable in progress (node::yield_out); co_yield
// evaluates to what the next asend() sends (maybe<S>, None after anext()), or nothing when S is void.
template <class S>
struct agen_yield_awaiter : yield_awaiter<S> {
    void await_suspend(std::coroutine_handle<>) noexcept { this->self->yield_out(); }
};
template <class Y, class S>
struct agen_copying_yield_awaiter : yield_awaiter<S> {
    Y copy;
    void await_suspend(std::coroutine_handle<>) noexcept {
        static_cast<async_generator_core *>(this->self)->value = std::addressof(copy);
        this->self->yield_out();
    }
};

template <class Y, class S>
class async_generator_promise : private async_generator_core {
    using handle_type = std::coroutine_handle<async_generator_promise>;
    // What a driver sends reaches the generator's awaits, as a coroutine's: the send type of its chain is
    // object. What asend() sends reaches its co_yield by the awaitable, outside that check.
    static constexpr generator_info info{&typeid(async_generator<Y, S>), &typeid(object), false, true,
                                         &async_generator_close_outcome};

public:
    // The name of the async generator function, as coroutine_promise takes it (detail/coroutine.hpp).
#if defined(__GNUC__) || defined(__clang__)
    explicit async_generator_promise(function_name name = function_name(__builtin_FUNCTION())) noexcept
#else
    explicit async_generator_promise(function_name name = function_name("async_generator")) noexcept
#endif
        : async_generator_core(handle_type::from_promise(*this), info, name.text) {
    }

    static void *operator new(std::size_t n) { return allocate_frame(n); }
    static void operator delete(void *p, std::size_t n) noexcept { deallocate_frame(p, n); }

    async_generator<Y, S> get_return_object() noexcept;
    static std::suspend_always initial_suspend() noexcept { return {}; } // A1: calling runs nothing
    static final_awaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { error = std::current_exception(); }
    // A8: `co_return;` only: an async generator returns no value.
    static constexpr void return_void() noexcept {}

    agen_yield_awaiter<S> yield_value(Y &&v) noexcept {
        value = std::addressof(v);
        return {{{this}}};
    }
    agen_copying_yield_awaiter<Y, S> yield_value(const Y &v) noexcept(std::is_nothrow_copy_constructible_v<Y>)
        requires std::is_copy_constructible_v<Y>
    {
        return {{{this}}, v};
    }
    template <class U>
        requires(!std::is_same_v<std::remove_cvref_t<U>, Y> && !delegation_operand<U> && std::is_constructible_v<Y, U &&>)
    agen_copying_yield_awaiter<Y, S> yield_value(U &&v) noexcept(std::is_nothrow_constructible_v<Y, U &&>) {
        return {{{this}}, Y(std::forward<U>(v))};
    }
    // A9: `yield from` inside an async function does not exist.
    template <class D>
        requires delegation_operand<D>
    void yield_value(D &&) = delete;

    // An async generator body awaits what a coroutine body awaits.
    template <class A>
        requires await_operand<A>
    decltype(auto) await_transform(A &&a) {
        return await_operation(static_cast<node &>(*this), std::forward<A>(a));
    }
    template <class A>
        requires(!await_operand<A>)
    void await_transform(A &&) = delete;

private:
    friend struct node_access;
    friend struct async_generator_access;
};

struct async_generator_access {
    template <class Y, class S>
    static async_generator_core &core(async_generator_promise<Y, S> &p) noexcept {
        return p;
    }
    template <class Y, class S>
    static async_generator<Y, S> adopt(async_generator_core *g) noexcept {
        return async_generator<Y, S>(g);
    }
    template <class Ref>
    static async_generator_core *core(const Ref &r) noexcept {
        return r.g_;
    }
};

template <class Y, class S>
async_generator<Y, S> async_generator_promise<Y, S>::get_return_object() noexcept {
    return async_generator_access::adopt<Y, S>(this);
}

} // namespace detail
} // namespace twoway
