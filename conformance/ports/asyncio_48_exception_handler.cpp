// Port of asyncio/48_exception_handler.py — Rules: L12-L14, U6, U8, J16, J17 (what reaches the loop's
// exception handler, and with which message). The callback message ends with the callback's description;
// it is printed only up to its fixed text, followed by "…". "[default handler]" lines come from the
// default handler, which logs through twoway::set_log_hook (Python: the "asyncio" logger).
#include "asyncio_support.hpp"

namespace {

PY_EXCEPTION(LookupError);
PY_EXCEPTION(OSError);
// str(KeyError('k')) is the repr of the key: 'k', with quotes.
struct KeyError : trace::python_exception {
    explicit KeyError(const std::string &key) : trace::python_exception("KeyError", trace::repr(key)) {}
};

std::string fixed(const std::string &message) {
    const std::string prefix = "Exception in callback";
    return message.starts_with(prefix + " ") ? prefix + " …" : message;
}

void handler(twoway::event_loop &, const twoway::exception_context &ctx) {
    const std::string shown = ctx.exception ? trace::describe(ctx.exception) : "no exception";
    std::cout << "  [handler] " << fixed(ctx.message.value_or("")) << " | " << shown
              << " | keys=" << trace::repr(ctx.keys()) << "\n";
}

void first_line(const twoway::log_record &record) {
    const std::string first = record.message.substr(0, record.message.find('\n'));
    std::cout << "  [default handler] " << fixed(first)
              << " | exc_info=" << (record.exc_info ? trace::python_name(record.exc_info) : "None") << "\n";
}

void bad(int tag) { throw twoway::value_error("bad " + std::to_string(tag)); }

twoway::coroutine<void> failing() {
    throw LookupError("task failed");
    co_return;
}

} // namespace

int main() {
    twoway::set_log_hook(first_line);
    twoway::event_loop loop = twoway::new_event_loop();
    auto run_one_iteration = [&] {
        loop.call_soon([loop] { loop.stop(); });
        loop.run_forever();
    };
    auto print = [](std::string text) { return [text] { std::cout << text << "\n"; }; };
    using handler_fn = void (*)(twoway::event_loop &, const twoway::exception_context &);

    std::cout << "== no handler set: the default handler logs\n";
    std::cout << "get_exception_handler(): " << (loop.get_exception_handler() ? "<handler>" : "None") << "\n";
    loop.call_soon(bad, 1);
    run_one_iteration();

    std::cout << "== a callback's exception goes to the handler; the next callbacks still run\n";
    loop.set_exception_handler(handler);
    const twoway::exception_handler *h = loop.get_exception_handler();
    const bool is_handler = h && h->target<handler_fn>() && *h->target<handler_fn>() == &handler;
    std::cout << "get_exception_handler() is handler: " << trace::repr(is_handler) << "\n";
    loop.call_soon(bad, 2);
    loop.call_soon(print("  [next callback] runs"));
    run_one_iteration();

    std::cout << "== done callbacks are callbacks too\n";
    {
        twoway::future<void> fut = loop.create_future();
        fut.add_done_callback([](twoway::future<void>) { bad(3); });
        fut.add_done_callback([](twoway::future<void>) { std::cout << "  [second done callback] runs\n"; });
        fut.set_result();
    }
    run_one_iteration();

    std::cout << "== Future exception was never retrieved\n";
    {
        twoway::future<void> fut = loop.create_future();
        fut.set_exception(KeyError("lost"));
    } // del fut
    std::cout << "after del\n";
    for (std::string how : {"exception()", "result()", "cancel()"}) {
        {
            twoway::future<void> fut = loop.create_future();
            fut.set_exception(KeyError("seen"));
            try {
                if (how == "exception()")
                    (void)fut.exception();
                else if (how == "result()")
                    fut.result();
                else
                    fut.cancel();
            } catch (const KeyError &) {
            }
        } // del fut
        std::cout << "after " << how << " and del: nothing reported\n";
    }

    std::cout << "== Task exception was never retrieved\n";
    {
        twoway::task<void> task = loop.create_task(failing());
        run_one_iteration();
        std::cout << "task done: " << trace::repr(task.done()) << "\n";
    } // del task
    std::cout << "after del\n";

    std::cout << "== Task was destroyed but it is pending!\n";
    {
        auto forgotten = [loop]() -> twoway::coroutine<void> { co_await loop.create_future(); };
        twoway::task<void> task = loop.create_task(forgotten());
        run_one_iteration();
        std::cout << "task done: " << trace::repr(task.done()) << "\n";
        // The loop keeps a pending task alive (plan §2.12), so `del task` does not destroy it: no report
        // here. The task is finished quietly, so that none comes at the loop's teardown either.
        trace::skip_line("the loop keeps pending tasks alive: del does not destroy a pending task");
        task.cancel();
        run_one_iteration();
    }
    std::cout << "after del\n";

    std::cout << "== call_exception_handler can be called directly\n";
    {
        twoway::exception_context ctx;
        ctx.message = "reported by hand";
        ctx.exception = std::make_exception_ptr(OSError("io"));
        loop.call_exception_handler(ctx);
    }

    std::cout << "== a handler that raises: the default handler reports that instead\n";
    loop.set_exception_handler([](twoway::event_loop &, const twoway::exception_context &ctx) {
        std::cout << "  [raising_handler] got " << fixed(ctx.message.value_or("")) << "\n";
        throw twoway::runtime_error("handler failed");
    });
    loop.call_soon(bad, 4);
    loop.call_soon(print("  [next callback] runs"));
    run_one_iteration();

    std::cout << "== back to the default handler\n";
    loop.set_exception_handler(nullptr);
    std::cout << "get_exception_handler(): " << (loop.get_exception_handler() ? "<handler>" : "None") << "\n";
    {
        twoway::exception_context ctx;
        ctx.message = "custom message";
        loop.call_exception_handler(ctx);
    }
    loop.call_exception_handler({});
    // set_exception_handler(42): the handler is a callable or nullptr; anything else does not compile.
    trace::skip_line("set_exception_handler(42): not a callable, a compile-time error in C++");
    loop.close();
}
