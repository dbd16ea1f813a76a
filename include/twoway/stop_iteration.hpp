// twoway/stop_iteration.hpp — Python's StopIteration, carrying a generator's return value.
#pragma once

#include <exception>
#include <utility>

#include "twoway/none.hpp"

namespace twoway {

template <class R = void>
class stop_iteration;

// The base of every stop_iteration<R>: catch (const stop_iteration<>&) is `except StopIteration`.
// Its value is None (R2, R4).
template <>
class stop_iteration<void> : public std::exception {
public:
    [[nodiscard]] const char *what() const noexcept override { return "StopIteration"; }
};

// StopIteration(value): what next()/send()/throw_exception() raise when a generator<Y, S, R>
// returns (R1). value is None on every later call (R4) and is never unpacked (R3).
template <class R>
class stop_iteration : public stop_iteration<void> {
public:
    stop_iteration() = default;
    explicit stop_iteration(maybe<R> v) : value(std::move(v)) {}
    maybe<R> value;
};

} // namespace twoway
