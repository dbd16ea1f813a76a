// twoway/coroutine.hpp — coroutine<T>: what Python's `async def f() -> T` returns.
//
//   twoway::coroutine<int> twice(int x) {
//       int y = co_await other(x);     // awaiting a coroutine: delegation, O(1) per step at any depth
//       co_return 2 * y;
//   }
//
// Lazy (calling runs nothing, K1). Drivable by hand with Python's coroutine-object protocol: send(v),
// throw_exception(e), close() (3.13: the value returned while handling GeneratorExit), the CORO_* states
// and cr_await. What travels between the coroutine and its driver is a twoway::object (object.hpp): the
// innermost awaitable yields it out (an asyncio future yields itself), the driver's sends come back.
// Standard library only: the asyncio layer (twoway/asyncio/) drives coroutines from its tasks.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "twoway/detail/coroutine.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/generator.hpp"
#include "twoway/none.hpp"
#include "twoway/object.hpp"
#include "twoway/step_result.hpp"
#include "twoway/stop_iteration.hpp"
#include "twoway/subiterator.hpp"
#include "twoway/unraisable.hpp"
#include "twoway/warnings.hpp"

namespace twoway {

enum class coroutine_state : unsigned char { created, running, suspended, closed };

// inspect.getcoroutinestate() spelling.
constexpr const char *to_string(coroutine_state s) noexcept {
    switch (s) {
    case coroutine_state::created: return "CORO_CREATED";
    case coroutine_state::running: return "CORO_RUNNING";
    case coroutine_state::suspended: return "CORO_SUSPENDED";
    case coroutine_state::closed: return "CORO_CLOSED";
    }
    return "?";
}

template <class T>
class coroutine_wrapper;

// Python's inspect.iscoroutine, inspect.isgenerator and inspect.isawaitable, asked of a C++ type: a
// coroutine<T>; a generator<Y, S, R>; what `co_await` accepts in a coroutine body (a coroutine, a
// generator-based coroutine generator<object, object|void, R>, an object with await_iter(), a future or
// task). A plain generator (any other Y) is a generator but not awaitable, as in Python.
template <class T>
inline constexpr bool iscoroutine = detail::is_coroutine<std::remove_cvref_t<T>>::value;
template <class T>
inline constexpr bool isgenerator = detail::is_generator<std::remove_cvref_t<T>>::value;
template <class T>
inline constexpr bool isawaitable = detail::await_operand<T>;

namespace detail {
struct coroutine_access;
}

template <class T>
class [[nodiscard]] coroutine {
    static_assert(std::is_void_v<T> || std::is_object_v<T>, "coroutine<T>: T must be void or an object type");

public:
    using return_type = T;
    using yield_type = object;
    using send_type = object;
    using promise_type = detail::coroutine_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;
    using stop_type = std::conditional_t<std::is_void_v<T>, stop_iteration<>, stop_iteration<T>>;

