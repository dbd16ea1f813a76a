// Port of traces/04_running_average.py — Rules: N1, N2, N3, T4, N9 (priming, send, throw caught,
// exception finishes generator). Running average coroutine.
#include "trace_support.hpp"

using trace::attempt;

namespace {

PY_EXCEPTION(Reset);

twoway::generator<twoway::maybe<double>, double> averager() {
    double total = 0.0;
    int count = 0;
    twoway::maybe<double> average;
    for (;;) {
        twoway::maybe<double> term;
        try {
            term = co_yield average;
        } catch (const Reset &) {
            std::cout << "  [avg] reset\n";
            total = 0.0, count = 0, average = twoway::none;
            continue;
        }
        // Python: `total += term` with term None raises TypeError; reading a None maybe is twoway's
        // checked error (none_error, a type_error) instead.
        total += *term;
        count += 1;
        average = total / count;
    }
}

} // namespace

int main() {
    auto avg = averager();
    attempt("avg.send(10) unprimed", [&] { return avg.send(10); });
    attempt("next(avg)", [&] { return avg.next(); });
    for (int v : {10, 30, 5}) attempt("avg.send(" + std::to_string(v) + ")", [&] { return avg.send(v); });
    attempt("avg.throw(Reset())", [&] { return avg.throw_exception(Reset()); });
    attempt("avg.send(4)", [&] { return avg.send(4); });
    // The message names Python's operand types; twoway's checked error has its own text (recorded in
    // conformance/traces/04_running_average.differs).
    attempt("next(avg)  # sends None -> TypeError inside generator", [&] { return avg.next(); });
    attempt("avg.send(1) after crash", [&] { return avg.send(1); });
}
