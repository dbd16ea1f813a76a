// Port of asyncio/57_eager_tasks.py — Rules: J18 (3.12+: eager_task_factory runs the first step inside
// create_task). Task names are not printed, as in the trace.
#include <algorithm>
#include <vector>

#include "asyncio_support.hpp"

namespace {

void tick(twoway::event_loop loop, int i, int last) {
    std::cout << "-- tick " << i << "\n";
    if (i < last) loop.call_soon(tick, loop, i + 1, last);
}

void start_ticker(const twoway::event_loop &loop, int last) { loop.call_soon(tick, loop, 0, last); }

// repr() of an exception object: ValueError('eager boom').
std::string exception_repr(const std::exception_ptr &e) {
    if (!e) return "None";
    const std::string m = trace::message_of(e);
    return trace::python_name(e) + "(" + (m.empty() ? "" : trace::repr(m)) + ")";
}

bool in_all_tasks(const twoway::task_ref &t) {
    const std::vector<twoway::task_ref> all = twoway::all_tasks();
    return std::find(all.begin(), all.end(), t) != all.end();
}

twoway::coroutine<std::string> child(std::string tag, int steps, twoway::task_ref main_task) {
    const twoway::task_ref me = twoway::current_task();
    const char *who = me == main_task ? "main" : !me ? "no task" : "another task";
    std::cout << "  [" << tag << "] first step; current_task() is " << who << "\n";
    for (int i = 0; i < steps; ++i) {
        co_await twoway::sleep(0);
        std::cout << "  [" << tag << "] after sleep(0) #" << i + 1 << "\n";
    }
    co_return tag + " result";
}

twoway::coroutine<void> boom() {
    throw twoway::value_error("eager boom");
    co_return;
}

twoway::coroutine<void> async_main() {
    twoway::event_loop loop = twoway::get_running_loop();
    const twoway::task_ref me = twoway::current_task();

    std::cout << "== default factory: the first step is scheduled\n";
    start_ticker(loop, 2);
    twoway::task<std::string> t = twoway::create_task(child("lazy", 1, me));
    std::cout << "create_task returned; done: " << trace::repr(t.done()) << "\n";
    std::string r1 = co_await t;
    std::cout << "await -> " << r1 << "\n";

    std::cout << "== eager_task_factory: the first step runs inside create_task\n";
    loop.set_task_factory(twoway::eager_task_factory);
    start_ticker(loop, 1);
    t = twoway::create_task(child("eager", 1, me));
    std::cout << "create_task returned; done: " << trace::repr(t.done())
              << " | current_task() is main again: " << trace::repr(twoway::current_task() == me) << "\n";
    std::cout << "in all_tasks(): " << trace::repr(in_all_tasks(t)) << "\n";
    std::string r2 = co_await t;
    std::cout << "await -> " << r2 << "\n";

    std::cout << "== a coroutine that never suspends: done before create_task returns\n";
    t = twoway::create_task(child("instant", 0, me));
    std::cout << "done: " << trace::repr(t.done()) << " | result: " << t.result()
              << " | in all_tasks(): " << trace::repr(in_all_tasks(t)) << "\n";

    std::cout << "== an exception in the first step is stored, not raised by create_task\n";
    twoway::task<void> tb = twoway::create_task(boom());
    std::cout << "done: " << trace::repr(tb.done()) << " | exception: " << exception_repr(tb.exception()) << "\n";

    std::cout << "== a task that finished eagerly can no longer be cancelled\n";
    t = twoway::create_task(child("cancel-late", 0, me));
    std::cout << "cancel() -> " << trace::repr(t.cancel()) << " | result: " << t.result() << "\n";

    std::cout << "== a task created from a plain callback also starts at once (the loop is running)\n";
    start_ticker(loop, 1);
    std::vector<twoway::task<std::string>> created;
    loop.call_soon([&created, loop, me] { created.push_back(loop.create_task(child("from-callback", 0, me))); });
    std::cout << "callback scheduled\n";
    co_await twoway::sleep(0);
    std::cout << "done after one iteration: " << trace::repr(created[0].done()) << " | result: " << created[0].result()
              << "\n";
    co_await twoway::sleep(0);
    loop.set_task_factory(nullptr);
}

} // namespace

int main() { twoway::run(async_main()); }
