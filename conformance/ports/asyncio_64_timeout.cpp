// Port of asyncio/64_timeout.py — Rules: G27-G35 (asyncio.timeout / timeout_at: TimeoutError with
// __cause__, states and expired(), reschedule, state errors, nesting, foreign cancellation).
//
// `async with cm` is twoway::async_with(cm, body). Python chains an exception raised in a handler to the
// one handled implicitly; C++ code says so with std::throw_with_nested (docs/differences.md).
#include "gather_support.hpp"

namespace {

using twoway::object;
using twoway::coroutine;
using twoway::timeout_cm;

struct MyCancelled : twoway::cancelled_error, trace::named {
    using twoway::cancelled_error::cancelled_error;
    const char *python_type() const noexcept override { return "MyCancelled"; }
};

template <class F>
void call(const std::string &label, F fn) {
    try {
        fn();
        std::cout << label << " -> None\n";
    } catch (...) {
        std::cout << label << " !! " << trace::describe(std::current_exception()) << "\n";
    }
}

coroutine<void> body_forever(std::string tag) {
    std::cout << "  [" << tag << "] waiting\n";
    try {
        co_await twoway::sleep(3600);
    } catch (const twoway::cancelled_error &) {
        std::cout << "  [" << tag << "] got " << trace::describe(std::current_exception()) << "\n";
        throw;
    }
    std::cout << "  [" << tag << "] not reached\n";
}

coroutine<void> main_() {
    auto loop = twoway::get_running_loop();
    auto me = twoway::current_task();
    const trace::suffix_fn chain = trace::chain;

    std::cout << "== expiry: the body is cancelled, and the CancelledError leaves the block as TimeoutError\n";
    {
        timeout_cm cm = twoway::timeout(0.05);
        std::cout << "repr before entering -> " << cm.repr() << "\n";
        auto expire = [&]() -> coroutine<void> {
            co_await twoway::async_with(cm, [&]() -> coroutine<void> { co_await body_forever("body"); });
        };
        co_await trace::attempt_await("async with timeout(0.05)", expire(), chain);
        std::cout << "cm.expired() -> " << trace::repr(cm.expired()) << ", repr -> " << cm.repr()
                  << ", task.cancelling() -> " << me.cancelling() << "\n";
    }

    std::cout << "== the block finishes in time\n";
    {
        timeout_cm cm = twoway::timeout(10);
        auto in_time = [&]() -> coroutine<std::string> {
            co_await twoway::async_with(cm, [&](timeout_cm entered) -> coroutine<void> {
                std::cout << "  [body] __aenter__ returned the same object -> " << trace::repr(entered == cm) << "\n";
                co_await twoway::sleep(0);
            });
            co_return "finished";
        };
        co_await trace::attempt_await("async with timeout(10)", in_time(), chain);
        std::cout << "cm.expired() -> " << trace::repr(cm.expired()) << ", repr -> " << cm.repr() << "\n";
    }

    std::cout << "== timeout(None) never expires; reschedule() arms it from inside\n";
    {
        auto resched = [&]() -> coroutine<void> {
            co_await twoway::async_with(twoway::timeout(std::nullopt), [&](timeout_cm cm) -> coroutine<void> {
                std::cout << "  [body] when() is None -> " << trace::repr(!cm.when()) << "\n";
                cm.reschedule(loop.time() + 0.05);
                std::cout << "  [body] after reschedule, when() is None -> " << trace::repr(!cm.when()) << "\n";
                co_await body_forever("body");
            });
        };
        co_await trace::attempt_await("async with timeout(None) + reschedule(now+0.05)", resched(), chain);
    }

    std::cout << "== reschedule(None) disarms it\n";
    {
        auto disarm = [&]() -> coroutine<std::string> {
            timeout_cm cm = twoway::timeout(0.05);
            co_await twoway::async_with(cm, [&]() -> coroutine<void> {
                cm.reschedule(std::nullopt);
                co_await twoway::sleep(0.1);
            });
            co_return "not expired, expired() -> " + trace::repr(cm.expired());
        };
        co_await trace::attempt_await("async with timeout(0.05) + reschedule(None)", disarm(), chain);
    }

    std::cout << "== timeout_at(absolute loop time); a deadline already in the past fires at the next await\n";
    {
        auto at = [&]() -> coroutine<void> {
            co_await twoway::async_with(twoway::timeout_at(loop.time() + 0.05),
                                        [&]() -> coroutine<void> { co_await body_forever("at"); });
        };
        co_await trace::attempt_await("async with timeout_at(now+0.05)", at(), chain);
        auto past_no_await = [&]() -> coroutine<std::string> {
            co_await twoway::async_with(twoway::timeout(-1), [&]() -> coroutine<void> { co_return; });
            co_return "no await inside: nothing happens";
        };
        co_await trace::attempt_await("async with timeout(-1): pass", past_no_await(), chain);
        auto past_await = [&]() -> coroutine<void> {
            co_await twoway::async_with(twoway::timeout(-1), [&]() -> coroutine<void> {
                std::cout << "  [body] before the first await\n";
                co_await twoway::sleep(0);
                std::cout << "  [body] not reached\n";
            });
        };
        co_await trace::attempt_await("async with timeout(-1): await sleep(0)", past_await(), chain);
    }

    std::cout << "-- timeout(delay) fixes its deadline when it is created, not when it is entered\n";
    {
        timeout_cm early = twoway::timeout(0.02);
        co_await twoway::sleep(0.1);
        auto late_entry = [&]() -> coroutine<void> {
            co_await twoway::async_with(early, [&]() -> coroutine<void> {
                std::cout << "  [body] entered after the deadline; expired() -> " << trace::repr(early.expired()) << "\n";
                co_await twoway::sleep(0);
                std::cout << "  [body] not reached\n";
            });
        };
        co_await trace::attempt_await("entering timeout(0.02) 0.1 s after creating it", late_entry(), chain);
    }

    std::cout << "== the body swallows the cancellation: no TimeoutError, but expired() is True\n";
    {
        auto swallow = [&]() -> coroutine<std::string> {
            timeout_cm cm = twoway::timeout(0.05);
            co_await twoway::async_with(cm, [&]() -> coroutine<void> {
                try {
                    co_await twoway::sleep(3600);
                } catch (const twoway::cancelled_error &) {
                    std::cout << "  [body] swallowed CancelledError\n";
                }
            });
            co_return "expired() -> " + trace::repr(cm.expired());
        };
        co_await trace::attempt_await("swallowing body", swallow(), chain);
    }

    std::cout << "== state errors\n";
    {
        timeout_cm cm = twoway::timeout(10);
        call("reschedule() before entering", [&] { cm.reschedule(std::nullopt); });
        co_await twoway::async_with(cm, [&]() -> coroutine<void> { co_return; });
        call("reschedule() after a normal exit", [&] { cm.reschedule(std::nullopt); });
        auto reenter = [&]() -> coroutine<void> {
            co_await twoway::async_with(cm, [&]() -> coroutine<void> { co_return; });
        };
        co_await trace::attempt_await("entering it again", reenter(), chain);
        timeout_cm expired_cm = twoway::timeout(0.01);
        auto expire2 = [&]() -> coroutine<void> {
            co_await twoway::async_with(expired_cm, [&]() -> coroutine<void> { co_await twoway::sleep(3600); });
        };
        co_await trace::attempt_await("async with timeout(0.01)", expire2(), chain);
        call("reschedule() after expiry", [&] { expired_cm.reschedule(std::nullopt); });
        auto during_expiring = [&]() -> coroutine<void> {
            co_await twoway::async_with(twoway::timeout(0.01), [&](timeout_cm cm2) -> coroutine<void> {
                try {
                    co_await twoway::sleep(3600);
                } catch (const twoway::cancelled_error &) {
                    call("  reschedule() while the cancellation is in flight", [&] { cm2.reschedule(std::nullopt); });
                    throw;
                }
            });
        };
        co_await trace::attempt_await("async with timeout(0.01)", during_expiring(), chain);
        loop.call_soon([] {
            // __aenter__() driven by hand: aenter() is a frame-less awaitable here, awaited in a coroutine.
            auto aenter = []() -> coroutine<timeout_cm> { co_return co_await twoway::timeout(10).aenter(); };
            coroutine<timeout_cm> c = aenter();
            try {
                c.send(twoway::none);
            } catch (...) {
                std::cout << "__aenter__ outside any task !! " << trace::describe(std::current_exception()) << "\n";
            }
        });
        co_await twoway::sleep(0);
    }

    std::cout << "== nesting: only the timeout that fired converts the CancelledError\n";
    {
        auto inner_fires = [&]() -> coroutine<std::string> {
            timeout_cm outer = twoway::timeout(10);
            co_await twoway::async_with(outer, [&]() -> coroutine<void> {
                timeout_cm inner = twoway::timeout(0.02);
                bool caught = false;
                try {
                    co_await twoway::async_with(inner, [&]() -> coroutine<void> { co_await body_forever("inner body"); });
                } catch (const twoway::timeout_error &) {
                    caught = true;
                }
                if (caught)
                    std::cout << "  [outer body] caught TimeoutError from inner; inner.expired() -> "
                              << trace::repr(inner.expired()) << "\n";
                co_await twoway::sleep(0);
            });
            co_return "outer.expired() -> " + trace::repr(outer.expired());
        };
        co_await trace::attempt_await("inner (0.02) inside outer (10)", inner_fires(), chain);
        std::optional<timeout_cm> outer_state, inner_state;
        auto outer_fires = [&]() -> coroutine<void> {
            outer_state = twoway::timeout(0.02);
            co_await twoway::async_with(*outer_state, [&]() -> coroutine<void> {
                inner_state = twoway::timeout(10);
                try {
                    co_await twoway::async_with(*inner_state, [&]() -> coroutine<void> { co_await body_forever("inner body"); });
                } catch (const twoway::cancelled_error &) {
                    std::cout << "  [outer body] inner let CancelledError through; inner.expired() -> "
                              << trace::repr(inner_state->expired()) << "\n";
                    throw;
                }
            });
        };
        co_await trace::attempt_await("outer (0.02) around inner (10)", outer_fires(), chain);
        std::cout << "outer.expired() -> " << trace::repr(outer_state->expired()) << ", inner.expired() -> "
                  << trace::repr(inner_state->expired()) << "\n";
    }

    std::cout << "== a cancellation from elsewhere is not converted\n";
    {
        auto victim = []() -> coroutine<void> {
            co_await twoway::async_with(twoway::timeout(10), [&]() -> coroutine<void> { co_await body_forever("victim"); });
        };
        auto t = twoway::create_task(victim());
        co_await twoway::sleep(0);
        t.cancel();
        co_await trace::attempt_await("task cancelled from outside inside timeout(10)", t, chain);
    }
    std::cout << "-- expiry plus a second cancel request: CancelledError wins, expired() is still True\n";
    {
        std::optional<timeout_cm> both_state;
        auto both = [&]() -> coroutine<void> {
            co_await twoway::async_with(twoway::timeout(10), [&](timeout_cm cm) -> coroutine<void> {
                both_state = cm;
                cm.reschedule(loop.time() - 1); // fires at the next loop pass
                twoway::current_task().cancel(); // a foreign cancel request
                trace::finally_print fin{""};
                try {
                    co_await twoway::sleep(0);
                } catch (...) {
                    std::cout << "  [both] cancelling() -> " << twoway::current_task().cancelling() << "\n";
                    throw;
                }
                std::cout << "  [both] cancelling() -> " << twoway::current_task().cancelling() << "\n";
            });
        };
        auto t = twoway::create_task(both());
        co_await trace::attempt_await("timeout fired and task.cancel()", t, chain);
        std::cout << "expired() -> " << trace::repr(both_state->expired()) << "\n";
    }

    std::cout << "== a body that raises something else while being cancelled\n";
    std::cout << "   [3.13+] a TimeoutError is spliced into its __context__ chain; 3.11/3.12: __context__ is the CancelledError\n";
    {
        auto raises_other = []() -> coroutine<void> {
            co_await twoway::async_with(twoway::timeout(0.01), [&]() -> coroutine<void> {
                try {
                    co_await twoway::sleep(3600);
                } catch (const twoway::cancelled_error &) {
                    std::throw_with_nested(trace::LookupError("cleanup failed")); // Python's implicit __context__
                }
            });
        };
        std::exception_ptr e = co_await trace::attempt_await("body raises LookupError in except CancelledError", raises_other(), chain);
        std::exception_ptr ctx = twoway::nested_of(e);
        std::exception_ptr ctx2 = twoway::nested_of(ctx);
        std::cout << "__context__.__context__ -> " << (ctx2 ? trace::describe(ctx2) : std::string("None")) << "\n";
    }

    std::cout << "== [3.13+] a CancelledError subclass is converted too (3.11/3.12 let it through)\n";
    {
        auto subclass = []() -> coroutine<void> {
            co_await twoway::async_with(twoway::timeout(0.01), [&]() -> coroutine<void> {
                try {
                    co_await twoway::sleep(3600);
                } catch (const twoway::cancelled_error &) {
                    throw MyCancelled("custom");
                }
            });
        };
        co_await trace::attempt_await("body replaces CancelledError with a subclass", subclass(), chain);
    }
}

} // namespace

int main(int argc, char **argv) {
    twoway::run(main_(), {trace::clock_from_args(argc, argv)});
    return 0;
}
