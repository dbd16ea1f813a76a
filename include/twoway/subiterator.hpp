// twoway/subiterator.hpp — what Python's gi_yieldfrom shows: the subiterator a generator is
// suspended in, with `co_yield twoway::from(x)`.
#pragma once

#include <typeinfo>

namespace twoway {

struct subiterator {
    // coroutine: a twoway::coroutine (cr_await); awaitable: a future, a task or another awaiter object;
    // async_generator: the generator whose asend/athrow/aclose is awaited (Python shows the awaitable).
    enum class kind : unsigned char { generator, iterator, range, coroutine, awaitable, async_generator };
    kind what;
    const std::type_info *type; // the operand's type: for a generator, its generator<Y, S, R> type
    const void *address;        // identity: a generator's frame (its address()), or the operand object
};

} // namespace twoway
