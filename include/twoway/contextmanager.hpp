// twoway/contextmanager.hpp — contextlib.contextmanager: a generator with one yield as a scoped resource.
//
//   twoway::generator<std::string> managed_resource() {
//       std::cout << "Acquiring resource\n";
//       try { co_yield "resource"; } catch (...) { release(); throw; }   // the block's error arrives here
//       release();
//   }
//   auto managed = twoway::contextmanager(managed_resource);
//   twoway::with(managed(), [](std::string &r) { use(r); });   // Python: with managed_resource() as r:
//
// A C++ destructor cannot see the exception that is unwinding through it, so the with-statement is a
// function that runs the block: with(cm, body) enters (next), runs body(resource), and on an exception
// throws that very exception into the generator at its yield (contextlib's __exit__), suppressing it
// only if the generator swallows it and finishes (rules M1-M13). enter()/exit() are the low-level
// protocol (__enter__/__exit__). See docs/contextmanager.md.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "twoway/exceptions.hpp"
#include "twoway/generator.hpp"
#include "twoway/none.hpp"
#include "twoway/stop_iteration.hpp"

namespace twoway {

namespace detail {

// The address of an exception object (tests compare it with what a handler caught). Identity checks
// compare exception_ptrs instead: equal exactly when they point to the same object, of any type.
inline const void *exception_address(const std::exception_ptr &e) noexcept {
    if (!e) return nullptr;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception &x) {
        return &x;
    } catch (const generator_exit &x) {
        return &x;
    } catch (...) {
        return nullptr; // an exception of a non-class type has no identity to compare
    }
}

// The recreate function of a context manager whose function can take its arguments only as rvalues (a
// move-only argument by value, an rvalue-reference parameter): only the first generator could have them.
template <class G>
struct not_recreatable {
    static constexpr const char *message =
        "this context_manager cannot be recreated: its function takes an argument only as an rvalue "
        "(a move-only argument, or an rvalue-reference parameter), which only the first generator could have";
    std::shared_ptr<const void> arguments; // the first generator may refer to them
    G operator()() const { throw type_error(message); }
};

// Raises `error` with `context` as its std::nested_exception (Python's __context__).
template <class E>
[[noreturn]] void raise_with_context(E error, const std::exception_ptr &context) {
    if (!context) throw error;
    try {
        std::rethrow_exception(context);
    } catch (...) {
        std::throw_with_nested(std::move(error));
    }
}

} // namespace detail

// Python's _GeneratorContextManager. Single use (M3).
template <class Y, class S = void, class R = void>
class context_manager {
public:
    using resource_type = Y;

    explicit context_manager(generator<Y, S, R> gen, std::function<generator<Y, S, R>()> recreate = {})
        : recreate_(std::move(recreate)), gen_(std::move(gen)) {}
    context_manager(context_manager &&) noexcept = default;
    // The generator first: it may refer to the arguments that the old recreate_ keeps alive.
    context_manager &operator=(context_manager &&other) noexcept {
        gen_ = std::move(other.gen_);
        recreate_ = std::move(other.recreate_);
        entered_ = other.entered_;
        return *this;
    }

    // __enter__ (M2): the first yielded value. A generator that finishes without yielding gives
    // RuntimeError("generator didn't yield") with the StopIteration as its context (Python: `from None`).
    Y enter() {
        if (entered_) throw attribute_error("'_GeneratorContextManager' object has no attribute 'args'"); // M3
        entered_ = true;
        try {
            return gen_.next();
        } catch (const stop_iteration<> &) {
            std::throw_with_nested(runtime_error("generator didn't yield"));
        }
    }

    // __exit__ (M4-M13). `value` is the exception that left the block, or null for a normal exit.
    // Returns true to suppress it; false means "re-raise the original".
    bool exit(std::exception_ptr value = nullptr) {
        if (!value) {
            try {
                (void)gen_.next();
            } catch (const stop_iteration<> &) {
                return false; // M4
            }
            gen_.close(); // its finally blocks run before the error propagates
            throw runtime_error("generator didn't stop");
        }
        try {
            (void)gen_.throw_exception(value); // M5: the same object, at the generator's yield
        } catch (const stop_iteration<> &) {
            // M7: the generator caught it and finished: suppress (unless the StopIteration *is* value)
            return std::current_exception() != value;
        } catch (const std::runtime_error &exc) {
            if (std::current_exception() == value) return false; // M10
            if (auto *nested = dynamic_cast<const std::nested_exception *>(&exc)) {
                // M10: the PEP 479 rewrite of a StopIteration from the block gives back the original.
                if (is_stop_iteration(value) && nested->nested_ptr() == value)
                    return false;
            }
            throw;
        } catch (...) {
            if (std::current_exception() != value) throw; // M9
            return false; // M8: the very exception came back: propagate the original
        }
        gen_.close(); // M6: it yielded again
        detail::raise_with_context(runtime_error("generator didn't stop after throw()"), value);
    }

