// Port of traces/13_close_ignored.py — Rules: C6, C7, T10 (generator ignored GeneratorExit).
#include "trace_support.hpp"

namespace {

const auto context = trace::chained("__context__", /*with_message=*/false, " | __context__=None");

std::exception_ptr attempt(const std::string &label, const auto &fn) { return trace::attempt(label, fn, context); }

twoway::generator<std::string> stubborn() {
    bool ignoring = false; // C++ cannot yield inside a handler: the handler records, the yield follows it
    try {
        co_yield "1";
    } catch (const twoway::generator_exit &) {
        std::cout << "  [gen] ignoring GeneratorExit and yielding\n";
        ignoring = true;
    }
    if (ignoring) co_yield "foo!";
    std::cout << "  [gen] resumed after the swallowed GeneratorExit\n";
    co_yield "bar";
}

twoway::generator<int> yield_in_finally() {
    // try: yield 1 / finally: print; yield 2 — the finally body runs after the catch, then the pending
    // exception (if any) continues.
    std::exception_ptr pending;
    try {
        co_yield 1;
    } catch (...) {
        pending = std::current_exception();
    }
    std::cout << "  [gen] finally yields\n";
    co_yield 2;
    if (pending) std::rethrow_exception(pending);
}

twoway::generator<std::string> forever() {
    for (;;) {
        try {
            co_yield "tick";
        } catch (const twoway::generator_exit &) {
            std::cout << "  [gen] refusing to die\n";
        }
    }
}

PY_EXCEPTION(LookupError);

} // namespace

int main() {
    auto g = stubborn();
    g.next();
    attempt("g.close()", [&] { return g.close(); });
    std::cout << "state after failed close: " << twoway::to_string(g.state()) << "\n";
    attempt("g.close() again", [&] { return g.close(); });
    std::cout << "state: " << twoway::to_string(g.state()) << "\n";

    std::cout << "== yield inside finally during close is also 'ignored'\n";
    auto f = yield_in_finally();
    f.next();
    attempt("g.close()", [&] { return f.close(); });
    std::cout << "state: " << twoway::to_string(f.state()) << "\n";
    attempt("next(g): finally completes, pending GeneratorExit escapes from next()", [&] { return f.next(); });
    std::cout << "state: " << twoway::to_string(f.state()) << "\n";

    std::cout << "== the same generator via throw(GeneratorExit): throw just returns the value\n";
    g = stubborn();
    g.next();
    attempt("g.throw(GeneratorExit)", [&] { return g.throw_exception<twoway::generator_exit>(); });
    attempt("next(g)", [&] { return g.next(); });
    attempt("g.close()", [&] { return g.close(); });

    std::cout << "== a loop that keeps yielding after GeneratorExit\n";
    auto h = forever();
    h.next();
    attempt("g.close()", [&] { return h.close(); });
    attempt("g.close()", [&] { return h.close(); });
    std::cout << "state: " << twoway::to_string(h.state()) << "\n";
    attempt("g.throw(LookupError('stop')) finishes it", [&] { return h.throw_exception(LookupError("stop")); });
    std::cout << "state: " << twoway::to_string(h.state()) << "\n";
}
