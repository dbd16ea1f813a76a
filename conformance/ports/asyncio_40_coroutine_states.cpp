// Port of asyncio/40_coroutine_states.py — Rules: K1-K6 (coroutine objects driven by hand: creation,
// states, send, finished coroutine, re-entrancy). No event loop: the coroutine is driven with send()
// exactly as a generator would be.
#include <string>

#include "trace_support.hpp"

namespace {

using trace::attempt;
using twoway::coroutine;
using twoway::object;

// Python's state(c): inspect.getcoroutinestate(c), cr_running, cr_suspended, cr_await, cr_frame.
template <class T>
std::string state(const coroutine<T> &c) {
    return std::string("state=") + twoway::to_string(c.state()) + " cr_running=" + trace::repr(c.running()) +
           " cr_suspended=" + trace::repr(c.suspended()) + " cr_await_is_None=" + trace::repr(!c.cr_await()) +
           " cr_frame_is_None=" + trace::repr(!c.has_frame());
}

// @types.coroutine: the one place where a coroutine chain can suspend, a yield at the bottom.
twoway::generator<object, object, object> suspend(std::string tag) {
    object reply = co_yield object(tag);
    co_return reply;
}

coroutine<int> c; // Python's global c, read by double's body

// Python's `async def double(x)` (double is a C++ keyword).
coroutine<int> double_(int x) {
    std::cout << "  [double] body starts (only on the first send)\n";
    std::cout << "  [double] while running: " << state(c) << "\n";
    object reply = co_await suspend("need input for " + std::to_string(x));
    std::cout << "  [double] resumed with " << reply.repr() << "\n";
    co_return reply.as<int>() * 2;
}

coroutine<std::string> immediate() {
    std::cout << "  [immediate] runs\n";
    co_return "done at once";
}

coroutine<std::string> r; // Python's global r, read by reenter's body

coroutine<std::string> reenter() {
    std::cout << "  [reenter] state inside: " << twoway::to_string(r.state()) << " cr_running: " << trace::repr(r.running())
              << "\n";
    attempt("  r.send(None) from inside", [] { return r.send(twoway::none); });
    attempt("  r.close() from inside", [] { return r.close(); });
    co_return "ok";
}

} // namespace

int main() {
    std::cout << "== calling an async def runs nothing\n";
    c = double_(21);
    std::cout << "type: coroutine\n"; // twoway::coroutine<int>
    std::cout << "after call: " << state(c) << "\n";
    attempt("c.send(5) before start", [] { return c.send(5); });
    std::cout << "still: " << state(c) << "\n";

    std::cout << "== send(None) starts it; it runs until the chain yields\n";
    attempt("c.send(None)", [] { return c.send(twoway::none); });
    std::cout << "suspended: " << state(c) << "\n";
    attempt("c.send(21)", [] { return c.send(21); });
    std::cout << "finished: " << state(c) << "\n";

    std::cout << "== a finished coroutine cannot be resumed\n";
    attempt("c.send(None)", [] { return c.send(twoway::none); });
    attempt("c.send(1)", [] { return c.send(1); });
    attempt("c.throw(ValueError('x'))", [] { return c.throw_exception(twoway::value_error("x")); });
    attempt("c.close()", [] { return c.close(); });
    std::cout << "final: " << state(c) << "\n";

    std::cout << "== a coroutine that never suspends finishes on its first send\n";
    attempt("immediate().send(None)", [] { return immediate().send(twoway::none); });

    std::cout << "== a coroutine is not an iterator; __await__() gives one\n";
    c = double_(1);
    // coroutine<T> has neither next() nor begin(): next(c) and iter(c) do not compile.
    trace::skip_line("next(c): a coroutine has no next() in C++ (compile-time error)");
    trace::skip_line("iter(c): a coroutine has no begin() in C++ (compile-time error)");
    auto w = c.await_iter();
    std::cout << "type(c.__await__()): coroutine_wrapper\n"; // twoway::coroutine_wrapper<int>
    attempt("next(w)", [&] { return w.next(); });
    std::cout << "c after next(w): " << state(c) << "\n";
    attempt("w.send(4)", [&] { return w.send(4); });
    attempt("c.send(None)", [] { return c.send(twoway::none); });

    std::cout << "== re-entrancy\n";
    r = reenter();
    attempt("r.send(None)", [] { return r.send(twoway::none); });
}
