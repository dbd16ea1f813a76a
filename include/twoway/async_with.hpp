// twoway/async_with.hpp — Python's `async with` statement (PEP 492), for coroutines.
//
//   Python:  async with cm as target:          twoway:  R r = co_await twoway::async_with(cm,
//                body                                       [&](auto target) -> twoway::coroutine<R> { ...; co_return r; });
//
// An asynchronous context manager has `aenter()` and `aexit(std::exception_ptr)` (Python's __aenter__ and
// __aexit__), each returning a coroutine<T> or one of the library's awaitables (a lock's are frame-less). The body is a coroutine awaited inline: the
// same task, no extra pass of the loop, the same current_task(). A destructor cannot play __aexit__: it
// neither sees the exception nor can it suspend.
//
// Semantics: if aenter raises, aexit is not called. If the body raises, aexit receives the exception; an
// aexit that returns bool may suppress it (then async_with returns maybe<R>, None when suppressed), an aexit
// that returns nothing never does and the same exception object propagates. A void body gives void. What aexit raises replaces
// the body's exception. Without an exception, aexit is awaited with a null exception_ptr.
//
// The statement and its block are not Python frames: what the block raises reaches aexit, and what the
// statement re-raises reaches its awaiter, as the same object, without the rewrite a coroutine frame
// applies to a StopIteration leaving it (K10).
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "twoway/coroutine.hpp"
#include "twoway/none.hpp"

