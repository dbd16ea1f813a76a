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
// next(), send(v), throw_exception(e), close() and the states follow CPython 3.13 (docs/fidelity.md is
// the rule-by-rule record). step()/step(v)/step_throw(e) are the non-throwing counterparts. This header is
// the outline; the machinery is in detail/generator.hpp and detail/generator_impl.hpp.
#pragma once

#include <coroutine>
#include <exception>
#include <iterator>
#include <optional>
#include <ranges>
#include <type_traits>
#include <vector>

#include "twoway/detail/generator.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/generator_state.hpp"
#include "twoway/none.hpp"
#include "twoway/step_result.hpp"
#include "twoway/stop_iteration.hpp"
#include "twoway/subiterator.hpp"
#include "twoway/unraisable.hpp"

namespace twoway {

// `co_await twoway::no_exit_handlers;` in a generator body declares that nothing in it observes
// GeneratorExit: no catch (generator_exit), no catch (...) around a yield, no use of close()'s return
// value. close() and the destructor then destroy a suspended frame directly (its locals are destroyed
// in the same order) instead of raising GeneratorExit in it, which costs a C++ exception. Debug builds
// (TWOWAY_VERIFY_NO_EXIT_HANDLERS, on unless NDEBUG) check the declaration and abort if it was false.
// See docs/performance.md and docs/differences.md.
inline constexpr detail::no_exit_handlers_t no_exit_handlers{0};

template <class Y, class S, class R>
class [[nodiscard]] generator : public std::ranges::view_base {
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
    using promise_type = detail::generator_promise<Y, S, R>;
    using handle_type = std::coroutine_handle<promise_type>;
    using iterator = detail::generator_iterator<generator>;

    generator() noexcept = default;
    generator(generator &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    generator &operator=(generator &&o) noexcept;
    ~generator() {
        if (!finished_frame_freed()) release();
    }

    // Python: next(g) / g.send(None). The next yielded value; raises stop_type when the generator returns.
    TWOWAY_HOT_INLINE Y next() { return resume_value(nullptr); }
    // Python: g.send(v). The value is moved into the generator's co_yield.
    TWOWAY_HOT_INLINE Y send(detail::send_arg<S> v)
        requires(!std::is_void_v<S>)
    {
        return resume_value(std::addressof(v));
    }
    Y send(none_t) { return next(); } // N2
    // Relays what a co_yield received: None is next(), a value is send(v) (the priming rule applies to it).
    template <class M>
        requires(!std::is_void_v<S> && std::is_same_v<std::remove_cvref_t<M>, maybe<detail::send_arg<S>>>)
    Y send(M &&v) {
        return v.is_none() ? next() : send(*std::forward<M>(v));
    }

    // Python: g.throw(e): raises e at the suspension point (T4-T13). C++ copies an exception by its static
    // type: inside a handler, pass std::current_exception() to rethrow the exception being handled.
    template <class E>
        requires(!std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>)
    Y throw_exception(E &&e) {
        return value_or_raise(resume_throw(std::make_exception_ptr(std::forward<E>(e)), exit_kind_of<E>()));
    }
    template <class E>
    Y throw_exception() { // T3: a class argument is instantiated with no arguments
        return throw_exception(E());
    }
    Y throw_exception(std::exception_ptr e) { return value_or_raise(resume_throw(checked(std::move(e)), exit_kind::unknown)); }

    // Python 3.13: g.close(). The return value if the generator returned one while handling GeneratorExit
    // (C5), None otherwise.
    return_value_t<R> close();

    // Non-throwing stepping: normal termination is a value, not an exception; errors still propagate.
    step_result<Y, R> step() { return step_or_raise(resume(nullptr)); }
    step_result<Y, R> step(detail::send_arg<S> v)
        requires(!std::is_void_v<S>)
    {
        return step_or_raise(resume(std::addressof(v)));
    }
    template <class M>
        requires(!std::is_void_v<S> && std::is_same_v<std::remove_cvref_t<M>, maybe<detail::send_arg<S>>>)
    step_result<Y, R> step(M &&v) {
        return v.is_none() ? step() : step(*std::forward<M>(v));
    }
    template <class E>
    step_result<Y, R> step_throw(E &&e) {
        if constexpr (std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>)
            return step_or_raise(resume_throw(checked(std::forward<E>(e)), exit_kind::unknown));
        else
            return step_or_raise(resume_throw(std::make_exception_ptr(std::forward<E>(e)), exit_kind_of<E>()));
    }

    // Python: inspect.getgeneratorstate(g), gi_running, gi_suspended.
    [[nodiscard]] generator_state state() const noexcept;
    [[nodiscard]] bool running() const noexcept { return state() == generator_state::running; }
    [[nodiscard]] bool suspended() const noexcept { return state() == generator_state::suspended; }
    [[nodiscard]] bool empty() const noexcept { return !h_; } // moved-from or default-constructed
    // Identity of the generator (its frame), like Python's id(g); null once the frame is gone.
    [[nodiscard]] const void *address() const noexcept { return detail::has_frame(h_) ? h_.address() : nullptr; }

    // Python: g.gi_yieldfrom — the direct subiterator while suspended in a delegation (S6).
    [[nodiscard]] std::optional<subiterator> yield_from() const noexcept;
    // Python's walk of gi_yieldfrom down the chain: every subiterator, from this generator's to the innermost.
    [[nodiscard]] std::vector<subiterator> delegation_chain() const;

    // A Python for-loop: each step sends None; the end swallows the return value (R5).
    iterator begin();
    std::default_sentinel_t end() const noexcept { return {}; }

private:
    friend struct detail::generator_access;
    friend iterator;
    explicit generator(handle_type h) noexcept : h_(h) {}

    enum class exit_kind { no, yes, unknown }; // whether a thrown exception is a generator_exit
    template <class E>
    static constexpr exit_kind exit_kind_of() {
        return std::is_base_of_v<generator_exit, std::remove_cvref_t<E>> ? exit_kind::yes : exit_kind::no;
    }
    static std::exception_ptr checked(std::exception_ptr e);

    TWOWAY_HOT_INLINE Y resume_value(void *sent);                                  // next/send: the fast path, inline
    detail::outcome resume(void *sent);                            // gen_send_ex2 for next/send
    detail::outcome resume_throw(std::exception_ptr e, exit_kind kind); // gen_send_ex2 for throw
    Y value_or_raise(detail::outcome o);
    step_result<Y, R> step_or_raise(detail::outcome o);
    bool advance_for_loop();
    promise_type &idle_promise();
    bool frame_gone() const;            // no frame: false; freed by an abandoning close: true; empty: raises
    Y &yielded_value() const noexcept;  // the value of the last yield
    [[noreturn]] void raise_escaped();  // what escaped the frame, as it must look outside it (PEP 479)
    void destroy_frame(handle_type then) noexcept;
    void abandon() noexcept;
    void release() noexcept;
    bool finished_frame_freed() noexcept; // the common destruction, inline

    handle_type h_;
};

} // namespace twoway

#include "twoway/detail/generator_impl.hpp"
