// Port of asyncio/42_await_protocol.py — Rules: K2, K5, K7, K8, K11-K13 (await: coroutines, __await__
// iterators, types.coroutine generators; forwarding; errors). No event loop: an outer coroutine is driven
// by hand; every value printed as "suspended on" travelled from the bottom of the await chain straight out
// of the outermost send().
//
// Python's __await__ is a member await_iter() here; a generator-based coroutine (@types.coroutine) is a
// generator<object, object, R>.
#include <string>
#include <tuple>
#include <vector>

#include "trace_support.hpp"

namespace {

using trace::attempt;
using trace::finally_print;
using twoway::coroutine;
using twoway::object;

PY_EXCEPTION(KeyError);

// KeyError's str() is the repr of its key: KeyError('k') prints 'k'.
KeyError key_error(const std::string &key) { return KeyError(trace::repr(key)); }

// Run coro to the end; print each value it suspends on and answer with the next reply.
template <class T>
twoway::return_value_t<T> drive(coroutine<T> coro, std::vector<object> replies = {}) {
    std::size_t next_reply = 0;
    object to_send;
    for (;;) {
        auto step = coro.step(to_send);
        if (step.is_returned()) return std::move(step).returned();
        std::cout << "    (suspended on " << step.yielded().repr() << ")\n";
        to_send = next_reply < replies.size() ? replies[next_reply++] : object();
    }
}

// An awaitable object: __await__ is a generator function, so it returns a generator.
struct Request {
    std::string what;
    explicit Request(std::string w) : what(std::move(w)) {}
    twoway::generator<object, object, object> await_iter() {
        std::cout << "  [Request " << what << "] __await__ called\n";
        object answer = co_yield object(std::make_tuple(std::string("request"), what));
        std::cout << "  [Request " << what << "] answer " << answer.repr() << "\n";
        co_return answer;
    }
};

// A generator-based coroutine: a generator made awaitable by types.coroutine.
twoway::generator<object, object, object> legacy(std::string tag) {
    std::cout << "  [legacy " << tag << "] started\n";
    object x = co_yield object(std::make_tuple(std::string("legacy"), tag));
    co_return object("legacy got " + x.repr());
}

coroutine<int> leaf(int n) {
    std::cout << "  [leaf " << n << "] runs inline; no suspension of its own\n";
    co_return n + 1;
}

using middle_result = std::tuple<int, object, object>;

coroutine<middle_result> middle() {
    int a = co_await leaf(1);
    Request request("b");
    object b = co_await request;
    object c = co_await legacy("c");
    co_return middle_result(a, b, c);
}

coroutine<std::string> top() {
    middle_result r = co_await middle();
    std::cout << "  [top] middle returned " << trace::repr(r) << "\n";
    co_return "top done";
}

// top() awaiting a middle() that the caller owns: Python's `m = t.cr_await` keeps middle alive after
// t.close(), while the middle that top() awaits dies with top's await; the caller's own object stands in.
coroutine<std::string> top_awaiting(coroutine<middle_result> &m) {
    middle_result r = co_await m;
    std::cout << "  [top] middle returned " << trace::repr(r) << "\n";
    co_return "top done";
}

struct Catching {
    twoway::generator<object, object, object> await_iter() {
        try {
            co_yield object("catching waits");
        } catch (const KeyError &e) {
            std::cout << "  [Catching] caught KeyError(" << e.message << "), returning a value instead\n";
            co_return object("value from Catching");
        }
        co_return object();
    }
};

coroutine<object> uses_catching() {
    Catching catching;
    object v = co_await catching;
    std::cout << "  [uses_catching] await gave " << v.repr() << "\n";
    co_return v;
}

struct Cleanup {
    twoway::generator<object, object, object> await_iter() {
        finally_print f{"  [Cleanup] finally (closed first)\n"};
        co_yield object("cleanup waits");
        co_return object();
    }
};

coroutine<void> uses_cleanup() {
    finally_print f{"  [uses_cleanup] finally\n"};
    Cleanup cleanup;
    co_await cleanup;
}

coroutine<void> reuse() {
    auto inner = leaf(10);
    int first = co_await inner;
    std::cout << "  [reuse] first await: " << first << "\n";
    int second = co_await inner;
    std::cout << "  [reuse] second await: " << second << "\n";
}

} // namespace

