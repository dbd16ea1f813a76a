// Port of traces/25_contextmanager_exception.py — Rules: M5-M9, M12, M13 (@contextmanager __exit__
// exception path: throw, suppress, propagate).
#include "trace_support.hpp"

namespace {

const auto context = trace::chained("__context__");
std::exception_ptr attempt(const std::string &label, const auto &fn) { return trace::attempt(label, fn, context); }

using trace::finally_print; // Python's finally: print, on every way out

PY_EXCEPTION(ZeroDivisionError);
PY_EXCEPTION(LookupError);
PY_EXCEPTION(SyntaxError);
PY_BASE_EXCEPTION(KeyboardInterrupt);

// swallow(kind): `except kind as e` is `catch (const Kind &)`; Exception is std::exception.
template <class Kind>
twoway::generator<twoway::none_t> swallow_gen() {
    finally_print f{"  [cm] finally\n"};
    try {
        co_yield twoway::none;
    } catch (const Kind &) {
        std::cout << "  [cm] swallowed " << trace::describe(std::current_exception()) << "\n";
    }
}
template <class Kind>
auto swallow() {
    return twoway::contextmanager(swallow_gen<Kind>)();
}

twoway::generator<twoway::none_t> reraiser_gen() {
    try {
        co_yield twoway::none;
    } catch (const std::exception &) {
        std::cout << "  [cm] logging and re-raising " << trace::python_name(std::current_exception()) << "\n";
        throw;
    }
}

twoway::generator<twoway::none_t> converter_gen() {
    try {
        co_yield twoway::none;
    } catch (const LookupError &) {
        // Python chains the new exception to the handled one (__context__); C++ spells it throw_with_nested.
        std::throw_with_nested(twoway::value_error("converted by cm"));
    }
}

twoway::generator<twoway::none_t> yields_after_throw_gen() {
    finally_print f{"  [cm] finally (gen.close() called by __exit__)\n"};
    bool again = false; // C++ cannot yield inside a handler: the handler records, the yield follows it
    try {
        co_yield twoway::none;
    } catch (const std::exception &) {
        std::cout << "  [cm] caught " << trace::python_name(std::current_exception()) << ", yielding again (wrong)\n";
        again = true;
    }
    if (again) co_yield twoway::none;
}

twoway::generator<twoway::none_t> catches_everything_gen() {
    try {
        co_yield twoway::none;
    } catch (...) { // except BaseException
        std::cout << "  [cm] caught " << trace::python_name(std::current_exception()) << "\n";
    }
}

twoway::generator<twoway::none_t> needs_instance_gen() {
    try {
        co_yield twoway::none;
    } catch (const twoway::runtime_error &e) {
        std::cout << "  [cm] got instance RuntimeError(" << (*e.what() ? trace::repr(std::string(e.what())) : "") << ")\n";
        std::throw_with_nested(SyntaxError("non-normalised"));
    }
}

} // namespace

int main() {
    attempt("exception caught by generator -> suppressed", [] {
        twoway::with(swallow<ZeroDivisionError>(), [] { throw ZeroDivisionError("division by zero"); });
        return std::string("execution continues after the with");
    });

    auto exc = std::make_exception_ptr(LookupError("not handled"));
    auto res = attempt("exception not caught by generator -> propagates", [&] {
        twoway::with(swallow<ZeroDivisionError>(), [&] { std::rethrow_exception(exc); });
    });
    std::cout << "same object: " << trace::repr(trace::same_object(res, exc)) << "\n";

    exc = std::make_exception_ptr(twoway::value_error("re-raised"));
    res = attempt("generator re-raises the same exception -> propagates", [&] {
        twoway::with(twoway::contextmanager(reraiser_gen)(), [&] { std::rethrow_exception(exc); });
    });
    std::cout << "same object: " << trace::repr(trace::same_object(res, exc)) << "\n";

    attempt("generator raises a different exception -> that one propagates", [] {
        twoway::with(twoway::contextmanager(converter_gen)(), [] { throw LookupError("original"); });
    });

    attempt("generator yields after throw", [] {
        twoway::with(twoway::contextmanager(yields_after_throw_gen)(), [] { throw twoway::value_error("boom"); });
    });

    attempt("BaseException not caught by 'except Exception'", [] {
        twoway::with(swallow<std::exception>(), [] { throw KeyboardInterrupt("not an Exception"); });
    });

    attempt("GeneratorExit raised in body, cm swallows it", [] {
        twoway::with(twoway::contextmanager(catches_everything_gen)(), [] { throw twoway::generator_exit("from body"); });
        return std::string("suppressed GeneratorExit from body");
    });

    std::cout << "== direct __exit__ calls\n";
    auto cm = swallow<ZeroDivisionError>();
    cm.enter();
    attempt("__exit__(ZeroDivisionError, ZeroDivisionError('z'), None)",
            [&] { return cm.exit(std::make_exception_ptr(ZeroDivisionError("z"))); });
    auto cm2 = swallow<ZeroDivisionError>();
    cm2.enter();
    attempt("__exit__(TypeError, TypeError('t'), None) -> False means 'propagate'",
            [&] { return cm2.exit(std::make_exception_ptr(twoway::type_error("t"))); });
    auto cm3 = twoway::contextmanager(needs_instance_gen)();
    cm3.enter();
    // __exit__(RuntimeError, None, None): contextlib instantiates the class; in C++ the caller passes the
    // instance, RuntimeError().
    attempt("__exit__(RuntimeError, None, None): value instantiated as typ()",
            [&] { return cm3.exit(std::make_exception_ptr(twoway::runtime_error(""))); });
}
