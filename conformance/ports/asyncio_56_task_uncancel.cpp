// Port of asyncio/56_task_uncancel.py — Rules: J15 (cancelling() and uncancel() counters; 3.13+:
// uncancel() to zero withdraws a pending cancel). The `<<` chains evaluate left to right (C++17), as
// print()'s arguments do.
#include "asyncio_support.hpp"

namespace {

std::string args_now() { return trace::args_of(std::current_exception()); }

template <class T>
twoway::coroutine<void> outcome(std::string label, twoway::task<T> task) {
    try {
        T r = co_await task;
        std::cout << label << ": returned " << trace::repr(r) << "\n";
    } catch (const twoway::cancelled_error &) {
        std::cout << label << ": cancelled, args=" << args_now() << "\n";
    }
}

twoway::coroutine<std::string> two_sleeps(std::string tag) {
    std::cout << "  [" << tag << "] first step\n";
    try {
        co_await twoway::sleep(0);
        std::cout << "  [" << tag << "] after sleep(0)\n";
        co_return tag + " finished";
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [" << tag << "] CancelledError\n";
        throw;
    }
}

twoway::coroutine<std::string> waits(twoway::event_loop loop) {
    try {
        co_await loop.create_future();
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [D] CancelledError, cancelling() = " << twoway::current_task().cancelling() << "\n";
        throw;
    }
    co_return "not reached";
}

twoway::coroutine<std::string> absorbs(twoway::event_loop loop) {
    twoway::task_ref me = twoway::current_task();
    for (int n : {1, 2}) {
        try {
            co_await loop.create_future();
        } catch (const twoway::cancelled_error &) {
            std::cout << "  [E] caught #" << n << "; cancelling() = " << me.cancelling()
                      << "; uncancel() -> " << me.uncancel() << "\n";
        }
    }
    co_return "E survived";
}

twoway::coroutine<void> async_main() {
    twoway::event_loop loop = twoway::get_running_loop();

    std::cout << "== the counters\n";
    twoway::task<std::string> t = twoway::create_task(two_sleeps("A"));
    std::cout << "cancelling() of a new task: " << t.cancelling() << "\n";
    std::cout << "uncancel() at zero -> " << t.uncancel() << " (never below zero)\n";
    std::cout << "cancel() -> " << trace::repr(t.cancel()) << " | cancelling() -> " << t.cancelling() << "\n";
    std::cout << "cancel() -> " << trace::repr(t.cancel()) << " | cancelling() -> " << t.cancelling() << "\n";
    std::cout << "uncancel() -> " << t.uncancel() << "\n";
    co_await outcome("A (cancel twice, uncancel once)", t);
    std::cout << "after the task finished: cancelling() -> " << t.cancelling() << " | cancel() -> "
              << trace::repr(t.cancel()) << " | cancelling() -> " << t.cancelling() << "\n";

    std::cout << "== cancel() then uncancel() before the first step (3.13+: the cancel is withdrawn)\n";
    t = twoway::create_task(two_sleeps("B"));
    std::cout << "cancel() -> " << trace::repr(t.cancel()) << " | uncancel() -> " << t.uncancel() << "\n";
    co_await outcome("B", t);

    std::cout << "== the same while the task is at a bare yield (3.13+: withdrawn too)\n";
    t = twoway::create_task(two_sleeps("C"));
    co_await twoway::sleep(0);
    std::cout << "cancel() -> " << trace::repr(t.cancel()) << " | uncancel() -> " << t.uncancel() << "\n";
    co_await outcome("C", t);

    std::cout << "== while the task waits on a future, uncancel() cannot undo the cancelled future\n";
    t = twoway::create_task(waits(loop));
    co_await twoway::sleep(0);
    std::cout << "cancel() -> " << trace::repr(t.cancel()) << " | uncancel() -> " << t.uncancel() << "\n";
    co_await outcome("D", t);

    std::cout << "== the task itself can uncancel after catching, and carry on\n";
    t = twoway::create_task(absorbs(loop));
    co_await twoway::sleep(0);
    t.cancel();
    co_await twoway::sleep(0);
    co_await twoway::sleep(0);
    t.cancel();
    co_await outcome("E", t);
    std::cout << "E cancelling() at the end: " << t.cancelling() << "\n";
}

} // namespace

int main() { twoway::run(async_main()); }