    // ContextDecorator (M3 _recreate_cm): f wrapped so that every call runs inside a fresh context manager
    // made the way this one was made.
    template <class F>
    auto decorate(F f) const {
        if (!recreate_) throw value_error("this context_manager was not made by twoway::contextmanager(): it cannot be recreated");
        if (recreate_.template target<detail::not_recreatable<generator<Y, S, R>>>())
            throw type_error(detail::not_recreatable<generator<Y, S, R>>::message);
        return [recreate = recreate_, f = std::move(f)]<class... A>(A &&...args) {
            context_manager fresh(recreate(), recreate);
            return with(fresh, [&](Y &) { return std::invoke(f, std::forward<A>(args)...); });
        };
    }

private:
    static bool is_stop_iteration(const std::exception_ptr &e) {
        try {
            std::rethrow_exception(e);
        } catch (const stop_iteration<> &) {
            return true;
        } catch (...) {
            return false;
        }
    }

    std::function<generator<Y, S, R>()> recreate_; // before gen_, so that it outlives it (see contextmanager())
    generator<Y, S, R> gen_;
    bool entered_ = false;
};

namespace detail {
template <class G>
using context_manager_for = context_manager<typename G::yield_type, typename G::send_type, typename G::return_type>;

// A kept argument passed on as it was given: an lvalue as an lvalue, an rvalue (kept by value) as an rvalue.
template <class A, class T>
decltype(auto) as_given(T &kept) noexcept {
    if constexpr (std::is_lvalue_reference_v<A>)
        return (kept);
    else
        return std::move(kept);
}
} // namespace detail

// @contextmanager: wraps a generator function. Calling the result creates the generator at once (M1:
// argument errors appear at call time) and returns its context_manager.
// The arguments are kept as given, never copied here: rvalues moved in, lvalues by reference (they must
// outlive the context manager), as Python keeps references to the same objects. Every generator gets them
// as lvalues, so that decorate() can make more: a by-value parameter copies, a reference parameter refers
// to the kept object, which lives as long as the context manager or its decorated functions. A function
// that takes them only as rvalues (a move-only argument) gets them moved in once: that context manager
// works, and decorate() raises type_error.
template <class F>
auto contextmanager(F f) {
    return [f = std::move(f)]<class... A>(A &&...args) {
        auto kept = std::make_shared<std::tuple<A...>>(std::forward<A>(args)...);
        if constexpr (std::is_invocable_v<const F &, std::remove_reference_t<A> &...>) {
            using gen_t = std::invoke_result_t<const F &, std::remove_reference_t<A> &...>;
            static_assert(detail::is_generator<gen_t>::value, "twoway::contextmanager wraps a function that returns a twoway::generator");
            std::function<gen_t()> recreate = [f, kept] { return std::apply(f, *kept); };
            gen_t gen = recreate();
            return detail::context_manager_for<gen_t>(std::move(gen), std::move(recreate));
        } else {
            static_assert(std::is_invocable_v<const F &, A...>, "twoway::contextmanager: the function cannot be called with these arguments");
            using gen_t = std::invoke_result_t<const F &, A...>;
            static_assert(detail::is_generator<gen_t>::value, "twoway::contextmanager wraps a function that returns a twoway::generator");
            gen_t gen = std::apply([&](auto &...a) { return std::invoke(f, detail::as_given<A>(a)...); }, *kept);
            return detail::context_manager_for<gen_t>(std::move(gen), detail::not_recreatable<gen_t>{std::move(kept)});
        }
    };
}

// The with-statement: enter, run the block, exit. The block gets the resource (or nothing, if it takes no
// argument). What the block returns is returned, as maybe<T> (None when its exception was suppressed);
// a void block gives void.
template <class CM, class Body>
auto with(CM &&cm, Body &&body) {
    decltype(auto) resource = cm.enter(); // a value (contextmanager) or a reference (closing)
    auto run = [&]() -> decltype(auto) {
        if constexpr (std::is_invocable_v<Body &, std::remove_reference_t<decltype(resource)> &>)
            return std::invoke(body, resource);
        else
            return std::invoke(body);
    };
    using result = decltype(run());
    if constexpr (std::is_void_v<result>) {
        try {
            run();
        } catch (...) {
            if (!cm.exit(std::current_exception())) throw; // the original object propagates (M8)
            return;                                        // suppressed (M7)
        }
        (void)cm.exit(nullptr);
    } else {
        maybe<std::remove_cvref_t<result>> out;
        try {
            out = run();
        } catch (...) {
            if (!cm.exit(std::current_exception())) throw;
            return out; // suppressed: None
        }
        (void)cm.exit(nullptr);
        return out;
    }
}

} // namespace twoway
