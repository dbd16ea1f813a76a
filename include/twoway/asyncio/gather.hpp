// twoway/asyncio/gather.hpp — asyncio's combinators: ensure_future, gather, shield, wait, as_completed.
//
// Each one is asyncio 3.13's algorithm (tasks.py), with its futures and done callbacks: the loop passes a
// program observes (a child's done callback, then the awaiting task's wake-up) are the same as Python's.
// wait_for is in wait_for.hpp, on top of timeout().
//
// What differs from Python on purpose (docs/asyncio.md): gather of a fixed list of operands returns a
// tuple (each slot of its own type), of a range a vector; wait's "sets" are vectors in first-appearance
// order; an operand that is not awaitable is a compile-time error instead of a TypeError.
#pragma once

#include <cstddef>
#include <exception>
#include <iterator>
#include <optional>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/event_loop.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/task.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/none.hpp"

namespace twoway {

template <class R>
class gathering_future;

namespace detail {

template <class A>
struct is_future_handle : std::bool_constant<isfuture<std::remove_cvref_t<A>> &&
                                             requires { typename std::remove_cvref_t<A>::result_type; }> {};

// What awaiting an operand gives: T for a coroutine<T>, a future<T> or a task<T>; the awaiter's result for
// the library's other awaitables (sleep, an Asio operation).
template <class A, class = void>
struct operand_result;
template <class T>
struct operand_result<coroutine<T>> {
    using type = T;
};
template <class A>
    requires is_future_handle<A>::value
struct operand_result<A> {
    using type = typename A::result_type;
};
template <class A>
    requires(!is_future_handle<A>::value && !is_coroutine<A>::value && awaitable_operand<A>)
struct operand_result<A> {
    using type = decltype(std::declval<A>().make_awaiter(std::declval<node &>()).await_resume());
};

} // namespace detail

// What gather, shield, ensure_future and wait_for accept (Python's "a future, a coroutine or an awaitable").
template <class A>
concept future_operand = detail::is_coroutine<std::remove_cvref_t<A>>::value ||
                         detail::is_future_handle<A>::value || detail::awaitable_operand<A>;

template <class A>
using operand_result_t = typename detail::operand_result<std::remove_cvref_t<A>>::type;

namespace detail {

// Python's _wrap_awaitable: an awaitable that is neither a future nor a coroutine, run as a coroutine.
template <class A>
coroutine<operand_result_t<A>> wrap_awaitable(A aw) {
    co_return co_await std::move(aw);
}

} // namespace detail

// Python: asyncio.ensure_future(aw). A future (or task) is returned as it is; a coroutine becomes a task of
// the running loop; any other awaitable is wrapped in a coroutine first.
template <class A>
    requires future_operand<A>
auto ensure_future(A &&aw) {
    using D = std::remove_cvref_t<A>;
    if constexpr (detail::is_future_handle<A>::value) {
        return future<typename D::result_type>(aw);
    } else if constexpr (detail::is_coroutine<D>::value) {
        static_assert(std::is_rvalue_reference_v<A &&>, "ensure_future takes a coroutine by std::move: the task owns it");
        return create_task(std::move(aw));
    } else {
        return create_task(detail::wrap_awaitable<D>(std::forward<A>(aw)));
    }
}

// One slot of gather(return_exceptions, ...): the child's result, or its exception (a CancelledError('' or
// its message) for a cancelled child).
template <class T>
class result_or_exception {
public:
    using value_type = std::conditional_t<std::is_void_v<T>, none_t, T>;
    result_or_exception() = default;
    explicit result_or_exception(std::exception_ptr e) noexcept : v_(std::move(e)) {}
    explicit result_or_exception(value_type v) : v_(std::move(v)) {}
    [[nodiscard]] bool has_exception() const noexcept { return v_.index() == 1; }
    [[nodiscard]] const std::exception_ptr &exception() const { return std::get<1>(v_); }
    [[nodiscard]] value_type &value() {
        if (has_exception()) std::rethrow_exception(exception());
        return std::get<0>(v_);
    }
    [[nodiscard]] const value_type &value() const {
        if (has_exception()) std::rethrow_exception(exception());
        return std::get<0>(v_);
    }

private:
    std::variant<value_type, std::exception_ptr> v_;
};

inline constexpr struct return_exceptions_t {
    explicit constexpr return_exceptions_t(int) noexcept {}
} return_exceptions{0};

namespace detail {

template <class T>
using slot_value = std::conditional_t<std::is_void_v<T>, none_t, T>;

// A child's result as gather hands it out: copied (Python shares the object), or moved when it cannot be
// copied (only gather held a child made from a coroutine).
template <class T>
slot_value<T> child_value(future_state_base *c) {
    auto *f = static_cast<future_state<T> *>(c);
    if constexpr (std::is_void_v<T>) {
        f->get_result();
        return none;
    } else if constexpr (std::is_copy_constructible_v<T>) {
        return T(f->get_result());
    } else {
        return T(std::move(f->get_result()));
    }
}

template <class T>
result_or_exception<T> child_slot(future_state_base *c) {
    if (c->cancelled()) {
        const std::optional<std::string> &m = c->cancel_message();
        return result_or_exception<T>(std::make_exception_ptr(cancelled_error(m ? *m : std::string())));
    }
    if (std::exception_ptr e = c->exception_or_null()) return result_or_exception<T>(std::move(e));
    return result_or_exception<T>(child_value<T>(c));
}

// gather's outer future (Python's _GatheringFuture): never cancelled itself; cancel() asks every child.
class gathering_base {
public:
    std::vector<ref<future_state_base>> children; // one per operand; duplicates share the child
    std::size_t nfuts = 0;
    std::size_t nfinished = 0;
    bool return_exceptions = false;
    bool cancel_requested = false;

