// Port of asyncio/45_loop_callbacks.py — Rules: L1-L6 (call_soon FIFO, iterations, Handle.cancel,
// call_later/call_at order, loop.time, stop/run_forever). Also runs with --virtual-clock.
#include <chrono>

#include "asyncio_support.hpp"

namespace {

std::string args_repr() { return ""; }
template <class... A>
std::string args_repr(const A &...a) {
    return " args=" + trace::repr(std::make_tuple(a...));
}

template <class... A>
void cb(const std::string &tag, const A &...args) {
    std::cout << "  [cb] " << tag << args_repr(args...) << "\n";
}

} // namespace

int main(int argc, char **argv) {
    const twoway::clock_kind clock = trace::clock_from_args(argc, argv);
    twoway::event_loop loop = twoway::new_event_loop(clock);
    auto stop = [loop] { loop.stop(); };

    std::cout << "== call_soon: FIFO, positional args, nothing runs before the loop does\n";
    loop.call_soon([] { cb("a"); });
    loop.call_soon([](int i, const std::string &s) { cb("b", i, s); }, 1, std::string("two"));
    twoway::handle h = loop.call_soon([] { cb("cancelled: never runs"); });
    loop.call_soon([] { cb("c"); });
    std::cout << "handle type: Handle | cancelled(): " << trace::repr(h.cancelled()) << "\n"; // twoway::handle
    h.cancel();
    h.cancel();
    std::cout << "after cancel() twice: cancelled(): " << trace::repr(h.cancelled()) << "\n";
    loop.call_soon(stop);
    std::cout << "nothing has run yet\n";
    loop.run_forever();

    std::cout << "== one iteration runs only what was ready when it started\n";
    std::function<void(int)> spawner = [&](int n) {
        if (n < 2) {
            std::cout << "  [spawner " << n << "] schedules spawner " << n + 1 << "\n";
            loop.call_soon(spawner, n + 1);
        } else {
            std::cout << "  [spawner " << n << "] schedules nothing\n";
        }
    };
    loop.call_soon(spawner, 0);
    loop.call_soon([] { cb("same iteration as spawner 0"); });
    loop.call_soon(stop);
    loop.run_forever();
    std::cout << "run_forever returned; spawner 1 is still queued\n";
    loop.call_soon(stop);
    loop.run_forever();
    std::cout << "second run: spawner 1 ran, spawner 2 is queued for the next iteration\n";
    loop.call_soon(stop);
    loop.run_forever();

    std::cout << "== stop(): the rest of the current iteration still runs\n";
    loop.call_soon([] { cb("before stop"); });
    loop.call_soon(stop);
    loop.call_soon([] { cb("after stop, same iteration"); });
    loop.call_soon([loop] { loop.call_soon([] { cb("scheduled during the stopping iteration"); }); });
    loop.run_forever();
    std::cout << "stopped; the queued callback waits for the next run\n";
    loop.stop();
    std::cout << "stop() before run_forever(): exactly one iteration runs\n";
    loop.call_soon([loop] { loop.call_soon([] { cb("scheduled by the only iteration"); }); });
    loop.run_forever();
    std::cout << "returned after one iteration\n";
    loop.call_soon(stop);
    loop.run_forever();

    std::cout << "== call_later(0): due at once, but queued behind callbacks that were already ready\n";
    loop.call_later(0, [] { cb("call_later(0) registered first"); });
    loop.call_soon([] { cb("call_soon registered second"); });
    loop.call_soon([] { cb("call_soon registered third"); });
    loop.call_soon(stop);
    loop.run_forever();

    std::cout << "== timers run in order of their time, not of registration\n";
    loop.call_later(0.05, [] { cb("0.05 s"); });
    loop.call_later(0.01, [] { cb("0.01 s"); });
    loop.call_at(loop.time() + 0.03, [] { cb("call_at now + 0.03 s"); });
    loop.call_later(-1, [] { cb("negative delay: due at once"); });
    twoway::timer_handle th = loop.call_later(0.02, [] { cb("cancelled timer: never runs"); });
    std::cout << "timer handle type: TimerHandle | when() in the future: " << trace::repr(th.when() > loop.time())
              << "\n"; // twoway::timer_handle
    th.cancel();
    std::cout << "timer cancelled(): " << trace::repr(th.cancelled()) << "\n";
    loop.call_later(0.3, stop);
    loop.run_forever();

    std::cout << "== loop.time() is a monotonic clock\n";
    const double t1 = loop.time();
    const double t2 = loop.time();
    if (clock == twoway::virtual_clock) {
        trace::skip_line("the virtual clock is not time.monotonic()"); // it starts at 0 and jumps
    } else {
        const double monotonic =
            std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
        std::cout << "t2 >= t1: " << trace::repr(t2 >= t1)
                  << " | same clock as time.monotonic(): " << trace::repr(std::abs(loop.time() - monotonic) < 1.0) << "\n";
    }

    std::cout << "== bad arguments\n";
    trace::skip_line("call_later(None, cb): a double delay cannot be None in C++ (compile-time error)");
    trace::skip_line("call_at(None, cb): a double deadline cannot be None in C++ (compile-time error)");
    loop.close();
}
