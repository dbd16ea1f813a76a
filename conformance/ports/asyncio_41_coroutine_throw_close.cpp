// Port of asyncio/41_coroutine_throw_close.py — Rules: K5, K7-K10 (throw and close on coroutines,
// "coroutine ignored GeneratorExit", PEP 479 for coroutines). No event loop: the coroutines are driven
// by hand. C++ cannot co_await inside a catch handler: the handlers record a flag and the await
// follows them, as Python's would at the end of the handler.
#include <string>

#include "trace_support.hpp"

namespace {

using trace::finally_print;
using twoway::coroutine;
using twoway::object;

PY_EXCEPTION(KeyError);

// KeyError's str() is the repr of its key: KeyError('k') prints 'k'.
KeyError key_error(const std::string &key) { return KeyError(trace::repr(key)); }

// This trace's attempt(): the cause, when there is one, follows the message.
template <class F>
std::exception_ptr attempt(const std::string &label, F &&fn) {
    return trace::attempt(label, std::forward<F>(fn), trace::chained("__cause__"));
}

// @types.coroutine
twoway::generator<object, object, object> suspend(std::string tag) {
    object reply = co_yield object(tag);
    co_return reply;
}

coroutine<object> worker() {
    std::cout << "  [worker] started\n";
    object v;
    bool caught = false;
    try {
        v = co_await suspend("first");
        std::cout << "  [worker] got " << v.repr() << "\n";
    } catch (const twoway::value_error &e) {
        std::cout << "  [worker] caught ValueError: " << e.what() << "\n";
        caught = true;
    }
    if (caught) v = co_await suspend("recovered");
    finally_print f{"  [worker] finally\n"};
    object last = co_await suspend("last");
    co_return last;
}

coroutine<std::string> returns_on_close() {
    try {
        co_await suspend("waiting");
    } catch (const twoway::generator_exit &) {
        std::cout << "  [returns_on_close] caught GeneratorExit\n";
        co_return "closing value";
    }
    co_return twoway::none;
}

coroutine<std::string> stubborn() {
    bool exiting = false;
    try {
        co_await suspend("one");
    } catch (const twoway::generator_exit &) {
        std::cout << "  [stubborn] ignoring GeneratorExit\n";
        exiting = true;
    }
    if (exiting) co_await suspend("two");
    std::cout << "  [stubborn] resumed normally\n";
    co_return "stubborn done";
}

coroutine<void> raises_stop() {
    throw twoway::stop_iteration<std::string>("inner");
    co_return;
}

// iter(()): an iterator with nothing in it.
twoway::generator<object> empty_iterator() { co_return; }

coroutine<object> leaks_next() {
    auto it = empty_iterator();
    co_return it.next();
}

coroutine<std::string> catches_stop() {
    try {
        (void)empty_iterator().next();
    } catch (const twoway::stop_iteration<> &) {
        co_return "caught inside";
    }
    co_return twoway::none;
}

} // namespace

int main() {
    std::cout << "== throw into a coroutine that has not started: raised before any body code\n";
    {
        auto c = worker();
        auto exc = std::make_exception_ptr(twoway::value_error("early"));
        auto res = attempt("c.throw(exc)", [&] { return c.throw_exception(exc); });
        std::cout << "same object: " << trace::repr(trace::same_object(res, exc))
                  << " | state: " << twoway::to_string(c.state()) << "\n";
        attempt("c.send(None)", [&] { return c.send(twoway::none); });
    }

    std::cout << "== throw into a suspended coroutine: caught, then it suspends again\n";
    {
        auto c = worker();
        attempt("c.send(None)", [&] { return c.send(twoway::none); });
        attempt("c.throw(ValueError('v'))", [&] { return c.throw_exception(twoway::value_error("v")); });
        attempt("c.send('x')", [&] { return c.send("x"); });
        attempt("c.send('result')", [&] { return c.send("result"); });
    }

    std::cout << "== throw not caught: propagates, coroutine closed\n";
    {
        auto c = worker();
        c.send(twoway::none);
        c.send(1);
        auto exc = std::make_exception_ptr(key_error("k"));
        auto res = attempt("c.throw(KeyError('k'))", [&] { return c.throw_exception(exc); });
        std::cout << "same object: " << trace::repr(trace::same_object(res, exc))
                  << " | state: " << twoway::to_string(c.state()) << "\n";
        attempt("c.send(None)", [&] { return c.send(twoway::none); });
    }

    std::cout << "== close(): GeneratorExit at the suspension point, finally runs\n";
    {
        auto c = worker();
        c.send(twoway::none);
        c.send(1);
        attempt("c.close()", [&] { return c.close(); });
        std::cout << "state: " << twoway::to_string(c.state()) << "\n";
        attempt("c.close() again", [&] { return c.close(); });
    }

    std::cout << "== close() before the start runs nothing\n";
    {
        auto c = worker();
        attempt("c.close()", [&] { return c.close(); });
        attempt("c.send(None)", [&] { return c.send(twoway::none); });
    }

    std::cout << "== close() when the coroutine returns a value (3.13+: close() returns it)\n";
    {
        auto c = returns_on_close();
        c.send(twoway::none);
        attempt("c.close()", [&] { return c.close(); });
    }

    std::cout << "== coroutine ignored GeneratorExit\n";
    {
        auto c = stubborn();
        c.send(twoway::none);
        attempt("c.close()", [&] { return c.close(); });
        std::cout << "state: " << twoway::to_string(c.state()) << "\n";
        attempt("c.send(None)", [&] { return c.send(twoway::none); });
    }

    std::cout << "== StopIteration escaping a coroutine\n";
    attempt("raises_stop().send(None)", [] { return raises_stop().send(twoway::none); });
    attempt("leaks_next().send(None)", [] { return leaks_next().send(twoway::none); });
    attempt("catches_stop().send(None)", [] { return catches_stop().send(twoway::none); });
    {
        auto c = worker();
        c.send(twoway::none);
        attempt("c.throw(StopIteration(7))", [&] { return c.throw_exception(twoway::stop_iteration<int>(7)); });
    }
}