    bool cancel_children(future_state_base &self, const std::optional<std::string> &msg) {
        if (self.done()) return false;
        bool ret = false;
        for (auto &c : children)
            if (c->cancel(msg)) ret = true; // every child is asked
        if (ret) cancel_requested = true;
        return ret;
    }
};

template <class R, class Collect>
class gathering_state final : public future_state<R>, public gathering_base {
public:
    using future_state<R>::future_state;
    const char *class_name() const noexcept override { return "_GatheringFuture"; }
    bool cancel(std::optional<std::string> msg) override { return cancel_children(*this, msg); }

    // Python's _done_callback(fut).
    static void child_done(box_base *target, box_base *arg) noexcept {
        auto *self = static_cast<gathering_state *>(target);
        auto *fut = static_cast<future_state_base *>(arg);
        try {
            self->on_child_done(fut);
        } catch (...) {
            exception_context_data ctx;
            ctx.message = "Exception in callback gather.<locals>._done_callback()";
            ctx.exception = std::current_exception();
            self->loop->call_exception_handler(ctx);
        }
    }
    void on_child_done(future_state_base *fut) {
        ++nfinished;
        if (this->done()) {
            if (!fut->cancelled()) fut->log_traceback = false; // fut.exception(): later failures are not logged
            return;
        }
        if (!return_exceptions) {
            if (fut->cancelled()) {
                this->set_exception_ptr(fut->make_cancelled_error());
                return;
            }
            if (std::exception_ptr e = fut->exception_or_null()) {
                this->set_exception_ptr(std::move(e));
                return;
            }
        }
        if (nfinished == nfuts) {
            if (cancel_requested) {
                // G10: a CancelledError even if every child swallowed it. CPython builds the results first
                // (each child's exception() marks it retrieved), then makes the error of `fut`, its loop
                // variable: the child of the last argument, not the one that finished last.
                for (auto &c : children)
                    if (!c->cancelled()) c->log_traceback = false;
                this->set_exception_ptr(children.back()->make_cancelled_error());
                return;
            }
            R results = Collect::collect(children, return_exceptions);
            this->set_result_value(std::move(results));
        }
    }
};

template <class... T>
struct collect_tuple {
    static std::tuple<slot_value<T>...> collect(std::vector<ref<future_state_base>> &c, bool) {
        return collect_values(c, std::index_sequence_for<T...>());
    }
    template <std::size_t... I>
    static std::tuple<slot_value<T>...> collect_values(std::vector<ref<future_state_base>> &c, std::index_sequence<I...>) {
        return std::tuple<slot_value<T>...>(child_value<T>(c[I].get())...);
    }
};
template <class... T>
struct collect_tuple_or_exception {
    static std::tuple<result_or_exception<T>...> collect(std::vector<ref<future_state_base>> &c, bool) {
        return collect_slots(c, std::index_sequence_for<T...>());
    }
    template <std::size_t... I>
    static std::tuple<result_or_exception<T>...> collect_slots(std::vector<ref<future_state_base>> &c,
                                                                std::index_sequence<I...>) {
        return std::tuple<result_or_exception<T>...>(child_slot<T>(c[I].get())...);
    }
};
template <class T>
struct collect_vector {
    static std::vector<slot_value<T>> collect(std::vector<ref<future_state_base>> &c, bool) {
        std::vector<slot_value<T>> v;
        v.reserve(c.size());
        for (auto &f : c) v.push_back(child_value<T>(f.get()));
        return v;
    }
};
template <class T>
struct collect_vector_or_exception {
    static std::vector<result_or_exception<T>> collect(std::vector<ref<future_state_base>> &c, bool) {
        std::vector<result_or_exception<T>> v;
        v.reserve(c.size());
        for (auto &f : c) v.push_back(child_slot<T>(f.get()));
        return v;
    }
};

// Turns one operand into its child future, deduplicating by identity (the future's state, or the
// coroutine object's address) before anything is moved.
struct gather_builder {
    struct seen_entry {
        const void *key;
        ref<future_state_base> fut;
    };
    std::vector<seen_entry> seen;
    std::unordered_map<const void *, std::size_t> index; // key -> position in seen, once there are many
    std::vector<ref<future_state_base>> children;
    std::vector<ref<future_state_base>> done_futs;
    loop_state *loop = nullptr;

