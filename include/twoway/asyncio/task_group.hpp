// twoway/asyncio/task_group.hpp — task_group: Python's asyncio.TaskGroup (3.11+), 3.13's bookkeeping.
//
//   co_await twoway::async_with(twoway::task_group(), [&](twoway::task_group tg) -> twoway::coroutine<void> {
//       tg.create_task(fetch("a"));
//       tg.create_task(fetch("b"));
//   });                                  // waits for both; a failure cancels the rest and raises a group
//
// The first child that fails cancels its siblings and the body (the parent task, once); the exit waits for
// every child, withdraws that one cancellation with uncancel(), and raises the children's errors (and the
// body's, last) as an exception_group — a base_exception_group if one is not a std::exception. A SystemExit
// or KeyboardInterrupt is re-raised alone. A cancellation from outside the group is propagated as the same
// CancelledError object, unless errors take priority, in which case the parent is cancelled again (3.13).
#pragma once

#include <algorithm>
#include <exception>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "twoway/async_with.hpp"
#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/event_loop.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/task.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exception_chain.hpp"
#include "twoway/exception_group.hpp"
#include "twoway/exceptions.hpp"

namespace twoway {

namespace detail {

class task_group_state final : public box_base {
public:
    const std::type_info &type() const noexcept override { return typeid(task_group_state); }
    std::string type_name() const override { return "TaskGroup"; }
    std::string repr() const override {
        std::string s = "<TaskGroup";
        if (!tasks.empty()) s += " tasks=" + std::to_string(tasks.size());
        if (errors && !errors->empty()) s += " errors=" + std::to_string(errors->size());
        if (aborting)
            s += " cancelling";
        else if (entered)
            s += " entered";
        return s + ">";
    }
    void *value() noexcept override { return this; }

    // Python's _abort(): cancels the children not done yet, in creation order (Python's set order is a
    // hash accident).
    void abort() {
        aborting = true;
        std::vector<ref<future_state_base>> snapshot = tasks; // a cancel can run nothing, but keep it safe
        for (auto &t : snapshot)
            if (!t->done()) t->cancel(std::nullopt);
    }

    static void task_done_entry(box_base *target, box_base *arg) noexcept {
        auto *g = static_cast<task_group_state *>(target);
        try {
            g->on_task_done(static_cast<future_state_base *>(arg));
        } catch (...) {
            exception_context_data ctx;
            ctx.message = "Exception in callback TaskGroup._on_task_done()";
            ctx.exception = std::current_exception();
            g->loop->call_exception_handler(ctx);
        }
    }
    // Python's _on_task_done(task).
    void on_task_done(future_state_base *task) {
        std::erase_if(tasks, [task](const ref<future_state_base> &t) { return t.get() == task; });
        if (on_completed_fut && tasks.empty() && !on_completed_fut->done()) on_completed_fut->set_result_value();
        if (task->cancelled()) return;
        std::exception_ptr exc = task->exception_or_null();
        if (!exc) return;
        errors->push_back(exc);
        if (is_base_error(exc) && !base_error) base_error = exc;
        if (parent_task->done()) {
            exception_context_data ctx;
            ctx.message = "Task " + task->repr() + " has errored out but its parent task " + parent_task->repr() +
                          " is already completed";
            ctx.exception = exc;
            ctx.task = ref<future_state_base>(task);
            loop->call_exception_handler(ctx);
            return;
        }
        if (!aborting && !parent_cancel_requested) {
            abort();
            parent_cancel_requested = true;
            parent_task->cancel(std::nullopt);
        }
    }

    bool entered = false;
    bool exiting = false;
    bool aborting = false;
    bool parent_cancel_requested = false;
    loop_state *loop = nullptr;
    ref<future_state_base> parent_task;
    std::vector<ref<future_state_base>> tasks; // the pending children, in creation order
    std::optional<std::vector<std::exception_ptr>> errors{std::in_place}; // None once raised
    std::exception_ptr base_error;
    ref<future_state<void>> on_completed_fut;
};

} // namespace detail

// Python: asyncio.TaskGroup. A handle: copies refer to one group (`async with tg as g` gives tg itself).
class task_group {
public:
    task_group() : s_(new detail::task_group_state()) {}

