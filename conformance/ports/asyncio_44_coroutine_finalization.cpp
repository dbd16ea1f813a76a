// Port of asyncio/44_coroutine_finalization.py — Rules: K14, K15 (never-awaited RuntimeWarning,
// finalization of suspended coroutines). Warnings are captured with the warning hook (Python's
// warnings.showwarning) and unraisable errors with the unraisable hook (sys.unraisablehook). Python's
// `del c` of the last reference is the end of the C++ owner's life.
#include <memory>
#include <string>

#include "trace_support.hpp"

namespace {

using trace::finally_print;
using twoway::coroutine;
using twoway::object;

PY_EXCEPTION(KeyError);

// @types.coroutine
twoway::generator<object, object> suspend() { co_yield object("suspended"); }

coroutine<void> lonely() {
    std::cout << "  [lonely] body runs\n";
    co_return;
}

coroutine<void> factory() {
    auto nested = []() -> coroutine<void> { co_return; };
    coroutine<void> c = nested();
    c.set_qualname("factory.<locals>.nested"); // Python's __qualname__: a C++ lambda has no name
    return c;
}

coroutine<void> with_finally() {
    finally_print f{"  [with_finally] finally\n"};
    co_await suspend();
}

coroutine<void> stubborn() {
    bool exiting = false;
    try {
        co_await suspend();
    } catch (const twoway::generator_exit &) {
        exiting = true;
    }
    if (exiting) co_await suspend();
}

coroutine<void> bad_finally() {
    try {
        co_await suspend();
    } catch (...) { // the finally raises; only the close() path reaches it in this trace
        throw KeyError(trace::repr(std::string("from finally")));
    }
    throw KeyError(trace::repr(std::string("from finally")));
}

// Python's holder = [lonely()]; holder.append(holder): a list that refers to itself.
struct Holder {
    std::shared_ptr<Holder> me;
    coroutine<void> c;
};

} // namespace

int main() {
    twoway::set_warning_hook(
        [](const twoway::warning &w) { std::cout << "  [warning] " << w.category << ": " << w.message << "\n"; });
    twoway::set_unraisable_hook(
        [](const twoway::unraisable &u) { std::cout << "  [unraisablehook] " << trace::describe(u.exception) << "\n"; });

    std::cout << "== created and dropped: RuntimeWarning; the body never ran\n";
    {
        auto c = lonely();
    } // del c
    std::cout << "after del\n";
    {
        auto c = factory();
    }
    std::cout << "after del (the warning names the qualified name)\n";

    std::cout << "== closed, thrown into, or finished first: no warning\n";
    {
        auto c = lonely();
        c.close();
    }
    std::cout << "closed: nothing\n";
    {
        auto c = lonely();
        try {
            c.throw_exception(twoway::value_error("v"));
        } catch (const twoway::value_error &) {
        }
    }
    std::cout << "thrown into: nothing\n";
    {
        auto c = lonely();
        try {
            c.send(twoway::none);
        } catch (const twoway::stop_iteration<> &) {
        }
    }
    std::cout << "finished: nothing\n";

    std::cout << "== a suspended coroutine that is dropped is closed: finally runs, no warning\n";
    {
        auto c = with_finally();
        c.send(twoway::none);
    }
    std::cout << "after del\n";

    std::cout << "== errors while closing on finalization are unraisable, not raised\n";
    {
        auto c = stubborn();
        c.send(twoway::none);
    }
    std::cout << "after del stubborn\n";
    {
        auto c = bad_finally();
        c.send(twoway::none);
    }
    std::cout << "after del bad_finally\n";

    std::cout << "== in a reference cycle: reported when the cycle collector runs\n";
    auto holder = std::make_shared<Holder>();
    holder->c = lonely();
    holder->me = holder;
    Holder *cycle = holder.get();
    holder.reset(); // del holder: the cycle keeps it alive
    std::cout << "before gc.collect()\n";
    // C++ has no cycle collector: breaking the cycle by hand plays gc.collect(), and the holder's
    // destruction finalizes the coroutine.
    cycle->me.reset();
    std::cout << "after gc.collect()\n";
}
