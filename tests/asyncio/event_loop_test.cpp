// Tests of twoway/asyncio/event_loop.hpp: the loop's scheduling, running and errors (ASYNCIO.md group L).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::event_loop;

namespace {
std::string message_of(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception &x) {
        return x.what();
    } catch (...) {
        return "?";
    }
}
} // namespace

TEST(EventLoop, CallSoonIsFifoWithArguments) { // L1
    event_loop loop;
    std::vector<std::string> out;
    loop.call_soon([&](int i, std::string s) { out.push_back(s + std::to_string(i)); }, 1, std::string("a"));
    loop.call_soon([&] { out.push_back("b"); });
    EXPECT_TRUE(out.empty()); // nothing runs before the loop does
    loop.call_soon([&] { loop.stop(); });
    loop.run_forever();
    EXPECT_EQ(out, (std::vector<std::string>{"a1", "b"}));
    loop.close();
}

TEST(EventLoop, OneIterationRunsWhatWasReady) { // L2, L6
    event_loop loop;
    std::vector<int> out;
    loop.call_soon([&] {
        out.push_back(1);
        loop.call_soon([&] { out.push_back(3); });
    });
    loop.call_soon([&] { out.push_back(2); });
    loop.stop(); // before run_forever: exactly one iteration
    loop.run_forever();
    EXPECT_EQ(out, (std::vector<int>{1, 2}));
    loop.stop();
    loop.run_forever();
    EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
    loop.close();
}

TEST(EventLoop, CancelledHandleIsSkippedEvenInTheCurrentBatch) { // L3
    event_loop loop;
    std::vector<int> out;
    twoway::handle later;
    loop.call_soon([&] { later.cancel(); });
    later = loop.call_soon([&] { out.push_back(1); });
    loop.stop();
    loop.run_forever();
    EXPECT_TRUE(later.cancelled());
    EXPECT_TRUE(out.empty());
    loop.close();
}

TEST(EventLoop, TimersByDeadlineBehindReadyCallbacks) { // L4 on the virtual clock
    event_loop loop(twoway::virtual_clock);
    std::vector<std::string> out;
    loop.call_later(0, [&] { out.push_back("later(0)"); });
    loop.call_soon([&] { out.push_back("soon"); });
    loop.call_later(5, [&] { out.push_back("5s"); });
    loop.call_at(loop.time() + 2, [&] { out.push_back("2s"); });
    auto cancelled = loop.call_later(1, [&] { out.push_back("cancelled"); });
    cancelled.cancel();
    loop.call_later(10, [&] { loop.stop(); });
    loop.run_forever();
    EXPECT_EQ(out, (std::vector<std::string>{"soon", "later(0)", "2s", "5s"}));
    EXPECT_DOUBLE_EQ(loop.time(), 10.0); // the virtual clock jumped from timer to timer
    loop.close();
}

TEST(EventLoop, RunningAndClosedLoopErrors) { // L8, L9
    event_loop loop;
    std::vector<std::string> errors;
    auto attempt = [&](auto fn) {
        try {
            fn();
            errors.push_back("no error");
        } catch (...) {
            errors.push_back(message_of(std::current_exception()));
        }
    };
    EXPECT_THROW(twoway::get_running_loop(), twoway::runtime_error);
    loop.call_soon([&] {
        EXPECT_TRUE(loop.is_running());
        EXPECT_EQ(twoway::get_running_loop(), loop);
        attempt([&] { loop.run_forever(); });
        attempt([&] { loop.close(); });
        event_loop other;
        attempt([&] { other.run_forever(); });
        other.close();
        loop.stop();
    });
    loop.run_forever();
    EXPECT_FALSE(loop.is_running());
    loop.close();
    loop.close(); // a no-op
    EXPECT_TRUE(loop.is_closed());
    attempt([&] { loop.call_soon([] {}); });
    attempt([&] { loop.run_forever(); });
    EXPECT_EQ(errors, (std::vector<std::string>{"This event loop is already running", "Cannot close a running event loop",
                                                "Cannot run the event loop while another loop is running",
                                                "Event loop is closed", "Event loop is closed"}));
}

TEST(EventLoop, CallbackErrorsGoToTheHandlerAndTheLoopGoesOn) { // L12, L13, L14
    event_loop loop;
    std::vector<std::string> seen;
    loop.set_exception_handler([&](event_loop &, const twoway::exception_context &c) {
        std::string keys;
        for (auto &k : c.keys()) keys += k + ",";
        seen.push_back(c.message->substr(0, 22) + "|" + twoway::format_exception(c.exception) + "|" + keys);
        if (seen.size() == 2) throw twoway::runtime_error("handler failed");
    });
    ASSERT_NE(loop.get_exception_handler(), nullptr);
    std::vector<std::string> logged;
    auto previous = twoway::set_log_hook([&](const twoway::log_record &r) { logged.push_back(r.message.substr(0, r.message.find('\n'))); });
    loop.call_soon([] { throw twoway::value_error("boom"); });
    loop.call_soon([] { throw twoway::value_error("again"); });
    loop.call_soon([&] { seen.push_back("next callback runs"); });
    loop.stop();
    loop.run_forever();
    twoway::set_log_hook(previous);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], "Exception in callback |ValueError: boom|exception,handle,message,");
    EXPECT_EQ(seen[2], "next callback runs");
    EXPECT_EQ(logged, (std::vector<std::string>{"Unhandled error in exception handler"}));
    loop.set_exception_handler(nullptr);
    EXPECT_EQ(loop.get_exception_handler(), nullptr);
    loop.close();
}

