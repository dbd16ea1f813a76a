// twoway/asyncio/use_awaitable.hpp — any Asio asynchronous operation, awaited in a twoway coroutine.
//
//   asio::steady_timer timer(twoway::get_running_loop().get_io_context(), 50ms);
//   co_await timer.async_wait(twoway::use_awaitable);            // void(error_code): nothing, or raises
//   std::size_t n = co_await sock.async_read_some(buf, twoway::use_awaitable); // (error_code, T): T
//
// The completion token starts the operation when awaited and waits on a future that its completion
// handler completes, so the task resumes as after any future. Cancelling the awaiting task emits Asio's
// terminal cancellation on the operation and raises CancelledError at the co_await; an error_code (other
// than the one a cancellation produces) is raised as std::system_error.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include <asio/async_result.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>

#include "twoway/asyncio/future.hpp"
#include "twoway/coroutine.hpp"

namespace twoway {

struct use_awaitable_t {
    constexpr use_awaitable_t() noexcept = default;
};
// The completion token: `co_await op(args..., twoway::use_awaitable)`.
inline constexpr use_awaitable_t use_awaitable{};

namespace detail {

// What the operation delivers, as the value of the co_await: nothing for (error_code), T for
// (error_code, T), a tuple for more.
template <class... Args>
struct asio_result {
    using type = std::tuple<Args...>;
};
template <>
struct asio_result<> {
    using type = void;
};
template <class T>
struct asio_result<T> {
    using type = T;
};
template <class... Args>
struct asio_outcome {
    using type = typename asio_result<Args...>::type;
};
template <class... Rest>
struct asio_outcome<std::error_code, Rest...> {
    using type = typename asio_result<Rest...>::type;
};
template <class... Rest>
struct asio_outcome<std::exception_ptr, Rest...> {
    using type = typename asio_result<Rest...>::type;
};

// The cancellation signal shared by the operation's handler and the future's done callback.
class asio_cancellation final : public box_base {
public:
    const std::type_info &type() const noexcept override { return typeid(asio_cancellation); }
    std::string type_name() const override { return "cancellation_signal"; }
    std::string repr() const override { return "<cancellation_signal>"; }
    void *value() noexcept override { return &signal; }
    asio::cancellation_signal signal;
};

template <class R, class... Args>
struct asio_completion {
    ref<future_state<R>> f;
    ref<asio_cancellation> cancel;
    using cancellation_slot_type = asio::cancellation_slot;
    [[nodiscard]] cancellation_slot_type get_cancellation_slot() const noexcept { return cancel->signal.slot(); }

    void operator()(Args... args) {
        if (f->done()) return; // cancelled meanwhile: the error the cancellation produced is dropped
        complete(std::move(args)...);
    }

private:
    template <class First, class... Rest>
    void complete(First first, Rest... rest) {
        if constexpr (std::is_same_v<First, std::error_code>) {
            if (first) {
                f->set_exception_ptr(std::make_exception_ptr(std::system_error(first)));
                return;
            }
            set(std::move(rest)...);
        } else if constexpr (std::is_same_v<First, std::exception_ptr>) {
            if (first) {
                f->set_exception_ptr(std::move(first));
                return;
            }
            set(std::move(rest)...);
        } else {
            set(std::move(first), std::move(rest)...);
        }
    }
    void complete() { set(); }
    template <class... V>
    void set(V... v) {
        if constexpr (sizeof...(V) == 0)
            f->set_result_value();
        else if constexpr (sizeof...(V) == 1)
            f->set_result_value(std::move(v)...);
        else
            f->set_result_value(std::make_tuple(std::move(v)...));
    }
};

template <class R, class Initiation, class Signature, class... InitArgs>
class asio_awaiter;

template <class R, class Initiation, class... Args, class... InitArgs>
class asio_awaiter<R, Initiation, void(Args...), InitArgs...> : future_wait {
public:
    asio_awaiter(node &self, Initiation init, std::tuple<InitArgs...> args)
        : future_wait(self), init_(std::move(init)), args_(std::move(args)) {}
    asio_awaiter(const asio_awaiter &) = delete;

    bool await_ready() {
        loop_state &l = require_running_loop();
        ref<future_state<R>> f(new future_state<R>(ref<loop_state>(&l)));
        fut_ = object(ref<box_base>(f.get()));
        ref<asio_cancellation> cancel(new asio_cancellation);
        // A cancelled future (the task was cancelled while waiting) cancels the operation.
        f->add_callback(
            +[](box_base *target, box_base *fut) noexcept {
                if (static_cast<future_state_base *>(fut)->cancelled())
                    static_cast<asio_cancellation *>(target)->signal.emit(asio::cancellation_type::terminal);
            },
            ref<box_base>(cancel.get()));
        std::apply(
            [&](InitArgs &...a) { std::move(init_)(asio_completion<R, Args...>{f, cancel}, std::move(a)...); },
            args_);
        return false; // an Asio operation never completes inline
    }
    void await_suspend(std::coroutine_handle<>) noexcept { yield_future(); }
    R await_resume() {
        resumed();
        auto *f = static_cast<future_state<R> *>(waited());
        if constexpr (std::is_void_v<R>)
            f->get_result();
        else
            return std::move(f->get_result());
    }

private:
    Initiation init_;
    std::tuple<InitArgs...> args_;
};

template <class Initiation, class Signature, class... InitArgs>
struct asio_operation;

template <class Initiation, class... Args, class... InitArgs>
struct asio_operation<Initiation, void(Args...), InitArgs...> {
    using twoway_awaitable = void;
    using result_type = typename asio_outcome<std::decay_t<Args>...>::type;
    Initiation init;
    std::tuple<InitArgs...> args;
    auto make_awaiter(node &self) && {
        return asio_awaiter<result_type, Initiation, void(std::decay_t<Args>...), InitArgs...>(self, std::move(init),
                                                                                               std::move(args));
    }
};

} // namespace detail
} // namespace twoway

template <class R, class... Args>
class asio::async_result<twoway::use_awaitable_t, R(Args...)> {
public:
    template <class Initiation, class... InitArgs>
    using operation = twoway::detail::asio_operation<std::decay_t<Initiation>, void(Args...), std::decay_t<InitArgs>...>;

    template <class Initiation, class... InitArgs>
    static operation<Initiation, InitArgs...> initiate(Initiation &&init, twoway::use_awaitable_t, InitArgs &&...args) {
        return {std::forward<Initiation>(init), std::make_tuple(std::forward<InitArgs>(args)...)};
    }
};
