// Port of traces/30_asyncgen_finalization.py — Rules: A20-A22, F1, F3 (async generator finalization and
// sys.set_asyncgen_hooks). Python's `del a` of the last reference is the end of the C++ owner's scope;
// the hooks receive a twoway::async_generator_ref, whose qualname() is agen.__name__ (the C++ function's
// name). No event loop: the finalizer keeps the aclose() awaitables and they are run by hand.
#include <string>
#include <vector>

#include "trace_support.hpp"
#include "twoway/async_generator.hpp"

namespace {

using twoway::async_generator;
using twoway::object;

// run(awaitable): send None until StopIteration; prints nothing.
template <class A>
void run(A &&awaitable) {
    auto &it = awaitable.await_iter();
    for (;;) {
        try {
            (void)it.send(object());
        } catch (const twoway::stop_iteration<> &) {
            return;
        }
    }
}

// @types.coroutine def io(tag): yield tag
twoway::generator<object, object, object> io(std::string tag) {
    co_yield object(std::move(tag));
    co_return object();
}

// try: yield 1 / finally: print(...). The finally is written out on both ways out of the try (no
// destructor: a finally runs as code of the body, in order).
async_generator<int> sync_cleanup(std::string tag) {
    std::exception_ptr ep;
    try {
        co_yield 1;
    } catch (...) {
        ep = std::current_exception();
    }
    std::cout << "  [" << tag << "] finally (no await)\n";
    if (ep) std::rethrow_exception(ep);
}

// try: yield 1 / finally: print; await io("cleanup"); print. No co_await in a handler: the exception is
// kept and raised again after the cleanup. Not a destructor either: B's frame, left suspended in the
// await, is destroyed without running the rest of the finally.
async_generator<int> async_cleanup(std::string tag) {
    std::exception_ptr ep;
    try {
        co_yield 1;
    } catch (...) {
        ep = std::current_exception();
    }
    std::cout << "  [" << tag << "] finally before await\n";
    co_await io("cleanup");
    std::cout << "  [" << tag << "] after await\n";
    if (ep) std::rethrow_exception(ep);
}

} // namespace

int main() {
    twoway::set_unraisable_hook([](const twoway::unraisable &u) {
        std::cout << "  [unraisablehook] " << trace::describe(u.exception) << "\n";
    });

    std::cout << "== no hooks installed: GC closes the async generator synchronously\n";
    {
        auto a = sync_cleanup("A");
        run(a.anext());
    } // del a
    std::cout << "after del A\n";
    {
        auto a = async_cleanup("B");
        run(a.anext());
    } // del a
    std::cout << "after del B: 'after await' never printed; close() saw the await as a yield -> unraisable RuntimeError\n";

    std::cout << "== hooks installed\n";
    std::vector<twoway::aclose_awaitable> pending;
    auto firstiter = [](twoway::async_generator_ref agen) {
        std::cout << "  [hook] firstiter(" << agen.qualname() << ")\n";
    };
    auto finalizer = [&pending](twoway::async_generator_ref agen) {
        std::cout << "  [hook] finalizer(" << agen.qualname() << ") -> scheduling aclose by hand\n";
        pending.push_back(agen.aclose());
    };
    twoway::set_asyncgen_hooks({.firstiter = firstiter, .finalizer = finalizer});

    {
        auto a = async_cleanup("C");
        std::cout << "created C (firstiter not called yet)\n";
        {
            auto step = a.anext();
            std::cout << "called __anext__() (firstiter is called on the first method call)\n";
            run(step);
        } // del step
        std::cout << "awaited first value\n";
    } // del a
    std::cout << "after del C: finalizer was called instead of close()\n";
    for (auto &aw : pending) run(aw);
    pending.clear();
    std::cout << "pending aclose() awaitables completed\n";

    {
        auto a = async_cleanup("D");
    } // del a
    std::cout << "never-iterated D deleted: neither hook runs\n";

    {
        auto a = async_cleanup("E");
        run(a.anext());
        run(a.aclose());
    } // del a
    std::cout << "explicitly aclose()d E deleted: finalizer not called\n";

    twoway::set_asyncgen_hooks({twoway::asyncgen_hook(), twoway::asyncgen_hook()}); // (None, None)
    const twoway::asyncgen_hooks hooks = twoway::get_asyncgen_hooks();
    auto name = [](const twoway::asyncgen_hook &h, const char *fn) { return h ? std::string(fn) : std::string("None"); };
    std::cout << "hooks reset: asyncgen_hooks(firstiter=" << name(hooks.firstiter, "<function firstiter>")
              << ", finalizer=" << name(hooks.finalizer, "<function finalizer>") << ")\n";
}