int main() {
    std::cout << "== await chains: values go straight out to the driver and replies come straight back\n";
    attempt("drive(top(), ['B', 'C'])", [] { return drive(top(), {object("B"), object("C")}); });

    std::cout << "== cr_await while suspended\n";
    {
        auto m = middle();
        auto t = top_awaiting(m);
        t.send(twoway::none); // leaf(1) ran; suspended inside Request("b")
        auto awaited = t.cr_await();
        const bool is_middle = awaited && awaited->what == twoway::subiterator::kind::coroutine &&
                               awaited->address == m.address(); // t.cr_await is m
        std::cout << "top.cr_await is a coroutine: " << trace::repr(is_middle)
                  << " | middle's state: " << twoway::to_string(m.state()) << "\n";
        auto m_awaited = m.cr_await();
        std::cout << "middle.cr_await is a generator: "
                  << trace::repr(m_awaited && m_awaited->what == twoway::subiterator::kind::generator) << "\n";
        t.close();
        std::cout << "after close: top " << twoway::to_string(t.state()) << " | middle "
                  << twoway::to_string(m.state()) << "\n";
    }

    std::cout << "== throw reaches the innermost awaitable first\n";
    {
        auto c = uses_catching();
        c.send(twoway::none);
        attempt("c.throw(KeyError('k'))", [&] { return c.throw_exception(key_error("k")); });
    }

    std::cout << "== close reaches the innermost awaitable first\n";
    {
        auto c = uses_cleanup();
        c.send(twoway::none);
        attempt("c.close()", [&] { return c.close(); });
    }

    std::cout << "== what can be awaited\n";
    std::cout << "inspect.isawaitable(Request('x')): " << trace::repr(twoway::isawaitable<Request>) << "\n";
    {
        auto g = legacy("probe");
        using G = decltype(g);
        std::cout << "types.coroutine object: isgenerator " << trace::repr(twoway::isgenerator<G>) << " | iscoroutine "
                  << trace::repr(twoway::iscoroutine<G>) << " | isawaitable " << trace::repr(twoway::isawaitable<G>)
                  << "\n";
        g.close();
    }

    std::cout << "== await errors are raised inside the awaiting coroutine\n";
    // Awaiting an int, None, a plain generator, or an object whose await_iter() returns a non-iterator or
    // a coroutine does not compile (isawaitable is false, or a static_assert with Python's message fires).
    static_assert(!twoway::isawaitable<int> && !twoway::isawaitable<twoway::none_t> &&
                  !twoway::isawaitable<twoway::generator<int>>);
    trace::skip_line("await 42: a compile-time error in C++ (int is not awaitable)");
    trace::skip_line("await 42: a compile-time error in C++");
    trace::skip_line("await None: a compile-time error in C++ (none_t is not awaitable)");
    trace::skip_line("await None: a compile-time error in C++");
    trace::skip_line("await plain generator: a compile-time error in C++ (generator<int> is not awaitable)");
    trace::skip_line("await plain generator: a compile-time error in C++");
    trace::skip_line("await NotIterator(): a compile-time error in C++ (static_assert: __await__() returned non-iterator)");
    trace::skip_line("await NotIterator(): a compile-time error in C++");
    trace::skip_line("await ReturnsCoroutine(): a compile-time error in C++ (static_assert: __await__() returned a coroutine)");
    trace::skip_line("await ReturnsCoroutine(): a compile-time error in C++");

    std::cout << "== a coroutine can be awaited only once\n";
    attempt("drive(reuse())", [] { return drive(reuse()); });
}
