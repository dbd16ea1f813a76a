// twoway/primed.hpp — the article's @primed decorator: a generator already advanced to its first yield,
// so that its first call can be send(v).
//
//   auto g = twoway::primed(echo());              // prime one generator
//   auto make_echo = twoway::primed_fn(echo);     // or wrap the generator function, like @primed
//   auto g2 = make_echo();
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
    return [f = std::move(f)]<class... A>(A &&...args) { return primed(std::invoke(f, std::forward<A>(args)...)); };
}

} // namespace twoway