    // The child already made for this key, if any (Python's arg_to_fut dict).
    future_state_base *find(const void *key) const {
        if (!index.empty()) {
            auto it = index.find(key);
            return it == index.end() ? nullptr : seen[it->second].fut.get();
        }
        for (const auto &s : seen)
            if (s.key == key) return s.fut.get();
        return nullptr;
    }
    void remember(const void *key, ref<future_state_base> f) {
        seen.push_back({key, std::move(f)});
        if (!index.empty()) {
            index.emplace(key, seen.size() - 1);
        } else if (seen.size() == 16) { // a linear search is cheaper for a few operands
            for (std::size_t i = 0; i < seen.size(); ++i) index.emplace(seen[i].key, i);
        }
    }

    template <class A>
    void add(A &&aw) {
        using D = std::remove_cvref_t<A>;
        const void *key;
        if constexpr (is_future_handle<A>::value)
            key = aw.state();
        else
            key = &aw;
        if (future_state_base *known = find(key)) {
            children.emplace_back(known);
            return;
        }
        ref<future_state_base> f;
        if constexpr (is_future_handle<A>::value) {
            f = ref<future_state_base>(aw.state());
            if (loop && f->loop.get() != loop)
                throw value_error("The future belongs to a different loop than the one specified as the loop argument");
        } else {
            if constexpr (is_coroutine<D>::value)
                static_assert(std::is_rvalue_reference_v<A &&>, "gather takes a coroutine by std::move: its task owns it");
            auto t = ensure_future(std::forward<A>(aw));
            f = ref<future_state_base>(t.state());
            f->as_task()->log_destroy_pending = false;
        }
        if (!loop) loop = f->loop.get();
        remember(key, f);
        if (f->done()) done_futs.push_back(f);
        children.push_back(std::move(f));
    }

