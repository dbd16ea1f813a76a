// Port of traces/16_yield_from_basic.py — Rules: Y1-Y5, Y8, R3 (yield from: iterables, return value,
// empty, already-started, errors).
#include <ranges>

#include "trace_support.hpp"

using trace::attempt;
using trace::object;

namespace {

// Python's range(n): std::views::iota where the standard library can compile it (clang 14 cannot with
// libstdc++ 12's <ranges>, libc++ 14 has no views), otherwise a small input range of its own.
#if defined(__cpp_lib_ranges) && !(defined(__clang__) && __clang_major__ < 15)
auto python_range(int n) { return std::views::iota(0, n); }
#else
struct python_range {
    explicit python_range(int count) : n(count) {}
    int n;
    struct iterator {
        int i;
        using value_type = int;
        using difference_type = std::ptrdiff_t;
        int operator*() const { return i; }
        iterator &operator++() {
            ++i;
            return *this;
        }
        void operator++(int) { ++i; }
        bool operator==(const iterator &) const = default;
    };
    iterator begin() const { return {0}; }
    iterator end() const { return {n}; }
};
#endif

// One delegator for every operand type: Y is what the operand yields, the result is any object.
template <class Y, class Source>
twoway::generator<Y, void, object> delegate(Source source) {
    auto result = co_yield twoway::from(std::forward<Source>(source));
    std::cout << "  [delegator] yield from result = " << trace::repr(result) << "\n";
    co_return trace::to_object(result);
}

template <class Y, class Source>
void collect(const std::string &label, Source source) {
    std::cout << "== " << label << "\n";
    std::vector<Y> all;
    for (auto &v : delegate<Y>(std::move(source))) all.push_back(v); // list(...)
    std::cout << "  collected: " << trace::repr(all) << "\n";
}

twoway::generator<std::string, void, std::string> sub(int n) {
    for (int i = 0; i < n; ++i) co_yield "sub-" + std::to_string(i);
    co_return "sub returned " + std::to_string(n);
}

// An iterator whose __next__ raises StopIteration with a value.
struct CustomIter {
    using return_type = std::string;
    int n = 0;
    int next() {
        n += 1;
        if (n > 2) throw twoway::stop_iteration<std::string>("custom value");
        return n;
    }
};

PY_EXCEPTION(ZeroDivisionError);

twoway::generator<int> bad_sub() {
    throw ZeroDivisionError("integer division or modulo by zero"); // yield 1 // 0
    co_yield 0;
}

twoway::generator<int, void, object> ret(object v) {
    co_return v;
    co_yield 0;
}

} // namespace

int main() {
    trace::register_stop_type<object>();
    collect<int>("list", std::vector<int>{1, 2, 3});
    collect<char>("string", std::string("ab"));
    collect<int>("range", python_range(3));
    collect<int>("empty tuple", std::vector<int>{});

    auto g = delegate<std::string>(sub(2));
    attempt("next", [&] { return g.next(); });
    attempt("next", [&] { return g.next(); });
    attempt("next", [&] { return g.next(); });

    auto c = delegate<int>(CustomIter{});
    attempt("next", [&] { return c.next(); });
    attempt("next", [&] { return c.next(); });
    attempt("next", [&] { return c.next(); });

    std::cout << "== delegating to an already-started generator continues where it was\n";
    auto s = sub(4);
    auto a = s.next();
    auto b = s.next();
    std::cout << "  consumed outside: " << a << " " << b << "\n";
    g = delegate<std::string>(std::move(s));
    attempt("next", [&] { return g.next(); });
    attempt("next", [&] { return g.next(); });
    attempt("next", [&] { return g.next(); });

    std::cout << "== delegating to an exhausted generator finishes immediately with value None\n";
    s = sub(1);
    for ([[maybe_unused]] auto &v : s) { // list(s)
    }
    attempt("next", [&] { return delegate<std::string>(std::move(s)).next(); });

    std::cout << "== non-iterable operand\n";
    // from(5) does not compile: from() static_asserts that its operand is iterable (Y1 at compile time).
    trace::skip_line("yield from 5 is a compile-time error in C++");

    std::cout << "== exception in the subgenerator's first step propagates through the delegator\n";
    attempt("next", [&] { return delegate<int>(bad_sub()).next(); });

    std::cout << "== return value may be any object, including a tuple or a StopIteration\n";
    for (const object &v : {object{"(1, 2)"}, object{"StopIteration(3)"}})
        attempt("next(delegate(ret(" + v.repr_text + ")))", [&] { return delegate<int>(ret(v)).next(); });
}
