// Port of asyncio/67_taskgroup_cancel.py — Rules: G43-G47 (TaskGroup and the cancellation of the parent,
// the cancel-count bookkeeping, nesting, KeyboardInterrupt/SystemExit).
#include "gather_support.hpp"

namespace {

using twoway::object;
using twoway::coroutine;
using twoway::task_group;

// on_cancel: nothing (re-raise), swallow (return normally) or an exception to raise instead.
struct on_cancel_t {
    bool swallow = false;
    std::exception_ptr raise;
};

// n >= 0: that many loop iterations; n < 0: until cancelled.
coroutine<object> child(std::string name, int n, object result = {}, std::exception_ptr exc = nullptr, on_cancel_t on_cancel = {}) {
    try {
        if (n >= 0)
            for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
        else
            co_await twoway::sleep(3600);
        if (exc) {
            std::cout << "  [" << name << "] raise " << trace::describe(exc) << "\n";
            std::rethrow_exception(exc);
        }
        std::cout << "  [" << name << "] return " << result.repr() << "\n";
        co_return result;
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [" << name << "] cancelled (" << trace::describe(std::current_exception()) << ")\n";
        if (on_cancel.swallow) {
            std::cout << "  [" << name << "] swallows it and returns " << result.repr() << "\n";
            co_return result;
        }
        if (on_cancel.raise) {
            std::cout << "  [" << name << "] raise " << trace::describe(on_cancel.raise) << " while cancelled\n";
            std::rethrow_exception(on_cancel.raise);
        }
        throw;
    }
}

template <class E>
std::exception_ptr error(E e) {
    return std::make_exception_ptr(std::move(e));
}

coroutine<void> main_() {
    std::cout << "== the parent task is cancelled while the body awaits: children are cancelled, CancelledError comes out\n";
    {
        auto host = []() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(child("kid", -1));
                try {
                    co_await twoway::sleep(3600);
                } catch (const twoway::cancelled_error &) {
                    std::cout << "  [body] " << trace::describe(std::current_exception()) << "\n";
                    throw;
                }
            });
        };
        auto t = twoway::create_task(host());
        co_await twoway::sleep(0);
        t.cancel("shutdown");
        co_await trace::attempt_await("host cancelled with msg 'shutdown'", t);
        std::cout << "t.cancelled() -> " << trace::repr(t.cancelled()) << "\n";
    }

    std::cout << "== the parent task is cancelled while __aexit__ waits for the children\n";
    {
        auto host2 = []() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(child("kid2", -1));
                co_return;
            });
            std::cout << "  [host2] not reached\n";
        };
        auto t = twoway::create_task(host2());
        co_await twoway::sleep(0);
        co_await twoway::sleep(0);
        t.cancel();
        co_await trace::attempt_await("host2", t);
        std::cout << "t.cancelled() -> " << trace::repr(t.cancelled()) << "\n";
    }

    std::cout << "== a child that swallows the cancellation and returns is not an error; CancelledError still comes out\n";
    {
        auto host3 = []() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(child("swallower", -1, object("kept"), nullptr, {true, nullptr}));
                co_await twoway::sleep(3600);
            });
        };
        auto t = twoway::create_task(host3());
        co_await twoway::sleep(0);
        t.cancel();
        co_await trace::attempt_await("host3", t);
    }

    std::cout << "== cancelled from outside AND a child fails while aborting: the ExceptionGroup wins\n";
    std::cout << "   [3.13+] the parent is re-cancelled, so its next await raises CancelledError; 3.11/3.12 carry on\n";
    {
        auto host4 = []() -> coroutine<std::string> {
            try {
                co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                    tg.create_task(child("bad-cleanup", -1, {}, nullptr, {false, error(twoway::value_error("cleanup failed"))}));
                    co_await twoway::sleep(3600);
                });
            } catch (...) {
                twoway::except_star(std::current_exception())
                    .on<twoway::value_error>([](const std::exception_ptr &eg) {
                        std::cout << "  [host4] except* ValueError -> " << trace::showexc(eg) << "\n";
                    })
                    .rethrow_rest();
            }
            std::cout << "  [host4] cancelling() -> " << twoway::current_task().cancelling() << "\n";
            co_await twoway::sleep(0);
            co_return "host4 carried on";
        };
        auto t = twoway::create_task(host4());
        co_await twoway::sleep(0);
        t.cancel();
        co_await trace::attempt_await("host4", t);
    }

    std::cout << "== a child fails while __aexit__ is already waiting\n";
    std::cout << "   [3.13+] the group's own cancel request is withdrawn (cancelling() back to 0); 3.11/3.12 leave it at 1\n";
    {
        auto host5 = []() -> coroutine<std::string> {
            try {
                co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                    tg.create_task(child("late-fail", 2, {}, error(trace::LookupError("late"))));
                    tg.create_task(child("waiting", -1));
                    co_return;
                });
            } catch (...) {
                twoway::except_star(std::current_exception())
                    .on<trace::LookupError>([](const std::exception_ptr &eg) {
                        std::cout << "  [host5] except* LookupError -> " << trace::showexc(eg) << "\n";
                    })
                    .rethrow_rest();
            }
            co_return "cancelling() -> " + std::to_string(twoway::current_task().cancelling());
        };
        co_await trace::attempt_await("host5", twoway::create_task(host5()));
    }

    std::cout << "== nested groups: the inner group's ExceptionGroup is a sub-exception of the outer one\n";
    {
        auto inner_group = []() -> coroutine<object> {
            co_await twoway::async_with(task_group(), [&](task_group inner) -> coroutine<void> {
                inner.create_task(child("deep", 1, {}, error(twoway::value_error("deep"))));
                co_return;
            });
            co_return object();
        };
        auto nested = [&]() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group outer) -> coroutine<void> {
                outer.create_task(inner_group());
                outer.create_task(child("outer-sibling", -1));
                co_return;
            });
        };
        co_await trace::attempt_await("nested", twoway::create_task(nested()));
    }
}

