// twoway/asyncio/wait_for.hpp — wait_for(aw, timeout): Python's asyncio.wait_for (3.12+).
//
// A coroutine runs inline, in the caller's task, inside a timeout(): on expiry it is cancelled where it
// waits, and once its cleanup has run the caller gets TimeoutError (raised from the CancelledError). A
// cleanup that swallows the cancellation and returns gives its value instead. A timeout <= 0 cancels the
// awaitable before it runs (a coroutine never starts) unless it is already done.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "twoway/async_with.hpp"
#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/gather.hpp"
#include "twoway/asyncio/timeout.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exception_chain.hpp"
#include "twoway/exceptions.hpp"

namespace twoway {

namespace detail {

// functools.partial(_release_waiter, waiter), as a done callback.
struct release_waiter_callback final : box_base {
    explicit release_waiter_callback(ref<future_state<void>> w) noexcept : waiter(std::move(w)) {}
    ref<future_state<void>> waiter;
    const std::type_info &type() const noexcept override { return typeid(release_waiter_callback); }
    std::string type_name() const override { return "functools.partial"; }
    std::string repr() const override { return "functools.partial(<function _release_waiter>)"; }
    void *value() noexcept override { return this; }
    static void entry(box_base *target, box_base *) noexcept {
        auto *c = static_cast<release_waiter_callback *>(target);
        if (!c->waiter->done()) c->waiter->set_result_value();
    }
};

// Python's _cancel_and_wait(fut): cancels fut and waits for it to be done, through a waiter of its own so
// that the wait itself can be cancelled.
inline coroutine<void> cancel_and_wait(ref<future_state_base> fut) {
    ref<future_state<void>> waiter(new future_state<void>(fut->loop));
    ref<release_waiter_callback> cb(new release_waiter_callback(waiter));
    fut->add_callback(&release_waiter_callback::entry, ref<box_base>(cb.get()));
    std::exception_ptr error;
    try {
        fut->cancel(std::nullopt);
        co_await future<void>::adopt(waiter);
    } catch (...) {
        error = std::current_exception();
    }
    fut->remove_callback(&release_waiter_callback::entry, cb.get());
    if (error) std::rethrow_exception(error);
}

} // namespace detail

// Python: await asyncio.wait_for(aw, timeout); timeout None waits forever.
template <class A>
    requires future_operand<A>
coroutine<operand_result_t<A>> wait_for(A aw, std::optional<double> timeout) {
    using R = operand_result_t<A>;
    if (timeout && *timeout <= 0) {
        auto fut = ensure_future(std::move(aw));
        if (fut.done()) co_return fut.result(); // its own outcome, a cancellation included
        co_await detail::cancel_and_wait(detail::ref<detail::future_state_base>(fut.state()));
        std::exception_ptr cancelled;
        try {
            if constexpr (std::is_void_v<R>) {
                fut.result();
                co_return;
            } else {
                co_return R(fut.result());
            }
        } catch (const cancelled_error &) {
            cancelled = std::current_exception();
        }
        raise_from(timeout_error(), cancelled);
    }
    co_return co_await async_with(twoway::timeout(timeout), [&aw]() -> coroutine<R> { co_return co_await std::move(aw); });
}

} // namespace twoway
