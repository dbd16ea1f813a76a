// Port of traces/06_primed_decorator.py — Rules: N1, N2, S2 (a decorator that primes coroutines).
#include "trace_support.hpp"

using trace::attempt;

namespace {

// The trace's decorator prints the value it discards; twoway::primed hands it over for that.
template <class F>
auto primed(F f) {
    return [f](auto &&...args) {
        return twoway::primed(f(args...), [](const auto &first) {
            std::cout << "  [primed] discarded first yield " << trace::repr(first) << "\n";
        });
    };
}

twoway::generator<std::string, std::string> upper_echo_impl() {
    twoway::maybe<std::string> received;
    for (;;) {
        std::string out = "ready";
        if (!received.is_none()) {
            out = *received;
            for (auto &c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        received = co_yield out;
    }
}
const auto upper_echo = primed(upper_echo_impl);

twoway::generator<std::string, void, std::string> empty_impl() {
    co_return "nothing";
    co_yield ""; // unreachable, as in the Python function: it is still a generator
}
const auto empty = primed(empty_impl);

} // namespace

int main() {
    auto g = upper_echo();
    std::cout << "state: " << twoway::to_string(g.state()) << "\n";
    attempt("g.send('abc')", [&] { return g.send("abc"); });
    attempt("g.send('xyz')", [&] { return g.send("xyz"); });
    attempt("next(g)", [&] { return g.next(); });
    attempt("g.close()", [&] { return g.close(); });
    attempt("primed generator that never yields", [&] {
        (void)empty();
        return 0;
    });
}