    // Python: tg.create_task(coro, name=None). Refused (the coroutine closed, then RuntimeError) before the
    // group is entered, once it has finished, and while it is cancelling its children.
    template <class T>
    task<T> create_task(coroutine<T> &&c, std::optional<std::string> name = std::nullopt) const {
        detail::task_group_state &g = *s_;
        const char *refusal = !g.entered                      ? "has not been entered"
                              : g.exiting && g.tasks.empty() ? "is finished"
                              : g.aborting                    ? "is shutting down"
                                                              : nullptr;
        if (refusal) {
            c.close();
            throw runtime_error("TaskGroup " + g.repr() + " " + refusal);
        }
        task<T> t = event_loop(detail::ref<detail::loop_state>(g.loop)).create_task(std::move(c), std::move(name));
        detail::future_state_base *st = t.state();
        if (st->done()) {
            g.on_task_done(st); // finished eagerly: no callback
        } else {
            g.tasks.emplace_back(st);
            st->add_callback(&detail::task_group_state::task_done_entry, detail::ref<detail::box_base>(s_.get()));
        }
        return t;
    }

    [[nodiscard]] std::string repr() const { return s_->repr(); }

    // Python: __aenter__ (it awaits nothing: a frame-less awaitable that runs when awaited).
    [[nodiscard]] auto aenter() const {
        return detail::ready_call{[self = *this] { return enter(self); }};
    }
    // Python: __aexit__ (3.13.0).
    coroutine<void> aexit(std::exception_ptr exc) const { return exit(*this, std::move(exc)); }

    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const task_group &a, const task_group &b) noexcept { return a.s_ == b.s_; }

private:
    static task_group enter(const task_group &self) {
        detail::task_group_state &g = *self.s_;
        if (g.entered) throw runtime_error("TaskGroup " + g.repr() + " has already been entered");
        detail::loop_state &l = detail::require_running_loop();
        if (!g.loop) g.loop = &l;
        if (!l.current_task) throw runtime_error("TaskGroup " + g.repr() + " cannot determine the parent task");
        g.parent_task = detail::ref<detail::future_state_base>(&l.current_task->fut());
        g.entered = true;
        return self;
    }

    static coroutine<void> exit(task_group self, std::exception_ptr exc) {
        detail::task_group_state &g = *self.s_;
        g.exiting = true;
        if (exc && detail::is_base_error(exc) && !g.base_error) g.base_error = exc;
        const bool body_cancelled = exc && detail::is_cancelled_error(exc);
        std::exception_ptr propagate_cancellation_error = body_cancelled ? exc : nullptr;
        if (exc && !g.aborting) g.abort();
        while (!g.tasks.empty()) {
            if (!g.on_completed_fut)
                g.on_completed_fut =
                    detail::ref<detail::future_state<void>>(new detail::future_state<void>(detail::ref<detail::loop_state>(g.loop)));
            std::exception_ptr cancelled;
            try {
                co_await future<void>::adopt(g.on_completed_fut);
            } catch (const cancelled_error &) {
                cancelled = std::current_exception();
            }
            if (cancelled && !g.aborting) {
                propagate_cancellation_error = cancelled;
                g.abort();
            }
            g.on_completed_fut = nullptr;
        }
        // The parent is not needed from here on: dropping it breaks the cycle parent -> frame -> group.
        detail::ref<detail::future_state_base> parent = std::move(g.parent_task);
        if (g.base_error) std::rethrow_exception(g.base_error);
        if (g.parent_cancel_requested) {
            if (parent->as_task()->uncancel() == 0) propagate_cancellation_error = nullptr;
        }
        if (propagate_cancellation_error && g.errors->empty()) std::rethrow_exception(propagate_cancellation_error);
        if (exc && !body_cancelled) g.errors->push_back(exc); // the body's error, last
        if (!g.errors->empty()) {
            if (parent->as_task()->num_cancels_requested) { // cancelled from outside: keep the count, re-arm it
                parent->as_task()->uncancel();
                parent->cancel(std::nullopt);
            }
            std::vector<std::exception_ptr> errors = std::move(*g.errors);
            g.errors.reset();
            std::exception_ptr group = make_exception_group("unhandled errors in a TaskGroup", std::move(errors));
            if (!exc) std::rethrow_exception(group);
            // `raise ... from None` inside __aexit__ still records the body's exception as the context
            // (what a timeout around the group splices its TimeoutError into).
            try {
                std::rethrow_exception(group);
            } catch (const exception_group &eg) {
                raise_from(exception_group(eg), exc);
            } catch (const base_exception_group &beg) {
                raise_from(base_exception_group(beg), exc);
            }
        }
    }

    detail::ref<detail::task_group_state> s_;
};

} // namespace twoway
