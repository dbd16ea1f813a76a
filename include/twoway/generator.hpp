// twoway/generator.hpp — generator<Y, S, R>: Python's Generator[YieldType, SendType, ReturnType].
//
//   twoway::generator<int, int, int> accumulator() {
//       int total = 0;
//       for (;;) {
//           twoway::maybe<int> v = co_yield total;   // what send() delivered; None after next()
//           if (v.is_none()) co_return total;        // becomes stop_iteration<int>::value
//           total += *v;
//       }
//   }
//
// next(), send(v), throw_exception(e), close() and the states follow CPython 3.13 (see
// docs/fidelity.md for the rule-by-rule record). step()/step(v)/step_throw(e) are the
// non-throwing counterparts for code that must not use exceptions for normal termination.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <iterator>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "twoway/detail/frame_allocator.hpp"
#include "twoway/detail/node.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/none.hpp"
#include "twoway/stop_iteration.hpp"
#include "twoway/unraisable.hpp"

namespace twoway {

template <class Y, class S = void, class R = void>
class generator;

// Result of a non-throwing step: the value yielded, or the value returned (None when R is void).
template <class Y, class R>
class step_result {
public:
    using return_type = return_value_t<R>;

    static step_result yield(Y &&v) { return step_result(std::in_place_index<0>, std::move(v)); }
    static step_result finish(return_type v) { return step_result(std::in_place_index<1>, std::move(v)); }

    [[nodiscard]] bool is_yielded() const noexcept { return v_.index() == 0; }
    [[nodiscard]] bool is_returned() const noexcept { return v_.index() == 1; }
    // Checked: reading the wrong alternative throws std::bad_variant_access, never UB.
    Y &yielded() & { return std::get<0>(v_); }
    Y &&yielded() && { return std::get<0>(std::move(v_)); }
    return_type &returned() & { return std::get<1>(v_); }
    return_type &&returned() && { return std::get<1>(std::move(v_)); }

private:
    template <std::size_t I, class T>
    step_result(std::in_place_index_t<I> i, T &&v) : v_(i, std::forward<T>(v)) {}
    std::variant<Y, return_type> v_;
};

namespace detail {

template <class T>
struct is_generator : std::false_type {};
template <class Y, class S, class R>
struct is_generator<generator<Y, S, R>> : std::true_type {};

// A parameter type for send() that exists even when S is void (send is then unavailable).
struct no_send {
    no_send() = delete;
};
template <class S>
using send_arg = std::conditional_t<std::is_void_v<S>, no_send, S>;

// Anything `co_yield` accepts besides values: the operands made by twoway::from().
template <class D>
concept delegation_operand = requires { typename std::remove_cvref_t<D>::twoway_delegation; };

// Typed access to a generator's promise for the library's own awaiters.
struct generator_access {
    template <class G>
    static auto &promise(G &g) {
        return g.live();
    }
};

// Awaiter of co_yield from(generator): the child joins the delegator's chain and runs; its final
// suspension hands control back here with its return value or its error.
template <class Y, class S, class Child, bool Owned>
class generator_delegation {
    using child_promise = typename Child::promise_type;
    using result_type = return_value_t<typename Child::return_type>;
    static_assert(std::is_same_v<typename Child::yield_type, Y>,
                  "co_yield from(g): g must yield the same type as the delegating generator");
    static_assert(std::is_void_v<S> || std::is_void_v<typename Child::send_type> ||
                      std::is_same_v<typename Child::send_type, S>,
                  "co_yield from(g): g must accept the delegating generator's send type (or void)");

public:
    generator_delegation(node &self, Child &child)
        requires(!Owned)
        : self_(&self), child_(child) {}
    generator_delegation(node &self, Child &&child)
        requires Owned
        : self_(&self), child_(std::move(child)) {}

