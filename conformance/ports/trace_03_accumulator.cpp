// Port of traces/03_accumulator.py — Rules: N2, N3, R1, R4 (send value becomes the result of yield;
// return value).
#include "trace_support.hpp"

using trace::attempt;

namespace {

twoway::generator<int, int, int> accumulator() {
    int total = 0;
    for (;;) {
        twoway::maybe<int> value = co_yield total;
        std::cout << "  [acc] received " << trace::repr(value) << "\n";
        if (value.is_none()) {
            std::cout << "  [acc] None means stop; returning total\n";
            co_return total;
        }
        total += *value;
    }
}

} // namespace

int main() {
    auto acc = accumulator();
    attempt("next(acc)", [&] { return acc.next(); });
    for (int v : {10, 20, 5}) attempt("acc.send(" + std::to_string(v) + ")", [&] { return acc.send(v); });
    attempt("next(acc)  # sends None", [&] { return acc.next(); });
    attempt("acc.send(1) after return", [&] { return acc.send(1); });

    auto acc2 = accumulator();
    acc2.next();
    attempt("acc2.send(7)", [&] { return acc2.send(7); });
    attempt("acc2.send(None)  # same as next", [&] { return acc2.send(twoway::none); });
}
