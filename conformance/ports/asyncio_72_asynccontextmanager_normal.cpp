// Port of asyncio/72_asynccontextmanager_normal.py — Rules: X1-X5 (@asynccontextmanager: __aenter__ via
// anext(), "generator didn't yield", normal __aexit__, "generator didn't stop", single use, decorator use).
//
// `@asynccontextmanager` is twoway::asynccontextmanager(f) over an async_generator function; `async with cm
// as x: body` is twoway::async_with(cm, [&](Y &x) -> twoway::coroutine<R> { body }); `__aenter__()` and
// `__aexit__(None, None, None)` are aenter() and aexit(). A `finally` that awaits keeps the exception, runs
// the cleanup, then raises it again (no co_await in a handler).
#include <string>

#include "gather_support.hpp"
#include "twoway/async_generator.hpp"
#include "twoway/async_with.hpp"
#include "twoway/asynccontextmanager.hpp"

namespace {

using twoway::async_generator;
using twoway::coroutine;
using twoway::object;
using trace::LookupError;

// The trace's attempt(): "| __context__=Type suppress_context=True" for the StopAsyncIteration that the
// "didn't yield" error carries as its nested exception (Python's `raise ... from None`, as trace 24's port).
template <class A>
coroutine<std::exception_ptr> attempt(std::string label, A aw) {
    const trace::suffix_fn context = [](const std::exception_ptr &e) -> std::string {
        std::exception_ptr c = trace::cause_of(e);
        return c ? " | __context__=" + trace::python_name(c) + " suppress_context=True" : "";
    };
    co_return co_await trace::attempt_await(std::move(label), std::move(aw), context);
}

async_generator<std::string> resource_gen(std::string name) {
    std::cout << "  [" << name << "] setup\n";
    co_await twoway::sleep(0);
    std::exception_ptr error; // try: ... finally: print
    try {
        co_yield name + "-handle";
        std::cout << "  [" << name << "] after yield (normal exit)\n";
        co_await twoway::sleep(0);
    } catch (...) {
        error = std::current_exception();
    }
    std::cout << "  [" << name << "] finally\n";
    if (error) std::rethrow_exception(error);
}
const auto resource = twoway::asynccontextmanager(resource_gen);

// A bare `yield` yields None: async_generator<none_t>, co_yield twoway::none.
async_generator<twoway::none_t> never_yields_gen() {
    std::cout << "  [never] body runs, returns without yielding\n";
    co_await twoway::sleep(0);
    if (false) co_yield twoway::none;
}
const auto never_yields = twoway::asynccontextmanager(never_yields_gen);

async_generator<std::string> yields_twice_gen() {
    std::exception_ptr error; // try: ... finally: (with awaits)
    try {
        co_yield std::string("first");
        std::cout << "  [twice] resumed by __aexit__, yields again\n";
        co_yield std::string("second");
        std::cout << "  [twice] never printed\n";
    } catch (...) {
        error = std::current_exception();
    }
    std::cout << "  [twice] finally (aclose() from __aexit__), awaiting cleanup\n";
    co_await twoway::sleep(0);
    std::cout << "  [twice] cleanup finished\n";
    if (error) std::rethrow_exception(error);
}
const auto yields_twice = twoway::asynccontextmanager(yields_twice_gen);

async_generator<twoway::none_t> fails_before_yield_gen() {
    throw LookupError("setup failed");
    co_yield twoway::none;
}
const auto fails_before_yield = twoway::asynccontextmanager(fails_before_yield_gen);

async_generator<twoway::none_t> fails_after_yield_gen() {
    co_yield twoway::none;
    throw LookupError("teardown failed");
}
const auto fails_after_yield = twoway::asynccontextmanager(fails_after_yield_gen);

coroutine<void> main_() {
    std::cout << "== enter runs the generator to its first yield; the yielded value is the target\n";
    auto normal = []() -> coroutine<std::string> {
        co_await twoway::async_with(resource("r1"), [](std::string &h) -> coroutine<void> {
            std::cout << "  [body] using " << h << "\n";
            co_return;
        });
        co_return "body done";
    };
    co_await attempt("async with resource('r1')", normal());

    // `async with A as a, B as b` is two nested statements.
    auto nested = []() -> coroutine<std::string> {
        co_await twoway::async_with(resource("outer"), [](std::string &a) -> coroutine<void> {
            co_await twoway::async_with(resource("inner"), [&](std::string &b) -> coroutine<void> {
                std::cout << "  [body] " << a << " + " << b << "\n";
                co_return;
            });
        });
        co_return "nested done";
    };
    co_await attempt("nested async with", nested());

    std::cout << "== the generator ends without yielding\n";
    {
        auto cm = never_yields(); // aenter() refers to its manager: the manager is a named object
        co_await attempt("never_yields().__aenter__()", cm.aenter());
    }

    std::cout << "== the generator yields a second time on normal exit\n";
    auto twice = []() -> coroutine<void> {
        co_await twoway::async_with(yields_twice(), []() -> coroutine<void> {
            std::cout << "  [body] ok\n";
            co_return;
        });
    };
    co_await attempt("async with yields_twice()", twice());

    std::cout << "== exceptions before the first yield and after the last one\n";
    auto fb = []() -> coroutine<void> {
        co_await twoway::async_with(fails_before_yield(), []() -> coroutine<void> {
            std::cout << "  [body] never\n";
            co_return;
        });
    };
    co_await attempt("async with fails_before_yield()", fb());
    auto fa = []() -> coroutine<void> {
        co_await twoway::async_with(fails_after_yield(), []() -> coroutine<void> {
            std::cout << "  [body] ran\n";
            co_return;
        });
    };
    co_await attempt("async with fails_after_yield()", fa());

    std::cout << "== direct protocol calls\n";
    auto cm = resource("direct");
    co_await attempt("await cm.__aenter__()", cm.aenter());
    co_await attempt("await cm.__aexit__(None, None, None)", cm.aexit());

    std::cout << "== an _AsyncGeneratorContextManager object is single-use\n";
    cm = resource("once");
    co_await twoway::async_with(cm, []() -> coroutine<void> { co_return; });
    auto reuse = [&]() -> coroutine<void> {
        co_await twoway::async_with(cm, []() -> coroutine<void> { co_return; });
    };
    co_await attempt("second async with on the same object", reuse());

    std::cout << "== used as a decorator it is recreated on every call\n";
    // @resource("deco") on `async def decorated(x)`: a decorated call returns maybe<int> (None if suppressed).
    auto decorated = resource("deco").decorate([](int x) -> coroutine<int> {
        std::cout << "  [decorated] x=" << x << "\n";
        co_await twoway::sleep(0);
        co_return x * 2;
    });
    co_await attempt("await decorated(1)", decorated(1));
    co_await attempt("await decorated(2)", decorated(2));
}

} // namespace

int main() {
    twoway::run(main_());
    return 0;
}
