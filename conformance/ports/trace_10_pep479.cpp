// Port of traces/10_pep479.py — Rules: P1-P7 (PEP 479: StopIteration escaping a generator frame becomes
// RuntimeError), S8.
#include "trace_support.hpp"

using trace::attempt;

namespace {

using stop_str = twoway::stop_iteration<std::string>; // StopIteration("text"): its value is "text" (R7)
const auto cause = trace::chained("__cause__");

twoway::generator<int> explicit_stop() {
    co_yield 1;
    throw stop_str("explicit");
}

twoway::generator<int> empty() { co_return; } // iter([]): its next() raises StopIteration()

twoway::generator<int> unguarded_next() {
    auto it = empty();
    co_yield it.next();
}

struct MyStop : stop_str, trace::named { // class MyStop(StopIteration)
    using stop_str::stop_str;
    const char *python_type() const noexcept override { return "MyStop"; }
};

twoway::generator<int> subclass() {
    throw MyStop("sub");
    co_yield 0;
}

twoway::generator<int, void, std::string> guarded() {
    auto it = empty();
    try {
        co_yield it.next();
    } catch (const twoway::stop_iteration<> &) {
        std::cout << "  [gen] caught StopIteration inside the generator: fine\n";
    }
    co_return "guarded";
}

twoway::generator<int> plain() {
    co_yield 1;
    co_yield 2;
}

twoway::generator<int> async_stop_in_sync_gen() {
    co_yield 1;
    throw twoway::stop_async_iteration("not converted in sync generators");
}

twoway::generator<int> converted_in_finally() {
    try {
        co_yield 1;
    } catch (...) { // Python's finally, on the close() path
        throw stop_str("from finally");
    }
}

// (1 // 0 if False else next(iter([])) for _ in range(3)): C++ has no generator expressions; the same
// body as a generator function.
twoway::generator<int> gen_expr() {
    for (int i = 0; i < 3; ++i) {
        auto it = empty();
        co_yield it.next();
    }
}

} // namespace

int main() {
    trace::register_stop_type<std::string>();
    auto g = explicit_stop();
    attempt("next", [&] { return g.next(); }, cause);
    attempt("next (raise StopIteration)", [&] { return g.next(); }, cause);
    attempt("next after RuntimeError", [&] { return g.next(); }, cause);

    attempt("unguarded next(empty) inside generator", [&] { return unguarded_next().next(); }, cause);
    attempt("StopIteration subclass", [&] { return subclass().next(); }, cause);
    attempt("guarded", [&] { return guarded().next(); }, cause);

    auto p = plain();
    p.next();
    attempt("g.throw(StopIteration('thrown'))", [&] { return p.throw_exception(stop_str("thrown")); }, cause);
    attempt("next after", [&] { return p.next(); }, cause);

    auto a = async_stop_in_sync_gen();
    a.next();
    attempt("StopAsyncIteration in a sync generator", [&] { return a.next(); }, cause);

    auto f = converted_in_finally();
    f.next();
    attempt("close() when finally raises StopIteration", [&] { return f.close(); }, cause);

    auto ge = gen_expr();
    attempt("generator expression raising StopIteration", [&] { return ge.next(); }, cause);
}
