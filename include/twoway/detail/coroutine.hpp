// twoway/detail/coroutine.hpp — the machinery behind coroutine<T>: its promise, and what `co_await`
// accepts in a coroutine body. Every await of another coroutine or of a generator-based coroutine is a
// delegation on the generator chain (detail/node.hpp): the outermost coroutine knows the innermost
// one, so a step costs the same at any await depth.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "twoway/detail/frame_allocator.hpp"
#include "twoway/detail/generator.hpp"
#include "twoway/detail/node.hpp"
#include "twoway/detail/yield_from.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/none.hpp"
#include "twoway/object.hpp"

namespace twoway {

template <class T = void>
class coroutine;

namespace detail {

template <class T>
struct is_coroutine : std::false_type {};
template <class T>
struct is_coroutine<coroutine<T>> : std::true_type {};

// A generator-based coroutine (Python's @types.coroutine): a generator that yields objects to the
// driver and is sent objects (or nothing) back.
template <class G>
concept generator_coroutine = is_generator<G>::value && std::is_same_v<typename G::yield_type, object> &&
                              (std::is_void_v<typename G::send_type> || std::is_same_v<typename G::send_type, object>);

// An awaitable of the library (a future, a task, an Asio operation): it makes its own awaiter, given the
// awaiting coroutine's node.
template <class A>
concept awaitable_operand = requires { typename std::remove_cvref_t<A>::twoway_awaitable; };

// Python's __await__: a member await_iter() returning an iterator object or a generator-based coroutine.
template <class A>
concept has_await_iter = requires(A &a) { a.await_iter(); };

// Everything `co_await` accepts in a coroutine body (Python's inspect.isawaitable).
template <class A>
concept await_operand = is_coroutine<std::remove_cvref_t<A>>::value || generator_coroutine<std::remove_cvref_t<A>> ||
                        awaitable_operand<A> || has_await_iter<std::remove_reference_t<A>>;

// The hand-off of one object to whoever drives the chain, for awaiters that suspend the coroutine
// themselves (a pending future): what the driver sends back is ignored, what it throws is raised.
inline void yield_to_driver(node &self, object *value) noexcept { self.root->yielded = value; }
inline void resumed_by_driver(node &self) {
    node *r = self.root;
    if (r->sent == raise_pending) raise_pending_exception(r);
}
// Whether the driver sent a value (not None) with the resumption.
[[nodiscard]] inline bool driver_sent_value(const node &self) noexcept { return self.root->sent != nullptr; }

// The coroutine function's name, as the promise constructor receives it.
struct function_name {
    explicit constexpr function_name(const char *t) noexcept : text(t) {} // explicit: no argument converts
    const char *text;
};

template <class A>
decltype(auto) await_operation(node &self, A &&a);

template <class T>
class coroutine_promise : private node, public return_slot<T> {
    using handle_type = std::coroutine_handle<coroutine_promise>;
    static constexpr generator_info info{&typeid(coroutine<T>), &typeid(object), true};

public:
    // The name in "coroutine '…' was never awaited": the coroutine function's own name, which the
    // compiler puts in the default argument at the coroutine's call (set_qualname overrides it). The
    // parameter is a type no argument converts to: the compiler first tries the promise constructor with
    // the coroutine's own arguments, and a `const char *` parameter would take a coroutine's text
    // argument (or an object convertible to one) for its name. (Parentheses, not braces: GCC 12 gives
    // __builtin_FUNCTION() in a braced default argument the declaring function's name, not the caller's.)
#if defined(__GNUC__) || defined(__clang__)
    explicit coroutine_promise(function_name name = function_name(__builtin_FUNCTION())) noexcept
#else
    explicit coroutine_promise(function_name name = function_name("coroutine")) noexcept
#endif
        : node(handle_type::from_promise(*this), info), qualname(name.text) {
    }

    static void *operator new(std::size_t n) { return allocate_frame(n); }
    static void operator delete(void *p, std::size_t n) noexcept { deallocate_frame(p, n); }

    coroutine<T> get_return_object() noexcept;
    static std::suspend_always initial_suspend() noexcept { return {}; } // K1: calling runs nothing
    static final_awaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { error = std::current_exception(); }

    // `async def` with `yield` is an async generator, a different type (twoway::async_generator).
    template <class U>
    void yield_value(U &&) = delete;

    // What `co_await x` does in a coroutine body (await_operation below); anything else is Python's
    // TypeError "object int can't be used in 'await' expression", here at compile time.
    template <class A>
        requires await_operand<A>
    decltype(auto) await_transform(A &&a) {
        return await_operation(static_cast<node &>(*this), std::forward<A>(a));
    }
    template <class A>
        requires(!await_operand<A>)
    void await_transform(A &&) = delete;

