// Port of traces/27_asyncgen_basic.py — Rules: A1-A6 (async generators: asend/__anext__, priming rule,
// end of iteration, reuse). Driven by hand (no event loop): run() sends None into the awaitable until it
// finishes.
//
// Python's `async def` with `yield` is a function returning twoway::async_generator<Y, S>; __anext__() is
// anext(), awaitable.__await__() is await_iter() (the awaitable itself for asend/__anext__/aclose), and a
// @types.coroutine generator is a generator<object, object, R>.
#include <string>
#include <vector>

#include "trace_support.hpp"
#include "twoway/async_generator.hpp" // not in twoway.hpp

namespace {

using trace::attempt;
using twoway::async_generator;
using twoway::coroutine;
using twoway::maybe;
using twoway::object;

PY_EXCEPTION(LookupError);

// type(x).__name__ for the C++ types of the Python objects this trace names.
template <class T>
const char *type_name() {
    if constexpr (twoway::isasyncgen<T>)
        return "async_generator";
    else if constexpr (twoway::isgenerator<T>)
        return "generator";
    else if constexpr (twoway::iscoroutine<T>)
        return "coroutine";
    else
        return "?";
}

// Drive an awaitable to completion; values it suspends on are printed. Returns StopIteration.value as a
// Python object (its repr).
template <class A>
trace::object run(A &&awaitable, std::vector<object> replies = {}) {
    auto &&it = awaitable.await_iter();
    std::size_t next_reply = 0;
    object to_send;
    for (;;) {
        object suspended_on;
        try {
            suspended_on = it.send(to_send);
        } catch (const twoway::stop_iteration<> &e) {
            return trace::object{trace::stop_value(e)};
        }
        std::cout << "    (awaitable suspended on " << suspended_on.repr() << ")\n";
        to_send = next_reply < replies.size() ? replies[next_reply++] : object();
    }
}

// @types.coroutine def io(tag): reply = yield tag; return reply
twoway::generator<object, object, object> io(std::string tag) {
    maybe<object> reply = co_yield object(std::move(tag));
    co_return object(reply);
}

async_generator<std::string, std::string> agen() {
    std::cout << "  [agen] started\n";
    trace::finally_print f{"  [agen] finally\n"}; // try: ... finally: print
    maybe<std::string> x = co_yield std::string("first");
    std::cout << "  [agen] received " << trace::repr(x) << "\n";
    object r = co_await io("io-request");
    std::cout << "  [agen] io replied " << r.repr() << "\n";
    maybe<std::string> y = co_yield std::string("second");
    std::cout << "  [agen] received " << trace::repr(y) << "\n";
}

async_generator<int> failing() {
    co_yield 1;
    throw LookupError("inside agen");
}

async_generator<int> countdown(int n) {
    while (n) {
        co_yield n;
        n -= 1;
    }
}

// async for v in countdown(3): out.append(v)
coroutine<std::vector<int>> consume() {
    std::vector<int> out;
    for (auto gen = countdown(3); auto v = co_await twoway::anext(gen, twoway::none);) out.push_back(*v);
    co_return out;
}

} // namespace

int main() {
    trace::register_stop_type<std::vector<int>>(); // consume()'s return value

    auto a = agen();
    std::cout << "type: " << type_name<decltype(a)>() << " | __aiter__ returns self: " << trace::repr(&a.aiter() == &a)
              << "\n";
    std::cout << "ag_running: " << trace::repr(a.running()) << "\n";
    auto aw = a.asend("too early");
    std::cout << "asend('too early') created an awaitable; nothing ran yet\n";
    attempt("run(asend('too early'))", [&] { return run(aw); });
    attempt("run(a.__anext__())", [&] { return run(a.anext()); });
    attempt("run(a.asend('hello'), replies=['io-result'])",
            [&] { return run(a.asend("hello"), {object(std::string("io-result"))}); });
    attempt("run(a.asend('bye'))", [&] { return run(a.asend("bye")); });
    attempt("run(a.__anext__()) after end", [&] { return run(a.anext()); });
    attempt("run(a.aclose()) after end", [&] { return run(a.aclose()); });

    std::cout << "== an awaitable from asend/__anext__ can only be run once\n";
    auto b = agen();
    auto nxt = b.anext();
    attempt("run(nxt)", [&] { return run(nxt); });
    attempt("run(nxt) again", [&] { return run(nxt); });
    attempt("run(b.aclose())", [&] { return run(b.aclose()); });

    std::cout << "== exception inside the async generator\n";
    auto c = failing();
    attempt("run(c.__anext__())", [&] { return run(c.anext()); });
    attempt("run(c.__anext__())", [&] { return run(c.anext()); });
    attempt("run(c.__anext__()) after error", [&] { return run(c.anext()); });

    std::cout << "== async for over an async generator, driven by a coroutine\n";
    attempt("run(consume())", [] { return run(consume()); });
}
