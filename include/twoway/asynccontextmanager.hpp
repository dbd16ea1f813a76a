// twoway/asynccontextmanager.hpp — contextlib.asynccontextmanager: an async generator with one yield as
// a scoped resource, for `async with` (twoway/async_with.hpp).
//
//   twoway::async_generator<std::string> connection(std::string host) {
//       auto c = co_await open(host);
//       std::exception_ptr error;
//       try { co_yield c.name(); } catch (...) { error = std::current_exception(); }  // the block's error
//       co_await c.close();                                                            // (no co_await in a handler)
//       if (error) std::rethrow_exception(error);
//   }
//   auto managed = twoway::asynccontextmanager(connection);
//   co_await twoway::async_with(managed("db"), [&](std::string &name) -> twoway::coroutine<void> { ... });
//
// aenter()/aexit() are __aenter__/__aexit__ with contextlib 3.13's rules (X1-X12): the block's exception
// is thrown into the generator at its yield as the very object, suppressed only if the generator
// swallows it and finishes. See docs/contextmanager.md.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "twoway/async_generator.hpp"
#include "twoway/async_with.hpp"
#include "twoway/contextmanager.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/none.hpp"

namespace twoway {

namespace detail {
// contextlib's three except clauses of __aexit__ after athrow(value) raised `raised`: true/false to
// suppress or not, or the exception re-raised.
inline bool classify_athrow_error(const std::exception_ptr &raised, const std::exception_ptr &value) {
    try {
        std::rethrow_exception(raised);
    } catch (const stop_async_iteration &) {
        return raised != value; // X7: it caught the exception and finished
    } catch (const std::runtime_error &exc) {
        if (raised == value) return false; // X8
        if (auto *nested = dynamic_cast<const std::nested_exception *>(&exc)) {
            // X11: PEP 479's rewrite of a StopIteration/StopAsyncIteration from the block gives back the original
            if (nested->nested_ptr() == value) {
                try {
                    std::rethrow_exception(value);
                } catch (const stop_iteration<> &) {
                    return false;
                } catch (const stop_async_iteration &) {
                    return false;
                } catch (...) {
                }
            }
        }
        throw;
    } catch (...) {
        if (raised != value) throw; // X9
        return false;               // X8: the very exception came back
    }
}

// What a decorated call returns for f's coroutine<R>: maybe<R> (None when suppressed), or void.
template <class C>
struct decorated_result;
template <class R>
struct decorated_result<coroutine<R>> {
    using type = maybe<R>;
};
template <>
struct decorated_result<coroutine<void>> {
    using type = void;
};

[[noreturn]] inline void raise_didnt_yield() {
    try {
        throw stop_async_iteration();
    } catch (...) { // Python: raise RuntimeError(...) from None — the StopAsyncIteration stays its context
        std::throw_with_nested(runtime_error("generator didn't yield"));
    }
}
} // namespace detail

// Python's _AsyncGeneratorContextManager. Single use (X4).
template <class Y, class S = void>
class async_context_manager {
public:
    using resource_type = Y;

    explicit async_context_manager(async_generator<Y, S> gen, std::function<async_generator<Y, S>()> recreate = {})
        : recreate_(std::move(recreate)), gen_(std::move(gen)) {}
    async_context_manager(async_context_manager &&) noexcept = default;
    async_context_manager &operator=(async_context_manager &&other) noexcept {
        gen_ = std::move(other.gen_); // the generator first: it may refer to the arguments recreate_ keeps
        recreate_ = std::move(other.recreate_);
        entered_ = other.entered_;
        return *this;
    }

    // __aenter__ (X1, X2, X4): the first yielded value.
    coroutine<Y> aenter() {
        if (entered_) throw attribute_error("'_AsyncGeneratorContextManager' object has no attribute 'args'");
        entered_ = true;
        std::optional<Y> first = co_await detail::anext_or_end(gen_); // a yielded None is a value
        if (!first) detail::raise_didnt_yield();
        co_return std::move(*first);
    }

