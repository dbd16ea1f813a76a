// Port of asyncio/47_asyncio_run.py — Rules: L10, L11 (asyncio.run: a new loop per call, errors, shutdown
// of leftover tasks and async generators).
#include "asyncio_support.hpp"

namespace {

PY_EXCEPTION(LookupError);
// str(KeyError('k')) is the repr of the key: 'k', with quotes.
struct KeyError : trace::python_exception {
    explicit KeyError(const std::string &key) : trace::python_exception("KeyError", trace::repr(key)) {}
};

void handler(twoway::event_loop &, const twoway::exception_context &ctx) {
    std::cout << "  [handler] " << ctx.message.value_or("") << " | " << trace::describe(ctx.exception)
              << " | keys=" << trace::repr(ctx.keys()) << "\n";
}

std::vector<twoway::event_loop> loops;

twoway::coroutine<std::string> main_(std::string tag) {
    twoway::event_loop loop = twoway::get_running_loop();
    loops.push_back(loop);
    std::cout << "  [" << tag << "] loop is running: " << trace::repr(loop.is_running()) << "\n";
    co_return tag;
}

twoway::coroutine<void> fails() {
    throw LookupError("from main");
    co_return;
}

twoway::coroutine<void> cancels_itself() {
    twoway::current_task().cancel("main cancelled");
    co_await twoway::sleep(0);
}

twoway::coroutine<std::string> nested() {
    twoway::coroutine<std::string> c = main_("nested");
    trace::attempt("  asyncio.run(c) inside a running loop", [&] { return twoway::run(std::move(c)); });
    c.close(); // asyncio.run did not take ownership of it
    co_return "outer finished";
}

twoway::coroutine<void> leftover() {
    trace::finally_print fin{"  [leftover] finally\n"};
    try {
        std::cout << "  [leftover] waiting forever\n";
        co_await twoway::get_running_loop().create_future();
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [leftover] CancelledError args=" << trace::args_of(std::current_exception()) << "\n";
        throw;
    }
}

twoway::async_generator<int> ticker() {
    trace::finally_print fin{"  [ticker] finally (async generator closed by the shutdown)\n"};
    co_yield 1;
    co_yield 2;
}

twoway::async_generator<int> agen;

twoway::coroutine<std::string> main_with_leftovers() {
    twoway::create_task(leftover());
    agen = ticker(); // its first __anext__ runs the loop's firstiter hook: the loop will close it (L11)
    int first = co_await agen.anext();
    std::cout << "  [main] first value of the async generator: " << first << "\n";
    co_await twoway::sleep(0);
    std::cout << "  [main] returning\n";
    co_return "main result";
}

twoway::coroutine<void> bad_leftover() {
    try {
        co_await twoway::get_running_loop().create_future();
    } catch (const twoway::cancelled_error &) {
        throw KeyError("raised during shutdown");
    }
}

twoway::coroutine<std::string> main_with_bad_leftover() {
    twoway::get_running_loop().set_exception_handler(handler);
    twoway::create_task(bad_leftover());
    co_await twoway::sleep(0);
    co_return "main done";
}

} // namespace

int main() {
    std::cout << "== each call makes a new loop and closes it\n";
    trace::attempt("asyncio.run(main('first'))", [] { return twoway::run(main_("first")); });
    trace::attempt("asyncio.run(main('second'))", [] { return twoway::run(main_("second")); });
    std::cout << "two different loops: " << trace::repr(!(loops[0] == loops[1]))
              << " | both closed: " << trace::repr(loops[0].is_closed()) << " " << trace::repr(loops[1].is_closed())
              << "\n";

    std::cout << "== exceptions, including CancelledError, come out of asyncio.run\n";
    trace::attempt("asyncio.run(fails())", [] { twoway::run(fails()); });
    trace::attempt("asyncio.run(cancels_itself())", [] { twoway::run(cancels_itself()); });

    std::cout << "== argument and nesting errors\n";
    // asyncio.run(42): run() takes a coroutine<T>; anything else is a compile-time error.
    trace::skip_line("asyncio.run(42): not a coroutine, a compile-time error in C++");
    trace::attempt("asyncio.run(nested())", [] { return twoway::run(nested()); });

    std::cout << "== after main returns: leftover tasks are cancelled, then async generators closed\n";
    trace::attempt("asyncio.run(main_with_leftovers())", [] {
        return twoway::run(main_with_leftovers()); // shutdown_asyncgens() closes the ticker
    });

    std::cout << "== a leftover task that fails while being cancelled goes to the exception handler\n";
    trace::attempt("asyncio.run(main_with_bad_leftover())", [] { return twoway::run(main_with_bad_leftover()); });
    loops.clear();
}
