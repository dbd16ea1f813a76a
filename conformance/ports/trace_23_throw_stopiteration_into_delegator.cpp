// Port of traces/23_throw_stopiteration_into_delegator.py — Rules: Y19 (3.12+ behaviour), P3:
// StopIteration thrown into a delegator suspended in 'yield from'.
#include "trace_support.hpp"

using trace::attempt;

namespace {

struct NoThrow {
    using return_type = int;
    std::string next() { return "nothrow-item"; }
};

struct ThrowReraises {
    using return_type = int;
    std::string next() { return "reraise-item"; }
    std::string throw_exception(std::exception_ptr e) {
        std::cout << "  [sub] throw(" << trace::python_name(e) << ") re-raising it\n";
        std::rethrow_exception(e);
    }
};

twoway::generator<std::string> gen_sub() { co_yield "gen-item"; }

template <class Sub>
twoway::generator<std::string> delegator(Sub sub) {
    auto r = co_yield twoway::from(std::move(sub));
    std::cout << "  [delegator] resumed with " << trace::repr(r) << "\n";
    co_yield "delegator continues";
}

} // namespace

int main() {
    std::cout << "== subiterator WITHOUT throw()  [differs: 3.11 RuntimeError, 3.12+ resumes with 7]\n";
    auto g = delegator(NoThrow());
    g.next();
    attempt("g.throw(StopIteration(7))", [&] { return g.throw_exception(twoway::stop_iteration<int>(7)); });
    g.close();

    std::cout << "== subiterator whose throw() re-raises the StopIteration (all versions: resumes with 7)\n";
    g = delegator(ThrowReraises());
    g.next();
    attempt("g.throw(StopIteration(7))", [&] { return g.throw_exception(twoway::stop_iteration<int>(7)); });
    g.close();

    std::cout << "== generator subiterator (PEP 479 applies inside the sub: RuntimeError, all versions)\n";
    g = delegator(gen_sub());
    g.next();
    attempt("g.throw(StopIteration(7))", [&] { return g.throw_exception(twoway::stop_iteration<int>(7)); });
}
