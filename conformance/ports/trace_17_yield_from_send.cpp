// Port of traces/17_yield_from_send.py — Rules: Y6, Y7, Y8 (send forwarding: None -> __next__,
// value -> send, missing send).
#include "trace_support.hpp"

using trace::attempt;

namespace {

// A plain iterator object that logs which protocol method is used.
struct SpyBase {
    std::string name;
    int i = 0, limit;
    SpyBase(std::string n, int l) : name(std::move(n)), limit(l) {}
    using return_type = std::string;
    std::string step(const std::string &how) {
        i += 1;
        std::cout << "  [" << name << "] " << how << " (step " << i << ")\n";
        if (i > limit) throw twoway::stop_iteration<std::string>(name + " done");
        return name + ":" + std::to_string(i);
    }
    std::string next() { return step("__next__()"); }
};

// Spy(..., with_send=True): Python adds the attribute at run time; C++ has it or not in the class.
struct SpyWithSend : SpyBase {
    using SpyBase::SpyBase;
    std::string send(const std::string &v) { return step("send(" + trace::repr(v) + ")"); }
};

namespace without_send {
struct Spy : SpyBase { // Spy(..., with_send=False)
    using SpyBase::SpyBase;
};
} // namespace without_send

template <class Sub>
twoway::generator<std::string, std::string> delegator(Sub sub) {
    bool recovered = false;
    try {
        auto r = co_yield twoway::from(std::move(sub));
        std::cout << "  [delegator] result " << trace::repr(r) << "\n";
        co_yield "delegator after";
    } catch (const std::exception &) { // except Exception as e
        std::cout << "  [delegator] caught " << trace::describe(std::current_exception()) << "\n";
        recovered = true;
    }
    if (recovered) co_yield "delegator recovered";
}

twoway::generator<std::string, std::string, std::vector<twoway::maybe<std::string>>> echo_sub() {
    std::vector<twoway::maybe<std::string>> received;
    while (received.size() < 2) {
        auto x = co_yield "echo-sub waiting (" + std::to_string(received.size()) + ")";
        std::cout << "  [echo-sub] got " << trace::repr(x) << "\n";
        received.push_back(x);
    }
    co_return received;
}

} // namespace

int main() {
    auto g = delegator(SpyWithSend("spy", 3));
    attempt("next(g)", [&] { return g.next(); });
    attempt("g.send(None)", [&] { return g.send(twoway::none); });
    attempt("g.send('hello')", [&] { return g.send("hello"); });
    attempt("g.send('world')", [&] { return g.send("world"); });
    attempt("next(g)", [&] { return g.next(); });

    std::cout << "== subiterator without send(): send(None) works, send(value) raises AttributeError inside the delegator\n";
    g = delegator(without_send::Spy("nosend", 3));
    attempt("next(g)", [&] { return g.next(); });
    attempt("g.send(None)", [&] { return g.send(twoway::none); });
    // Python's 42 is sent as text here: the delegator's send type is str (the send fails either way).
    attempt("g.send(42)", [&] { return g.send("42"); });
    attempt("next(g)", [&] { return g.next(); });

    std::cout << "== real generator as subiterator\n";
    g = delegator(echo_sub());
    attempt("next(g)", [&] { return g.next(); });
    attempt("g.send('a')", [&] { return g.send("a"); });
    attempt("g.send(None)", [&] { return g.send(twoway::none); });
    attempt("next(g)", [&] { return g.next(); });
}
