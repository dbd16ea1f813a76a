// Port of traces/29_asyncgen_syntax.py — Rules: A1, A8, A9, Y20, S1 (compile-time rules for async
// generators and generators).
//
// Python compile()s twelve snippets and prints the SyntaxError or "compiles". In C++ each is a fact about
// what the compiler accepts: a snippet that is a SyntaxError does not compile, so its line is skipped
// (with the C++ construct that fails) and, where the rule is the library's, a static_assert below checks
// it on the promise types. A snippet that compiles in Python has its C++ counterpart defined in this file,
// so this file compiling is the line. Lines 13-14 (type names) are reproduced.
#include <string>
#include <vector>

#include "trace_support.hpp"
#include "twoway/async_generator.hpp" // not in twoway.hpp

namespace {

using twoway::async_generator;
using twoway::coroutine;
using twoway::generator;

// ---- the library rules, checked on the promises ------------------------------------------------------

using agen_promise = async_generator<int>::promise_type;
using coro_promise = coroutine<int>::promise_type;
using gen_promise = generator<twoway::none_t>::promise_type;
using gen_return_promise = generator<int, void, int>::promise_type;

// `co_return v;` needs promise.return_value(v); `co_return;` needs promise.return_void().
template <class P, class V>
concept returns_value = requires(P &p, V v) { p.return_value(v); };
template <class P>
concept returns_void = requires(P &p) { p.return_void(); };
// `co_yield twoway::from(x)` (Python's `yield from x`, here over a list like `[1]`).
template <class P>
concept yields_from = requires(P &p, std::vector<int> &list) { p.yield_value(twoway::from(list)); };
// `co_await x` for an awaitable x (here a coroutine).
template <class P>
concept awaits = requires(P &p, coroutine<int> &c) { p.await_transform(c); };

// A8: an async generator returns no value, not even None (lines 1, 2, 4); a bare return is fine (line 3).
static_assert(!returns_value<agen_promise, int>, "co_return 2; in an async_generator");
static_assert(!returns_value<agen_promise, twoway::none_t>, "co_return twoway::none; in an async_generator");
static_assert(returns_void<agen_promise>, "co_return; in an async_generator");
// A9, Y20: no yield from inside an async function (lines 5, 6): neither in an async generator nor in a
// coroutine (where every co_yield is refused).
static_assert(!yields_from<agen_promise>, "co_yield twoway::from(list) in an async_generator");
static_assert(!yields_from<coro_promise>, "co_yield twoway::from(list) in a coroutine");
// ...while an async generator body may await (line 6's `await x`) and a coroutine too.
static_assert(awaits<agen_promise> && awaits<coro_promise>);
// A generator may return a value (line 7) and yield from; it may not await (line 12).
static_assert(returns_value<gen_return_promise, int>, "co_return 2; in a generator<int, void, int>");
static_assert(yields_from<gen_return_promise>);
static_assert(!awaits<gen_promise>, "co_await in a generator");

// ---- the snippets that compile in Python, as they are written in C++ ----------------------------------

// "async gen: bare return": async def f(): yield 1; return
async_generator<int> async_gen_bare_return() {
    co_yield 1;
    co_return;
}

// "generator: return with value": def f(): yield 1; return 2
generator<int, void, int> generator_return_with_value() {
    co_yield 1;
    co_return 2;
}

// ---- lines 13-14 -------------------------------------------------------------------------------------

// type(x).__name__ for the C++ types of the Python objects this trace names.
template <class T>
const char *type_name(const T &) {
    if constexpr (twoway::isasyncgen<T>)
        return "async_generator";
    else if constexpr (twoway::isgenerator<T>)
        return "generator";
    else if constexpr (twoway::iscoroutine<T>)
        return "coroutine";
    else
        return "?";
}

// A C++ function is a coroutine when its body has a co_ keyword, reachable or not (S1, A1); its return
// type says which kind.
generator<twoway::none_t> f() {
    if (false) co_yield twoway::none;
}

async_generator<twoway::none_t> g() {
    if (false) co_yield twoway::none;
}

} // namespace

int main() {
    // The two snippets that compile are created (and freed without running: S1, A23), so they are used.
    { auto unused = async_gen_bare_return(); }
    { auto unused = generator_return_with_value(); }

    trace::skip_line("async gen: return with value: `co_return 2;` in an async_generator does not compile: its "
                     "promise has return_void only (A8)");
    trace::skip_line("async gen: return None (explicit value): `co_return twoway::none;` in an async_generator does "
                     "not compile: its promise has no return_value, not even for None (A8)");
    std::cout << "async gen: bare return: compiles\n"; // async_gen_bare_return() above: `co_return;`
    trace::skip_line("async gen: return value, yield unreachable: the return type async_generator<Y> (not a "
                     "reachable co_yield) makes it an async generator, and `co_return 12;` does not compile: "
                     "return_void only (A8)");
    trace::skip_line("async def: yield from: `co_yield twoway::from(x)` in an async_generator does not compile: "
                     "its yield_value for delegation operands is deleted (A9, Y20); in a coroutine every co_yield "
                     "is deleted");
    trace::skip_line("async def: await + yield from: `co_await` compiles in an async_generator but "
                     "`co_yield twoway::from(x)` does not: deleted yield_value for delegation operands (A9, Y20)");
    std::cout << "generator: return with value: compiles\n"; // generator_return_with_value() above: `co_return 2;`
    trace::skip_line("yield at module level: C++ has no module-level statements; `co_yield` is only valid in a "
                     "function body");
    trace::skip_line("yield from at module level: C++ has no module-level statements; `co_yield "
                     "twoway::from(x)` is only valid in a function body");
    trace::skip_line("yield inside a list comprehension: C++ has no comprehensions (a co_yield inside a lambda "
                     "makes the lambda its own coroutine)");
    trace::skip_line("yield in generator expression: C++ has no generator expressions (a co_yield inside a lambda "
                     "makes the lambda its own coroutine)");
    trace::skip_line("await in plain generator: `co_await x` in a generator does not compile: its promise's "
                     "await_transform is deleted");

    std::cout << "a def containing an unreachable yield is still a generator function: " << type_name(f()) << "\n";
    std::cout << "async def with unreachable yield is an async generator: " << type_name(g()) << "\n";
}