    const char *qualname;

private:
    friend struct node_access;
    friend class coroutine<T>;
};

// Awaiter of `co_await c` for a coroutine c: c's chain joins the awaiting one and runs; its final
// suspension hands control back here with its return value or its error. Like a generator delegation it
// refers to c's frame, so a borrowed coroutine object may be moved or destroyed meanwhile.
template <class Child, bool Owned>
class coroutine_delegation {
    using result_type = typename Child::return_type;
    struct nothing {};

public:
    coroutine_delegation(node &self, Child &&child)
        requires Owned
        : self_(&self), owned_(std::move(child)), frame_(generator_access::frame(owned_)) {}
    coroutine_delegation(node &self, Child &child)
        requires(!Owned)
        : self_(&self), frame_(generator_access::frame(child)) {}
    coroutine_delegation(const coroutine_delegation &) = delete;
    coroutine_delegation &operator=(const coroutine_delegation &) = delete;

    ~coroutine_delegation() {
        if (!has_frame(frame_)) return;
        node &c = child();
        if (c.parent == self_) c.detach(); // the awaiting frame is destroyed mid-await
        if constexpr (!Owned) {
            if (c.options & node::orphaned_option) { // its coroutine object is gone: finalize it now
                c.options &= static_cast<unsigned char>(~node::orphaned_option);
                Child last = generator_access::adopt<Child>(frame_);
            }
        }
    }

    bool await_ready() {
        if (!frame_) throw value_error(messages::empty_coroutine);
        if (!has_frame(frame_)) throw runtime_error(messages::coroutine_reused);
        node &c = child();
        if (c.chain_running()) throw value_error(messages::coroutine_already_executing);
        if (c.delegated()) throw runtime_error(messages::coroutine_awaited_already);
        if (c.closed()) throw runtime_error(messages::coroutine_reused); // K13: await once
        return false;
    }

    void await_suspend(std::coroutine_handle<>) noexcept { self_->link(child()); }

    result_type await_resume() {
        node *r = self_->root;
        if (r->sent == raise_pending) std::rethrow_exception(r->take_pending_raise()); // raised here by close
        node &c = child();
        if (c.error) {
            if (c.options & node::inline_option) std::rethrow_exception(c.error.take());
            raise_from_frame(c.error.take(), true);
        }
        if constexpr (std::is_void_v<result_type>)
            return;
        else if constexpr (std::is_same_v<result_type, none_t>) // maybe<none_t> cannot tell None from None
            return (void)frame_.promise().take_return(), none;
        else if constexpr (std::is_same_v<result_type, object>)
            return object(frame_.promise().take_return());
        else
            return *frame_.promise().take_return();
    }

private:
    node &child() noexcept { return node_access::of(frame_.promise()); }

    node *self_;
    [[no_unique_address]] std::conditional_t<Owned, Child, nothing> owned_;
    typename Child::handle_type frame_;
};

// The awaiter of `co_await a` in a body whose node is self (a coroutine's, an async generator's):
// - a coroutine: delegation on the chain (K11);
// - a generator-based coroutine (@types.coroutine): its yields go to the driver (K16);
// - a future, a task, an Asio operation, an async generator's asend/athrow/aclose: its own awaiter;
// - an object with Python's __await__ (K12): the iterator it returns is delegated to.
template <class A>
decltype(auto) await_operation(node &self, A &&a) {
    using Operand = std::remove_cvref_t<A>;
    constexpr bool owned = !std::is_lvalue_reference_v<A>;
    if constexpr (is_coroutine<Operand>::value) {
        if constexpr (owned)
            return coroutine_delegation<Operand, true>(self, std::move(a));
        else
            return coroutine_delegation<Operand, false>(self, a);
    } else if constexpr (generator_coroutine<Operand>) {
        if constexpr (owned)
            return generator_delegation<object, object, Operand, true>(self, std::move(a));
        else
            return generator_delegation<object, object, Operand, false>(self, a);
    } else if constexpr (awaitable_operand<A>) {
        return std::forward<A>(a).make_awaiter(self);
    } else {
        using I = decltype(a.await_iter());
        // Python raises these TypeErrors at the await; here they are compile-time errors.
        static_assert(!is_coroutine<I>::value, "co_await: __await__() returned a coroutine (await_iter() must return "
                                               "an iterator object or a generator<object, object, R>)");
        static_assert(is_coroutine<I>::value || generator_coroutine<I> || requires(I &i) { i.next(); },
                      "co_await: __await__() returned non-iterator (await_iter() must return an iterator object "
                      "with next() or a generator<object, object, R>)");
        if constexpr (generator_coroutine<I>)
            return generator_delegation<object, object, I, true>(self, a.await_iter());
        else
            return foreign_delegation_awaiter<object, object, I, true, false>(self, a.await_iter());
    }
}

} // namespace detail
} // namespace twoway
