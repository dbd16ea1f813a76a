// Port of traces/28_asyncgen_aclose_athrow.py — Rules: A6, A7, A10-A16 (aclose/athrow, ignored
// GeneratorExit, PEP 479 for async gens, running checks). No event loop: each awaitable is driven by hand
// with send(None), as the trace's run() does.
//
// Python's `awaitable.__await__()` is the awaitable itself here (an asend/athrow/aclose awaitable has
// send/throw_exception/close); `a.__anext__()` is a.anext(); a @types.coroutine generator is a
// generator<object, object, object>. Rebinding `a` is the end of the previous generator's scope (a
// suspended one is then finalized synchronously: no output in this trace).
#include <string>
#include <utility>

#include "trace_support.hpp"
#include "twoway/async_generator.hpp"

namespace {

using twoway::async_generator;
using twoway::object;

PY_EXCEPTION(LookupError);

// attempt() of the trace: "| __cause__=Type" (type only) when the exception has a cause.
template <class F>
void attempt(const std::string &label, F &&fn) {
    trace::attempt(label, std::forward<F>(fn), trace::chained("__cause__", false));
}

// run(awaitable): send None until StopIteration, printing each await suspension; the StopIteration's
// value is the result.
template <class A>
trace::object run(A &&awaitable) {
    auto &it = awaitable.await_iter();
    for (;;) {
        object suspended_on;
        try {
            suspended_on = it.send(object());
        } catch (const twoway::stop_iteration<> &e) {
            return trace::object{trace::stop_value(e)};
        }
        std::cout << "    (awaitable suspended on " << suspended_on.repr() << ")\n";
    }
}

// @types.coroutine def io(tag): yield tag
twoway::generator<object, object, object> io(std::string tag) {
    co_yield object(std::move(tag));
    co_return object();
}

// try: yield 1; yield 2 / finally: print; await io("cleanup-io"); print. No co_await in a handler:
// the exception is kept and raised again after the cleanup.
async_generator<int> with_cleanup() {
    std::exception_ptr ep;
    try {
        co_yield 1;
        co_yield 2;
    } catch (...) {
        ep = std::current_exception();
    }
    std::cout << "  [agen] finally: awaiting cleanup\n";
    co_await io("cleanup-io");
    std::cout << "  [agen] cleanup done\n";
    if (ep) std::rethrow_exception(ep);
}

async_generator<int> stubborn() {
    bool caught = false;
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        caught = true;
    }
    if (caught) {
        std::cout << "  [agen] caught GeneratorExit, yielding\n";
        co_yield 2;
    }
}

async_generator<std::string> catcher() {
    bool caught = false;
    try {
        co_yield std::string("first");
    } catch (const twoway::value_error &e) {
        std::cout << "  [agen] caught ValueError: " << e.what() << "\n";
        caught = true;
    }
    if (caught) co_yield std::string("recovered");
}

async_generator<int> raises_stop_async() {
    co_yield 1;
    throw twoway::stop_async_iteration();
}

async_generator<int> raises_stop() {
    co_yield 1;
    throw twoway::stop_iteration<>();
}

async_generator<std::string> slow() {
    co_await io("tick");
    co_yield std::string("slow value");
}

const char *py_bool(bool b) { return b ? "True" : "False"; }

} // namespace

int main() {
    std::cout << "== aclose on a suspended async generator (await allowed in finally)\n";
    {
        auto a = with_cleanup();
        attempt("run(__anext__())", [&] { return run(a.anext()); });
        attempt("run(aclose())", [&] { return run(a.aclose()); });
        attempt("run(aclose()) again", [&] { return run(a.aclose()); });
        attempt("run(__anext__()) after aclose", [&] { return run(a.anext()); });

        std::cout << "== aclose on a never-started async generator\n";
        a = with_cleanup();
        attempt("run(aclose())", [&] { return run(a.aclose()); });
        attempt("run(__anext__())", [&] { return run(a.anext()); });
    }

    std::cout << "== async generator that yields while being closed\n";
    {
        auto a = stubborn();
        run(a.anext());
        attempt("run(aclose())", [&] { return run(a.aclose()); });
    } // a = catcher(): stubborn, suspended at `yield 2`, is finalized (GeneratorExit not caught: silent)

    std::cout << "== athrow: caught and yields / not caught\n";
    {
        auto a = catcher();
        run(a.anext());
        attempt("run(athrow(ValueError('v')))", [&] { return run(a.athrow(twoway::value_error("v"))); });
        attempt("run(athrow(LookupError('lk')))", [&] { return run(a.athrow(LookupError("lk"))); });
        attempt("run(__anext__())", [&] { return run(a.anext()); });
        std::cout << "-- athrow on an already finished async generator completes silently (unlike generator.throw)\n";
        attempt("run(athrow(ValueError('late')))", [&] { return run(a.athrow(twoway::value_error("late"))); });
        std::cout << "-- athrow on a never-started async generator raises it\n";
        a = catcher();
        attempt("run(athrow(ValueError('early')))", [&] { return run(a.athrow(twoway::value_error("early"))); });
        attempt("run(__anext__())", [&] { return run(a.anext()); });
    }

    std::cout << "== athrow(GeneratorExit) that is caught and yields returns the value (no RuntimeError)\n";
    {
        auto a = stubborn();
        run(a.anext());
        // athrow(GeneratorExit), the class: athrow<E>() throws E().
        attempt("run(athrow(GeneratorExit))", [&] { return run(a.athrow<twoway::generator_exit>()); });
        attempt("run(aclose())", [&] { return run(a.aclose()); });
    }

    std::cout << "== StopIteration / StopAsyncIteration escaping an async generator\n";
    for (auto f : {raises_stop_async, raises_stop}) {
        auto a = f();
        run(a.anext());
        // f.__name__: the generator's qualname, the C++ function's name.
        attempt(std::string(a.qualname()) + ": run(__anext__())", [&] { return run(a.anext()); });
    }

    std::cout << "== concurrent use while an asend awaitable is suspended\n";
    {
        auto a = slow();
        auto first = a.anext(); // a.__anext__().__await__(): the awaitable itself
        attempt("first.send(None)", [&] { return first.send(object()); });
        std::cout << "ag_running: " << py_bool(a.running()) << "\n";
        auto second = a.anext();
        attempt("second.send(None)", [&] { return second.send(object()); });
        auto closer = a.aclose();
        attempt("closer.send(None)", [&] { return closer.send(object()); });
        auto thrower = a.athrow<twoway::value_error>(); // athrow(ValueError), the class
        attempt("thrower.send(None)", [&] { return thrower.send(object()); });
        attempt("first.send(None)", [&] { return first.send(object()); });
        std::cout << "ag_running: " << py_bool(a.running()) << "\n";
        attempt("run(aclose())", [&] { return run(a.aclose()); });

        std::cout << "== an aclose() awaitable can only be run once\n";
        a = slow();
        auto ac = a.aclose();
        attempt("run(ac)", [&] { return run(ac); });
        attempt("run(ac) again", [&] { return run(ac); });
    }
}
