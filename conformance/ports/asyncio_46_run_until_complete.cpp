// Port of asyncio/46_run_until_complete.py — Rules: L7-L9, J1 (run_until_complete, running/closed-loop
// errors, get_running_loop). Also runs with --virtual-clock.
#include "asyncio_support.hpp"

namespace {

PY_EXCEPTION(LookupError);

twoway::coroutine<int> answer() { co_return 42; }
twoway::coroutine<int> failing() {
    throw LookupError("from the coroutine");
    co_return 0;
}

} // namespace

int main(int argc, char **argv) {
    twoway::event_loop loop = twoway::new_event_loop(trace::clock_from_args(argc, argv));

    std::cout << "== result, exception, futures\n";
    trace::attempt("run_until_complete(answer())", [&] { return loop.run_until_complete(answer()); });
    trace::attempt("run_until_complete(failing())", [&] { return loop.run_until_complete(failing()); });
    twoway::future<std::string> fut = loop.create_future<std::string>();
    loop.call_soon([fut] { fut.set_result(std::string("set by a callback")); });
    trace::attempt("run_until_complete(fut)", [&] { return loop.run_until_complete(fut); });
    trace::attempt("run_until_complete(fut) when already done", [&] { return loop.run_until_complete(fut); });

    std::cout << "== it returns one iteration after the future completes (stopped by a done callback)\n";
    std::function<void(int)> tick = [&](int i) {
        std::cout << "-- tick " << i << "\n";
        if (i < 3) loop.call_soon(tick, i + 1);
    };
    auto two_steps = []() -> twoway::coroutine<std::string> {
        std::cout << "  [two_steps] step 1\n";
        co_await twoway::sleep(0);
        std::cout << "  [two_steps] step 2, returning\n";
        co_return "finished";
    };
    loop.call_soon(tick, 0);
    trace::attempt("run_until_complete(two_steps())", [&] { return loop.run_until_complete(two_steps()); });
    std::cout << "tick 3 is still queued\n";
    loop.call_soon([loop] { loop.stop(); });
    loop.run_forever();

    std::cout << "== get_running_loop\n";
    trace::attempt("asyncio.get_running_loop() outside", [] { (void)twoway::get_running_loop(); });
    auto inside = [loop]() -> twoway::coroutine<bool> { co_return twoway::get_running_loop() == loop; };
    trace::attempt("get_running_loop() is loop, inside", [&] { return loop.run_until_complete(inside()); });
    std::cout << "is_running() outside: " << trace::repr(loop.is_running()) << "\n";

    std::cout << "== errors while the loop is running\n";
    auto misuse = [loop]() -> twoway::coroutine<std::string> {
        std::cout << "  [misuse] is_running(): " << trace::repr(loop.is_running()) << "\n";
        twoway::coroutine<int> c = answer();
        trace::attempt("  loop.run_until_complete(c)", [&] { return loop.run_until_complete(std::move(c)); });
        c.close(); // not consumed: the loop refused it
        trace::attempt("  loop.close()", [&] { loop.close(); });
        twoway::event_loop other = twoway::new_event_loop();
        c = answer();
        trace::attempt("  other.run_until_complete(c)", [&] { return other.run_until_complete(std::move(c)); });
        c.close();
        other.close();
        std::cout << "  [misuse] still running: " << trace::repr(loop.is_running()) << "\n";
        co_return "misuse done";
    };
    trace::attempt("run_until_complete(misuse())", [&] { return loop.run_until_complete(misuse()); });

    std::cout << "== stopped before the future completed\n";
    auto forever = [loop]() -> twoway::coroutine<void> { co_await loop.create_future(); };
    twoway::task<void> task = loop.create_task(forever());
    loop.call_soon([loop] { loop.stop(); });
    trace::attempt("run_until_complete(task)", [&] { loop.run_until_complete(task); });
    std::cout << "task done: " << trace::repr(task.done()) << "\n";
    task.cancel();
    trace::attempt("run_until_complete(task) after cancel()", [&] { loop.run_until_complete(task); });

    std::cout << "== a future of another loop\n";
    {
        twoway::event_loop other = twoway::new_event_loop();
        trace::attempt("run_until_complete(other_future)", [&] { loop.run_until_complete(other.create_future()); });
        other.close();
    }

    std::cout << "== a closed loop\n";
    loop.close();
    std::cout << "is_closed(): " << trace::repr(loop.is_closed()) << "\n";
    trace::attempt("loop.close() again", [&] { loop.close(); });
    twoway::coroutine<int> c = answer();
    trace::attempt("run_until_complete(c)", [&] { return loop.run_until_complete(std::move(c)); });
    c.close();
    trace::attempt("run_forever()", [&] { loop.run_forever(); });
    trace::attempt("call_soon(print)", [&] { return loop.call_soon([] { std::cout << "\n"; }).repr(); });
    trace::attempt("call_later(1, print)", [&] { return loop.call_later(1, [] { std::cout << "\n"; }).repr(); });
    c = answer();
    trace::attempt("create_task(c)", [&] { return loop.create_task(std::move(c)).repr(); });
    c.close();
}
