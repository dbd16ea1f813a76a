// twoway/yield_from.hpp — Python's `RESULT = yield from EXPR` as `auto result = co_yield twoway::from(expr);`
//
// The operand may be
//   - a twoway generator (moved in to own it, or an lvalue to borrow it): send/next/throw/close are
//     forwarded transparently and its return value is the result, in O(1) per step at any depth;
//   - an iterator object with Python's protocol: next() (ends by throwing stop_iteration<R>), and
//     optionally send(v), throw_exception(std::exception_ptr), close(), `using return_type = R;`.
//     What it lacks behaves as in CPython when the attribute is missing (Y7, Y10, Y12);
//   - any C++ input range: values only, like a Python list or range; the result is None.
// See docs/yield-from.md for the rule-by-rule mapping.
#pragma once

#include <ranges>
#include <type_traits>
#include <utility>

#include "twoway/detail/yield_from.hpp"
#include "twoway/generator.hpp"

namespace twoway {

// An object that speaks Python's iterator protocol: next() returns a value or throws stop_iteration.
template <class T>
concept python_iterator = requires(T &t) { t.next(); } && !detail::is_generator<std::remove_cvref_t<T>>::value;

// co_yield twoway::from(x): delegate to x until it is exhausted; the expression's value is x's return
// value (maybe<R>, or none_t when x has no return value). An lvalue is borrowed, an rvalue is owned.
template <class T>
auto from(T &&x) {
    using Op = std::remove_cvref_t<T>;
    constexpr bool owned = !std::is_lvalue_reference_v<T>;
    static_assert(!std::is_const_v<std::remove_reference_t<T>>, "twoway::from: the operand must not be const");
    if constexpr (detail::is_generator<Op>::value) {
        return detail::generator_operand<Op, owned>{std::forward<T>(x)};
    } else if constexpr (python_iterator<Op>) {
        return detail::foreign_operand<Op, owned, false>{std::forward<T>(x)};
    } else if constexpr (std::ranges::input_range<Op>) {
        return detail::foreign_operand<Op, owned, true>{std::forward<T>(x)};
    } else {
        // Y1: Python raises "'int' object is not iterable" at run time; C++ knows at compile time.
        static_assert(std::ranges::input_range<Op>, "twoway::from: the operand is not iterable "
                                                     "(not a generator, an iterator object or an input range)");
    }
}

} // namespace twoway
