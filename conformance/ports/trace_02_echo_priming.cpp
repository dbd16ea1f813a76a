// Port of traces/02_echo_priming.py — Rules: N1, N2, N3, T4, C1, C2 (priming rule with exact
// TypeError; send(None) == next). The 'echo' example from the Python language reference.
#include "trace_support.hpp"

using trace::attempt;
using trace::obj;
using trace::object;

namespace {

// echo yields and receives any Python object: trace::object, with None as maybe's None.
twoway::generator<twoway::maybe<object>, object> echo(twoway::maybe<object> value = twoway::none) {
    std::cout << "  [echo] execution starts when next() is called for the first time\n";
    struct cleanup { // Python's try/finally around the loop
        ~cleanup() { std::cout << "  [echo] cleaning up on close()\n"; }
    } finally;
    for (;;) {
        try {
            value = co_yield value;
            std::cout << "  [echo] received " << trace::repr(value) << "\n";
        } catch (const std::exception &e) { // except Exception as e
            const std::string name = trace::python_name(std::current_exception());
            std::cout << "  [echo] caught " << name << ": " << e.what() << "\n";
            value = object{name + "(" + trace::repr(std::string(e.what())) + ")"};
        }
    }
}

} // namespace

int main() {
    auto g = echo(obj(1));
    attempt("g.send('hello') before priming", [&] { return g.send(obj("hello")); });
    std::cout << "state after failed send: " << twoway::to_string(g.state()) << "\n";
    attempt("next(g)", [&] { return g.next(); });
    attempt("next(g)", [&] { return g.next(); });
    attempt("g.send(2)", [&] { return g.send(obj(2)); });
    attempt("g.throw(TypeError('spam'))", [&] { return g.throw_exception(twoway::type_error("spam")); });
    attempt("g.close()", [&] { return g.close(); });
    std::cout << "state after close: " << twoway::to_string(g.state()) << "\n";

    auto g2 = echo(obj("first"));
    attempt("g2.send(None) primes like next()", [&] { return g2.send(twoway::none); });
    attempt("g2.send(None) again == next()", [&] { return g2.send(twoway::none); });
    attempt("g2.close()", [&] { return g2.close(); });

    auto g3 = echo();
    attempt("g3.send(0) (falsy but not None)", [&] { return g3.send(obj(0)); });
    attempt("g3.send('') (falsy but not None)", [&] { return g3.send(obj("")); });
    attempt("g3.close() unstarted: body never runs", [&] { return g3.close(); });
}
