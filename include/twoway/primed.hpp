// twoway/primed.hpp — the article's @primed decorator: a generator already advanced to its first yield,
// so that its first call can be send(v).
//
//   auto g = twoway::primed(echo());              // prime one generator
//   auto make_echo = twoway::primed_fn(echo);     // or wrap the generator function, like @primed
//   auto g2 = make_echo();
//   const auto upper = twoway::primed([](std::string prefix) -> twoway::generator<std::string, std::string> {
//       ...                                       // or @primed where the body is defined: primed on a
//   });                                           // lambda is primed_fn(lambda)
//
// A lambda given to primed/primed_fn should not capture: a coroutine lambda reads its captures from the
// lambda object, which the generators it makes do not own (C++ Core Guidelines CP.51). Pass what the
// body needs as parameters; they are copied into each generator.
//
// If the generator returns before yielding, priming raises its stop_iteration, as Python's
// decorator lets the StopIteration of next(gen) escape; errors raised before the first yield
// propagate too.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "twoway/generator.hpp"

namespace twoway {

// Advances g to its first yield; the yielded value is handed to on_first (Python's decorator drops it).
template <class Y, class S, class R, class OnFirst>
    requires std::is_invocable_v<OnFirst &, Y &&>
generator<Y, S, R> primed(generator<Y, S, R> g, OnFirst on_first) {
    std::invoke(on_first, g.next());
    return g;
}

template <class Y, class S, class R>
generator<Y, S, R> primed(generator<Y, S, R> g) {
    (void)g.next();
    return g;
}

// Wraps a generator function: each call makes a fresh generator and primes it.
template <class F>
auto primed_fn(F f) {
    return [f = std::move(f)]<class... A>(A &&...args) {
        static_assert(detail::is_generator<std::remove_cvref_t<std::invoke_result_t<const F &, A &&...>>>::value,
                      "twoway::primed(f) / primed_fn(f): f must return a twoway::generator");
        return primed(std::invoke(f, std::forward<A>(args)...));
    };
}

// The decorator written where the body is defined: primed(lambda) is primed_fn(lambda). Only for
// lambdas and other function objects: a function name is an argument whose type names twoway (its
// return type), so argument-dependent lookup would bring this overload into calls of a program's own
// `primed(f)` helper and make them ambiguous. Wrap a named function with primed_fn(f).
template <class F>
    requires(std::is_class_v<std::remove_cvref_t<F>> && !detail::is_generator<std::remove_cvref_t<F>>::value)
auto primed(F &&f) {
    return primed_fn(std::decay_t<F>(std::forward<F>(f)));
}

} // namespace twoway
