// Port of asyncio/60_gather.py — Rules: G1-G6 (gather: argument-order results, scheduling, eager
// completion, duplicates, return_exceptions, the first exception propagates while the others run on).
//
// gather of a fixed list of operands gives a tuple; the trace prints it as Python's list.
#include "asyncio_support.hpp"
#include "gather_support.hpp"

namespace {

using twoway::object;

twoway::coroutine<object> steps(std::string name, int n, object result = {}, std::exception_ptr exc = nullptr) {
    std::cout << "  [" << name << "] start\n";
    for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    if (exc) {
        std::cout << "  [" << name << "] raise " << trace::describe(exc) << "\n";
        std::rethrow_exception(exc);
    }
    std::cout << "  [" << name << "] return " << result.repr() << "\n";
    co_return result;
}

template <class X>
concept gatherable = requires(X x) { twoway::gather(x); };

template <class E>
std::exception_ptr error(E e) {
    return std::make_exception_ptr(std::move(e));
}

twoway::coroutine<void> main_() {
    std::cout << "== results come back in argument order, not completion order\n";
    co_await trace::attempt_await("gather(a:3 steps, b:1 step, c:2 steps)",
                                  twoway::gather(steps("a", 3, object("A")), steps("b", 1, object("B")), steps("c", 2, object("C"))));

    std::cout << "== gather() returns a future at once; the children are scheduled in argument order\n";
    {
        auto g = twoway::gather(steps("x", 0, object("X")), steps("y", 0, object("Y")));
        std::cout << "isinstance(g, asyncio.Future) -> " << trace::repr(twoway::isfuture<decltype(g)>) << "\n";
        std::cout << "g.done() before any await -> " << trace::repr(g.done()) << "\n";
        co_await twoway::sleep(0);
        std::cout << "g.done() after one sleep(0) -> " << trace::repr(g.done()) << "\n";
        co_await trace::attempt_await("await g", g);
    }

    std::cout << "== no arguments: an already finished future with []\n";
    {
        auto g = twoway::gather();
        std::cout << "gather().done() -> " << trace::repr(g.done()) << "\n";
        co_await trace::attempt_await("await gather()", g);
    }

    std::cout << "== children that are already done: [3.12+] the gather future is done at once (3.11: after one loop pass)\n";
    {
        auto loop = twoway::get_running_loop();
        auto f1 = loop.create_future<object>();
        f1.set_result(object("f1"));
        auto f2 = loop.create_future<object>();
        f2.set_result(object("f2"));
        auto g = twoway::gather(f1, f2);
        std::cout << "gather(done f1, done f2).done() -> " << trace::repr(g.done()) << "\n";
        co_await trace::attempt_await("await it", g);
    }

    std::cout << "== the same awaitable twice runs once and fills both slots\n";
    {
        auto t = twoway::ensure_future(steps("dup", 1, object("D")));
        co_await trace::attempt_await("gather(t, t)", twoway::gather(t, t));
        auto c = steps("dupcoro", 0, object("DC"));
        co_await trace::attempt_await("gather(c, c) with one coroutine object", twoway::gather(std::move(c), std::move(c)));
    }

    std::cout << "== plain values are rejected\n";
    // gather(42) does not compile: the operands are constrained to futures, coroutines and awaitables.
    static_assert(!gatherable<int> && gatherable<twoway::future<int>>);
    trace::skip_line("gather(42) is a compile-time error in C++");

    std::cout << "== return_exceptions=True: exceptions take their slot in the result list\n";
    co_await trace::attempt_await("gather(ok, fail, ok, return_exceptions=True)",
                                  twoway::gather(twoway::return_exceptions, steps("ok1", 1, object(1)),
                                                 steps("bad", 0, {}, error(twoway::value_error("boom"))),
                                                 steps("ok2", 2, object(2))));

    std::cout << "== return_exceptions=False: the first exception propagates at once; the others keep running\n";
    {
        auto slow = twoway::create_task(steps("slow", 10, object("S")), "slow");
        auto g = twoway::gather(steps("fail", 1, {}, error(trace::IndexError("idx"))), slow);
        co_await trace::attempt_await("await gather(fail, slow)", g);
        std::cout << "g.done() -> " << trace::repr(g.done()) << ", slow.done() -> " << trace::repr(slow.done()) << "\n";
        std::cout << "g.cancel() after g is done -> " << trace::repr(g.cancel()) << "\n";
        co_await trace::attempt_await("await slow", slow);
    }

    std::cout << "== two failures: only the first one (in completion order) propagates\n";
    co_await trace::attempt_await("gather(e2 after 2 steps, e1 after 1 step)",
                                  twoway::gather(steps("e2", 2, {}, error(trace::LookupError("second"))),
                                                 steps("e1", 1, {}, error(twoway::type_error("first")))));
    co_await twoway::sleep(0);
    co_await twoway::sleep(0);
    std::cout << "(the second failure was marked retrieved: nothing is logged)\n";

    std::cout << "== the exception object is the child's own\n";
    {
        std::exception_ptr err = error(twoway::runtime_error("mine"));
        std::exception_ptr got = co_await trace::attempt_await("gather(raise err)", twoway::gather(steps("own", 0, {}, err)));
        std::cout << "same object -> " << trace::repr(trace::same_object(got, err)) << "\n";
    }
}

} // namespace

int main() {
    twoway::run(main_());
    return 0;
}
