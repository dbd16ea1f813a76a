// Port of asyncio/62_wait_for.py — Rules: G12-G18, G35 (wait_for: result, TimeoutError from
// CancelledError, the job is cancelled and awaited, timeout None/0, caller cancelled, same task).
//
// Python chains the ValueError raised in the job's handler to the CancelledError implicitly; the C++ job
// says so with std::throw_with_nested (docs/differences.md), and wait_for splices its TimeoutError in.
#include "gather_support.hpp"

namespace {

using twoway::object;
using twoway::coroutine;

enum class on_cancel { raise, return_, valueerror };

coroutine<object> job(std::string name, int n, object result, on_cancel how = on_cancel::raise) {
    std::cout << "  [" << name << "] start\n";
    {
        trace::finally_print fin{"  [" + name + "] finally\n"};
        try {
            if (n >= 0)
                for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
            else
                co_await twoway::sleep(3600);
        } catch (const twoway::cancelled_error &) {
            std::cout << "  [" << name << "] cancelled\n";
            if (how == on_cancel::return_) {
                std::cout << "  [" << name << "] returns " << result.repr() << " instead\n";
                co_return result;
            }
            if (how == on_cancel::valueerror) std::throw_with_nested(twoway::value_error("raised while being cancelled"));
            throw;
        }
    }
    std::cout << "  [" << name << "] return " << result.repr() << "\n";
    co_return result;
}

coroutine<object> failing() {
    co_await twoway::sleep(0);
    throw trace::LookupError("inner failure");
}

coroutine<void> main_() {
    const trace::suffix_fn chain = trace::chain_deep;

    std::cout << "== finishes in time: its result is returned\n";
    co_await trace::attempt_await("wait_for(job 2 steps, 10)", twoway::wait_for(job("quick", 2, object("Q")), 10), chain);

    std::cout << "== times out: the job is cancelled and awaited before TimeoutError is raised\n";
    co_await trace::attempt_await("wait_for(job forever, 0.05)", twoway::wait_for(job("slow", -1, object("S")), 0.05), chain);

    std::cout << "== the job's own exception passes through unchanged\n";
    co_await trace::attempt_await("wait_for(failing, 10)", twoway::wait_for(failing(), 10), chain);

    std::cout << "== timeout=None: no timeout at all\n";
    co_await trace::attempt_await("wait_for(job 3 steps, None)", twoway::wait_for(job("none", 3, object("N")), std::nullopt), chain);

    std::cout << "== timeout=0 (or negative): a coroutine is wrapped in a task that is cancelled before it starts\n";
    co_await trace::attempt_await("wait_for(job, 0)", twoway::wait_for(job("zero", 1, object("Z")), 0), chain);
    co_await trace::attempt_await("wait_for(job, -1)", twoway::wait_for(job("neg", 1, object("Z")), -1), chain);
    {
        auto done = twoway::get_running_loop().create_future<object>();
        done.set_result(object("ready"));
        co_await trace::attempt_await("wait_for(finished future, 0)", twoway::wait_for(done, 0), chain);
    }

    std::cout << "== the job swallows the cancellation and returns: that value is returned, no TimeoutError\n";
    co_await trace::attempt_await("wait_for(job that returns on cancel, 0.05)",
                                  twoway::wait_for(job("stubborn", -1, object("kept"), on_cancel::return_), 0.05), chain);

    std::cout << "== a Task passed in is cancelled on timeout\n";
    {
        auto t = twoway::create_task(job("task", -1, object("T")));
        co_await trace::attempt_await("wait_for(task, 0.05)", twoway::wait_for(t, 0.05), chain);
        std::cout << "t.cancelled() -> " << trace::repr(t.cancelled()) << "\n";
    }

    std::cout << "== cancelling the caller cancels the job; CancelledError, not TimeoutError, comes out\n";
    {
        auto caller = []() -> coroutine<object> { co_return co_await twoway::wait_for(job("victim", -1, object("V")), 10); };
        auto c = twoway::create_task(caller());
        for (int i = 0; i < 3; ++i) co_await twoway::sleep(0);
        std::cout << "c.cancel() -> " << trace::repr(c.cancel()) << "\n";
        co_await trace::attempt_await("await caller", c, chain);
    }

    std::cout << "== the job raises while being cancelled by the timeout\n";
    std::cout << "   [3.13+] a TimeoutError is inserted into the __context__ chain; 3.11/3.12: __context__ is the CancelledError\n";
    co_await trace::attempt_await("wait_for(job that raises on cancel, 0.05)",
                                  twoway::wait_for(job("raiser", -1, object(), on_cancel::valueerror), 0.05), chain);

    std::cout << "== [3.12+] a coroutine runs inside the calling task (3.11 wraps it in a new task)\n";
    {
        twoway::task_ref me = twoway::current_task();
        auto who = [](twoway::task_ref me) -> coroutine<bool> { co_return twoway::current_task() == me; };
        co_await trace::attempt_await("wait_for(coroutine, 10): runs in the caller's task", twoway::wait_for(who(me), 10), chain);
    }
}

} // namespace

int main(int argc, char **argv) {
    twoway::run(main_(), {trace::clock_from_args(argc, argv)});
    return 0;
}
