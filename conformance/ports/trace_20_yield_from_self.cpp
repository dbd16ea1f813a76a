// Port of traces/20_yield_from_self.py — Rules: Y16, Y17, N6 (delegating to a running generator;
// delegators report running).
#include "trace_support.hpp"

using trace::attempt;

namespace {

using gen_t = twoway::generator<std::string>;

gen_t selfdel(gen_t &me) {
    co_yield "before";
    co_yield twoway::from(me); // yield from me
    co_yield "never";
}

gen_t g2(gen_t &gi);
gen_t g1(gen_t &gi) {
    std::cout << "  [g1] starting\n";
    co_yield "y1";
    std::cout << "  [g1] about to yield from g2\n";
    co_yield twoway::from(g2(gi));
    std::cout << "  [g1] should not be here\n";
}
gen_t g2(gen_t &gi) {
    std::cout << "  [g2] starting\n";
    co_yield "y2";
    std::cout << "  [g2] about to yield from g1\n";
    co_yield twoway::from(gi);
    std::cout << "  [g2] should not be here\n";
}

gen_t inner(gen_t &outer_gen) {
    std::cout << "  [inner] outer state: " << twoway::to_string(outer_gen.state())
              << " gi_running: " << trace::repr(outer_gen.running()) << "\n";
    attempt("  [inner] next(outer_gen)", [&] { return outer_gen.next(); });
    co_yield "inner value";
}
gen_t outer(gen_t &outer_gen) { co_yield twoway::from(inner(outer_gen)); }

using int_gen = twoway::generator<int>;

struct CloseProbe {
    int_gen *d;
    int next() { return 42; }
    void close() {
        std::cout << "  [probe] close(): delegator gi_running = " << trace::repr(d->running()) << "\n";
        attempt("  [probe] next(d)", [&] { return d->next(); });
    }
};
int_gen deleg(int_gen &d) { co_yield twoway::from(CloseProbe{&d}); }

} // namespace

int main() {
    std::cout << "== a generator delegating to itself\n";
    gen_t me;
    me = selfdel(me);
    attempt("next(me)", [&] { return me.next(); });
    attempt("next(me)", [&] { return me.next(); });
    std::cout << "state: " << twoway::to_string(me.state()) << "\n";

    std::cout << "== a delegation cycle g1 -> g2 -> g1 (test_attempted_yield_from_loop)\n";
    gen_t gi;
    gi = g1(gi);
    attempt("next(gi)", [&] { return gi.next(); });
    attempt("next(gi)", [&] { return gi.next(); });
    attempt("next(gi)", [&] { return gi.next(); });
    std::cout << "state: " << twoway::to_string(gi.state()) << "\n";

    std::cout << "== the delegator is 'running' while its subgenerator runs\n";
    gen_t outer_gen;
    outer_gen = outer(outer_gen);
    attempt("next(outer_gen)", [&] { return outer_gen.next(); });
    std::cout << "outer state: " << twoway::to_string(outer_gen.state()) << "\n";

    std::cout << "== the delegator is 'running' while the subiterator's close() runs\n";
    int_gen d;
    d = deleg(d);
    attempt("next(d)", [&] { return d.next(); });
    attempt("d.close()", [&] { return d.close(); });
}