    template <class State>
    void finish(State *outer, bool return_exceptions) {
        outer->children = std::move(children);
        outer->nfuts = seen.size();
        outer->return_exceptions = return_exceptions;
        ref<box_base> target(outer);
        for (auto &s : seen)
            if (!s.fut->done()) s.fut->add_callback(&State::child_done, target);
        for (auto &f : done_futs) State::child_done(outer, f.get()); // 3.12+: done at once if all are
    }
};

template <class R, class Collect, class... A>
auto gather_impl(bool return_exceptions, A &&...aws) {
    gather_builder b;
    (b.add(std::forward<A>(aws)), ...);
    loop_state *l = b.loop ? b.loop : &require_running_loop();
    using state = gathering_state<R, Collect>;
    ref<state> outer(new state(ref<loop_state>(l)));
    if constexpr (sizeof...(A) == 0) {
        outer->set_result_value(R());
    } else {
        b.finish(outer.get(), return_exceptions);
    }
    return gathering_future<R>::adopt(ref<future_state<R>>(outer.get()));
}

} // namespace detail

// What gather() returns: a future (Python's _GatheringFuture) whose cancel() cancels the children.
template <class R>
class gathering_future : public future<R> {
public:
    static gathering_future adopt(detail::ref<detail::future_state<R>> s) noexcept { return gathering_future(std::move(s)); }

private:
    explicit gathering_future(detail::ref<detail::future_state<R>> s) noexcept : future<R>(future<R>::adopt(std::move(s))) {}
};

// Python: asyncio.gather(*aws): the results in argument order, as a tuple; the first exception of a child
// propagates (the others keep running). Coroutines are wrapped in tasks at the call, in argument order.
//   auto r = co_await twoway::gather(fetch("a"), fetch("b"), t);   auto &[a, b, c] = r;
template <class... A>
    requires(future_operand<A> && ...)
gathering_future<std::tuple<detail::slot_value<operand_result_t<A>>...>> gather(A &&...aws) {
    using R = std::tuple<detail::slot_value<operand_result_t<A>>...>;
    return detail::gather_impl<R, detail::collect_tuple<operand_result_t<A>...>>(false, std::forward<A>(aws)...);
}

// Python: asyncio.gather(*aws, return_exceptions=True): each slot holds the result or the exception.
template <class... A>
    requires(future_operand<A> && ...)
gathering_future<std::tuple<result_or_exception<operand_result_t<A>>...>> gather(return_exceptions_t, A &&...aws) {
    using R = std::tuple<result_or_exception<operand_result_t<A>>...>;
    return detail::gather_impl<R, detail::collect_tuple_or_exception<operand_result_t<A>...>>(true, std::forward<A>(aws)...);
}

namespace detail {
template <class Range>
using range_operand = std::ranges::range_reference_t<Range>;

template <class R, class Collect, class Range>
auto gather_range_impl(bool return_exceptions, Range &&aws) {
    gather_builder b;
    if constexpr (std::ranges::sized_range<Range>) {
        b.seen.reserve(std::ranges::size(aws));
        b.children.reserve(std::ranges::size(aws));
    }
    for (auto &&aw : aws) {
        if constexpr (is_coroutine<std::remove_cvref_t<decltype(aw)>>::value)
            b.add(std::move(aw)); // a range of coroutines is consumed
        else
            b.add(aw);
    }
    loop_state *l = b.loop ? b.loop : &require_running_loop();
    using state = gathering_state<R, Collect>;
    ref<state> outer(new state(ref<loop_state>(l)));
    if (b.seen.empty())
        outer->set_result_value(R());
    else
        b.finish(outer.get(), return_exceptions);
    return gathering_future<R>::adopt(ref<future_state<R>>(outer.get()));
}
} // namespace detail

// Python: asyncio.gather(*list_of_aws): a range of operands of one result type; the results as a vector.
template <std::ranges::input_range Range>
    requires future_operand<detail::range_operand<Range>>
auto gather(Range &&aws) {
    using T = operand_result_t<detail::range_operand<Range>>;
    using R = std::vector<detail::slot_value<T>>;
    return detail::gather_range_impl<R, detail::collect_vector<T>>(false, std::forward<Range>(aws));
}
template <std::ranges::input_range Range>
    requires future_operand<detail::range_operand<Range>>
auto gather(return_exceptions_t, Range &&aws) {
    using T = operand_result_t<detail::range_operand<Range>>;
    using R = std::vector<result_or_exception<T>>;
    return detail::gather_range_impl<R, detail::collect_vector_or_exception<T>>(true, std::forward<Range>(aws));
}

// ---- shield ------------------------------------------------------------------------------------------------

namespace detail {

// shield's two callbacks share this record: the inner future and the outer one.
template <class T>
struct shield_link final : box_base {
    ref<future_state<T>> inner;
    ref<future_state<T>> outer;
    const std::type_info &type() const noexcept override { return typeid(shield_link); }
    std::string type_name() const override { return "function"; }
    std::string repr() const override { return "<function shield.<locals>._inner_done_callback>"; }
    void *value() noexcept override { return this; }