TEST(EventLoop, CallSoonThreadsafeWakesTheLoop) {
    event_loop loop;
    std::atomic<bool> ran{false};
    std::thread other([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        loop.call_soon_threadsafe([&] {
            ran = true;
            loop.stop();
        });
    });
    loop.run_forever(); // blocks in Asio until the other thread's callback arrives
    other.join();
    EXPECT_TRUE(ran);
    loop.close();
}

TEST(EventLoop, CallSoonFromAnotherThreadWhileRunningIsAnError) {
    event_loop loop;
    std::string error;
    loop.call_soon([&] {
        std::thread([&] {
            try {
                loop.call_soon([] {});
            } catch (const twoway::runtime_error &e) {
                error = e.what();
            }
        }).join();
        loop.stop();
    });
    loop.run_forever();
    EXPECT_EQ(error, "Non-thread-safe operation invoked on an event loop other than the current one");
    loop.close();
}

TEST(EventLoop, RunsOnAnIoContextTheProgramHas) {
    asio::io_context io;
    event_loop loop(io);
    EXPECT_EQ(&loop.get_io_context(), &io);
    asio::steady_timer timer(io, std::chrono::milliseconds(1));
    bool fired = false;
    timer.async_wait([&](std::error_code) {
        fired = true;
        loop.stop();
    });
    loop.run_forever(); // Asio's completions run on the loop's thread
    EXPECT_TRUE(fired);
    loop.close();
}

TEST(EventLoop, ClosingReleasesPendingTasksAndReportsThem) { // J17
    event_loop loop;
    std::vector<std::string> seen;
    bool finally_ran = false;
    loop.set_exception_handler([&](event_loop &, const twoway::exception_context &c) {
        seen.push_back(*c.message);
        EXPECT_EQ(c.keys(), (std::vector<std::string>{"message", "task"}));
    });
    loop.run_until_complete([](bool *fin) -> twoway::coroutine<void> {
        (void)twoway::create_task([](bool *f) -> twoway::coroutine<void> {
            struct on_exit {
                bool *f;
                ~on_exit() { *f = true; }
            } guard{f};
            co_await twoway::get_running_loop().create_future<void>(); // nobody else holds it
        }(fin));
        co_await twoway::sleep(0);
    }(&finally_ran));
    EXPECT_TRUE(seen.empty());
    loop.close();
    EXPECT_EQ(seen, (std::vector<std::string>{"Task was destroyed but it is pending!"}));
    EXPECT_TRUE(finally_ran); // its coroutine was closed
}

// run_in_io_context: the loop as a guest of an io_context the program runs itself. Tasks, timers and the
// program's own handlers take turns inside io.run(); stop() ends the hosting and io.run() returns.
TEST(EventLoop, HostedByTheProgramsIoContext) {
    asio::io_context io;
    event_loop loop(io);
    std::vector<std::string> order;
    asio::steady_timer program_timer(io, std::chrono::milliseconds(15));
    program_timer.async_wait([&](std::error_code) { order.push_back("asio handler"); });
    auto body = [](std::vector<std::string> *o) -> twoway::coroutine<int> {
        o->push_back("task starts");
        co_await twoway::sleep(0.03);
        o->push_back("task after sleep");
        co_await twoway::sleep(0);
        co_return 5;
    };
    twoway::task<int> t = loop.create_task(body(&order));
    t.add_done_callback([loop](const twoway::future<int> &) { loop.stop(); });
    loop.run_in_io_context();
    EXPECT_TRUE(loop.is_running());
    EXPECT_THROW(loop.run_in_io_context(), twoway::runtime_error); // already running
    EXPECT_TRUE(order.empty());                                   // nothing ran yet: io.run() does it
    io.run();
    EXPECT_EQ(order, (std::vector<std::string>{"task starts", "asio handler", "task after sleep"}));
    EXPECT_EQ(t.result(), 5);
    EXPECT_FALSE(loop.is_running());
    loop.close();
}

TEST(EventLoop, AVirtualClockLoopCannotBeHosted) {
    asio::io_context io;
    event_loop loop(io, twoway::virtual_clock);
    EXPECT_THROW(loop.run_in_io_context(), twoway::runtime_error);
    loop.close();
}
