// Port of asyncio/61_gather_cancel.py — Rules: G7-G11 (gather and cancellation: cancel() reaches the
// children, a child cancelled alone, return_exceptions, the gather future is never cancelled()).
#include "gather_support.hpp"

namespace {

using twoway::object;

twoway::coroutine<object> worker(std::string name, int n, object result, bool swallow = false) {
    std::cout << "  [" << name << "] start\n";
    try {
        for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [" << name << "] caught " << trace::describe(std::current_exception()) << "\n";
        if (!swallow) throw;
        std::cout << "  [" << name << "] swallows it and returns " << result.repr() << "\n";
        co_return result;
    }
    std::cout << "  [" << name << "] return " << result.repr() << "\n";
    co_return result;
}

twoway::coroutine<void> main_() {
    std::cout << "== g.cancel(msg) cancels every unfinished child; the message reaches them\n";
    {
        auto g = twoway::gather(worker("a", 5, object("A")), worker("b", 5, object("B")));
        co_await twoway::sleep(0);
        std::cout << "g.cancel('stop') -> " << trace::repr(g.cancel("stop")) << "\n";
        co_await trace::attempt_await("await g", g);
        std::cout << "g.cancelled() -> " << trace::repr(g.cancelled()) << ", g.exception() -> " << trace::show(g.exception())
                  << "\n";
    }

    std::cout << "== one child cancelled directly: gather raises CancelledError, the sibling keeps running\n";
    {
        auto ta = twoway::create_task(worker("ca", 5, object("A")));
        auto tb = twoway::create_task(worker("cb", 8, object("B")));
        auto g = twoway::gather(ta, tb);
        co_await twoway::sleep(0);
        ta.cancel("child msg");
        co_await trace::attempt_await("await g", g);
        std::cout << "g.cancelled() -> " << trace::repr(g.cancelled()) << ", tb.done() -> " << trace::repr(tb.done()) << "\n";
        co_await trace::attempt_await("await tb", tb);
    }

    std::cout << "== return_exceptions=True: a cancelled child fills its slot with a CancelledError\n";
    {
        auto ta = twoway::create_task(worker("ra", 5, object("A")));
        auto tb = twoway::create_task(worker("rb", 3, object("B")));
        auto fut = twoway::get_running_loop().create_future<object>();
        auto g = twoway::gather(twoway::return_exceptions, ta, tb, fut);
        co_await twoway::sleep(0);
        ta.cancel("task msg");
        fut.cancel("future msg");
        co_await trace::attempt_await("await g (task cancelled, plain future cancelled)", g);
    }

    std::cout << "== return_exceptions=True does not hide a cancellation of gather itself\n";
    {
        auto g = twoway::gather(twoway::return_exceptions, worker("oa", 5, object("A")), worker("ob", 5, object("B"), true));
        co_await twoway::sleep(0);
        std::cout << "g.cancel() -> " << trace::repr(g.cancel()) << "\n";
        co_await trace::attempt_await("await g", g);
    }

    std::cout << "== even when every child swallows the cancellation, gather still raises CancelledError\n";
    {
        auto g = twoway::gather(worker("sa", 3, object("A"), true), worker("sb", 3, object("B"), true));
        co_await twoway::sleep(0);
        std::cout << "g.cancel() -> " << trace::repr(g.cancel()) << "\n";
        co_await trace::attempt_await("await g", g);
    }

    std::cout << "== g.cancel() when every child is already done returns False\n";
    {
        auto g = twoway::gather(worker("fa", 0, object("A")), worker("fb", 0, object("B")));
        co_await twoway::sleep(0);
        std::cout << "children finished, g.done() -> " << trace::repr(g.done()) << "\n";
        std::cout << "g.cancel() -> " << trace::repr(g.cancel()) << "\n";
        co_await trace::attempt_await("await g", g);
    }

    std::cout << "== cancelling the task that awaits gather cancels the children\n";
    {
        auto waiter = []() -> twoway::coroutine<std::tuple<object, object>> {
            co_return co_await twoway::gather(worker("wa", 5, object("A")), worker("wb", 5, object("B")));
        };
        auto t = twoway::create_task(waiter());
        co_await twoway::sleep(0);
        co_await twoway::sleep(0);
        std::cout << "t.cancel() -> " << trace::repr(t.cancel()) << "\n";
        co_await trace::attempt_await("await t", t);
        std::cout << "t.cancelled() -> " << trace::repr(t.cancelled()) << "\n";
    }
}

} // namespace

int main() {
    twoway::run(main_());
    return 0;
}
