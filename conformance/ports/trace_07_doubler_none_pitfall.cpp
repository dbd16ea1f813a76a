// Port of traces/07_doubler_none_pitfall.py — Rules: N2 (next() sends None), N9, N7, T9 (uncaught
// exception finishes the generator). Mixing next() and send() on a coroutine that expects values.
#include "trace_support.hpp"

using trace::attempt;
using trace::obj;
using trace::object;

namespace {

// x * 2 for the values the trace sends: an int doubles, a str repeats.
object times_two(const object &x) {
    const std::string &r = x.repr_text;
    if (!r.empty() && r.front() == '\'') return object{r.substr(0, r.size() - 1) + r.substr(1)};
    return obj(std::stoi(r) * 2);
}

twoway::generator<twoway::maybe<object>, object> doubler() {
    twoway::maybe<object> result;
    for (;;) {
        auto x = co_yield result;
        std::cout << "  [doubler] got " << trace::repr(x) << "\n";
        // Python: None * 2 raises TypeError naming the operand types; reading a None maybe raises
        // twoway's checked none_error (a type_error) with its own text (recorded in
        // conformance/traces/07_doubler_none_pitfall.differs).
        result = times_two(*x);
    }
}

twoway::generator<twoway::maybe<int>, int> safe_doubler() {
    twoway::maybe<int> result;
    for (;;) {
        auto x = co_yield result;
        if (x.is_none()) {
            std::cout << "  [safe] ignoring None (was next())\n";
            result = twoway::none;
            continue;
        }
        result = *x * 2;
    }
}

} // namespace

int main() {
    auto d = doubler();
    attempt("next(d)", [&] { return d.next(); });
    attempt("d.send(3)", [&] { return d.send(obj(3)); });
    attempt("d.send('ab')", [&] { return d.send(obj("ab")); });
    attempt("next(d)  # pitfall: sends None", [&] { return d.next(); });
    std::cout << "state: " << twoway::to_string(d.state()) << "\n";
    attempt("d.send(4) after crash", [&] { return d.send(obj(4)); });
    attempt("d.throw(ValueError('x')) after crash", [&] { return d.throw_exception(twoway::value_error("x")); });
    attempt("d.close() after crash", [&] { return d.close(); });

    auto s = safe_doubler();
    attempt("next(s)", [&] { return s.next(); });
    attempt("s.send(5)", [&] { return s.send(5); });
    attempt("next(s)", [&] { return s.next(); });
    attempt("s.send(6)", [&] { return s.send(6); });
}
