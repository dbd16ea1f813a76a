// twoway/detail/generator.hpp — the machinery behind generator<Y, S, R>: its promise, the awaiters of
// co_yield (a value, or a delegation to another generator), the return slot and the iterator.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "twoway/detail/frame_allocator.hpp"
#include "twoway/detail/node.hpp"
#include "twoway/detail/type_name.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/none.hpp"

namespace twoway {

template <class Y, class S = void, class R = void>
class generator;

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

// The operand of `co_await twoway::no_exit_handlers;` (see generator.hpp).
struct no_exit_handlers_t {
    explicit constexpr no_exit_handlers_t(int) noexcept {}
};

// Anything `co_yield` accepts besides values: the operands made by twoway::from().
template <class D>
concept delegation_operand = requires { typename std::remove_cvref_t<D>::twoway_delegation; };

// A generator object's handle is null when empty (moved-from, default-constructed), or this value after
// an abandoning close() freed its frame: it then behaves as any CLOSED generator.
inline void *const freed_frame = reinterpret_cast<void *>(std::uintptr_t{1});
template <class P>
[[nodiscard]] inline bool has_frame(std::coroutine_handle<P> h) noexcept {
    return reinterpret_cast<std::uintptr_t>(h.address()) > 1; // neither null nor freed_frame: one compare
}

// The promise's node is a private base (user code reaching the promise through a coroutine_handle cannot
// change the library's fields); the library reaches it through here.
struct node_access {
    template <class P>
    static node &of(P &promise) noexcept {
        return promise;
    }
};

// The library's own access to a generator object's frame.
struct generator_access {
    template <class G>
    static auto frame(const G &g) noexcept {
        return g.h_;
    }
    template <class G>
    static G adopt(typename G::handle_type h) noexcept {
        return G(h);
    }
};

// Out of line, so that the generator body's hot path keeps no registers or stack for it.
[[noreturn]] TWOWAY_COLD inline void raise_pending_exception(node *root) { std::rethrow_exception(root->take_pending_raise()); }
inline void free_frame(void *p, std::size_t n) noexcept { deallocate_frame(p, n); }

// Awaited at every co_yield of a value. yield_value has already pointed the root's channel at the value.
struct yield_awaiter_base {
    node *self;
    static constexpr bool await_ready() noexcept { return false; }
    static constexpr void await_suspend(std::coroutine_handle<>) noexcept {}
};

// co_yield evaluates to what was sent: maybe<S> (None after next()), or nothing when S is void.
template <class S>
struct yield_awaiter : yield_awaiter_base {
    maybe<S> await_resume() const {
        node *r = self->root;
        void *s = r->sent;
        if (reinterpret_cast<std::uintptr_t>(s) <= 1) [[unlikely]] { // None, or an exception to raise
            if (s) raise_pending_exception(r);
            return {};
        }
        return maybe<S>(std::move(*static_cast<S *>(s)));
    }
};

template <>
struct yield_awaiter<void> : yield_awaiter_base {
    void await_resume() const {
        node *r = self->root;
        if (r->sent == detail::raise_pending) [[unlikely]]
            raise_pending_exception(r);
    }
};

// A yielded lvalue or converted value is copied into the awaiter, which lives in the frame until the
// generator is resumed; the caller then moves it out.
template <class Y, class S>
struct copying_yield_awaiter : yield_awaiter<S> {
    Y copy;
    void await_suspend(std::coroutine_handle<>) noexcept {
        this->self->root->yielded = std::addressof(copy); // the awaiter's final address is known only here
    }
};

struct final_awaiter {
    static constexpr bool await_ready() noexcept { return false; }
    template <class P>
    void await_suspend(std::coroutine_handle<P> h) const noexcept {
        node_access::of(h.promise()).finish();
    }
    static constexpr void await_resume() noexcept {}
};

template <class R>
struct maybe_value {
    using type = R;
};
template <class X>
struct maybe_value<maybe<X>> {
    using type = X;
};

// Where co_return puts the value. Only one of return_value / return_void may exist in a promise.
template <class R>
class return_slot {
public:
    void return_value(R v) { ret_.emplace(std::move(v)); }
    void return_value(none_t) noexcept
        requires(!std::is_same_v<R, none_t> && // R = none_t: the first overload is this one
                 !std::is_same_v<R, maybe<typename maybe_value<R>::type>>) // R = maybe<X>: None is a value of R
    {
        ret_.reset();
    }
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

template <class Y, class S, class R>
class generator_promise : private node, public return_slot<R> {
    using handle_type = std::coroutine_handle<generator_promise>;
    static constexpr generator_info info{&typeid(generator<Y, S, R>), std::is_void_v<S> ? nullptr : &typeid(S), false};

public:
    generator_promise() noexcept : node(handle_type::from_promise(*this), info) {}