    static void inner_done(box_base *target, box_base *) noexcept {
        auto *l = static_cast<shield_link *>(target);
        future_state<T> &inner = *l->inner;
        future_state<T> &outer = *l->outer;
        try {
            if (outer.cancelled()) {
                if (!inner.cancelled()) inner.log_traceback = false; // inner.exception(): mark retrieved
                return;
            }
            if (inner.cancelled()) {
                outer.cancel(std::nullopt);
            } else if (std::exception_ptr e = inner.exception_or_null()) {
                outer.set_exception_ptr(std::move(e));
            } else if constexpr (std::is_void_v<T>) {
                outer.set_result_value();
            } else {
                outer.set_result_value(child_value<T>(&inner));
            }
        } catch (...) {
            exception_context_data ctx;
            ctx.message = "Exception in callback shield.<locals>._inner_done_callback()";
            ctx.exception = std::current_exception();
            outer.loop->call_exception_handler(ctx);
        }
    }
    static void outer_done(box_base *target, box_base *) noexcept {
        auto *l = static_cast<shield_link *>(target);
        if (!l->inner->done()) l->inner->remove_callback(&inner_done, l);
    }
};

} // namespace detail

// Python: asyncio.shield(aw): a future that follows aw's outcome, whose cancellation does not reach aw.
// A done future is returned as it is.
template <class A>
    requires future_operand<A>
future<operand_result_t<A>> shield(A &&aw) {
    using T = operand_result_t<A>;
    future<T> inner = ensure_future(std::forward<A>(aw));
    if (inner.done()) return inner;
    future<T> outer = event_loop(inner.state()->loop).template create_future<T>();
    detail::ref<detail::shield_link<T>> link(new detail::shield_link<T>());
    link->inner = detail::ref<detail::future_state<T>>(inner.state());
    link->outer = detail::ref<detail::future_state<T>>(outer.state());
    inner.state()->add_callback(&detail::shield_link<T>::inner_done, detail::ref<detail::box_base>(link.get()));
    outer.state()->add_callback(&detail::shield_link<T>::outer_done, detail::ref<detail::box_base>(link.get()));
    return outer;
}

// ---- wait --------------------------------------------------------------------------------------------------

enum class return_when : unsigned char { first_completed, first_exception, all_completed };
// Python's constants, under their Python names.
inline constexpr return_when FIRST_COMPLETED = return_when::first_completed;
inline constexpr return_when FIRST_EXCEPTION = return_when::first_exception;
inline constexpr return_when ALL_COMPLETED = return_when::all_completed;

// wait()'s (done, pending): vectors in first-appearance order (Python's sets have no order to keep).
template <class F>
struct wait_result {
    std::vector<F> done;
    std::vector<F> pending;
};

namespace detail {

// Python's _release_waiter.
inline void release_waiter(future_state<void> &w) {
    if (!w.done()) w.set_result_value();
}

// wait()'s _on_completion, with the counter and the waiter it shares with the coroutine.
struct wait_completion final : box_base {
    ref<future_state<void>> waiter;
    ref<handle_state> timeout_handle;
    std::size_t counter = 0;
    return_when when = ALL_COMPLETED;
    const std::type_info &type() const noexcept override { return typeid(wait_completion); }
    std::string type_name() const override { return "function"; }
    std::string repr() const override { return "<function _wait.<locals>._on_completion>"; }
    void *value() noexcept override { return this; }