    bool await_ready() {
        node &c = child_node();
        if (c.root->running) { // Y16: itself, or a generator of a running chain
            early_ = std::make_exception_ptr(value_error(messages::already_executing));
            return true;
        }
        if (c.parent) throw value_error("generator is already being delegated to by another generator");
        if (c.st == generator_state::closed) { // Y5: an exhausted generator gives None at once
            exhausted_ = true;
            return true;
        }
        return false;
    }

    void await_suspend(std::coroutine_handle<>) noexcept {
        node &c = child_node();
        node *r = self_->root;
        self_->st = generator_state::suspended;
        self_->child = &c;
        c.parent = self_;
        c.delegated = true;
        r->leaf = c.adopt_subtree(r);
        r->sent = nullptr; // Y2: the first step is always next()
        r->transfer = r->advance();
    }

    result_type await_resume() {
        if (early_) std::rethrow_exception(early_);
        node *r = self_->root;
        if (r->inject) std::rethrow_exception(std::exchange(r->inject, nullptr)); // raised here by close (Y11)
        if (exhausted_) return result_type();
        child_promise &c = child_promise_ref();
        if (c.error) raise_from_frame(std::exchange(c.error, nullptr)); // Y8
        return c.take_return();
    }

private:
    child_promise &child_promise_ref() { return generator_access::promise(child_); }
    node &child_node() { return child_promise_ref(); }

    node *self_;
    std::conditional_t<Owned, Child, Child &> child_;
    std::exception_ptr early_;
    bool exhausted_ = false;
};

// Where co_return puts the value. Only one of return_value / return_void may exist in a promise.
template <class R>
class return_slot {
public:
    void return_value(R v) { ret_.emplace(std::move(v)); }
    void return_value(none_t) noexcept { ret_.reset(); }
    template <class M>
        requires std::same_as<std::remove_cvref_t<M>, maybe<R>>
    void return_value(M &&v) { // co_return of a maybe: None returns None
        if (v.is_none())
            ret_.reset();
        else
            ret_.emplace(*std::forward<M>(v));
    }
    // R4: the value is delivered once.
    maybe<R> take_return() noexcept(std::is_nothrow_move_constructible_v<R>) {
        maybe<R> v;
        if (ret_) {
            v = maybe<R>(std::move(*ret_));
            ret_.reset();
        }
        return v;
    }

private:
    std::optional<R> ret_;
};

template <>
class return_slot<void> {
public:
    static constexpr void return_void() noexcept {}
    static constexpr none_t take_return() noexcept { return none; }
};

} // namespace detail

template <class Y, class S, class R>
class generator {
    static_assert(std::is_object_v<Y> && !std::is_array_v<Y> && !std::is_const_v<Y>,
                  "generator<Y, S, R>: Y must be a non-const object type (use twoway::none_t for bare yields)");
    static_assert(std::is_void_v<S> || (std::is_object_v<S> && !std::is_const_v<S>),
                  "generator<Y, S, R>: S must be void or a non-const object type");
    static_assert(std::is_void_v<R> || std::is_object_v<R>, "generator<Y, S, R>: R must be void or an object type");

public:
    using yield_type = Y;
    using send_type = S;
    using return_type = R;
    using stop_type = std::conditional_t<std::is_void_v<R>, stop_iteration<>, stop_iteration<R>>;
    class promise_type;
    class iterator;