namespace twoway {

namespace detail {

template <class A>
struct awaited_type;
template <class T>
struct awaited_type<coroutine<T>> {
    using type = T;
};
// The library's frame-less awaitables (a lock's aenter, a timeout's aexit): what their awaiter gives.
template <class A>
    requires awaitable_operand<A>
struct awaited_type<A> {
    using type = decltype(std::declval<A>().make_awaiter(std::declval<node &>()).await_resume());
};

// An aenter/aexit that never suspends: f() runs when the operation is awaited (not when it is made, as
// the body of an `async def` would), without a coroutine frame.
template <class F>
struct ready_call {
    using twoway_awaitable = void;
    F f;
    struct awaiter {
        F f;
        bool await_ready() const noexcept { return true; }
        void await_suspend(std::coroutine_handle<>) const noexcept {}
        decltype(auto) await_resume() { return f(); }
    };
    awaiter make_awaiter(node &) && { return awaiter{std::move(f)}; }
};
template <class F>
ready_call(F) -> ready_call<F>;

// An operation whose result an aenter does not return (Lock.__aenter__ acquires, and returns None).
template <class Op>
struct discard_result {
    using twoway_awaitable = void;
    Op op;
    template <class Awaiter>
    struct awaiter {
        Awaiter a;
        bool await_ready() { return a.await_ready(); }
        auto await_suspend(std::coroutine_handle<> h) { return a.await_suspend(h); }
        void await_resume() { (void)a.await_resume(); }
    };
    auto make_awaiter(node &self) && {
        using A = decltype(std::move(op).make_awaiter(self));
        return awaiter<A>{std::move(op).make_awaiter(self)};
    }
};

template <class CM>
using aenter_type = typename awaited_type<std::remove_cvref_t<decltype(std::declval<CM &>().aenter())>>::type;
template <class CM>
using aexit_type =
    typename awaited_type<std::remove_cvref_t<decltype(std::declval<CM &>().aexit(std::exception_ptr()))>>::type;

// The body takes the target (None for an aenter without a value), or nothing.
template <class Body, class Target>
decltype(auto) invoke_body(Body &body, Target &&target) {
    if constexpr (std::is_invocable_v<Body &, Target &&>)
        return body(std::forward<Target>(target));
    else if constexpr (std::is_invocable_v<Body &, std::remove_reference_t<Target> &>)
        return body(target); // `as name` binds a name: a block may take it by reference
    else
        return body();
}

template <class CM, class Body>
using with_body_result =
    typename awaited_type<std::remove_cvref_t<decltype(invoke_body(std::declval<Body &>(),
                                                                    std::declval<std::conditional_t<std::is_void_v<aenter_type<CM>>, none_t, aenter_type<CM>>>()))>>::type;

template <class R>
using with_value = std::conditional_t<std::is_void_v<R>, none_t, R>;

// Where the target lives while the block runs: a value in the statement's frame, or the object an aenter
// returned by reference (aclosing's target is the thing itself).
template <class E>
struct with_target {
    std::optional<with_value<E>> held;
    template <class T>
    void set(T &&t) {
        held.emplace(std::forward<T>(t));
    }
    with_value<E> &&get() { return std::move(*held); }
};
template <class E>
    requires std::is_lvalue_reference_v<E>
struct with_target<E> {
    std::remove_reference_t<E> *held = nullptr;
    void set(E t) noexcept { held = std::addressof(t); }
    E get() const noexcept { return *held; }
};

// The block, marked as part of the statement's frame when it is a coroutine.
template <class A>
A &&inline_block(A &&block) noexcept {
    if constexpr (is_coroutine<std::remove_cvref_t<A>>::value) coroutine_access::mark_inline(block);
    return std::forward<A>(block);
}

// The body's outcome, kept while aexit runs (a coroutine cannot co_await inside a catch handler).
template <class CM, class Body, class Result, class Held>
coroutine<Result> async_with_impl(Held cm, Body body) {
    using R = with_body_result<CM, Body>;
    using E = aenter_type<CM>;
    constexpr bool may_suppress = std::is_same_v<aexit_type<CM>, bool>;
    std::exception_ptr error;
    std::conditional_t<std::is_void_v<R>, bool, maybe<with_value<R>>> value{};
    {
        with_target<E> target;
        if constexpr (std::is_void_v<E>) {
            co_await cm.aenter();
            target.set(none);
        } else if constexpr (std::is_lvalue_reference_v<E>) {
            E t = co_await cm.aenter();
            target.set(t);
        } else {
            E t = co_await cm.aenter();
            target.set(std::move(t));
        }
        try {
            if constexpr (std::is_void_v<R>) {
                co_await inline_block(invoke_body(body, target.get()));
                value = true;
            } else {
                R r = co_await inline_block(invoke_body(body, target.get()));
                value = std::move(r);
            }
        } catch (...) {
            error = std::current_exception();
        }
    }
    if (error) {
        if constexpr (may_suppress) {
            const bool suppress = co_await cm.aexit(error);
            if (suppress) {
                if constexpr (std::is_void_v<Result>)
                    co_return;
                else
                    co_return Result();
            }
        } else {
            co_await cm.aexit(error);
        }
        std::rethrow_exception(error);
    }
    co_await cm.aexit(std::exception_ptr());
    if constexpr (!std::is_void_v<R>) {
        if constexpr (may_suppress)
            co_return Result(std::move(*value));
        else
            co_return std::move(*value);
    }
}

} // namespace detail

// Python: `async with cm as target: body`. A manager given as an lvalue is referred to (it must outlive the
// await), one given as an rvalue (`async_with(timeout(1), ...)`) is moved into the statement's frame, as is
// the body.
template <class CMArg, class Body>
auto async_with(CMArg &&cm, Body body) {
    using CM = std::remove_reference_t<CMArg>;
    using Held = std::conditional_t<std::is_lvalue_reference_v<CMArg>, CM &, CM>;
    using R = detail::with_body_result<CM, Body>;
    if constexpr (std::is_same_v<detail::aexit_type<CM>, bool> && !std::is_void_v<R>) {
        auto statement = detail::async_with_impl<CM, Body, maybe<detail::with_value<R>>, Held>(std::forward<CMArg>(cm), std::move(body));
        detail::coroutine_access::mark_inline(statement);
        return statement;
    } else {
        auto statement = detail::async_with_impl<CM, Body, R, Held>(std::forward<CMArg>(cm), std::move(body));
        detail::coroutine_access::mark_inline(statement);
        return statement;
    }
}

} // namespace twoway
