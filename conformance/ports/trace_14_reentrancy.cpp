// Port of traces/14_reentrancy.py — Rules: N6, S3 (generator already executing; gi_running during
// execution).
#include "trace_support.hpp"

using trace::attempt;

namespace {

using gen_t = twoway::generator<std::string, int>;

// The Python body reaches the generator through the global `me`; here through a reference to it.
gen_t selfish(gen_t &me) {
    std::cout << "  [gen] state while running: " << twoway::to_string(me.state())
              << " gi_running: " << trace::repr(me.running()) << "\n";
    attempt("  [gen] next(me)", [&] { return me.next(); });
    attempt("  [gen] me.send(1)", [&] { return me.send(1); });
    attempt("  [gen] me.throw(ValueError('v'))", [&] { return me.throw_exception(twoway::value_error("v")); });
    attempt("  [gen] me.close()", [&] { return me.close(); });
    co_yield "survived";
    std::cout << "  [gen] second step\n";
    co_yield "still fine";
}

twoway::generator<int> g255(twoway::generator<int> &me2) {
    int i = me2.next(); // the ValueError is not caught: it finishes the generator
    co_yield i;
}

} // namespace

int main() {
    gen_t me;
    me = selfish(me);
    attempt("next(me)", [&] { return me.next(); });
    attempt("next(me)", [&] { return me.next(); });
    std::cout << "state: " << twoway::to_string(me.state()) << "\n";
    me.close();

    std::cout << "== PEP 255 example: uncaught reentrant next() finishes the generator\n";
    twoway::generator<int> me2;
    me2 = g255(me2);
    attempt("next(me2)", [&] { return me2.next(); });
    std::cout << "state: " << twoway::to_string(me2.state()) << "\n";
    attempt("next(me2)", [&] { return me2.next(); });
}