    static void entry(box_base *target, box_base *arg) noexcept {
        auto *c = static_cast<wait_completion *>(target);
        auto *f = static_cast<future_state_base *>(arg);
        --c->counter;
        if (c->counter == 0 || c->when == FIRST_COMPLETED ||
            (c->when == FIRST_EXCEPTION && !f->cancelled() && f->exception_or_null())) {
            if (c->timeout_handle) c->timeout_handle->cancel();
            release_waiter(*c->waiter);
        }
    }
};

template <class F>
const void *future_identity(const F &f) noexcept {
    return f.state();
}

} // namespace detail

// Python: await asyncio.wait(fs, timeout=None, return_when=ALL_COMPLETED): waits without cancelling
// anything and without raising what the futures raised; a timeout just returns. fs is a range of futures or
// tasks (coroutines do not compile: Python's "Passing coroutines is forbidden"). Raises
// value_error("Set of Tasks/Futures is empty.") when awaited on an empty range.
template <std::ranges::input_range Range>
    requires isfuture<std::remove_cvref_t<std::ranges::range_reference_t<Range>>>
coroutine<wait_result<std::remove_cvref_t<std::ranges::range_reference_t<Range>>>>
wait(Range fs, std::optional<double> timeout = std::nullopt, return_when when = ALL_COMPLETED) {
    using F = std::remove_cvref_t<std::ranges::range_reference_t<Range>>;
    std::vector<F> unique;
    for (auto &&f : fs) {
        bool dup = false;
        for (const F &u : unique)
            if (detail::future_identity(u) == detail::future_identity(f)) dup = true;
        if (!dup) unique.push_back(f);
    }
    if (unique.empty()) throw value_error("Set of Tasks/Futures is empty.");
    detail::loop_state &l = detail::require_running_loop();
    detail::ref<detail::wait_completion> completion(new detail::wait_completion());
    completion->waiter = detail::ref<detail::future_state<void>>(new detail::future_state<void>(detail::ref<detail::loop_state>(&l)));
    completion->counter = unique.size();
    completion->when = when;
    if (timeout) {
        detail::future_state<void> *w = completion->waiter.get(); // held by the handle while it may run
        completion->timeout_handle = l.call_at(l.time() + *timeout, [w] { detail::release_waiter(*w); },
                                               detail::static_text{"_release_waiter()"}, detail::ref<detail::box_base>(w));
    }
    for (F &f : unique) f.state()->add_callback(&detail::wait_completion::entry, detail::ref<detail::box_base>(completion.get()));
    std::exception_ptr error;
    try {
        co_await future<void>::adopt(completion->waiter);
    } catch (...) {
        error = std::current_exception();
    }
    if (completion->timeout_handle) completion->timeout_handle->cancel();
    for (F &f : unique) f.state()->remove_callback(&detail::wait_completion::entry, completion.get());
    if (error) std::rethrow_exception(error);
    wait_result<F> r;
    for (F &f : unique) (f.state()->done() ? r.done : r.pending).push_back(std::move(f));
    co_return r;
}

// ---- as_completed ------------------------------------------------------------------------------------------

namespace detail {

// The state shared by as_completed's iterator and its callbacks (Python's _AsCompletedIterator): the
// futures not done yet, and a queue of the done ones (None, here null, for the timeout) with its getters.
struct as_completed_state final : box_base {
    std::vector<ref<future_state_base>> todo;
    std::vector<ref<future_state_base>> done;    // the queue's items, FIFO; a null item is the timeout
    std::size_t done_head = 0;
    std::vector<ref<future_state<void>>> getters; // Queue._getters
    std::size_t todo_left = 0;
    ref<handle_state> timeout_handle;
    loop_state *loop = nullptr;