    generator() noexcept = default;
    generator(generator &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    generator &operator=(generator &&o) noexcept {
        if (this != &o) {
            release();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    ~generator() { release(); }

    // Python: next(g) / g.send(None). Returns the next yielded value; raises stop_type at the end.
    Y next() {
        if (!h_ || !h_.promise().resumable()) [[unlikely]] {
            promise_type &p = idle();
            if (p.st == generator_state::closed) throw stop_type{}; // N7, R4
        }
        promise_type &p = h_.promise();
        p.sent = nullptr;
        p.run();
        return finish(p);
    }

    // Python: g.send(v). The value is moved into the generator's co_yield.
    Y send(detail::send_arg<S> v)
        requires(!std::is_void_v<S>)
    {
        if (!h_ || !h_.promise().resumable()) [[unlikely]] {
            promise_type &p = idle();
            if (p.st == generator_state::closed) throw stop_type{}; // N7: not TypeError
            throw type_error(messages::just_started);               // N1
        }
        promise_type &p = h_.promise();
        p.sent = std::addressof(v);
        p.run();
        return finish(p);
    }
    Y send(none_t) { return next(); } // N2

    // Python: g.throw(e). Raises e at the suspension point (T4-T13). The typed overloads know at
    // compile time whether e is a generator_exit; the exception_ptr overload finds out by rethrowing.
    template <class E>
        requires(!std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>)
    Y throw_exception(E &&e) {
        constexpr exit_kind kind = std::is_base_of_v<generator_exit, std::remove_cvref_t<E>> ? exit_kind::yes : exit_kind::no;
        return throw_impl(std::make_exception_ptr(std::forward<E>(e)), kind);
    }
    template <class E>
    Y throw_exception() { // T3: a class argument is instantiated with no arguments
        return throw_exception(E());
    }
    Y throw_exception(std::exception_ptr e) {
        if (!e) throw type_error("throw_exception() needs an exception (got an empty exception_ptr)");
        return throw_impl(std::move(e), exit_kind::unknown);
    }

    // Python 3.13: g.close(). Returns the generator's return value if it returned one while handling
    // GeneratorExit (C5), None otherwise.
    return_value_t<R> close() {
        promise_type &p = idle();
        if (p.st == generator_state::created) { // C2: no code runs
            p.st = generator_state::closed;
            return return_value_t<R>();
        }
        if (p.st == generator_state::closed) return return_value_t<R>(); // C3
        const auto exit = std::make_exception_ptr(generator_exit());
        const auto raised = p.close_chain(exit);
        if (p.st != generator_state::closed) throw runtime_error(messages::ignored_exit); // C6, C7
        if (p.error && p.error == exit && raised == exit) { // our GeneratorExit came back: C4, no rethrow needed
            p.error = nullptr;
            return return_value_t<R>();
        }
        if (p.error) {
            try {
                detail::raise_from_frame(std::exchange(p.error, nullptr)); // C8, P4
            } catch (const generator_exit &) {
                return return_value_t<R>(); // C4
            }
        }
        return p.take_return();
    }

    // Non-throwing stepping: normal termination is a value, not an exception. Errors raised by the
    // generator still propagate.
    step_result<Y, R> step() {
        promise_type &p = idle();
        if (p.st == generator_state::closed) return step_result<Y, R>::finish(return_value_t<R>());
        p.sent = nullptr;
        p.run();
        return finish_step(p);
    }
    step_result<Y, R> step(detail::send_arg<S> v)
        requires(!std::is_void_v<S>)
    {
        promise_type &p = idle();
        if (p.st == generator_state::closed) return step_result<Y, R>::finish(return_value_t<R>());
        if (p.st == generator_state::created) throw type_error(messages::just_started);
        p.sent = std::addressof(v);
        p.run();
        return finish_step(p);
    }
    template <class E>
    step_result<Y, R> step_throw(E &&e) {
        std::exception_ptr x;
        exit_kind kind;
        if constexpr (std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>) {
            x = e;
            kind = exit_kind::unknown;
        } else {
            x = std::make_exception_ptr(std::forward<E>(e));
            kind = std::is_base_of_v<generator_exit, std::remove_cvref_t<E>> ? exit_kind::yes : exit_kind::no;
        }
        promise_type &p = idle();
        enter_throw(p, std::move(x), kind);
        return finish_step(p);
    }

    [[nodiscard]] generator_state state() const noexcept {
        return h_ ? h_.promise().state() : generator_state::closed;
    }
    [[nodiscard]] bool running() const noexcept { return state() == generator_state::running; }     // gi_running
    [[nodiscard]] bool suspended() const noexcept { return state() == generator_state::suspended; } // gi_suspended
    [[nodiscard]] bool empty() const noexcept { return !h_; } // moved-from or default-constructed
    // Identity of the generator (its frame), like Python's id(g).
    [[nodiscard]] const void *address() const noexcept { return h_ ? h_.address() : nullptr; }

    // Python: g.gi_yieldfrom — the direct subiterator while suspended in a delegation (S6).
    [[nodiscard]] std::optional<subiterator> yield_from() const noexcept {
        if (!h_) return std::nullopt;
        const promise_type &p = h_.promise();
        if (p.state() != generator_state::suspended) return std::nullopt;
        if (p.child) return subiterator{subiterator::kind::generator, nullptr, p.child->handle.address()};
        if (p.foreign) return p.foreign->describe();
        return std::nullopt;
    }

    // A Python for-loop: each step sends None; the end swallows the return value (R5). The resume is
    // lazy: ++ only records that one is due and the next comparison or dereference performs it, so
    // std::views::take(n) never pulls a value it will not hand out.
    iterator begin() {
        (void)idle();
        return iterator(this);
    }
    std::default_sentinel_t end() const noexcept { return {}; }

private:
    friend struct detail::generator_access;
    explicit generator(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}

    promise_type &live() {
        if (!h_) throw value_error(messages::empty_generator);
        return h_.promise();
    }
    promise_type &idle() {
        promise_type &p = live();
        if (p.root->running) throw value_error(messages::already_executing); // N6, before the CLOSED check
        if (p.delegated) [[unlikely]]
            throw value_error("generator is being delegated to: drive the delegating generator instead");
        return p;
    }

    static bool is_generator_exit(const std::exception_ptr &e) {
        try {
            std::rethrow_exception(e);
        } catch (const generator_exit &) {
            return true;
        } catch (...) {
            return false;
        }
    }

    // Whether a thrown exception is a generator_exit: known at compile time, or found out by rethrowing
    // (only when it matters, i.e. when the generator is delegating).
    enum class exit_kind { no, yes, unknown };

    void enter_throw(promise_type &p, std::exception_ptr e, exit_kind kind) {
        if (p.st == generator_state::closed) std::rethrow_exception(e); // T9
        if (p.st == generator_state::created) {                         // T8: raised before any code runs
            p.st = generator_state::closed;
            std::rethrow_exception(e);
        }
        const bool delegating = p.leaf != &p || p.foreign;
        if (delegating && (kind == exit_kind::yes || (kind == exit_kind::unknown && is_generator_exit(e)))) {
            p.close_chain(std::move(e)); // Y11: subiterators are closed, not thrown into
        } else {
            p.inject = std::move(e);
            p.sent = nullptr;
            p.run();
        }
    }

    Y throw_impl(std::exception_ptr e, exit_kind kind) {
        promise_type &p = idle();
        enter_throw(p, std::move(e), kind);
        return finish(p);
    }

    Y finish(promise_type &p) {
        if (p.st != generator_state::closed) [[likely]]
            return std::move(*static_cast<Y *>(p.yielded));
        if (p.error) detail::raise_from_frame(std::exchange(p.error, nullptr)); // N9, P1
        if constexpr (std::is_void_v<R>)
            throw stop_type{};
        else
            throw stop_type(p.take_return()); // R1
    }

    step_result<Y, R> finish_step(promise_type &p) {
        if (p.st != generator_state::closed) return step_result<Y, R>::yield(std::move(*static_cast<Y *>(p.yielded)));
        if (p.error) detail::raise_from_frame(std::exchange(p.error, nullptr));
        return step_result<Y, R>::finish(p.take_return());
    }

    void advance_loop() {
        promise_type &p = idle();
        if (p.st == generator_state::closed) return;
        p.sent = nullptr;
        p.run();
        if (p.st == generator_state::closed) {
            if (p.error) detail::raise_from_frame(std::exchange(p.error, nullptr));
            (void)p.take_return();
        }
    }

    // Python's finalizer (F1-F5): a suspended generator is closed; what close() raises goes to the
    // unraisable hook and never leaves the destructor.
    void release() noexcept {
        if (!h_) return;
        promise_type &p = h_.promise();
        if (p.root->running) { // destroyed from inside its own chain: the frame cannot be freed safely
            report_unraisable({std::make_exception_ptr(value_error("generator destroyed while running; its frame is leaked")),
                               "Exception ignored in: <twoway::generator>", h_.address()});
            h_ = nullptr;
            return;
        }
        if (p.parent) p.detach();
        if (p.st == generator_state::suspended) {
            try {
                (void)close(); // F5: a return value is discarded
            } catch (...) {
                report_unraisable({std::current_exception(), "Exception ignored in: <twoway::generator>", h_.address()});
            }
        }
        h_.destroy();
        h_ = nullptr;
    }

    std::coroutine_handle<promise_type> h_;
};

template <class Y, class S, class R>
class generator<Y, S, R>::promise_type : public detail::node, public detail::return_slot<R> {
public:
    promise_type() noexcept { handle = std::coroutine_handle<promise_type>::from_promise(*this); }

    // Frames come from per-thread free lists (detail/frame_allocator.hpp).
    static void *operator new(std::size_t n) { return detail::allocate_frame(n); }
    static void operator delete(void *p, std::size_t n) noexcept { detail::deallocate_frame(p, n); }

    generator get_return_object() noexcept { return generator(std::coroutine_handle<promise_type>::from_promise(*this)); }
    static std::suspend_always initial_suspend() noexcept { return {}; } // S1: the body does not run yet
    static detail::final_awaiter final_suspend() noexcept { return {}; }
    // The error is classified (PEP 479, GeneratorExit) only where it is delivered: no rethrow here.
    void unhandled_exception() noexcept { error = std::current_exception(); }

    // Values: the awaiter points the root's channel at the operand, which lives in this frame.
    // The operand of co_yield lives until the generator is resumed (end of the full-expression).
    detail::yield_awaiter<S> yield_value(Y &&v) noexcept {
        st = generator_state::suspended;
        root->yielded = std::addressof(v);
        return {{this}};
    }
    detail::copying_yield_awaiter<Y, S> yield_value(const Y &v) noexcept(std::is_nothrow_copy_constructible_v<Y>)
        requires std::is_copy_constructible_v<Y>
    {
        return {{{this}}, v};
    }
    template <class U>
        requires(!std::is_same_v<std::remove_cvref_t<U>, Y> && !detail::delegation_operand<U> &&
                 std::is_constructible_v<Y, U &&>)
    detail::copying_yield_awaiter<Y, S> yield_value(U &&v) noexcept(std::is_nothrow_constructible_v<Y, U &&>) {
        return {{{this}}, Y(std::forward<U>(v))};
    }
    // Delegation: co_yield twoway::from(x).
    template <class D>
        requires detail::delegation_operand<D>
    auto yield_value(D &&d) {
        return std::forward<D>(d).template make_awaiter<Y, S>(static_cast<detail::node &>(*this));
    }

    // A synchronous generator cannot co_await (Python: 'await' outside async function).
    template <class T>
    void await_transform(T &&) = delete;

};

template <class Y, class S, class R>
class generator<Y, S, R>::iterator {
public:
    using value_type = Y;
    using difference_type = std::ptrdiff_t;
    using reference = Y &;

    iterator() = default;
    reference operator*() const {
        settle();
        return *static_cast<Y *>(g_->h_.promise().yielded);
    }
    iterator &operator++() {
        settle(); // a value that was never looked at is still consumed, as Python's for-loop does
        due_ = true;
        return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator &i, std::default_sentinel_t) {
        if (!i.g_) return true;
        i.settle();
        return i.g_ == nullptr;
    }

private:
    friend class generator;
    explicit iterator(generator *g) noexcept : g_(g), due_(true) {}
    void settle() const {
        if (!due_) return;
        due_ = false;
        g_->advance_loop();
        if (g_->h_.promise().st == generator_state::closed) g_ = nullptr;
    }
    mutable generator *g_ = nullptr;
    mutable bool due_ = false;
};

} // namespace twoway
