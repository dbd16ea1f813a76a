// Port of traces/11_throw.py — Rules: T2-T11 (throw semantics), S7.
#include "trace_support.hpp"

namespace {

const auto context = trace::chained("__context__");

std::exception_ptr attempt(const std::string &label, const auto &fn) { return trace::attempt(label, fn, context); }

// Python's ValueError as a class that throw(ValueError) can instantiate with no arguments (T3).
struct ValueError : twoway::value_error {
    ValueError(const std::string &m = "") : twoway::value_error(m) {}
};
PY_EXCEPTION(LookupError);

using gen_t = twoway::generator<std::string>;

gen_t catcher() {
    std::cout << "  [catcher] started\n";
    bool recovered = false; // C++ cannot yield inside a handler: the handler records, the yield follows it
    try {
        co_yield "first";
    } catch (const twoway::value_error &e) {
        std::cout << "  [catcher] caught ValueError: " << e.what() << "\n";
        recovered = true;
    }
    if (recovered) co_yield "recovered";
    co_yield "last";
}

twoway::generator<int, void, std::string> returner() {
    try {
        co_yield 1;
    } catch (const twoway::value_error &) {
        co_return "handled";
    }
    co_return twoway::none;
}

twoway::generator<int> converter() {
    try {
        co_yield 1;
    } catch (const twoway::value_error &) {
        // Python chains the new exception to the one being handled (__context__) implicitly; C++ spells
        // it std::throw_with_nested.
        std::throw_with_nested(twoway::type_error("converted"));
    }
}

twoway::generator<std::string> ge_yielder() {
    bool kept_going = false;
    try {
        co_yield "1";
    } catch (const twoway::generator_exit &) {
        kept_going = true;
    }
    if (kept_going) co_yield "kept going";
    co_yield "end";
}

} // namespace

int main() {
    std::cout << "== throw into a not-started generator\n";
    auto g = catcher();
    auto exc = std::make_exception_ptr(ValueError("early"));
    auto res = attempt("g.throw(exc)", [&] { return g.throw_exception(exc); });
    std::cout << "same object re-raised: " << trace::repr(trace::same_object(res, exc)) << "\n";
    std::cout << "state: " << twoway::to_string(g.state()) << "\n";
    attempt("next(g)", [&] { return g.next(); });

    std::cout << "== caught and yields -> throw() returns the yielded value\n";
    g = catcher();
    g.next();
    attempt("g.throw(ValueError('x'))", [&] { return g.throw_exception(ValueError("x")); });
    attempt("next(g)", [&] { return g.next(); });
    g.close();

    std::cout << "== class argument is instantiated\n";
    g = catcher();
    g.next();
    attempt("g.throw(ValueError)", [&] { return g.throw_exception<ValueError>(); });
    g.close();

    std::cout << "== not caught -> propagates (same object), generator finished\n";
    g = catcher();
    g.next();
    exc = std::make_exception_ptr(LookupError("lk"));
    res = attempt("g.throw(LookupError('lk'))", [&] { return g.throw_exception(exc); });
    std::cout << "same object: " << trace::repr(trace::same_object(res, exc)) << " | state: " << twoway::to_string(g.state())
              << "\n";

    std::cout << "== caught and returns -> StopIteration carries the value\n";
    auto r = returner();
    r.next();
    attempt("g.throw(ValueError)", [&] { return r.throw_exception<ValueError>(); });

    std::cout << "== generator raises a different exception -> chained via __context__\n";
    auto c = converter();
    c.next();
    attempt("g.throw(ValueError('orig'))", [&] { return c.throw_exception(ValueError("orig")); });

    std::cout << "== throw into a finished generator raises the exception directly\n";
    attempt("g.throw(ValueError('late'))", [&] { return c.throw_exception(ValueError("late")); });
    attempt("g.throw(ValueError)", [&] { return c.throw_exception<ValueError>(); });

    std::cout << "== invalid arguments: TypeError, generator untouched\n";
    g = catcher();
    g.next();
    // throw_exception only accepts exceptions: these four calls are compile errors in C++ (T2).
    trace::skip_line("g.throw('abc') does not compile: a string is not an exception type");
    trace::skip_line("g.throw(0) does not compile: an int is not an exception type");
    trace::skip_line("g.throw(list) does not compile: a type that is not an exception");
    trace::skip_line("g.throw(ValueError(1), 'foo') does not compile: throw_exception takes one exception");
    std::cout << "state: " << twoway::to_string(g.state()) << "\n";
    attempt("next(g) still works", [&] { return g.next(); });
    g.close();

    std::cout << "== throw(GeneratorExit) that is caught and yields is NOT an error for throw()\n";
    auto y = ge_yielder();
    y.next();
    attempt("g.throw(GeneratorExit)", [&] { return y.throw_exception<twoway::generator_exit>(); });
    attempt("next(g)", [&] { return y.next(); });

    std::cout << "== suspended inside an except block: thrown exception gets that block's exception as __context__\n";
    // C++ cannot suspend inside a handler, so no exception is ever being handled at a suspension point:
    // the generator of this section cannot be written (T11).
    trace::skip_line("a generator suspended inside an except block cannot be written in C++");
}
