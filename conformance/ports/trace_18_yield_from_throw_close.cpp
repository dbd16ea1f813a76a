// Port of traces/18_yield_from_throw_close.py — Rules: Y9-Y12, Y15, S6 (throw/close forwarding at depth 1,
// GeneratorExit special case).
#include <optional>

#include "trace_support.hpp"

namespace {

std::exception_ptr attempt(const std::string &label, const auto &fn) { return trace::attempt(label, fn); }

PY_EXCEPTION(Boom);

using trace::finally_print; // Python's finally: print, on every way out

// GeneratorExit's args: () without a message, ('mine',) with one.
std::string args_of(const twoway::generator_exit &e) {
    const std::string m = e.what();
    return m.empty() ? "()" : "(" + trace::repr(m) + ",)";
}

twoway::generator<std::string, void, std::string> sub() {
    finally_print f{"  [sub] finally\n"};
    bool recovered = false; // C++ cannot yield inside a handler: the handler records, the yield follows it
    try {
        co_yield "sub-1";
        co_yield "sub-2";
    } catch (const Boom &e) {
        std::cout << "  [sub] caught Boom: " << e.what() << "\n";
        recovered = true;
    }
    if (recovered) {
        co_yield "sub-recovered";
        co_return "sub-returned-after-boom";
    }
    co_return twoway::none;
}

template <class It>
twoway::generator<std::string> delegator(It it) {
    finally_print f{"  [delegator] finally\n"};
    try {
        auto r = co_yield twoway::from(std::forward<It>(it));
        std::cout << "  [delegator] result " << trace::repr(r) << "\n";
        co_yield "delegator-after";
    } catch (const twoway::generator_exit &e) {
        std::cout << "  [delegator] GeneratorExit args=" << args_of(e) << "\n";
        throw;
    } catch (...) { // except BaseException
        std::cout << "  [delegator] saw " << trace::describe(std::current_exception()) << "\n";
        throw;
    }
}

// Iterator with no send/throw/close methods.
struct Plain {
    int i = 0;
    std::string next() { return "plain-" + std::to_string(++i); }
};
struct WithClose : Plain {
    void close() { std::cout << "  [withclose] close() called\n"; }
};
struct WithThrow : Plain {
    // Python's throw(*args) receives what g.throw() received: here always the one exception (Y9).
    std::string throw_exception(std::exception_ptr e) {
        std::cout << "  [withthrow] throw() called with 1 arg(s): " << trace::python_name(e) << "\n";
        return "withthrow handled it";
    }
};

} // namespace

int main() {
    std::cout << "== throw is forwarded; subgenerator catches and yields\n";
    auto g = delegator(sub());
    g.next();
    attempt("g.throw(Boom('b1'))", [&] { return g.throw_exception(Boom("b1")); });
    attempt("next(g)  # sub returns -> delegator resumes", [&] { return g.next(); });
    attempt("next(g)", [&] { return g.next(); });

    std::cout << "== throw not caught by the subgenerator propagates out through the delegator\n";
    g = delegator(sub());
    g.next();
    attempt("g.throw(ValueError('v'))", [&] { return g.throw_exception(twoway::value_error("v")); });

    std::cout << "== close(): subgenerator closed first, then GeneratorExit raised in delegator\n";
    g = delegator(sub());
    g.next();
    attempt("g.close()", [&] { return g.close(); });

    std::cout << "== throw(GeneratorExit): sub.close() is called (not sub.throw), same instance re-raised\n";
    g = delegator(sub());
    g.next();
    auto ge = std::make_exception_ptr(twoway::generator_exit("mine"));
    auto res = attempt("g.throw(ge)", [&] { return g.throw_exception(ge); });
    std::cout << "same instance: " << trace::repr(trace::same_object(res, ge)) << "\n";

    std::cout << "== subiterator without throw(): exception raised directly in the delegator\n";
    Plain p;
    g = delegator<Plain &>(p); // borrowed: p stays usable
    g.next();
    attempt("g.throw(ValueError('direct'))", [&] { return g.throw_exception(twoway::value_error("direct")); });
    std::cout << "plain iterator still usable afterwards: " << p.next() << "\n";

    std::cout << "== subiterator with throw(): its return value is yielded to the caller\n";
    g = delegator(WithThrow());
    g.next();
    attempt("g.throw(ValueError('x'))", [&] { return g.throw_exception(twoway::value_error("x")); });
    attempt("g.close()", [&] { return g.close(); });

    std::cout << "== subiterator with close(): close forwarded\n";
    g = delegator(WithClose());
    g.next();
    attempt("g.close()", [&] { return g.close(); });

    std::cout << "== subiterator without close(): close() still raises GeneratorExit in delegator\n";
    g = delegator(Plain());
    g.next();
    attempt("g.close()", [&] { return g.close(); });

    std::cout << "== gi_yieldfrom shows the current subiterator\n";
    auto show = [](const auto &gen) -> std::string {
        auto y = gen.yield_from();
        return y ? "<subiterator>" : "None";
    };
    g = delegator(sub());
    std::cout << "before start: " << show(g) << "\n";
    g.next();
    // Python prints gi_yieldfrom.__name__, the subgenerator function's name; a C++ generator object
    // has no name. yield_from() tells what is there: a generator.
    if (auto y = g.yield_from(); y && y->what == twoway::subiterator::kind::generator)
        trace::skip_line("gi_yieldfrom.__name__: a C++ generator has no name; yield_from() reports kind=generator");
    else
        std::cout << "while delegating: <wrong: no generator subiterator>\n";
    g.close();
    std::cout << "after close: " << show(g) << "\n";
}
