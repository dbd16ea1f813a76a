// Port of asyncio/51_future_callbacks_await.py — Rules: U4, U5, U7 (done callbacks go through call_soon,
// in order; remove_done_callback; awaiting a Future).
#include "asyncio_support.hpp"

namespace {

// Python's KeyError: str() is the repr of the key.
struct KeyError : std::exception, trace::named {
    explicit KeyError(const std::string &k) : text(trace::repr(k)) {}
    const char *what() const noexcept override { return text.c_str(); }
    const char *python_type() const noexcept override { return "KeyError"; }
    std::string text;
};

// make_cb(name): callbacks compare equal by name, as the same Python function object does.
struct named_cb {
    std::string name;
    void operator()(const twoway::future<int> &fut) const {
        const std::string outcome = fut.cancelled() ? "cancelled" : trace::repr(fut.result());
        std::cout << "  [" << name << "] called with the future: " << outcome << "\n";
    }
    friend bool operator==(const named_cb &, const named_cb &) = default;
};

void print_line(const std::string &s) { std::cout << s << "\n"; }

// async def waiter(): awaits the future the variable f refers to when the await runs.
twoway::coroutine<std::string> waiter(const twoway::future<std::string> &f) {
    std::cout << "  [waiter] awaiting\n";
    std::string v = co_await f;
    std::cout << "  [waiter] got " << trace::repr(v) << "\n";
    co_return v;
}

} // namespace

int main() {
    twoway::event_loop loop = twoway::new_event_loop();
    auto run_one_iteration = [&] {
        loop.call_soon([loop] { loop.stop(); });
        loop.run_forever();
    };
    const named_cb a{"a"}, b{"b"}, c{"c"};

    std::cout << "== callbacks are scheduled with call_soon, never called synchronously\n";
    auto f = loop.create_future<int>();
    f.add_done_callback(a);
    f.add_done_callback(b);
    f.add_done_callback(a);
    loop.call_soon(print_line, std::string("  [call_soon before set_result]"));
    f.set_result(1);
    std::cout << "set_result returned; no callback has run yet\n";
    loop.call_soon(print_line, std::string("  [call_soon after set_result]"));
    run_one_iteration();

    std::cout << "== a callback added to a done future is scheduled at once\n";
    f.add_done_callback(c);
    std::cout << "add_done_callback returned; c has not run yet\n";
    run_one_iteration();

    std::cout << "== remove_done_callback removes every registration and returns the count\n";
    f = loop.create_future<int>();
    for (const named_cb &cb : {a, b, a, c, a}) f.add_done_callback(cb);
    trace::attempt("f.remove_done_callback(a)", [&] { return static_cast<int>(f.remove_done_callback(a)); });
    trace::attempt("f.remove_done_callback(a) again", [&] { return static_cast<int>(f.remove_done_callback(a)); });
    f.set_result(2);
    trace::attempt("f.remove_done_callback(b) after set_result", [&] { return static_cast<int>(f.remove_done_callback(b)); });
    run_one_iteration();

    std::cout << "== cancel() schedules the callbacks too\n";
    f = loop.create_future<int>();
    f.add_done_callback(a);
    f.cancel();
    run_one_iteration();

    std::cout << "== awaiting a Future, driven by hand\n";
    auto fs = loop.create_future<std::string>();
    auto co = waiter(fs);
    const twoway::object yielded = co.send(twoway::object());
    std::cout << "the coroutine yielded the future itself: " << trace::repr(is(yielded, twoway::object(fs))) << "\n";
    trace::attempt("co.send(None) while the future is pending", [&] { return co.send(twoway::object()); });

    fs = loop.create_future<std::string>();
    co = waiter(fs);
    co.send(twoway::object());
    fs.set_result("ready");
    trace::attempt("co.send(None) after set_result", [&] { return co.send(twoway::object()); });

    fs = loop.create_future<std::string>();
    co = waiter(fs);
    co.send(twoway::object());
    fs.set_exception(KeyError("failed"));
    trace::attempt("co.send(None) after set_exception", [&] { return co.send(twoway::object()); });

    fs = loop.create_future<std::string>();
    co = waiter(fs);
    co.send(twoway::object());
    fs.cancel("stop");
    trace::attempt("co.send(None) after cancel('stop')", [&] { return co.send(twoway::object()); });

    std::cout << "== a done future does not suspend\n";
    fs = loop.create_future<std::string>();
    fs.set_result("already");
    trace::attempt("waiter().send(None)", [&] { return waiter(fs).send(twoway::object()); });

    std::cout << "== the iterator behind await and yield from\n";
    f = loop.create_future<int>();
    auto it = f.await_iter();
    // iter(f): C++ has no iter() of a future; await_iter() (Python's __await__) is its only iterator.
    trace::skip_line("iter(f): a future has one iterator, await_iter(); there is no iter(f) to compare");
    std::cout << "first next() yields the future: " << trace::repr(is(it.next(), twoway::object(f))) << "\n";
    f.set_result(7);
    trace::attempt("next(it)", [&] { return it.next(); });
    std::cout << "asyncio.isfuture(f): " << trace::repr(twoway::isfuture<decltype(f)>)
              << " | asyncio.isfuture(waiter): " << trace::repr(twoway::isfuture<decltype(&waiter)>) << "\n";
    loop.close();
}