    const std::type_info &type() const noexcept override { return typeid(as_completed_state); }
    std::string type_name() const override { return "_AsCompletedIterator"; }
    std::string repr() const override { return "<_AsCompletedIterator>"; }
    void *value() noexcept override { return this; }

    // Queue.put_nowait: the item, then the first getter that is still waiting is woken.
    void put(ref<future_state_base> f) {
        done.push_back(std::move(f));
        while (!getters.empty()) {
            ref<future_state<void>> g = std::move(getters.front());
            getters.erase(getters.begin());
            if (!g->done()) {
                g->set_result_value();
                break;
            }
        }
    }
    static void handle_completion(box_base *target, box_base *arg) noexcept {
        auto *s = static_cast<as_completed_state *>(target);
        auto *f = static_cast<future_state_base *>(arg);
        if (s->todo.empty()) return;
        std::erase_if(s->todo, [f](const ref<future_state_base> &t) { return t.get() == f; });
        s->put(ref<future_state_base>(f));
        if (s->todo.empty() && s->timeout_handle) s->timeout_handle->cancel();
    }
    void handle_timeout() {
        timeout_handle = nullptr; // breaks the state -> timer -> state cycle (the loop holds the timer while it runs)
        for (auto &f : todo) { // one TimeoutError sentinel per future not done
            f->remove_callback(&handle_completion, this);
            put(nullptr);
        }
        todo.clear();
    }
};

// Python's Queue.get() on that queue, then _wait_for_one: the next done future, or TimeoutError.
inline coroutine<ref<future_state_base>> as_completed_next(ref<as_completed_state> s) {
    while (s->done_head == s->done.size()) {
        ref<future_state<void>> getter(new future_state<void>(ref<loop_state>(s->loop)));
        s->getters.push_back(getter);
        std::exception_ptr error;
        try {
            co_await future<void>::adopt(getter);
        } catch (...) {
            error = std::current_exception();
        }
        if (error) { // Queue.get's bare except: pass a wake-up on that this getter will not use
            getter->cancel(std::nullopt);
            std::erase_if(s->getters, [&](const ref<future_state<void>> &g) { return g == getter; });
            if (s->done_head < s->done.size() && !getter->cancelled())
                for (auto &g : s->getters)
                    if (!g->done()) {
                        g->set_result_value();
                        break;
                    }
            std::rethrow_exception(error);
        }
    }
    ref<future_state_base> f = std::move(s->done[s->done_head++]);
    if (!f) throw timeout_error();
    co_return f;
}

template <class F>
coroutine<operand_result_t<F>> as_completed_resolve(ref<as_completed_state> s) {
    ref<future_state_base> f = co_await as_completed_next(std::move(s));
    auto *typed = static_cast<future_state<operand_result_t<F>> *>(f.get());
    if constexpr (std::is_void_v<operand_result_t<F>>)
        typed->get_result();
    else
        co_return child_value<operand_result_t<F>>(typed);
}

} // namespace detail

// Python: asyncio.as_completed(fs, timeout=None) (3.13): eager — the tasks and callbacks exist from the
// call. Plain iteration gives a new coroutine per item, resolving to the next result in completion order;
// anext() (Python's async iteration) gives the original futures as they complete.
//   for (auto aw : twoway::as_completed(ts)) { T v = co_await std::move(aw); }
//   auto it = twoway::as_completed(ts); while (auto t = co_await it.anext()) { ... t->result() ... }
template <class F>
class as_completed_iterator {
public:
    using value_type = coroutine<operand_result_t<F>>;

