// Port of traces/09_return_values.py — Rules: R1-R7 (return value -> StopIteration.value/args, tuples,
// repeated next, loops discard).
#include "trace_support.hpp"

using trace::object;

namespace {

// Python's StopIteration.args is (value,) for a value and () for None (R1, R2, R3).
std::string args_of(const std::string &value_repr) { return value_repr == "None" ? "()" : "(" + value_repr + ",)"; }

// This trace also prints StopIteration.args, so it has its own attempt().
template <class F>
void attempt(const std::string &label, F &&fn) {
    try {
        auto r = fn();
        std::cout << label << " -> " << trace::repr(r) << "\n";
    } catch (const twoway::stop_iteration<> &s) {
        const std::string v = trace::stop_value(s);
        std::cout << label << " !! StopIteration value=" << v << " args=" << args_of(v) << "\n";
    } catch (...) {
        std::cout << label << " !! " << trace::describe(std::current_exception()) << "\n";
    }
}

using gen_t = twoway::generator<std::string, void, object>;

gen_t returns(twoway::maybe<object> v) {
    co_yield "only";
    co_return v; // a maybe: None returns None
}

twoway::generator<int> bare() {
    co_yield 1;
    co_return;
}

twoway::generator<int, void, std::string> no_yield_reached() {
    if (false) co_yield 0;
    co_return "immediate";
}

twoway::generator<int, void, std::string> finally_return() {
    struct cleanup { // Python's try/finally: runs before StopIteration is raised
        ~cleanup() { std::cout << "  [gen] finally runs before StopIteration is raised\n"; }
    } finally;
    co_yield 1;
    co_return "from try";
}

twoway::generator<int, void, std::string> finally_override() {
    // A `return` in `finally` replaces the value (R6). C++ has no finally that can return; the
    // function spells it as what it is: the value the finally returns wins.
    co_yield 1;
    std::string from_try = "from try";
    (void)from_try;
    co_return "from finally";
}

twoway::generator<std::string, void, std::string> g_try_return() {
    try {
        co_return "r";
    } catch (...) { // `return` is not an exception inside the generator (R6): this never runs
    }
    co_yield "return is not an exception inside the generator";
    co_return twoway::none;
}

} // namespace

int main() {
    trace::register_stop_type<object>();
    const std::vector<twoway::maybe<object>> values{twoway::none,
                                                    trace::obj(0),
                                                    trace::obj(42),
                                                    trace::obj("text"),
                                                    object{"(2,)"},
                                                    object{"(1, 2)"}};
    for (const auto &v : values) {
        auto g = returns(v);
        g.next();
        attempt("return " + trace::repr(v), [&] { return g.next(); });
        attempt("  next again", [&] { return g.next(); });
    }
    {
        auto g = bare();
        g.next();
        attempt("bare return", [&] { return g.next(); });
    }
    attempt("return before any yield", [&] { return no_yield_reached().next(); });
    {
        auto g = finally_return();
        g.next();
        attempt("return inside try/finally", [&] { return g.next(); });
    }
    {
        auto g = finally_override();
        g.next();
        attempt("finally overrides return value", [&] { return g.next(); });
    }
    {
        std::vector<std::string> all;
        for (auto &x : returns(trace::obj("ignored"))) all.push_back(x); // list() discards the value
        std::cout << "list() discards return value: " << trace::repr(all) << "\n";
        std::vector<std::string> total;
        for (auto &x : returns(trace::obj("ignored"))) total.push_back(x);
        std::cout << "for-loop saw: " << trace::repr(total) << "\n";
    }
    attempt("return inside try/except BaseException", [&] { return g_try_return().next(); });
}
