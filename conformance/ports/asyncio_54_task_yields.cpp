// Port of asyncio/54_task_yields.py — Rules: J3, J4 (what a task does with each value its coroutine
// yields; bad yields; awaiting itself). Messages that embed a repr are printed up to the repr, then "…".
#include "asyncio_support.hpp"

namespace {

using twoway::object;

std::string cut(const std::string &message) {
    const auto at = message.find('<');
    return at == std::string::npos ? message : message.substr(0, at) + "…";
}

// Python's str() of what the traces print: a str as it is, anything else by its repr.
std::string str(const object &o) {
    if (const auto *s = o.get_if<std::string>()) return *s;
    return o.repr();
}

void tick(twoway::event_loop loop, int i, int last) {
    std::cout << "-- tick " << i << "\n";
    if (i < last) loop.call_soon(tick, loop, i + 1, last);
}

void start_ticker(const twoway::event_loop &loop, int last) { loop.call_soon(tick, loop, 0, last); }

// @types.coroutine: yields one value straight to the task and reports what the task sent back.
twoway::generator<object, object, object> raw_yield(object value, std::string shown = "") {
    std::cout << "  [raw_yield] yielding " << (shown.empty() ? value.repr() : shown) << " to the task\n";
    object reply;
    try {
        reply = co_yield value;
    } catch (const twoway::runtime_error &e) {
        std::cout << "  [raw_yield] the task threw RuntimeError: " << cut(e.what()) << "\n";
        throw;
    }
    std::cout << "  [raw_yield] the task resumed it with send(" << reply.repr() << ")\n";
    co_return reply;
}

twoway::coroutine<object> yields(object value, std::string shown = "") {
    try {
        object r = co_await raw_yield(value, shown);
        co_return r;
    } catch (const twoway::runtime_error &) {
        co_return object(std::string("recovered"));
    }
}

twoway::coroutine<object> yields_uncaught() {
    object r = co_await raw_yield(object(std::string("bad")));
    co_return r;
}

twoway::coroutine<object> self_await() {
    try {
        object r = co_await twoway::current_task();
        (void)r;
    } catch (const twoway::runtime_error &e) {
        std::cout << "  [self_await] RuntimeError: " << cut(e.what()) << "\n";
        co_return object(std::string("caught"));
    }
    co_return object();
}

twoway::coroutine<void> async_main() {
    twoway::event_loop loop = twoway::get_running_loop();

    std::cout << "== a bare yield (None): resumed with send(None) on the next iteration\n";
    start_ticker(loop, 1);
    object r1 = co_await twoway::create_task(yields(object()));
    std::cout << "result: " << str(r1) << "\n";

    std::cout << "== a bad yield: RuntimeError thrown in on the next iteration\n";
    start_ticker(loop, 1);
    object r2 = co_await twoway::create_task(yields(object(42)));
    std::cout << "result: " << str(r2) << "\n";

    std::cout << "== a future yielded without await (its blocking flag is not set)\n";
    twoway::future<void> fut = loop.create_future();
    object r3 = co_await twoway::create_task(yields(object(fut), "a pending future"));
    std::cout << "result: " << str(r3) << "\n";
    std::cout << "the future was left alone: " << trace::repr(fut.done()) << "\n";

    std::cout << "== a generator yielded instead of delegated to\n";
    auto gen = [](int n) -> twoway::generator<int> { // (x for x in range(3))
        for (int x = 0; x < n; ++x) co_yield x;
    }(3);
    object r4 = co_await twoway::create_task(yields(object(std::move(gen)), "a generator"));
    std::cout << "result: " << str(r4) << "\n";

    std::cout << "== a task awaiting itself\n";
    object r5 = co_await twoway::create_task(self_await());
    std::cout << "result: " << str(r5) << "\n";

    std::cout << "== an uncaught bad-yield error finishes the task with it\n";
    twoway::task<object> t = twoway::create_task(yields_uncaught());
    try {
        object r6 = co_await t;
        (void)r6;
    } catch (const twoway::runtime_error &e) {
        std::cout << "await t !! RuntimeError: " << cut(e.what()) << "\n";
    }
}

} // namespace

int main() { twoway::run(async_main()); }