    as_completed_iterator(detail::ref<detail::as_completed_state> s) noexcept : s_(std::move(s)) {}

    // Python's __next__: null when exhausted.
    std::optional<value_type> next() {
        if (s_->todo_left == 0) return std::nullopt;
        --s_->todo_left;
        return detail::as_completed_resolve<F>(s_);
    }
    // Python's __anext__: the original future, or nullopt at the end (StopAsyncIteration).
    coroutine<std::optional<F>> anext() {
        if (s_->todo_left == 0) co_return std::nullopt;
        --s_->todo_left;
        detail::ref<detail::future_state_base> f = co_await detail::as_completed_next(s_);
        auto *typed = static_cast<detail::future_state<operand_result_t<F>> *>(f.get());
        if constexpr (requires { F::adopt(static_cast<detail::task_state<operand_result_t<F>> *>(typed)); })
            co_return F::adopt(static_cast<detail::task_state<operand_result_t<F>> *>(typed));
        else
            co_return F::adopt(detail::ref<detail::future_state<operand_result_t<F>>>(typed));
    }
    [[nodiscard]] std::size_t remaining() const noexcept { return s_->todo_left; }

    // Plain iteration: for (auto aw : as_completed(...)).
    class iterator {
    public:
        using difference_type = std::ptrdiff_t;
        using value_type = as_completed_iterator::value_type;
        iterator() = default;
        explicit iterator(as_completed_iterator *it) : it_(it) { ++*this; }
        value_type operator*() const { return std::move(*cur_); }
        iterator &operator++() {
            cur_.reset();
            if (it_) cur_ = it_->next();
            if (!cur_) it_ = nullptr;
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator &i, std::default_sentinel_t) noexcept { return !i.it_; }

    private:
        as_completed_iterator *it_ = nullptr;
        mutable std::optional<value_type> cur_;
    };
    iterator begin() { return iterator(this); }
    std::default_sentinel_t end() const noexcept { return {}; }

private:
    detail::ref<detail::as_completed_state> s_;
};

template <std::ranges::input_range Range>
    requires future_operand<std::ranges::range_reference_t<Range>>
auto as_completed(Range &&fs, std::optional<double> timeout = std::nullopt) {
    using Op = std::remove_cvref_t<std::ranges::range_reference_t<Range>>;
    using T = operand_result_t<Op>;
    using F = std::conditional_t<detail::is_future_handle<Op>::value, Op, task<T>>;
    detail::loop_state &l = detail::require_running_loop();
    detail::ref<detail::as_completed_state> s(new detail::as_completed_state());
    s->loop = &l;
    std::vector<const void *> seen;
    for (auto &&aw : fs) {
        const void *key;
        if constexpr (detail::is_future_handle<Op>::value)
            key = aw.state();
        else
            key = &aw;
        bool dup = false;
        for (const void *k : seen) dup = dup || k == key;
        if (dup) continue;
        seen.push_back(key);
        detail::future_state_base *st;
        if constexpr (detail::is_future_handle<Op>::value) {
            st = aw.state();
        } else {
            auto t = ensure_future(std::move(aw));
            st = t.state();
        }
        s->todo.emplace_back(st);
    }
    for (auto &f : s->todo) f->add_callback(&detail::as_completed_state::handle_completion, detail::ref<detail::box_base>(s.get()));
    if (!s->todo.empty() && timeout) {
        detail::as_completed_state *st = s.get(); // held by the handle while it may run
        s->timeout_handle = l.call_at(l.time() + *timeout, [st] { st->handle_timeout(); },
                                      detail::static_text{"_AsCompletedIterator._handle_timeout()"}, detail::ref<detail::box_base>(st));
        // (the timer's function holds the state and the state the timer: running it, cancelling it or the
        // loop's close() breaks the cycle)
    }
    s->todo_left = s->todo.size();
    return as_completed_iterator<F>(std::move(s));
}

} // namespace twoway
