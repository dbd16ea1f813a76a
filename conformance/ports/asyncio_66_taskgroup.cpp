// Port of asyncio/66_taskgroup.py — Rules: G39-G42 (TaskGroup: waits for children, the first failure
// cancels the siblings and the body, the ExceptionGroup's text and order, create_task errors).
//
// `async with TaskGroup() as tg` is twoway::async_with(twoway::task_group(), body); `except*` is
// twoway::except_star.
#include "gather_support.hpp"

namespace {

using twoway::object;
using twoway::coroutine;
using twoway::task_group;

PY_BASE_EXCEPTION(Fatal);

template <class F>
void call(const std::string &label, F fn) {
    try {
        fn();
        std::cout << label << " -> None\n";
    } catch (...) {
        std::cout << label << " !! " << trace::describe(std::current_exception()) << "\n";
    }
}

// n >= 0: that many loop iterations; n < 0: until cancelled.
coroutine<object> child(std::string name, int n, object result = {}, std::exception_ptr exc = nullptr,
                        std::exception_ptr on_cancel = nullptr) {
    try {
        if (n >= 0)
            for (int i = 0; i < n; ++i) co_await twoway::sleep(0);
        else
            co_await twoway::sleep(3600);
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [" << name << "] cancelled\n";
        if (on_cancel) {
            std::cout << "  [" << name << "] raise " << trace::describe(on_cancel) << " while cancelled\n";
            std::rethrow_exception(on_cancel);
        }
        throw;
    }
    if (exc) {
        std::cout << "  [" << name << "] raise " << trace::describe(exc) << "\n";
        std::rethrow_exception(exc);
    }
    std::cout << "  [" << name << "] return " << result.repr() << "\n";
    co_return result;
}

template <class E>
std::exception_ptr error(E e) {
    return std::make_exception_ptr(std::move(e));
}

coroutine<void> main_() {
    std::cout << "== __aexit__ waits for every child\n";
    {
        auto all_ok = []() -> coroutine<std::vector<object>> {
            std::optional<twoway::task<object>> a, b;
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                a = tg.create_task(child("a", 3, object("A")));
                b = tg.create_task(child("b", 1, object("B")));
                std::cout << "  [body] end of the async with body\n";
                co_return;
            });
            co_return std::vector<object>{a->result(), b->result()};
        };
        co_await trace::attempt_await("TaskGroup with two children", all_ok());
    }

    std::cout << "== a child fails: the pending sibling and the body are cancelled; ExceptionGroup comes out\n";
    {
        auto one_fails = []() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(child("fail", 1, {}, error(twoway::value_error("v1"))));
                tg.create_task(child("sibling", -1));
                try {
                    co_await twoway::sleep(3600);
                } catch (const twoway::cancelled_error &) {
                    std::cout << "  [body] cancelled by the group\n";
                    throw;
                }
            });
            std::cout << "  [body] not reached\n";
        };
        std::exception_ptr e = co_await trace::attempt_await("TaskGroup, one child fails", one_fails());
        try {
            std::rethrow_exception(e);
        } catch (const twoway::exception_group &g) {
            std::cout << "type is ExceptionGroup -> True, message -> " << trace::repr(g.message()) << "\n";
        } catch (...) {
            std::cout << "type is ExceptionGroup -> False\n";
        }
        std::cout << "main task cancelling() afterwards -> " << twoway::current_task().cancelling() << "\n";
        auto base_only = []() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(child("fatal", 0, {}, error(Fatal("not an Exception"))));
                co_return;
            });
        };
        e = co_await trace::attempt_await("a child raising a BaseException that is not an Exception", base_only());
        bool base_group = false;
        try {
            std::rethrow_exception(e);
        } catch (const twoway::exception_group &) {
        } catch (const twoway::base_exception_group &) {
            base_group = true;
        } catch (...) {
        }
        std::cout << "type is BaseExceptionGroup (not ExceptionGroup) -> " << trace::repr(base_group) << "\n";
    }

    std::cout << "== order of sub-exceptions is the order in which the children finished\n";
    {
        auto several = []() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(child("late", 2, {}, error(trace::LookupError("second"))));
                tg.create_task(child("early", 1, {}, error(twoway::type_error("first"))));
                tg.create_task(child("cleanup", -1, {}, nullptr, error(trace::IndexError("third"))));
                co_return;
            });
        };
        co_await trace::attempt_await("three failures", several());
    }

    std::cout << "== two children failing in the same loop pass are both reported\n";
    {
        auto same_pass = []() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(child("x", 1, {}, error(twoway::value_error("x"))));
                tg.create_task(child("y", 1, {}, error(twoway::value_error("y"))));
                co_return;
            });
        };
        co_await trace::attempt_await("same pass", same_pass());
    }

    std::cout << "== the body raises: children are cancelled, the body's exception comes last\n";
    {
        auto body_raises = []() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(child("bg", -1, {}, nullptr, error(twoway::value_error("from child"))));
                co_await twoway::sleep(0);
                throw twoway::runtime_error("from body");
            });
        };
        co_await trace::attempt_await("body raises", body_raises());
    }

    std::cout << "== a child that is cancelled on its own does not disturb the group\n";
    {
        auto child_cancelled = []() -> coroutine<std::string> {
            std::optional<twoway::task<object>> victim, other;
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                victim = tg.create_task(child("victim", -1));
                other = tg.create_task(child("other", 3, object("O")));
                co_await twoway::sleep(0);
                victim->cancel();
            });
            co_return "victim.cancelled() -> " + trace::repr(victim->cancelled()) + ", other -> " + other->result().repr();
        };
        co_await trace::attempt_await("child cancelled", child_cancelled());
    }

    std::cout << "== the failure is processed by a done callback; the body is cancelled at its next suspension after that\n";
    {
        auto sync_body = []() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(child("quickfail", 0, {}, error(twoway::value_error("quick"))));
                for (int i = 1; i < 4; ++i) {
                    std::cout << "  [body] await #" << i << "\n";
                    try {
                        co_await twoway::sleep(0);
                    } catch (const twoway::cancelled_error &) {
                        std::cout << "  [body] cancelled at await #" << i << "\n";
                        throw;
                    }
                }
            });
        };
        co_await trace::attempt_await("body with several awaits", sync_body());
    }

    std::cout << "== after catching the group, the task is not left cancelled (run in a fresh task)\n";
    {
        auto recovers = []() -> coroutine<std::string> {
            try {
                co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                    tg.create_task(child("f", 1, {}, error(twoway::value_error("v"))));
                    co_await twoway::sleep(3600);
                });
            } catch (...) {
                twoway::except_star(std::current_exception())
                    .on<twoway::value_error>([](const std::exception_ptr &eg) {
                        std::cout << "  [host] except* ValueError -> " << trace::showexc(eg) << "\n";
                    })
                    .rethrow_rest();
            }
            co_await twoway::sleep(0);
            co_return "continued, cancelling() -> " + std::to_string(twoway::current_task().cancelling());
        };
        co_await trace::attempt_await("recovery", twoway::create_task(recovers()));
    }

    std::cout << "== children may add siblings while __aexit__ is waiting\n";
    {
        auto spawner = [](task_group tg) -> coroutine<object> {
            co_await twoway::sleep(0);
            tg.create_task(child("spawned", 1, object("S")));
            std::cout << "  [spawner] added a sibling during __aexit__\n";
            co_return object();
        };
        auto late_add = [&]() -> coroutine<std::string> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(spawner(tg));
                co_return;
            });
            co_return "all done";
        };
        co_await trace::attempt_await("late add", late_add());
    }

    std::cout << "== create_task and __aenter__ errors (exact messages)\n";
    {
        task_group tg;
        auto c = child("never", 0);
        call("create_task before entering", [&] { tg.create_task(std::move(c)); });
        std::cout << "  coroutine state afterwards -> " << twoway::to_string(c.state())
                  << "  ([3.13+] closed; 3.11/3.12 left CORO_CREATED)\n";
        co_await twoway::async_with(tg, [&]() -> coroutine<void> {
            std::exception_ptr e;
            try {
                co_await twoway::async_with(tg, [&]() -> coroutine<void> { co_return; });
            } catch (const twoway::runtime_error &) {
                e = std::current_exception();
            }
            if (e) std::cout << "entering twice !! " << trace::describe(e) << "\n";
        });
        auto c2 = child("never", 0);
        call("create_task after a normal exit", [&] { tg.create_task(std::move(c2)); });
    }
    {
        task_group tg;
        try {
            co_await twoway::async_with(tg, [&]() -> coroutine<void> {
                tg.create_task(child("f", 0, {}, error(twoway::value_error("v"))));
                tg.create_task(child("slow", -1));
                co_await twoway::sleep(3600);
            });
        } catch (...) {
            twoway::except_star(std::current_exception()).on<twoway::value_error>([] {}).rethrow_rest();
        }
        auto c = child("never", 0);
        call("create_task after an exit with errors", [&] { tg.create_task(std::move(c)); });
        auto during_shutdown = []() -> coroutine<void> {
            co_await twoway::async_with(task_group(), [&](task_group tg) -> coroutine<void> {
                tg.create_task(child("f", 0, {}, error(twoway::value_error("v"))));
                tg.create_task(child("slow", -1));
                try {
                    co_await twoway::sleep(3600);
                } catch (const twoway::cancelled_error &) {
                    auto c = child("never", 0);
                    call("  create_task while the group is shutting down", [&] { tg.create_task(std::move(c)); });
                    throw;
                }
            });
        };
        co_await trace::attempt_await("shutting down", during_shutdown());
        twoway::get_running_loop().call_soon([] {
            // __aenter__() driven by hand: aenter() is a frame-less awaitable here, awaited in a coroutine.
            auto aenter = []() -> coroutine<task_group> { co_return co_await task_group().aenter(); };
            coroutine<task_group> c = aenter();
            try {
                c.send(twoway::none);
            } catch (const twoway::runtime_error &) {
                std::cout << "__aenter__ outside any task !! " << trace::describe(std::current_exception()) << "\n";
            }
        });
        co_await twoway::sleep(0);
    }
}

} // namespace

int main() {
    twoway::run(main_());
    return 0;
}
