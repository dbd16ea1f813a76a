// Port of traces/12_close.py — Rules: C1-C4, C8-C10, C12 (close semantics).
#include "trace_support.hpp"

namespace {

const auto context = trace::chained("__context__", /*with_message=*/false);

std::exception_ptr attempt(const std::string &label, const auto &fn) { return trace::attempt(label, fn, context); }

using trace::finally_print; // Python's finally: print, on every way out

twoway::generator<int> with_finally() {
    std::cout << "  [gen] start\n";
    finally_print f{"  [gen] finally\n"};
    co_yield 1;
    co_yield 2;
}

twoway::generator<int> catches_exception() {
    finally_print f{"  [gen] finally\n"};
    try {
        co_yield 1;
    } catch (const std::exception &) { // except Exception: does not see GeneratorExit (C9)
        std::cout << "  [gen] except Exception (must not run)\n";
    }
}

twoway::generator<int> raises_other() {
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        // Python sets __context__ to the GeneratorExit being handled; C++ spells it std::throw_with_nested.
        std::throw_with_nested(twoway::value_error("fie!"));
    }
}

twoway::generator<int> new_exit() {
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        throw twoway::generator_exit("another");
    }
}

twoway::generator<int> stop_on_exit() {
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        throw twoway::stop_iteration<std::string>("x");
    }
}

twoway::generator<int> swallow() {
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        std::cout << "  [gen] swallowed GeneratorExit\n";
    }
}

twoway::generator<int> no_try() {
    co_yield 1;
    std::cout << "  [gen] never printed\n";
    co_yield 2;
}

} // namespace

int main() {
    std::cout << "== close on suspended generator runs finally\n";
    auto g = with_finally();
    g.next();
    attempt("g.close()", [&] { return g.close(); });
    std::cout << "state: " << twoway::to_string(g.state()) << "\n";
    attempt("next(g) after close", [&] { return g.next(); });
    attempt("g.close() twice", [&] { return g.close(); });

    std::cout << "== close on not-started generator: body (and finally) never runs\n";
    g = with_finally();
    attempt("g.close()", [&] { return g.close(); });
    std::cout << "state: " << twoway::to_string(g.state()) << "\n";
    attempt("next(g)", [&] { return g.next(); });

    std::cout << "== GeneratorExit is not an Exception subclass\n";
    g = catches_exception();
    g.next();
    attempt("g.close()", [&] { return g.close(); });
    std::cout << "issubclass(GeneratorExit, Exception): "
              << trace::repr(std::is_base_of_v<std::exception, twoway::generator_exit>) << "\n";
    // C++'s BaseException is "anything that can be thrown": catch (...) catches a generator_exit.
    bool caught_by_catch_all = false;
    try {
        throw twoway::generator_exit();
    } catch (...) {
        caught_by_catch_all = true;
    }
    std::cout << "issubclass(GeneratorExit, BaseException): " << trace::repr(caught_by_catch_all) << "\n";

    std::cout << "== generator raises another exception while closing -> propagates out of close()\n";
    g = raises_other();
    g.next();
    attempt("g.close()", [&] { return g.close(); });
    std::cout << "state: " << twoway::to_string(g.state()) << "\n";

    std::cout << "== generator re-raises a fresh GeneratorExit -> close() returns None\n";
    g = new_exit();
    g.next();
    attempt("g.close()", [&] { return g.close(); });

    std::cout << "== generator raises StopIteration while closing -> PEP 479 RuntimeError\n";
    g = stop_on_exit();
    g.next();
    attempt("g.close()", [&] { return g.close(); });

    std::cout << "== generator catches GeneratorExit and falls off the end -> None\n";
    g = swallow();
    g.next();
    attempt("g.close()", [&] { return g.close(); });

    std::cout << "== generator suspended at a yield outside any try\n";
    g = no_try();
    g.next();
    attempt("g.close()", [&] { return g.close(); });
    std::cout << "state: " << twoway::to_string(g.state()) << "\n";
}
