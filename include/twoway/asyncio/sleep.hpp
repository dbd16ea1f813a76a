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

// sleep(0) yields None (fut_ stays None); a positive delay yields a future that a timer completes. The
// object on the channel is the member itself, so a sleep(0) builds and destroys nothing.
template <class R>
class sleep_awaiter {
public:
    sleep_awaiter(node &self, double delay, sleep_result<R> result) noexcept
        : self_(&self), delay_(delay), result_(std::move(result)) {}
    sleep_awaiter(const sleep_awaiter &) = delete;

    bool await_ready() {
        if (delay_ > 0) {
            loop_state &l = require_running_loop();
            ref<future_state<void>> f(new future_state<void>(ref<loop_state>(&l)));
            timer_ = l.call_at(l.time() + delay_, [f] {
                if (!f->done()) f->set_result_value(); // futures._set_result_unless_cancelled
            }, "sleep");
            f->blocking = true;
            fut_ = object(ref<box_base>(f.get()));
        }
        return false;
    }
    void await_suspend(std::coroutine_handle<>) noexcept { yield_to_driver(*self_, &fut_); }
    R await_resume() {
        if (timer_) [[unlikely]] {
            timer_->cancel();
            future_state<void> *f = future();
            resumed_by_driver(*self_);
            if (!f->done()) throw runtime_error("await wasn't used with future");
            f->get_result();
        } else {
            resumed_by_driver(*self_);
        }
        if constexpr (!std::is_void_v<R>) return std::move(*result_);
    }

private:
    future_state<void> *future() const noexcept {
        return static_cast<future_state<void> *>(static_cast<future_state_base *>(fut_.box()));
    }
    node *self_;
    double delay_;
    sleep_result<R> result_;
    object fut_; // None for sleep(0): the bare yield
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
