// Port of asyncio/65_shield.py — Rules: G36-G38 (shield: the outer side is cancelled, the inner task
// continues; inner cancellation, errors and results pass out).
#include "gather_support.hpp"

namespace {

using twoway::object;

twoway::coroutine<object> work(std::string name, int n, object result = {}, std::exception_ptr exc = nullptr) {
    std::cout << "  [" << name << "] start\n";
    try {
        for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [" << name << "] cancelled\n";
        throw;
    }
    if (exc) {
        std::cout << "  [" << name << "] raise " << trace::describe(exc) << "\n";
        std::rethrow_exception(exc);
    }
    std::cout << "  [" << name << "] return " << result.repr() << "\n";
    co_return result;
}

twoway::coroutine<void> main_() {
    std::cout << "== the task awaiting shield() is cancelled; the shielded task is not\n";
    {
        auto inner = twoway::create_task(work("inner", 10, object("I")));
        auto caller = [](twoway::task<object> inner) -> twoway::coroutine<object> {
            try {
                co_return co_await twoway::shield(inner);
            } catch (const twoway::cancelled_error &) {
                std::cout << "  [caller] CancelledError at the shield; inner.done() -> " << trace::repr(inner.done()) << "\n";
                throw;
            }
        };
        auto c = twoway::create_task(caller(inner));
        co_await twoway::sleep(0);
        std::cout << "c.cancel() -> " << trace::repr(c.cancel()) << "\n";
        co_await trace::attempt_await("await caller", c);
        std::cout << "inner.cancelled() -> " << trace::repr(inner.cancelled()) << ", inner.done() -> " << trace::repr(inner.done())
                  << "\n";
        co_await trace::attempt_await("await inner", inner);
    }

    std::cout << "== a shielded coroutine is wrapped in a task and keeps running\n";
    {
        std::vector<std::string> done;
        auto record = [](std::vector<std::string> &done) -> twoway::coroutine<void> {
            co_await work("coro", 3);
            done.push_back("coro finished");
        };
        auto caller2 = [&]() -> twoway::coroutine<void> { co_await twoway::shield(record(done)); };
        auto c = twoway::create_task(caller2());
        co_await twoway::sleep(0);
        c.cancel();
        co_await trace::attempt_await("await caller2", c);
        for (int i = 0; i < 10; ++i) co_await twoway::sleep(0);
        std::cout << "done -> " << trace::show(done) << "\n";
    }

    std::cout << "== cancelling the future that shield() returned does not touch the inner task\n";
    {
        auto inner = twoway::create_task(work("inner2", 2, object("I2")));
        auto outer = twoway::shield(inner);
        std::cout << "outer is inner -> " << trace::repr(outer.identity() == inner.identity()) << "\n";
        std::cout << "outer.cancel() -> " << trace::repr(outer.cancel()) << "\n";
        co_await trace::attempt_await("await outer", outer);
        co_await trace::attempt_await("await inner2", inner);
    }

    std::cout << "== the inner task cancelled by other means: the shield's future is cancelled too\n";
    {
        auto inner = twoway::create_task(work("inner3", 5, object("I3")));
        auto outer = twoway::shield(inner);
        co_await twoway::sleep(0);
        inner.cancel();
        co_await trace::attempt_await("await shield(inner3)", outer);
        std::cout << "outer.cancelled() -> " << trace::repr(outer.cancelled()) << "\n";
    }

    std::cout << "== the inner task's exception and result pass through\n";
    co_await trace::attempt_await("await shield(raises)",
                                  twoway::shield(work("failing", 1, {}, std::make_exception_ptr(twoway::value_error("bad")))));
    co_await trace::attempt_await("await shield(returns)", twoway::shield(work("fine", 1, object("ok"))));

    std::cout << "== an already finished future is returned as is\n";
    {
        auto f = twoway::get_running_loop().create_future<object>();
        f.set_result(object("ready"));
        std::cout << "shield(done future) is the same future -> " << trace::repr(twoway::shield(f) == f) << "\n";
    }
}

} // namespace

int main() {
    twoway::run(main_());
    return 0;
}
