// twoway/asyncio/timeout.hpp — timeout(delay) and timeout_at(when): Python's asyncio.timeout (3.11+).
//
//   co_await twoway::async_with(twoway::timeout(0.5), [&](twoway::timeout_cm cm) -> twoway::coroutine<void> { ... });
//
// When the deadline passes, the task is cancelled (no message); when the CancelledError leaves the block,
// it becomes a TimeoutError whose cause is that CancelledError. Only the timeout that fired converts, and
// only when no other cancellation is pending (the task's cancelling() count says which, as in
// timeouts.py). A deadline already past fires through call_soon, so it runs before a step the task
// queues afterwards (at its first await), not one pass later.
#pragma once

#include <charconv>
#include <cmath>
#include <exception>
#include <locale>
#include <optional>
#include <sstream>
#include <string>
#include <typeinfo>
#include <utility>

#include "twoway/async_with.hpp"
#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/event_loop.hpp"
#include "twoway/asyncio/task.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exception_chain.hpp"
#include "twoway/exception_group.hpp"
#include "twoway/exceptions.hpp"

namespace twoway {

namespace detail {

enum class timeout_status : unsigned char { created, entered, expiring, expired, exited };

inline const char *timeout_status_text(timeout_status s) noexcept {
    switch (s) {
    case timeout_status::created: return "created";
    case timeout_status::entered: return "active";
    case timeout_status::expiring: return "expiring";
    case timeout_status::expired: return "expired";
    case timeout_status::exited: return "finished";
    }
    return "";
}

// Python's round(x, 3) for the repr: through the shortest decimal text, so that it is the correctly
// rounded value (x * 1000 rounded and divided can be one ulp off).
inline double round3(double x) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed, 3);
    double v = x;
#if defined(__cpp_lib_to_chars) // libc++ before 20 has no floating-point from_chars
    std::from_chars(buf, r.ptr, v);
#else
    *r.ptr = '\0';
    std::istringstream in(buf); // the classic locale: '.' whatever the program's C locale says
    in.imbue(std::locale::classic());
    in >> v;
#endif
    return v;
}

class timeout_state final : public box_base {
public:
    const std::type_info &type() const noexcept override { return typeid(timeout_state); }
    std::string type_name() const override { return "Timeout"; }
    std::string repr() const override {
        std::string s = "<Timeout [";
        s += timeout_status_text(status);
        s += "]";
        if (status == timeout_status::entered) s += " when=" + (when ? twoway::repr(round3(*when)) : std::string("None"));
        return s + ">";
    }
    void *value() noexcept override { return this; }

    void reschedule(std::optional<double> w) {
        if (status != timeout_status::entered) {
            if (status == timeout_status::created) throw runtime_error("Timeout has not been entered");
            throw runtime_error(std::string("Cannot change state of ") + timeout_status_text(status) + " Timeout");
        }
        when = w;
        if (handler) handler->cancel();
        if (!w) {
            handler = nullptr;
            return;
        }
        loop_state &l = *task->loop;
        auto fire = [this] { on_timeout(); }; // the handle holds this state while it may run
        const static_text name{"Timeout._on_timeout()"};
        handler = *w <= l.time() ? l.call_soon(fire, name, ref<box_base>(this)) : l.call_at(*w, fire, name, ref<box_base>(this));
    }
    void on_timeout() {
        task->as_task()->cancel(std::nullopt);
        status = timeout_status::expiring;
        handler = nullptr; // (drops the handle, and with it the function that holds this state)
    }

    std::optional<double> when;
    timeout_status status = timeout_status::created;
    ref<future_state_base> task;
    ref<handle_state> handler;
    int cancelling = 0;
};

} // namespace detail

// Python: asyncio.Timeout, the context manager timeout() and timeout_at() return. A handle: copies refer
// to one timeout (`async with cm as entered` gives cm itself).
class timeout_cm {
public:
    explicit timeout_cm(std::optional<double> when) : s_(new detail::timeout_state()) { s_->when = when; }

    // Python: cm.when(): the deadline on the loop's clock, or None.
    [[nodiscard]] std::optional<double> when() const noexcept { return s_->when; }
    // Python: cm.reschedule(when): a new deadline (None disarms it); only while entered.
    void reschedule(std::optional<double> when) const { s_->reschedule(when); }
    // Python: cm.expired(): the deadline passed (even if the block then swallowed the cancellation).
    [[nodiscard]] bool expired() const noexcept {
        return s_->status == detail::timeout_status::expiring || s_->status == detail::timeout_status::expired;
    }
    [[nodiscard]] std::string repr() const { return s_->repr(); }

    // Python: __aenter__ and __aexit__. Neither awaits anything: both are frame-less awaitables that run
    // when awaited. __aexit__ converts its own cancellation into TimeoutError (raised from the
    // CancelledError); any other exception that ends the block gets a TimeoutError spliced into its
    // context chain (3.13).
    [[nodiscard]] auto aenter() const {
        return detail::ready_call{[self = *this] { return enter(self); }};
    }
    [[nodiscard]] auto aexit(std::exception_ptr exc) const {
        return detail::ready_call{[self = *this, exc = std::move(exc)] { exit(self, exc); }};
    }

    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const timeout_cm &a, const timeout_cm &b) noexcept { return a.s_ == b.s_; }

private:
    static timeout_cm enter(const timeout_cm &self) {
        detail::timeout_state &s = *self.s_;
        if (s.status != detail::timeout_status::created) throw runtime_error("Timeout has already been entered");
        task_ref t = current_task();
        if (!t) throw runtime_error("Timeout should be used inside a task");
        s.status = detail::timeout_status::entered;
        s.task = detail::ref<detail::future_state_base>(t.state());
        s.cancelling = t.cancelling();
        s.reschedule(s.when);
        return self;
    }
    static void exit(const timeout_cm &self, const std::exception_ptr &exc) {
        detail::timeout_state &s = *self.s_;
        if (s.handler) {
            s.handler->cancel();
            s.handler = nullptr;
        }
        // The task is not needed after the exit (reschedule() refuses): dropping it breaks the cycle
        // task -> frame -> this timeout -> task.
        detail::ref<detail::future_state_base> task = std::move(s.task);
        if (s.status == detail::timeout_status::expiring) {
            s.status = detail::timeout_status::expired;
            if (task->as_task()->uncancel() <= s.cancelling && exc) {
                if (detail::is_cancelled_error(exc)) raise_from(timeout_error(), exc);
                detail::insert_timeout_error_and_into_members(exc);
            }
        } else if (s.status == detail::timeout_status::entered) {
            s.status = detail::timeout_status::exited;
        }
    }

    detail::ref<detail::timeout_state> s_;
};

// Python: asyncio.timeout(delay): the deadline is fixed now, on the running loop's clock; None never expires.
inline timeout_cm timeout(std::optional<double> delay) {
    if (!delay) return timeout_cm(std::nullopt);
    return timeout_cm(detail::require_running_loop().time() + *delay);
}

// Python: asyncio.timeout_at(when): an absolute deadline on the loop's clock.
inline timeout_cm timeout_at(std::optional<double> when) { return timeout_cm(when); }

} // namespace twoway
