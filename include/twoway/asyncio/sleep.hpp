// twoway/asyncio/sleep.hpp — sleep(delay) and sleep(delay, result): Python's asyncio.sleep.
//
// sleep(0) is one bare yield: the task steps again at the next iteration (the cheapest task switch).
// A positive delay waits on a future that a timer completes; a cancellation arriving meanwhile cancels
// the timer. Unlike Python's, the object sleep() returns is an awaitable, not a coroutine object: awaiting
// it costs no coroutine frame (docs/asyncio.md).
#pragma once

#include <coroutine>
#include <optional>
#include <type_traits>
#include <utility>

#include "twoway/asyncio/event_loop.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/coroutine.hpp"

namespace twoway {

namespace detail {

template <class R>
using sleep_result = std::optional<std::conditional_t<std::is_void_v<R>, none_t, R>>;

// sleep(0) yields None (the future stays None, so a sleep(0) builds and destroys nothing); a positive delay
// yields a future that a timer completes.
template <class R>
class sleep_awaiter : future_wait {
public:
    sleep_awaiter(node &self, double delay, sleep_result<R> result) noexcept
        : future_wait(self), delay_(delay), result_(std::move(result)) {}
    sleep_awaiter(const sleep_awaiter &) = delete;

    bool await_ready() {
        if (delay_ > 0) {
            loop_state &l = require_running_loop();
            ref<future_state<void>> f(new future_state<void>(ref<loop_state>(&l)));
            timer_ = l.call_at(l.time() + delay_, [f] {
                if (!f->done()) f->set_result_value(); // futures._set_result_unless_cancelled
            }, "sleep");
            fut_ = object(ref<box_base>(f.get()));
        }
        return false;
    }
    void await_suspend(std::coroutine_handle<>) noexcept {
        if (timer_)
            yield_future();
        else
            yield_to_driver(*self_, &fut_); // sleep(0): None, the bare yield
    }
    R await_resume() {
        if (timer_) [[unlikely]] {
            timer_->cancel();
            resumed();
            static_cast<future_state<void> *>(waited())->get_result();
        } else {
            resumed_by_driver(*self_);
        }
        if constexpr (!std::is_void_v<R>) return std::move(*result_);
    }

private:
    double delay_;
    sleep_result<R> result_;
    ref<handle_state> timer_;
};

template <class R>
struct sleep_operation {
    using twoway_awaitable = void;
    double delay;
    sleep_result<R> result;
    auto make_awaiter(node &self) && { return sleep_awaiter<R>(self, delay, std::move(result)); }
};

} // namespace detail

// Python: await asyncio.sleep(delay).
[[nodiscard]] inline detail::sleep_operation<void> sleep(double delay) { return {delay, std::nullopt}; }
// Python: await asyncio.sleep(delay, result): the result, after the delay.
template <class R>
[[nodiscard]] detail::sleep_operation<std::decay_t<R>> sleep(double delay, R &&result) {
    return {delay, std::forward<R>(result)};
}

} // namespace twoway