    // Frames come from per-thread free lists (detail/frame_allocator.hpp), aligned for over-aligned locals.
    static void *operator new(std::size_t n) { return allocate_frame(n); }
    static void operator delete(void *p, std::size_t n) noexcept { free_frame(p, n); }

    generator<Y, S, R> get_return_object() noexcept { return generator_access::adopt<generator<Y, S, R>>(handle_type::from_promise(*this)); }
    static std::suspend_always initial_suspend() noexcept { return {}; } // S1: the body does not run yet
    static final_awaiter final_suspend() noexcept { return {}; }
    // The error is classified (PEP 479, GeneratorExit) only where it is delivered: no rethrow here.
    void unhandled_exception() noexcept { error = std::current_exception(); }

    // Values: the root's channel points at the operand, which lives in this frame until the generator is
    // resumed (the end of the co_yield full-expression).
    yield_awaiter<S> yield_value(Y &&v) noexcept {
        root->yielded = std::addressof(v);
        return {{this}};
    }
    copying_yield_awaiter<Y, S> yield_value(const Y &v) noexcept(std::is_nothrow_copy_constructible_v<Y>)
        requires std::is_copy_constructible_v<Y>
    {
        return {{{this}}, v};
    }
    template <class U>
        requires(!std::is_same_v<std::remove_cvref_t<U>, Y> && !delegation_operand<U> && std::is_constructible_v<Y, U &&>)
    copying_yield_awaiter<Y, S> yield_value(U &&v) noexcept(std::is_nothrow_constructible_v<Y, U &&>) {
        return {{{this}}, Y(std::forward<U>(v))};
    }
    // Delegation: co_yield twoway::from(x).
    template <class D>
        requires delegation_operand<D>
    auto yield_value(D &&d) {
        return std::forward<D>(d).template make_awaiter<Y, S>(static_cast<node &>(*this));
    }

    // `co_await twoway::no_exit_handlers;` records the body's declaration; nothing suspends.
    std::suspend_never await_transform(no_exit_handlers_t) noexcept {
        options |= no_exit_handlers_option;
        return {};
    }
    // Anything else: a synchronous generator cannot co_await (Python: 'await' outside async function).
    template <class T>
    void await_transform(T &&) = delete;

private:
    friend struct node_access;
    friend class generator<Y, S, R>;
};

// Awaiter of co_yield from(generator): the subgenerator's chain joins the delegator's and runs; its final
// suspension hands control back here with its return value or its error. It refers to the subgenerator's
// frame, not to its generator object: a borrowed generator object may be moved or destroyed meanwhile, and
// then the delegation keeps the frame alive until it ends, as Python's reference does.
template <class Y, class S, class Child, bool Owned>
class generator_delegation {
    using child_promise = typename Child::promise_type;
    using result_type = return_value_t<typename Child::return_type>;
    static_assert(std::is_same_v<typename Child::yield_type, Y>,
                  "co_yield from(g): g must yield the same type as the delegating generator");
    static_assert(std::is_void_v<S> || std::is_void_v<typename Child::send_type> ||
                      std::is_same_v<typename Child::send_type, S>,
                  "co_yield from(g): g must accept the delegating generator's send type (or void)");
    struct nothing {};

public:
    generator_delegation(node &self, Child &&child)
        requires Owned
        : self_(&self), owned_(std::move(child)), frame_(generator_access::frame(owned_)) {}
    generator_delegation(node &self, Child &child)
        requires(!Owned)
        : self_(&self), frame_(generator_access::frame(child)) {}
    generator_delegation(const generator_delegation &) = delete;
    generator_delegation &operator=(const generator_delegation &) = delete;