    coroutine() noexcept = default;
    coroutine(coroutine &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    coroutine &operator=(coroutine &&o) noexcept {
        if (this != &o) {
            release();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    ~coroutine() { release(); }

    // Python: c.send(v). None starts or resumes it; what the innermost awaitable yields comes out; the
    // coroutine's return raises stop_type (its value in StopIteration.value).
    object send(object v) { return value_or_raise(resume(v.is_none() ? nullptr : &v)); }
    // Python: c.throw(e): raised at the innermost suspension point (K7).
    template <class E>
        requires(!std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>)
    object throw_exception(E &&e) {
        return value_or_raise(resume_throw(std::make_exception_ptr(std::forward<E>(e))));
    }
    template <class E>
    object throw_exception() {
        return throw_exception(E());
    }
    object throw_exception(std::exception_ptr e) {
        if (!e) throw type_error("throw_exception() needs an exception (got an empty exception_ptr)");
        return value_or_raise(resume_throw(std::move(e)));
    }
    // Python 3.13: c.close(): the value returned while handling GeneratorExit, None otherwise (K8).
    return_value_t<T> close();

    // Non-throwing stepping: the return is a value, not an exception.
    step_result<object, T> step(object v = {}) { return step_or_raise(resume(v.is_none() ? nullptr : &v)); }
    template <class E>
    step_result<object, T> step_throw(E &&e) {
        if constexpr (std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>)
            return step_or_raise(resume_throw(std::forward<E>(e)));
        else
            return step_or_raise(resume_throw(std::make_exception_ptr(std::forward<E>(e))));
    }

    // Python: inspect.getcoroutinestate(c), cr_running, cr_suspended, cr_frame is not None.
    [[nodiscard]] coroutine_state state() const noexcept;
    [[nodiscard]] bool running() const noexcept { return state() == coroutine_state::running; }
    [[nodiscard]] bool suspended() const noexcept { return state() == coroutine_state::suspended; }
    [[nodiscard]] bool has_frame() const noexcept { return state() != coroutine_state::closed; }
    [[nodiscard]] bool empty() const noexcept { return !h_; }
    [[nodiscard]] const void *address() const noexcept { return detail::has_frame(h_) ? h_.address() : nullptr; }

    // Python: c.cr_await — what it awaits directly while suspended: a coroutine, a generator-based
    // coroutine, an __await__ iterator, or (kind awaitable) a future-like object that yielded itself.
    [[nodiscard]] std::optional<subiterator> cr_await() const noexcept;
    // The walk of cr_await down to the innermost awaitable.
    [[nodiscard]] std::vector<subiterator> await_chain() const;

    // Python: c.__await__(): an iterator object (next/send/throw_exception/close) driving this coroutine,
    // which raises stop_iteration<T> when it returns. Usable in `co_yield twoway::from(w)`.
    coroutine_wrapper<T> await_iter() &;

    // The name in "coroutine '…' was never awaited": the coroutine function's name unless set here
    // (Python's __qualname__, e.g. "factory.<locals>.nested"). The text must outlive the coroutine.
    [[nodiscard]] const char *qualname() const noexcept {
        return detail::has_frame(h_) ? h_.promise().qualname : "coroutine";
    }
    void set_qualname(const char *static_text) noexcept {
        if (detail::has_frame(h_)) h_.promise().qualname = static_text;
    }

private:
    friend struct detail::generator_access;
    friend struct detail::coroutine_access;
    friend class detail::coroutine_promise<T>;
    explicit coroutine(handle_type h) noexcept : h_(h) {}

    detail::node &node() const noexcept { return detail::node_access::of(h_.promise()); }
    detail::node &idle_node() const;
    void check_frame() const;
    detail::outcome resume(void *sent);
    detail::outcome resume_throw(std::exception_ptr e);
    object value_or_raise(detail::outcome o);
    step_result<object, T> step_or_raise(detail::outcome o);
    [[noreturn]] void raise_escaped() { detail::raise_from_frame(node().error.take(), true); }
    void destroy_frame() noexcept {
        node().release_slots();
        h_.destroy();
        h_ = nullptr;
    }
    void release() noexcept;

    handle_type h_;
};

namespace detail {
template <class T>
coroutine<T> coroutine_promise<T>::get_return_object() noexcept {
    return generator_access::adopt<coroutine<T>>(std::coroutine_handle<coroutine_promise>::from_promise(*this));
}

// What the asyncio task reaches of a coroutine: the root node of its chain, and the typed return value.
struct coroutine_access {
    template <class T>
    static node *root(const coroutine<T> &c) noexcept {
        return has_frame(c.h_) ? &c.node() : nullptr;
    }
    template <class T>
    static outcome resume(coroutine<T> &c) {
        return c.resume(nullptr);
    }
    template <class T>
    static outcome resume_throw(coroutine<T> &c, std::exception_ptr e) {
        return c.resume_throw(std::move(e));
    }
    template <class T>
    static return_value_t<T> take_return(coroutine<T> &c) noexcept(std::is_void_v<T>) {
        if constexpr (std::is_void_v<T>)
            return none;
        else
            return c.h_.promise().take_return();
    }
    template <class T>
    [[noreturn]] static void raise_escaped(coroutine<T> &c) {
        c.raise_escaped();
    }
    // Not a Python frame (async with): what escapes it is delivered unchanged to its awaiter.
    template <class T>
    static void mark_inline(coroutine<T> &c) noexcept {
        if (has_frame(c.h_)) c.node().options |= node::inline_option;
    }
};
} // namespace detail

template <class T>
detail::node &coroutine<T>::idle_node() const {
    detail::node &p = node();
    if (p.chain_running()) throw value_error(messages::coroutine_already_executing); // K6
    if (p.delegated()) throw runtime_error(messages::coroutine_awaited_already);
    return p;
}

template <class T>
void coroutine<T>::check_frame() const {
    if (!h_) throw value_error(messages::empty_coroutine);
    if (!detail::has_frame(h_)) throw runtime_error(messages::coroutine_reused);
}

template <class T>
detail::outcome coroutine<T>::resume(void *sent) {
    check_frame();
    detail::node &q = node();
    if (q.bits == detail::node::own_created) {
        if (sent) throw type_error(messages::coroutine_just_started); // K2
        q.start();
        return q.resume_ready(nullptr) ? detail::outcome::yielded : q.end_resumption();
    }
    if (q.ready()) [[likely]]
        return q.resume_ready(sent) ? detail::outcome::yielded : q.end_resumption();
    detail::node &p = idle_node();
    if (p.closed()) throw runtime_error(messages::coroutine_reused); // K5: not StopIteration
    p.sent = sent;
    return p.run();
}

template <class T>
detail::outcome coroutine<T>::resume_throw(std::exception_ptr e) {
    check_frame();
    detail::node &p = idle_node();
    if (p.closed()) throw runtime_error(messages::coroutine_reused); // K5: e is not raised
    if (p.own() == detail::node::own_created) {                       // K7: raised before any code runs
        p.close_unstarted();
        std::rethrow_exception(e);
    }
    if ((p.child || p.foreign) && detail::is_generator_exit(e)) {
        p.close_chain(std::move(e));
        return p.result();
    }
    return p.raise_in_leaf(std::move(e));
}

template <class T>
object coroutine<T>::value_or_raise(detail::outcome o) {
    switch (o) {
    // A copy (a reference count): the awaiter that yielded it may hold the object itself (a future).
    case detail::outcome::yielded: return object(*static_cast<const object *>(node().yielded));
    case detail::outcome::raised: raise_escaped();
    case detail::outcome::returned:
        if constexpr (!std::is_void_v<T>) throw stop_type(h_.promise().take_return());
        [[fallthrough]];
    case detail::outcome::exhausted: break;
    }
    throw stop_type{};
}

template <class T>
step_result<object, T> coroutine<T>::step_or_raise(detail::outcome o) {
    switch (o) {
    case detail::outcome::yielded: return step_result<object, T>::yield(object(*static_cast<const object *>(node().yielded)));
    case detail::outcome::raised: raise_escaped();
    case detail::outcome::returned: return step_result<object, T>::finish(h_.promise().take_return());
    case detail::outcome::exhausted: break;
    }
    return step_result<object, T>::finish(return_value_t<T>());
}

template <class T>
return_value_t<T> coroutine<T>::close() {
    if (!h_) throw value_error(messages::empty_coroutine);
    if (!detail::has_frame(h_)) return return_value_t<T>();
    detail::node &p = idle_node();
    if (p.own() == detail::node::own_created) { // no code runs
        p.close_unstarted();
        return return_value_t<T>();
    }
    if (p.closed()) return return_value_t<T>();
    const std::exception_ptr exit = std::make_exception_ptr(generator_exit());
    const std::exception_ptr raised = p.close_chain(exit);
    if (!p.closed()) throw runtime_error(messages::coroutine_ignored_exit); // K8
    if (p.error && p.error == exit && raised == exit) {
        p.error = nullptr;
        return return_value_t<T>();
    }
    if (p.error) {
        try {
            detail::raise_from_frame(p.error.take(), true);
        } catch (const generator_exit &) {
            return return_value_t<T>();
        }
    }
    return h_.promise().take_return();
}

// Python's finalizer (K14, K15): a coroutine that never ran warns "never awaited"; a suspended one is
// closed, and what that raises goes to the unraisable hook.
template <class T>
void coroutine<T>::release() noexcept {
    if (!detail::has_frame(h_)) return;
    detail::node &p = node();
    if (p.bits == detail::node::own_created) {
        warn({"RuntimeWarning", std::string("coroutine '") + h_.promise().qualname + "' was never awaited", h_.address()});
    } else if (p.delegated()) { // an await refers to the frame: it finalizes it when it ends
        p.options |= detail::node::orphaned_option;
        h_ = nullptr;
        return;
    } else if (p.chain_running()) {
        report_unraisable({std::make_exception_ptr(value_error("coroutine destroyed while running; its frame is leaked")),
                           "Exception ignored in: <twoway::coroutine>", h_.address()});
        h_ = nullptr;
        return;
    } else if (p.own() == detail::node::own_suspended) {
        try {
            (void)close();
        } catch (...) {
            report_unraisable({std::current_exception(), "Exception ignored in: <twoway::coroutine>", h_.address()});
        }
    }
    destroy_frame();
}

template <class T>
coroutine_state coroutine<T>::state() const noexcept {
    if (!detail::has_frame(h_)) return coroutine_state::closed;
    switch (node().state()) {
    case generator_state::created: return coroutine_state::created;
    case generator_state::running: return coroutine_state::running;
    case generator_state::suspended: return coroutine_state::suspended;
    case generator_state::closed: break;
    }
    return coroutine_state::closed;
}

template <class T>
std::optional<subiterator> coroutine<T>::cr_await() const noexcept {
    if (state() != coroutine_state::suspended) return std::nullopt;
    const detail::node &p = node();
    if (p.child) return p.child->describe();
    if (p.foreign) return p.foreign->describe();
    if (p.root->yielded && p.leaf == &p) { // suspended on a future-like awaitable: it yielded itself
        const object &y = *static_cast<const object *>(p.root->yielded);
        if (!y.is_none()) return subiterator{subiterator::kind::awaitable, &y.type(), y.identity()};
    }
    return std::nullopt;
}

template <class T>
std::vector<subiterator> coroutine<T>::await_chain() const {
    std::vector<subiterator> chain;
    if (state() != coroutine_state::suspended) return chain;
    const detail::node *x = &node();
    for (; x->child; x = x->child) chain.push_back(x->child->describe());
    if (x->foreign) chain.push_back(x->foreign->describe());
    return chain;
}

// Python's coroutine_wrapper: the iterator c.__await__() returns. It borrows the coroutine.
template <class T>
class coroutine_wrapper {
public:
    using return_type = T;
    explicit coroutine_wrapper(coroutine<T> &c) noexcept : c_(&c) {}
    object next() { return c_->send(object()); }
    object send(object v) { return c_->send(std::move(v)); }
    object throw_exception(std::exception_ptr e) { return c_->throw_exception(std::move(e)); }
    void close() { (void)c_->close(); }

private:
    coroutine<T> *c_;
};

template <class T>
coroutine_wrapper<T> coroutine<T>::await_iter() & {
    check_frame();
    return coroutine_wrapper<T>(*this);
}

} // namespace twoway
