// twoway/none.hpp — Python's None, and maybe<T>: a T or None with checked access.
#pragma once

#include <compare>
#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>

#include "twoway/exceptions.hpp"

namespace twoway {

// Python's None. A distinct type, so that "nothing was sent" never collides with a sent value.
struct none_t {
    constexpr explicit none_t() noexcept = default;
    constexpr explicit none_t(int) noexcept {}
    friend constexpr bool operator==(none_t, none_t) noexcept { return true; }
};
inline constexpr none_t none{0};

// A value of type T or Python's None (typing.Optional[T]). Unlike std::optional, reading the value
// of a None is never undefined behaviour: operator*, operator-> and value() throw none_error.
template <class T>
class maybe {
    static_assert(std::is_object_v<T> && !std::is_array_v<T>, "maybe<T> needs an object type");

public:
    using value_type = T;

    constexpr maybe() noexcept = default;
    constexpr maybe(none_t) noexcept {}
    template <class U = T>
        requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::remove_cvref_t<U>, maybe> &&
                 !std::is_same_v<std::remove_cvref_t<U>, none_t>)
    constexpr maybe(U &&v) noexcept(std::is_nothrow_constructible_v<T, U &&>) : v_(std::forward<U>(v)) {}

    [[nodiscard]] constexpr bool is_none() const noexcept { return !v_.has_value(); }
    [[nodiscard]] constexpr bool has_value() const noexcept { return v_.has_value(); }
    constexpr explicit operator bool() const noexcept { return v_.has_value(); }

    constexpr T &value() & { return check(), *v_; }
    constexpr const T &value() const & { return check(), *v_; }
    constexpr T &&value() && { return check(), std::move(*v_); }
    constexpr T &operator*() & { return value(); }
    constexpr const T &operator*() const & { return value(); }
    constexpr T &&operator*() && { return std::move(*this).value(); }
    constexpr T *operator->() { return &value(); }
    constexpr const T *operator->() const { return &value(); }

    template <class U>
    constexpr T value_or(U &&fallback) const & {
        return v_.has_value() ? *v_ : static_cast<T>(std::forward<U>(fallback));
    }

    constexpr void reset() noexcept { v_.reset(); }
    template <class... A>
    constexpr T &emplace(A &&...a) {
        return v_.emplace(std::forward<A>(a)...);
    }

    friend constexpr bool operator==(const maybe &m, none_t) noexcept { return m.is_none(); }
    // Only for two maybes: a value converted into a maybe would make `m == "text"` ambiguous.
    template <class M>
        requires(std::same_as<M, maybe> && std::equality_comparable<T>)
    friend constexpr bool operator==(const maybe &a, const M &b) {
        return a.v_ == b.v_;
    }
    // Not a template: a templated hidden friend would be considered (through ADL) for comparisons of any
    // type that has maybe<T> among its template arguments, and its constraint check recurses.
    friend constexpr bool operator==(const maybe &m, const T &u)
        requires std::equality_comparable<T>
    {
        return m.v_.has_value() && *m.v_ == u;
    }

private:
    constexpr void check() const {
        if (!v_.has_value()) [[unlikely]]
            throw_none();
    }
    // Out of line: a generator body that reads a maybe keeps no registers or stack for the throw.
    [[noreturn]] static void throw_none();
    std::optional<T> v_;
};

template <class T>
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
void maybe<T>::throw_none() {
    throw none_error("value is None (nothing was sent or returned)");
}

template <class T>
maybe(T) -> maybe<T>;

namespace detail {
template <class R>
struct return_value {
    using type = maybe<R>;
};
template <>
struct return_value<void> {
    using type = none_t;
};
} // namespace detail

// What a generator<Y, S, R> hands back when it ends: maybe<R>, or none_t when R is void.
template <class R>
using return_value_t = typename detail::return_value<R>::type;

} // namespace twoway