    ~generator_delegation() {
        if (!has_frame(frame_)) return;
        node &c = child();
        if (c.parent == self_) c.detach(); // the delegator's frame is destroyed mid-delegation
        if constexpr (!Owned) {
            if (c.options & node::orphaned_option) { // its generator object is gone: finalize it now
                c.options &= static_cast<unsigned char>(~node::orphaned_option);
                Child last = generator_access::adopt<Child>(frame_);
            }
        }
    }

    bool await_ready() {
        if (!frame_) throw value_error(messages::empty_generator);
        if (!has_frame(frame_)) { // closed and freed: Y5
            exhausted_ = true;
            return true;
        }
        node &c = child();
        if (c.chain_running()) { // Y16: itself, or a generator of a running chain
            early_ = std::make_exception_ptr(value_error(messages::already_executing));
            return true;
        }
        if (c.delegated()) throw value_error("generator is already being delegated to by another generator");
        if (c.closed()) { // Y5: an exhausted generator gives None at once
            exhausted_ = true;
            return true;
        }
        if (const node *m = self_->send_type_mismatch(c))
            throw type_error("co_yield from(g): " + type_name(*m->info->generator_type) + " in g's chain receives " +
                             type_name(*m->info->send_type) + ", but this chain is sent " +
                             type_name(*self_->root->info->send_type));
        return false;
    }

    void await_suspend(std::coroutine_handle<>) noexcept { self_->link(child()); }

    result_type await_resume() {
        if (early_) std::rethrow_exception(early_);
        node *r = self_->root;
        if (r->sent == raise_pending) std::rethrow_exception(r->take_pending_raise()); // raised here by close (Y11)
        if (exhausted_) return result_type();
        node &c = child();
        if (c.error) raise_from_frame(c.error.take()); // Y8
        return frame_.promise().take_return();
    }

private:
    node &child() noexcept { return node_access::of(frame_.promise()); }

    node *self_;
    [[no_unique_address]] std::conditional_t<Owned, Child, nothing> owned_;
    typename Child::handle_type frame_;
    std::exception_ptr early_;
    bool exhausted_ = false;
};

// A Python for-loop: each step sends None; the end swallows the return value (R5). The resume is lazy:
// ++ only records that one is due and the next comparison or dereference performs it, so
// std::views::take(n) never pulls a value it will not hand out. After an exception the iterator equals
// end(), as std::generator's does.
template <class G>
class generator_iterator {
    using Y = typename G::yield_type;

public:
    using value_type = Y;
    using difference_type = std::ptrdiff_t;
    using reference = Y &;

    generator_iterator() = default;
    reference operator*() const {
        settle();
        if (!g_) throw value_error("dereferencing the end of a generator");
        return g_->yielded_value();
    }
    generator_iterator &operator++() {
        settle(); // a value that was never looked at is still consumed, as Python's for-loop does
        due_ = g_ != nullptr;
        return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const generator_iterator &i, std::default_sentinel_t) {
        i.settle();
        return i.g_ == nullptr;
    }

private:
    friend G;
    explicit generator_iterator(G *g) noexcept : g_(g), due_(true) {}
    void settle() const {
        if (!due_) return;
        due_ = false;
        try {
            if (!g_->advance_for_loop()) g_ = nullptr;
        } catch (...) {
            g_ = nullptr;
            throw;
        }
    }
    mutable G *g_ = nullptr;
    mutable bool due_ = false;
};

} // namespace detail
} // namespace twoway
