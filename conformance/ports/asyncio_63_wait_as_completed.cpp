// Port of asyncio/63_wait_as_completed.py — Rules: G19-G26 (wait: return_when modes, (done, pending),
// timeout without TimeoutError, argument errors; as_completed: completion order, 3.13 async iteration,
// timeout).
//
// wait() returns vectors where Python returns sets (the trace prints them sorted); the argument errors
// that are type errors in Python do not compile here.
#include "gather_support.hpp"

namespace {

using twoway::object;
using task_t = twoway::task<object>;

twoway::coroutine<object> steps(std::string name, int n, object result = {}, std::exception_ptr exc = nullptr) {
    for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    if (exc) {
        std::cout << "  [" << name << "] raise " << trace::describe(exc) << "\n";
        std::rethrow_exception(exc);
    }
    std::cout << "  [" << name << "] return " << result.repr() << "\n";
    co_return result;
}

task_t spawn(std::string name, int n, object result = {}, std::exception_ptr exc = nullptr) {
    return twoway::create_task(steps(name, n, std::move(result), std::move(exc)), name);
}

twoway::coroutine<object> silent(int n, object result = {}, std::exception_ptr exc = nullptr) {
    for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    if (exc) std::rethrow_exception(exc);
    co_return result;
}

// as_completed hands results over through an internal queue; its tasks print nothing so that the trace
// does not depend on how many loop passes that hand-over takes.
task_t spawn_silent(std::string name, int n, object result = {}, std::exception_ptr exc = nullptr) {
    return twoway::create_task(silent(n, std::move(result), std::move(exc)), name);
}

twoway::coroutine<object> sleep_forever() {
    co_await twoway::sleep(3600);
    co_return object();
}

twoway::coroutine<twoway::wait_result<task_t>> wait_and_show(std::string label, std::vector<task_t> tasks,
                                                             std::optional<double> timeout = std::nullopt,
                                                             twoway::return_when when = twoway::ALL_COMPLETED) {
    auto r = co_await twoway::wait(tasks, timeout, when);
    std::cout << label << " -> done=" << trace::names(r.done) << " pending=" << trace::names(r.pending) << "\n";
    co_return r;
}

template <class X>
concept waitable = requires(X x) { twoway::wait(x); };
template <class X>
concept as_completable = requires(X x) { twoway::as_completed(x); };

template <class E>
std::exception_ptr error(E e) {
    return std::make_exception_ptr(std::move(e));
}

twoway::coroutine<void> main_() {
    std::cout << "== wait, ALL_COMPLETED (default): returns when every task is done; exceptions stay inside the tasks\n";
    {
        std::vector<task_t> ts{spawn("a", 3, object("A")), spawn("b", 1, {}, error(twoway::value_error("b failed"))),
                               spawn("c", 2, object("C"))};
        co_await wait_and_show("wait([a, b, c])", ts);
        std::cout << "b.exception() -> " << trace::describe(ts[1].exception()) << "\n";
        // Python's type names of the two sets: here they are vectors.
        trace::skip_line("wait() returns two vectors (Python: two sets)");
    }

    std::cout << "== wait, FIRST_COMPLETED: returns after the first completion; the rest keep running\n";
    {
        std::vector<task_t> ts{spawn("slow", 12, object("S")), spawn("fast", 1, object("F")), spawn("mid", 6, object("M"))};
        auto r = co_await wait_and_show("wait(FIRST_COMPLETED)", ts, std::nullopt, twoway::FIRST_COMPLETED);
        r = co_await wait_and_show("wait(pending, FIRST_COMPLETED)", r.pending, std::nullopt, twoway::FIRST_COMPLETED);
        r = co_await wait_and_show("wait(pending)", r.pending);
    }

    std::cout << "== wait, FIRST_EXCEPTION: returns at the first task that raises\n";
    {
        std::vector<task_t> ts{spawn("ok1", 1, object(1)), spawn("boom", 3, {}, error(trace::LookupError("boom"))),
                               spawn("ok2", 10, object(2))};
        auto r = co_await wait_and_show("wait(FIRST_EXCEPTION)", ts, std::nullopt, twoway::FIRST_EXCEPTION);
        co_await twoway::wait(r.pending);
    }
    std::cout << "-- a cancelled task does not count as an exception\n";
    {
        std::vector<task_t> ts{spawn("victim", 5, object("V")), spawn("late", 3, object("L"))};
        co_await twoway::sleep(0);
        ts[0].cancel();
        co_await wait_and_show("wait(FIRST_EXCEPTION) with a cancelled task", ts, std::nullopt, twoway::FIRST_EXCEPTION);
    }
    std::cout << "-- without any exception it behaves like ALL_COMPLETED\n";
    {
        std::vector<task_t> ts{spawn("p", 1, object("P")), spawn("q", 2, object("Q"))};
        co_await wait_and_show("wait(FIRST_EXCEPTION), no failure", ts, std::nullopt, twoway::FIRST_EXCEPTION);
    }

    std::cout << "== wait, timeout: no TimeoutError; unfinished tasks come back in pending and are not cancelled\n";
    task_t forever = twoway::create_task(sleep_forever(), "forever");
    task_t quick = spawn("quick", 1, object("Q"));
    std::vector<task_t> both{forever, quick}; // (GCC 12: no braced lists inside a co_await operand)
    co_await wait_and_show("wait([forever, quick], timeout=0.05)", both, 0.05);
    std::cout << "forever.cancelled() -> " << trace::repr(forever.cancelled()) << ", forever.done() -> "
              << trace::repr(forever.done()) << "\n";
    forever.cancel();
    std::vector<task_t> just_forever{forever};
    co_await twoway::wait(just_forever);
    std::cout << "after forever.cancel(): forever.cancelled() -> " << trace::repr(forever.cancelled()) << "\n";

    std::cout << "== wait, tasks that are already done: all of them come back in done\n";
    std::vector<task_t> done_tasks{quick, forever};
    co_await wait_and_show("wait(done tasks)", done_tasks);

    std::cout << "== wait: argument errors\n";
    std::vector<task_t> none_at_all;
    co_await trace::attempt_await("wait([])", twoway::wait(none_at_all));
    // A range of coroutines, a bogus return_when and a single task instead of a range do not compile.
    static_assert(!waitable<std::vector<twoway::coroutine<object>>> && !waitable<task_t> && waitable<std::vector<task_t>>);
    trace::skip_line("wait([coroutine]) is a compile-time error in C++");
    trace::skip_line("return_when is an enum: 'bogus' cannot be formed");
    trace::skip_line("wait(task) is a compile-time error in C++");

    std::cout << "== as_completed, plain iteration: each item is a new awaitable giving the next result in completion order\n";
    {
        std::vector<task_t> ts{spawn_silent("a", 4, object("A")), spawn_silent("b", 1, object("B")),
                               spawn_silent("c", 6, {}, error(twoway::value_error("c failed"))), spawn_silent("d", 2, object("D"))};
        int i = 0;
        for (auto aw : twoway::as_completed(ts)) {
            // The item is a coroutine object, never one of the tasks.
            std::cout << "item " << i << " is one of the tasks -> "
                      << trace::repr(std::is_same_v<decltype(aw), task_t>) << "\n";
            co_await trace::attempt_await("await item " + std::to_string(i), std::move(aw));
            ++i;
        }
    }

    std::cout << "== as_completed: duplicates are collapsed: one task passed twice gives one item\n";
    {
        task_t t = spawn_silent("dup", 1, object("D"));
        std::vector<twoway::coroutine<object>> items;
        std::vector<task_t> twice{t, t};
        for (auto aw : twoway::as_completed(twice)) items.push_back(std::move(aw));
        std::cout << "len(list(as_completed([t, t]))) -> " << items.size() << "\n";
        object r = co_await std::move(items[0]);
        std::cout << "await it -> " << r.repr() << "\n";
    }

    std::cout << "== as_completed, [3.13+] async iteration yields the original task objects, in completion order\n";
    {
        std::vector<task_t> ts{spawn_silent("x", 3, object("X")), spawn_silent("y", 1, object("Y")), spawn_silent("z", 2, object("Z"))};
        auto it = twoway::as_completed(ts);
        while (auto t = co_await it.anext()) {
            bool original = std::find(ts.begin(), ts.end(), *t) != ts.end();
            std::cout << "got " << t->get_name() << ": is an original task -> " << trace::repr(original) << ", done -> "
                      << trace::repr(t->done()) << ", result -> " << t->result().repr() << "\n";
        }
    }

    std::cout << "== as_completed with a timeout: the item awaited after the deadline raises TimeoutError; tasks are not cancelled\n";
    {
        task_t fast = spawn_silent("fast", 1, object("F"));
        task_t never = twoway::create_task(sleep_forever(), "never");
        int i = 0;
        std::vector<task_t> pair{fast, never};
        for (auto aw : twoway::as_completed(pair, 0.05)) {
            co_await trace::attempt_await("await item " + std::to_string(i), std::move(aw));
            ++i;
        }
        std::cout << "never.done() -> " << trace::repr(never.done()) << "\n";
        never.cancel();
        std::vector<task_t> just_never{never};
        co_await twoway::wait(just_never);
    }

    std::cout << "== as_completed: argument errors ([3.13+] raised when as_completed() is called)\n";
    static_assert(!as_completable<task_t> && as_completable<std::vector<task_t>>);
    trace::skip_line("as_completed(task) is a compile-time error in C++");
}

} // namespace

int main(int argc, char **argv) {
    twoway::run(main_(), {trace::clock_from_args(argc, argv)});
    return 0;
}
