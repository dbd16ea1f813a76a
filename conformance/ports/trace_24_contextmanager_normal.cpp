// Port of traces/24_contextmanager_normal.py — Rules: M1-M4, M12 (@contextmanager: __enter__ via next(),
// normal __exit__ path). Python's `with cm as x: body` is twoway::with(cm, [](auto &x) { body });
#include "trace_support.hpp"

namespace {

// "| __context__=StopIteration suppress_context=True": the "didn't yield" error carries the StopIteration
// as its nested exception, Python's __context__ of a `raise ... from None` (so always suppressed).
const auto context = [](const std::exception_ptr &e) -> std::string {
    auto c = trace::cause_of(e);
    return c ? " | __context__=" + trace::python_name(c) + " suppress_context=True" : "";
};
std::exception_ptr attempt(const std::string &label, const auto &fn) { return trace::attempt(label, fn, context); }

using trace::finally_print; // Python's finally: print, on every way out

twoway::generator<std::string> resource_gen(std::string name) {
    std::cout << "  [" << name << "] setup\n";
    finally_print f{"  [" + name + "] finally\n"};
    co_yield name + "-handle";
    std::cout << "  [" << name << "] after yield (normal exit)\n";
}
const auto resource = twoway::contextmanager(resource_gen);

std::string normal() {
    twoway::with(resource("r1"), [](std::string &h) { std::cout << "  [body] using " << h << "\n"; });
    return "body done";
}

std::string nested() {
    twoway::with(resource("outer"), [](std::string &a) {
        twoway::with(resource("inner"), [&](std::string &b) { std::cout << "  [body] " << a << " + " << b << "\n"; });
    });
    return "nested done";
}

twoway::generator<int> never_yields_gen() {
    std::cout << "  [never] body runs, returns without yielding\n";
    if (false) co_yield 0;
}
const auto never_yields = twoway::contextmanager(never_yields_gen);

twoway::generator<std::string> yields_twice_gen() {
    finally_print f{"  [twice] finally (gen.close() called by __exit__)\n"};
    co_yield "first";
    std::cout << "  [twice] resumed by __exit__, yields again\n";
    co_yield "second";
    std::cout << "  [twice] never printed\n";
}
const auto yields_twice = twoway::contextmanager(yields_twice_gen);

PY_EXCEPTION(LookupError);

twoway::generator<int> fails_before_yield_gen() {
    throw LookupError("setup failed");
    co_yield 0;
}
const auto fails_before_yield = twoway::contextmanager(fails_before_yield_gen);

twoway::generator<twoway::none_t> fails_after_yield_gen() {
    co_yield twoway::none;
    throw LookupError("teardown failed");
}
const auto fails_after_yield = twoway::contextmanager(fails_after_yield_gen);

} // namespace

int main() {
    attempt("with resource('r1')", normal);
    attempt("nested with", nested);
    attempt("with never_yields()", [] { return never_yields().enter(); });
    attempt("with yields_twice()", [] {
        twoway::with(yields_twice(), [] { std::cout << "  [body] ok\n"; });
    });
    attempt("with fails_before_yield()", [] {
        twoway::with(fails_before_yield(), [] { std::cout << "  [body] never\n"; });
    });
    attempt("with fails_after_yield()", [] {
        twoway::with(fails_after_yield(), [] { std::cout << "  [body] ran\n"; });
    });

    std::cout << "== direct protocol calls\n";
    auto cm = resource("direct");
    attempt("cm.__enter__()", [&] { return cm.enter(); });
    attempt("cm.__exit__(None, None, None)", [&] { return cm.exit(); });

    std::cout << "== a _GeneratorContextManager object is single-use\n";
    auto once = resource("once");
    twoway::with(once, [] {});
    attempt("second with on the same object", [&] { twoway::with(once, [] {}); });

    std::cout << "== used as a decorator it is recreated on every call\n";
    const auto decorated = resource("deco").decorate([](int x) {
        std::cout << "  [decorated] x=" << x << "\n";
        return x * 2;
    });
    attempt("decorated(1)", [&] { return decorated(1); });
    attempt("decorated(2)", [&] { return decorated(2); });
}
