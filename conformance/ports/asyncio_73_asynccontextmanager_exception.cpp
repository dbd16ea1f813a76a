// Port of asyncio/73_asynccontextmanager_exception.py — Rules: X6-X14 (@asynccontextmanager exception
// path: athrow() of the same object, suppression, replacement, "didn't stop after athrow()",
// StopAsyncIteration/StopIteration, cancellation, aclosing).
//
// `async with cm: body` is twoway::async_with(cm, [&]() -> twoway::coroutine<R> { body }), transparent to
// exceptions: what the block raises reaches __aexit__ and the awaiter as the same object. Python chains an
// exception raised in a handler to the one handled (__context__); C++ code says so with
// std::throw_with_nested. A `finally` or an `except` that awaits keeps the exception and acts after the
// handler (no co_await in a handler).
#include <map>
#include <string>
#include <vector>

#include "gather_support.hpp"
#include "twoway/aclosing.hpp"
#include "twoway/async_generator.hpp"
#include "twoway/async_with.hpp"
#include "twoway/asynccontextmanager.hpp"

namespace {

using twoway::async_generator;
using twoway::coroutine;
using twoway::object;
using trace::IndexError;
using trace::LookupError;

// The trace's attempt(): "| __context__=Type: msg" when the exception has a context.
template <class A>
coroutine<std::exception_ptr> attempt(std::string label, A aw) {
    co_return co_await trace::attempt_await(std::move(label), std::move(aw), trace::chain);
}

std::map<std::string, std::exception_ptr> seen;

// mode: "none" (does not catch), "swallow", "reraise", "convert", "yield-again"
async_generator<std::string> observer_gen(std::string name, std::string mode) {
    std::exception_ptr error; // try: ... finally: print
    try {
        std::exception_ptr e; // except BaseException as e: (its awaits follow the handler)
        try {
            co_yield name;
        } catch (...) {
            e = std::current_exception();
        }
        if (e) {
            seen[name] = e;
            std::cout << "  [" << name << "] caught " << trace::describe(e) << "\n";
            co_await twoway::sleep(0);
            if (mode == "swallow") {
                std::cout << "  [" << name << "] swallows it\n";
            } else {
                if (mode == "reraise") std::rethrow_exception(e);
                if (mode == "convert") {
                    try {
                        std::rethrow_exception(e);
                    } catch (...) { // raised while e is handled: e is its __context__
                        std::throw_with_nested(LookupError("converted by " + name));
                    }
                }
                if (mode == "yield-again") {
                    std::exception_ptr inner; // try: yield "again" / finally: print
                    try {
                        co_yield std::string("again");
                    } catch (...) {
                        inner = std::current_exception();
                    }
                    std::cout << "  [" << name << "] finally after the second yield (aclose() from __aexit__)\n";
                    if (inner) std::rethrow_exception(inner);
                }
                std::rethrow_exception(e); // raise
            }
        }
    } catch (...) {
        error = std::current_exception();
    }
    std::cout << "  [" << name << "] finally\n";
    if (error) std::rethrow_exception(error);
}
const auto observer = twoway::asynccontextmanager(observer_gen);

// The exception is caught in the same coroutine that raised it (the block is part of this frame, as
// Python's `async with` is), so a StopIteration is observed before it could leave a coroutine frame.
template <class CM>
coroutine<std::exception_ptr> body(std::string label, CM cm, std::exception_ptr exc) {
    std::exception_ptr e;
    try {
        co_await twoway::async_with(cm, [&]() -> coroutine<void> {
            std::rethrow_exception(exc);
            co_return;
        });
    } catch (...) {
        e = std::current_exception();
    }
    if (e) {
        std::cout << label << " !! " << trace::describe(e) << trace::chain(e) << "\n";
        co_return e;
    }
    std::cout << label << " -> suppressed\n";
    co_return nullptr;
}

// A bare `yield` yields None: async_generator<none_t>, co_yield twoway::none.
async_generator<twoway::none_t> plain_gen() {
    std::exception_ptr error; // try: yield / finally: print
    try {
        co_yield twoway::none;
    } catch (...) {
        error = std::current_exception();
    }
    std::cout << "  [plain] finally\n";
    if (error) std::rethrow_exception(error);
}
const auto plain = twoway::asynccontextmanager(plain_gen);

async_generator<twoway::none_t> guarded_gen() {
    std::exception_ptr cancelled; // except asyncio.CancelledError: (awaits after the handler)
    try {
        co_yield twoway::none;
    } catch (const twoway::cancelled_error &) {
        cancelled = std::current_exception();
    }
    if (cancelled) {
        std::cout << "  [guarded] got CancelledError, cleaning up\n";
        co_await twoway::sleep(0);
        std::cout << "  [guarded] cleanup done, re-raising\n";
        std::rethrow_exception(cancelled);
    }
}
const auto guarded = twoway::asynccontextmanager(guarded_gen);

async_generator<int> numbers() {
    std::exception_ptr error; // try: for ... yield i / finally: (with an await)
    try {
        for (int i = 0; i < 10; ++i) co_yield i;
    } catch (...) {
        error = std::current_exception();
    }
    std::cout << "  [numbers] finally, awaiting\n";
    co_await twoway::sleep(0);
    std::cout << "  [numbers] closed\n";
    if (error) std::rethrow_exception(error);
}

// Any object with an awaitable aclose().
struct Thing {
    coroutine<void> aclose() {
        std::cout << "  [Thing] aclose() called\n";
        co_return;
    }
};

template <class E>
std::exception_ptr error(E e) {
    return std::make_exception_ptr(std::move(e));
}

coroutine<void> main_() {
    std::cout << "== the generator sees the very exception object raised in the body\n";
    std::exception_ptr err = error(twoway::value_error("v"));
    std::exception_ptr got = co_await body("re-raised with bare raise", observer("reraise", "reraise"), err);
    std::cout << "generator saw the same object -> " << trace::repr(trace::same_object(seen["reraise"], err))
              << ", caller got the same object -> " << trace::repr(trace::same_object(got, err)) << "\n";

    std::cout << "== caught and the generator finishes: the exception is suppressed\n";
    co_await body("swallowed", observer("swallow", "swallow"), error(twoway::value_error("v")));

    std::cout << "== converted: the new exception propagates, the original is its __context__\n";
    co_await body("converted", observer("convert", "convert"), error(twoway::value_error("v")));

    std::cout << "== the generator yields again after athrow()\n";
    co_await body("yield-again", observer("again", "yield-again"), error(twoway::value_error("v")));

    std::cout << "== the generator does not catch the exception at all\n";
    err = error(IndexError("k"));
    got = co_await body("not caught", plain(), err);
    std::cout << "same object -> " << trace::repr(trace::same_object(got, err)) << "\n";

    std::cout << "== StopAsyncIteration / StopIteration raised in the body are never swallowed by accident\n";
    std::vector<std::exception_ptr> stops;
    stops.push_back(error(twoway::stop_async_iteration("sai")));
    stops.push_back(error(twoway::stop_iteration<std::string>("si")));
    for (const std::exception_ptr &exc : stops) {
        got = co_await body(trace::python_name(exc) + " through plain()", plain(), exc);
        std::cout << "same object -> " << trace::repr(trace::same_object(got, exc)) << "\n";
    }
    got = co_await body("StopAsyncIteration caught by the generator", observer("stopper", "swallow"),
                        error(twoway::stop_async_iteration("x")));

    std::cout << "== RuntimeError raised in the body propagates as itself\n";
    err = error(twoway::runtime_error("body runtime error"));
    got = co_await body("RuntimeError through plain()", plain(), err);
    std::cout << "same object -> " << trace::repr(trace::same_object(got, err)) << "\n";

    std::cout << "== direct __aexit__ calls: the class alone is instantiated; return values\n";
    {
        auto cm = observer("direct", "swallow");
        (void)co_await cm.aenter();
        // __aexit__(ValueError, None, None): aexit<E>() throws E() in.
        co_await attempt("__aexit__(ValueError, None, None)", cm.aexit<twoway::value_error>());
        std::cout << "generator saw an instance -> " << trace::python_name(seen["direct"]) << "\n";
    }
    {
        auto cm = plain();
        (void)co_await cm.aenter();
        std::exception_ptr e = error(twoway::value_error("direct"));
        co_await attempt("__aexit__(ValueError, e, None) when not caught", cm.aexit(e));
    }

    std::cout << "== cancellation inside the body: the generator sees the CancelledError and may await in cleanup\n";
    {
        auto victim = []() -> coroutine<void> {
            co_await twoway::async_with(guarded(), []() -> coroutine<void> { co_await twoway::sleep(3600); });
        };
        twoway::task<void> t = twoway::create_task(victim());
        co_await twoway::sleep(0);
        t.cancel();
        co_await attempt("cancelled task", t);
        std::cout << "t.cancelled() -> " << trace::repr(t.cancelled()) << "\n";
    }

    std::cout << "== aclosing(): aclose() on exit, normal or not\n";
    auto take_two = []() -> coroutine<std::vector<int>> {
        std::vector<int> got;
        co_await twoway::async_with(twoway::aclosing(numbers()), [&](async_generator<int> &agen) -> coroutine<void> {
            while (auto n = co_await twoway::anext(agen, twoway::none)) { // async for n in agen
                got.push_back(*n);
                if (*n == 1) break;
            }
            std::cout << "  [body] left the async for loop\n";
        });
        co_return got;
    };
    co_await attempt("aclosing + break", take_two());
    auto fail_inside = []() -> coroutine<void> {
        co_await twoway::async_with(twoway::aclosing(numbers()), [](async_generator<int> &agen) -> coroutine<void> {
            (void)co_await twoway::anext(agen);
            throw twoway::value_error("body failed");
        });
    };
    co_await attempt("aclosing + exception", fail_inside());
    // `return` inside the block returns from the block; async_with hands the value back.
    auto any_object = []() -> coroutine<std::string> {
        co_return co_await twoway::async_with(twoway::aclosing(Thing()), [](Thing &t) -> coroutine<std::string> {
            const bool is_thing = std::is_same_v<std::remove_cvref_t<decltype(t)>, Thing>; // isinstance: the static type
            co_return "target is a Thing -> " + trace::repr(is_thing);
        });
    };
    co_await attempt("aclosing(object with aclose)", any_object());
}

} // namespace

int main() {
    twoway::run(main_());
    return 0;
}
