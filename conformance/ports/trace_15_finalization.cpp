// Port of traces/15_finalization.py — Rules: F1-F6 (finalization: close() when the generator is destroyed,
// errors are unraisable). Python's `del g` of the last reference is the end of the C++ owner's life.
#include <memory>

#include "trace_support.hpp"

namespace {

using trace::finally_print;

twoway::generator<int> with_finally(std::string tag) {
    finally_print f{"  [" + tag + "] finally\n"};
    std::cout << "  [" << tag << "] started\n";
    co_yield 1;
    co_yield 2;
}

twoway::generator<int> stubborn() {
    bool yielding = false;
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        yielding = true;
    }
    if (yielding) co_yield 2;
}

twoway::generator<int> bad_finally() {
    try {
        co_yield 1;
    } catch (...) { // the finally raises, on the close() path
        throw twoway::value_error("boom in finally");
    }
}

twoway::generator<int, void, int> returns_on_close() {
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        std::cout << "  [ret] caught GeneratorExit, returning 42\n";
        co_return 42;
    }
    co_return twoway::none;
}

struct Holder {
    std::shared_ptr<Holder> me; // h.me = h: a reference cycle
    twoway::generator<int> gen;
};

} // namespace

int main() {
    twoway::set_unraisable_hook([](const twoway::unraisable &u) {
        std::cout << "  [unraisablehook] " << trace::describe(u.exception) << "\n";
    });

    std::cout << "== suspended generator dropped -> close() -> finally runs\n";
    {
        auto g = with_finally("A");
        g.next();
    } // del g
    std::cout << "after del A\n";

    std::cout << "== never-started generator dropped -> nothing runs\n";
    { auto g = with_finally("B"); }
    std::cout << "after del B\n";

    std::cout << "== exhausted generator dropped -> nothing more runs\n";
    {
        auto g = with_finally("C");
        for ([[maybe_unused]] int x : g) {
        }
        std::cout << "exhausted C\n";
    }
    std::cout << "after del C\n";

    std::cout << "== generator ignoring GeneratorExit on GC -> unraisable RuntimeError, not raised\n";
    {
        auto g = stubborn();
        g.next();
    }
    std::cout << "after del stubborn (no exception propagated)\n";

    std::cout << "== finally raising during GC -> unraisable\n";
    {
        auto g = bad_finally();
        g.next();
    }
    std::cout << "after del bad_finally\n";

    std::cout << "== return value during GC close is silently discarded\n";
    {
        auto g = returns_on_close();
        g.next();
    }
    std::cout << "after del returns_on_close\n";

    std::cout << "== reference cycle -> finalized by the cycle collector\n";
    auto h = std::make_shared<Holder>();
    h->me = h;
    h->gen = with_finally("D");
    h->gen.next();
    Holder *cycle = h.get();
    h.reset(); // del h: the cycle keeps the holder alive
    std::cout << "before gc.collect()\n";
    // C++ has no cycle collector (F6): breaking the cycle by hand plays gc.collect(), and the holder's
    // destruction finalizes the generator.
    cycle->me.reset();
    std::cout << "after gc.collect()\n";
}
