// twoway/step_result.hpp — what a non-throwing step of a generator gives: the value it yielded, or
// the value it returned (None when R is void). Normal termination is a value, not an exception.
#pragma once

#include <cstddef>
#include <utility>
#include <variant>

#include "twoway/none.hpp"

namespace twoway {

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

} // namespace twoway
