// Port of traces/01_states.py — Rules: S1-S8, N7, R4 (creation & states, finished generator).
#include "trace_support.hpp"

using trace::attempt;

namespace {

using gen_t = twoway::generator<int, int>; // receives values, so that send(99) can be tried

// gi_frame has no C++ object: "gi_frame is None" is exactly "the generator has finished", i.e.
// state() == closed (S5).
std::string state(const gen_t &g) {
    return std::string("state=") + twoway::to_string(g.state()) + " gi_running=" + trace::repr(g.running()) +
           " gi_suspended=" + trace::repr(g.suspended()) +
           " gi_frame_is_None=" + trace::repr(g.state() == twoway::generator_state::closed);
}

gen_t gen(const gen_t &self) {
    std::cout << "  [gen] body starts (only on first next)\n";
    std::cout << "  [gen] while running: " << state(self) << "\n";
    auto x = co_yield 1;
    std::cout << "  [gen] resumed with " << trace::repr(x) << "\n";
    co_yield 2;
    std::cout << "  [gen] falling off the end\n";
}

} // namespace

int main() {
    gen_t g;
    g = gen(g); // the body sees g through the reference, as the Python body sees the global g
    std::cout << "after call: " << state(g) << "\n";
    attempt("next(g)", [&] { return g.next(); });
    std::cout << "after 1st yield: " << state(g) << "\n";
    attempt("next(g)", [&] { return g.next(); });
    attempt("next(g)", [&] { return g.next(); });
    std::cout << "after return: " << state(g) << "\n";
    attempt("next(g) again", [&] { return g.next(); });
    attempt("g.send(None) on finished", [&] { return g.send(twoway::none); });
    attempt("g.send(99) on finished", [&] { return g.send(99); });
    attempt("g.close() on finished", [&] { return g.close(); });
    std::cout << "final: " << state(g) << "\n";
    // iter(g) is g (S8): a generator is itself the range a for-loop walks; iterating never copies it.
    std::cout << "iter(g) is g: " << trace::repr(std::ranges::input_range<gen_t>) << "\n";
}
