// Port of asyncio/55_task_cancel.py — Rules: J5, J9-J14 (Task.cancel: where the CancelledError lands,
// messages, repeated cancels, chains, refusal).
//
// GCC 12 forbids co_await inside a catch handler: where the trace awaits after catching, the handler
// only prints and the await follows it.
#include "asyncio_support.hpp"

namespace {

using twoway::object;

std::string with_args(const std::exception_ptr &e) { return " | args=" + trace::args_of(e); }

std::string args_now() { return trace::args_of(std::current_exception()); }

template <class T>
twoway::coroutine<void> outcome(std::string label, twoway::task<T> task) {
    try {
        if constexpr (std::is_void_v<T>) {
            co_await task;
            std::cout << label << ": returned None | cancelled()=" << trace::repr(task.cancelled()) << "\n";
        } else {
            T r = co_await task;
            std::cout << label << ": returned " << trace::repr(r) << " | cancelled()=" << trace::repr(task.cancelled())
                      << "\n";
        }
    } catch (const twoway::cancelled_error &) {
        std::cout << label << ": await raised CancelledError args=" << args_now()
                  << " | cancelled()=" << trace::repr(task.cancelled()) << "\n";
    }
}

twoway::coroutine<void> sleeper(std::string tag, twoway::future<void> fut) {
    trace::finally_print fin{"  [" + tag + "] finally\n"};
    try {
        std::cout << "  [" << tag << "] awaiting a future\n";
        co_await fut;
        std::cout << "  [" << tag << "] the future completed\n";
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [" << tag << "] CancelledError args=" << args_now() << "\n";
        throw;
    }
}

twoway::coroutine<void> spinner() {
    try {
        for (;;) co_await twoway::sleep(0);
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [spinner] CancelledError args=" << args_now() << "\n";
        throw;
    }
}

twoway::coroutine<std::string> refuser(twoway::event_loop loop) {
    try {
        co_await loop.create_future();
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [refuser] caught it, returning normally\n";
    }
    co_return "refused";
}

twoway::coroutine<void> stubborn(twoway::event_loop loop) {
    for (int round : {1, 2}) {
        try {
            co_await loop.create_future();
        } catch (const twoway::cancelled_error &) {
            std::cout << "  [stubborn] round " << round << ": CancelledError args=" << args_now() << "\n";
        }
    }
    co_await loop.create_future();
}

twoway::coroutine<void> inner(twoway::event_loop loop) {
    try {
        co_await loop.create_future();
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [inner] CancelledError args=" << args_now() << "\n";
        throw;
    }
}

twoway::coroutine<void> outer(twoway::task<void> child) {
    try {
        co_await child;
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [outer] CancelledError args=" << args_now() << "\n";
        throw;
    }
}

twoway::coroutine<std::string> cancels_itself() {
    std::cout << "  [cancels_itself] cancel -> " << trace::repr(twoway::current_task().cancel("late")) << "\n";
    co_return "value that is lost";
}

twoway::coroutine<std::string> cancels_then_awaits(twoway::event_loop loop) {
    twoway::current_task().cancel("at next await");
    twoway::future<void> f = loop.create_future();
    try {
        co_await f;
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [cancels_then_awaits] CancelledError args=" << args_now()
                  << " | future cancelled: " << trace::repr(f.cancelled()) << "\n";
        co_return "caught";
    }
    co_return "not reached";
}

// @types.coroutine: `return (yield from f)` on a future.
twoway::generator<object, object, object> guarded(twoway::future<void> f) {
    try {
        auto v = co_yield twoway::from(f.await_iter());
        co_return object(v);
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [guarded] CancelledError args=" << args_now() << "; returning a default\n";
    }
    co_return object(std::string("default"));
}

twoway::coroutine<object> uses_guarded(twoway::event_loop loop) {
    object v = co_await guarded(loop.create_future());
    std::cout << "  [uses_guarded] await gave " << v.repr() << "\n";
    co_return v;
}

twoway::coroutine<void> async_main() {
    twoway::event_loop loop = twoway::get_running_loop();

    std::cout << "== cancel() while the task waits on a future: the future is cancelled at once\n";
    twoway::future<void> fut = loop.create_future();
    twoway::task<void> t = twoway::create_task(sleeper("A", fut));
    co_await twoway::sleep(0);
    std::cout << "t.cancel('first') -> " << trace::repr(t.cancel("first")) << "\n";
    std::cout << "future cancelled: " << trace::repr(fut.cancelled()) << " | task done: " << trace::repr(t.done())
              << " | cancelled(): " << trace::repr(t.cancelled()) << "\n";
    std::cout << "t.cancel('second') -> " << trace::repr(t.cancel("second")) << "\n";
    co_await outcome("A", t);
    trace::attempt("t.result() later", [&] { t.result(); }, with_args);
    trace::attempt(
        "t.exception() later",
        [&] {
            std::exception_ptr e = t.exception();
            return e ? trace::object{trace::python_name(e)} : trace::object{"None"};
        },
        with_args);
    trace::attempt("t.cancel() when done", [&] { return t.cancel(); }, with_args);

    std::cout << "== cancel() before the first step: the body never runs\n";
    t = twoway::create_task(sleeper("B", loop.create_future()));
    std::cout << "t.cancel('early') -> " << trace::repr(t.cancel("early")) << "\n";
    co_await outcome("B", t);

    std::cout << "== cancel() while the task is at a bare yield: thrown in at the next step\n";
    t = twoway::create_task(spinner());
    co_await twoway::sleep(0);
    std::cout << "t.cancel() -> " << trace::repr(t.cancel()) << "\n";
    co_await outcome("spinner", t);

    std::cout << "== a task that catches CancelledError and returns is not cancelled\n";
    twoway::task<std::string> ts = twoway::create_task(refuser(loop));
    co_await twoway::sleep(0);
    ts.cancel();
    co_await outcome("refuser", ts);
    std::cout << "cancelling() stays: " << ts.cancelling() << "\n";

    std::cout << "== a task that catches it and keeps waiting needs a second cancel()\n";
    t = twoway::create_task(stubborn(loop));
    co_await twoway::sleep(0);
    for (std::string msg : {"one", "two", "three"}) {
        std::cout << "t.cancel(" << trace::repr(msg) << ") -> " << trace::repr(t.cancel(msg)) << "\n";
        co_await twoway::sleep(0);
        co_await twoway::sleep(0);
    }
    co_await outcome("stubborn", t);

    std::cout << "== cancelling a task that awaits another task cancels the inner one first\n";
    twoway::task<void> ti = twoway::create_task(inner(loop));
    twoway::task<void> to = twoway::create_task(outer(ti));
    co_await twoway::sleep(0);
    std::cout << "to.cancel('stop') -> " << trace::repr(to.cancel("stop")) << "\n";
    std::cout << "cancelling(): outer " << to.cancelling() << " | inner " << ti.cancelling() << "\n";
    co_await outcome("outer", to);
    std::cout << "inner cancelled(): " << trace::repr(ti.cancelled()) << "\n";

    std::cout << "== cancelling the inner task: the outer one sees CancelledError at its await\n";
    ti = twoway::create_task(inner(loop));
    to = twoway::create_task(outer(ti));
    co_await twoway::sleep(0);
    ti.cancel("inner only");
    co_await outcome("outer", to);
    std::cout << "outer cancelling(): " << to.cancelling() << "\n";

    std::cout << "== cancel requested while the task runs, then it returns: the task ends cancelled\n";
    co_await outcome("cancels_itself", twoway::create_task(cancels_itself()));

    std::cout << "== cancel requested while the task runs, then it awaits: the future is cancelled at once\n";
    co_await outcome("cancels_then_awaits", twoway::create_task(cancels_then_awaits(loop)));

    std::cout << "== a generator-based awaitable sees the CancelledError first\n";
    twoway::task<object> tg = twoway::create_task(uses_guarded(loop));
    co_await twoway::sleep(0);
    tg.cancel("via generator");
    co_await outcome("uses_guarded", tg);
}

} // namespace

int main() { twoway::run(async_main()); }
