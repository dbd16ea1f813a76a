// twoway/aclosing.hpp — contextlib.aclosing: `await thing.aclose()` when an `async with` block is left,
// however it is left (X14).
//
//   co_await twoway::async_with(twoway::aclosing(numbers()), [](auto &gen) -> twoway::coroutine<void> {
//       while (auto n = co_await twoway::anext(gen, twoway::none))
//           if (*n == 1) break;   // the generator is closed at the end of the block, not by its finalizer
//   });
//
// The target is the thing itself (Python: `as agen` binds the object given). An rvalue is owned by the
// manager, an lvalue is referred to. Any T with an awaitable aclose() works: an async_generator, an
// async_generator_ref, a class of the user's. There is no destructor that closes: a destructor cannot
// await; a generator that was never closed is finalized by its own rules.
#pragma once

#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include "twoway/async_with.hpp"
#include "twoway/coroutine.hpp"

namespace twoway {

template <class T>
class aclosing {
public:
    explicit aclosing(T &&thing) noexcept(std::is_nothrow_move_constructible_v<std::remove_reference_t<T>>)
        : thing_(std::forward<T>(thing)) {}

    // __aenter__: the thing, without a frame or a suspension.
    auto aenter() noexcept {
        return detail::ready_call{[p = std::addressof(thing_)]() -> std::remove_reference_t<T> & { return *p; }};
    }
    // __aexit__: awaits aclose(), and never suppresses.
    coroutine<void> aexit(std::exception_ptr = nullptr) { co_await thing_.aclose(); }

private:
    T thing_; // a value for an rvalue, a reference for an lvalue
};

template <class T>
aclosing(T &&) -> aclosing<T>;

} // namespace twoway