coroutine<void> base_child(std::exception_ptr exc) {
    std::exception_ptr caught;
    try {
        co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
            tg.create_task(child("fatal", 1, {}, exc));
            tg.create_task(child("stepper", 5, object("S")));
            try {
                co_await twoway::sleep(3600);
            } catch (...) {
                std::cout << "  [body] " << trace::describe(std::current_exception()) << "\n";
                throw;
            }
        });
    } catch (...) {
        caught = std::current_exception();
    }
    if (caught)
        std::cout << "  [main] async with raised " << trace::describe(caught) << "; same object -> "
                  << trace::repr(caught == exc) << "\n";
}

coroutine<void> base_body(std::exception_ptr exc) {
    trace::finally_print fin{"  [main] finally\n"};
    co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
        tg.create_task(child("kid", 5, object("K")));
        co_await twoway::sleep(0);
        std::cout << "  [body] raise " << trace::describe(exc) << "\n";
        std::rethrow_exception(exc);
    });
}

const char *type_of(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const twoway::system_exit &) {
        return "SystemExit";
    } catch (...) {
        return "KeyboardInterrupt";
    }
}

} // namespace

int main() {
    twoway::run(main_());

    std::cout << "== KeyboardInterrupt / SystemExit from a child: not wrapped; the event loop stops at once\n";
    for (std::exception_ptr exc : {error(twoway::system_exit(3)), error(twoway::keyboard_interrupt())}) {
        try {
            twoway::run(base_child(exc));
        } catch (...) {
            std::exception_ptr e = std::current_exception();
            std::cout << "asyncio.run(child raises " << type_of(exc) << ") !! " << trace::describe(e)
                      << " | same object -> " << trace::repr(e == exc) << "\n";
        }
    }

    std::cout << "== KeyboardInterrupt / SystemExit from the body: children are cancelled first, then it propagates bare\n";
    for (std::exception_ptr exc : {error(twoway::system_exit(4)), error(twoway::keyboard_interrupt())}) {
        try {
            twoway::run(base_body(exc));
        } catch (...) {
            std::exception_ptr e = std::current_exception();
            std::cout << "asyncio.run(body raises " << type_of(exc) << ") !! " << trace::describe(e)
                      << " | same object -> " << trace::repr(e == exc) << "\n";
        }
    }
    return 0;
}
