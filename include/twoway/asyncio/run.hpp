// twoway/asyncio/run.hpp — run(main()): Python's asyncio.run.
//
// A new loop runs main as its task; then the tasks still pending are cancelled and run to their end
// (an error other than the cancellation goes to the exception handler), async generators are shut
// down, and the loop is closed. main's result is returned, or its exception raised.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "twoway/asyncio/event_loop.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/gather.hpp"
#include "twoway/asyncio/task.hpp"
#include "twoway/coroutine.hpp"

namespace twoway {

namespace detail {

// asyncio.runners._cancel_all_tasks: cancel every pending task and wait for all of them, as a
// gather(*tasks, return_exceptions=True) would (each completion reaches the waiting future through a
// done callback), then report the ones that failed with something else than the cancellation.
inline void cancel_all_tasks(const event_loop &loop) {
    loop_state &l = *loop.state();
    std::vector<ref<future_state_base>> to_cancel;
    for (task_core *t : l.tasks)
        if (t) to_cancel.emplace_back(&t->fut());
    if (to_cancel.empty()) return;
    for (auto &t : to_cancel) t->cancel(std::nullopt);
    future<void> all = loop.create_future<void>();
    struct countdown final : box_base {
        future<void> all;
        std::size_t left;
        countdown(future<void> a, std::size_t n) : all(std::move(a)), left(n) {}
        const std::type_info &type() const noexcept override { return typeid(countdown); }
        std::string type_name() const override { return "_GatheringFuture"; }
        std::string repr() const override { return "<_GatheringFuture>"; }
        void *value() noexcept override { return this; }
        static void entry(box_base *target, box_base *) noexcept {
            auto *c = static_cast<countdown *>(target);
            if (--c->left == 0 && !c->all.done()) c->all.set_result();
        }
    };
    ref<box_base> counter(new countdown(all, to_cancel.size()));
    for (auto &t : to_cancel) t->add_callback(&countdown::entry, counter);
    loop.run_until_complete(all);
    for (auto &t : to_cancel) {
        if (t->cancelled()) continue;
        if (std::exception_ptr e = t->exception_or_null()) {
            exception_context_data ctx;
            ctx.message = "unhandled exception during asyncio.run() shutdown";
            ctx.exception = e;
            ctx.task = t;
            l.call_exception_handler(ctx);
        }
    }
}

inline coroutine<void> shutdown_default_executor_step() { co_return; }

inline coroutine<void> aclose_for_shutdown(async_generator_ref g) { co_await g.aclose(); }

// Python: isinstance(e, Exception) — every std::exception here; not a BaseException such as a
// CancelledError, a GeneratorExit, a SystemExit.
inline bool is_exception_subclass(const std::exception_ptr &e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception &) {
        return true;
    } catch (...) {
        return false;
    }
}

} // namespace detail

// Python: loop.shutdown_asyncgens() (L11): closes every async generator that began under the loop and is
// still alive, each by aclose() in a task of its own, all at once (a gather with return_exceptions); an
// error of one goes to the exception handler. Later firstiters warn. asyncio.run() awaits it at the end.
inline coroutine<void> shutdown_asyncgens(event_loop loop) {
    detail::loop_state &l = *loop.state();
    l.asyncgens_shutdown_called = true;
    if (l.asyncgens.live.empty()) co_return;
    std::vector<async_generator_ref> closing;
    closing.reserve(l.asyncgens.live.size());
    for (auto *g : l.asyncgens.live) closing.emplace_back(g);
    while (!l.asyncgens.live.empty()) l.asyncgens.forget(l.asyncgens.live.back());
    std::vector<coroutine<void>> acloses;
    acloses.reserve(closing.size());
    for (const auto &g : closing) acloses.push_back(detail::aclose_for_shutdown(g));
    auto results = co_await gather(return_exceptions, acloses);
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!results[i].has_exception()) continue;
        const std::exception_ptr &e = results[i].exception();
        if (!detail::is_exception_subclass(e)) continue; // a BaseException (CancelledError, ...) is not reported
        detail::exception_context_data ctx;
        ctx.message = "an error occurred during closing of asynchronous generator " + closing[i].repr();
        ctx.exception = e;
        ctx.asyncgen = object(closing[i]);
        l.call_exception_handler(ctx);
    }
}

struct run_options {
    clock_kind clock = monotonic_clock;
    bool eager_tasks = false; // Python 3.12's loop_factory with eager_task_factory
};

// Python: asyncio.run(main). The coroutine is taken only when no loop is running on this thread.
template <class T>
T run(coroutine<T> &&main, run_options options = {}) {
    if (detail::running_loop()) throw runtime_error("asyncio.run() cannot be called from a running event loop");
    event_loop loop(options.clock);
    if (options.eager_tasks) loop.set_task_factory(eager_task_factory);
    task<T> t = loop.create_task(std::move(main));
    std::exception_ptr error;
    std::optional<std::conditional_t<std::is_void_v<T>, none_t, T>> result;
    try {
        detail::run_until_done(*loop.state(), *t.state());
        if constexpr (std::is_void_v<T>) {
            t.result();
            result.emplace(none);
        } else {
            result.emplace(detail::take_result(*t.state()));
        }
    } catch (...) {
        error = std::current_exception();
    }
    try {
        detail::cancel_all_tasks(loop);
        // Python runs these two as tasks (they take Task-N numbers).
        loop.run_until_complete(shutdown_asyncgens(loop));
        loop.run_until_complete(detail::shutdown_default_executor_step());
    } catch (...) {
        error = std::current_exception(); // `with Runner()`: an error of Runner.close() replaces main's outcome
    }
    loop.close();
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<T>) return std::move(*result);
}

} // namespace twoway