    // __aexit__ (X3, X6-X12). `value` is the exception that left the block, or null for a normal exit.
    // true suppresses it; false means "re-raise the original".
    coroutine<bool> aexit(std::exception_ptr value = nullptr) {
        if (!value) {
            std::optional<Y> again = co_await detail::anext_or_end(gen_); // an error from the generator propagates
            if (!again) co_return false;                                   // X3
            co_await gen_.aclose(); // Python's `finally`: its cleanup runs before the error propagates
            throw runtime_error("generator didn't stop");
        }
        std::exception_ptr raised;
        try {
            (void)co_await gen_.athrow(value); // X6: the very object, at the generator's yield
        } catch (...) {
            raised = std::current_exception();
        }
        if (raised) co_return detail::classify_athrow_error(raised, value);
        co_await gen_.aclose(); // X10: it yielded again (or had finished: athrow gave None)
        detail::raise_with_context(runtime_error("generator didn't stop after athrow()"), value);
    }
    // Python: __aexit__(E, None, None): the class is instantiated and thrown in (X12).
    template <class E>
    coroutine<bool> aexit() {
        return aexit(std::make_exception_ptr(E()));
    }

    // AsyncContextDecorator (X5): f wrapped so that every call runs inside a fresh context manager made the
    // way this one was made. f returns a coroutine<R>; the wrapped call returns coroutine<maybe<R>> (None
    // when the generator suppressed f's exception), or coroutine<void> for a void R.
    template <class F>
    auto decorate(F f) const {
        if (!recreate_)
            throw value_error("this async_context_manager was not made by twoway::asynccontextmanager(): it cannot be recreated");
        if (recreate_.template target<detail::not_recreatable<async_generator<Y, S>>>())
            throw type_error(detail::not_recreatable<async_generator<Y, S>>::message);
        return [recreate = recreate_, f = std::move(f)]<class... A>(A &&...args) {
            return run_decorated(recreate, f, std::forward<A>(args)...);
        };
    }

private:
    // The arguments are parameters of the coroutine, copied into its frame: a temporary decorated
    // callable or temporary arguments cannot dangle while it runs.
    template <class F, class... A>
    static auto run_decorated(std::function<async_generator<Y, S>()> recreate, F f, A... args)
        -> coroutine<typename detail::decorated_result<std::invoke_result_t<F &, A &...>>::type> {
        async_context_manager fresh(recreate(), recreate);
        auto block = [&](auto &&) { return std::invoke(f, args...); };
        co_return co_await twoway::async_with(fresh, block);
    }

    std::function<async_generator<Y, S>()> recreate_; // before gen_, so that it outlives it
    async_generator<Y, S> gen_;
    bool entered_ = false;
};

namespace detail {
template <class G>
using async_context_manager_for = async_context_manager<typename G::yield_type, typename G::send_type>;
} // namespace detail

// @asynccontextmanager: wraps an async generator function. Calling the result creates the generator at
// once and returns its async_context_manager; the arguments are kept as contextmanager() keeps them
// (rvalues moved in, lvalues by reference) so that decorate() can make more.
template <class F>
auto asynccontextmanager(F f) {
    return [f = std::move(f)]<class... A>(A &&...args) {
        auto kept = std::make_shared<std::tuple<A...>>(std::forward<A>(args)...);
        if constexpr (std::is_invocable_v<const F &, std::remove_reference_t<A> &...>) {
            using gen_t = std::invoke_result_t<const F &, std::remove_reference_t<A> &...>;
            static_assert(isasyncgen<gen_t>, "twoway::asynccontextmanager wraps a function that returns a twoway::async_generator");
            std::function<gen_t()> recreate = [f, kept] { return std::apply(f, *kept); };
            gen_t gen = recreate();
            return detail::async_context_manager_for<gen_t>(std::move(gen), std::move(recreate));
        } else {
            static_assert(std::is_invocable_v<const F &, A...>, "twoway::asynccontextmanager: the function cannot be called with these arguments");
            using gen_t = std::invoke_result_t<const F &, A...>;
            static_assert(isasyncgen<gen_t>, "twoway::asynccontextmanager wraps a function that returns a twoway::async_generator");
            gen_t gen = std::apply([&](auto &...a) { return std::invoke(f, detail::as_given<A>(a)...); }, *kept);
            return detail::async_context_manager_for<gen_t>(std::move(gen), detail::not_recreatable<gen_t>{std::move(kept)});
        }
    };
}

} // namespace twoway
