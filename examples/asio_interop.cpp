// twoway and Asio, both ways.
//
// 1. A twoway coroutine awaits any Asio asynchronous operation with the completion token
//    twoway::use_awaitable: a timer, a name lookup. Cancelling the task (here, by a timeout) cancels the
//    Asio operation and raises CancelledError at the co_await, as for any asyncio await.
// 2. A program that already runs an io_context (its own handlers, its own io.run()) hosts a twoway loop:
//    loop.run_in_io_context() makes each loop iteration an Asio handler, so tasks and the program's
//    handlers take turns inside the same io.run().
#include <chrono>
#include <iostream>
#include <string>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "twoway/asyncio.hpp"

using namespace std::chrono_literals;
using twoway::coroutine;

// ---- 1. Asio operations awaited in a coroutine ---------------------------------------------------

coroutine<void> awaiting_asio() {
    asio::io_context &io = twoway::get_running_loop().get_io_context();

    asio::steady_timer timer(io, 10ms);
    co_await timer.async_wait(twoway::use_awaitable); // void(error_code): nothing, or raises
    std::cout << "an Asio timer expired\n";

    asio::ip::tcp::resolver resolver(io);
    auto results = co_await resolver.async_resolve("localhost", "80", twoway::use_awaitable);
    std::cout << "localhost resolved to " << results.size() << " address(es)\n";

    // A timeout cancels the task's await: the Asio wait is cancelled with it.
    asio::steady_timer slow(io, 10s);
    try {
        co_await twoway::wait_for(slow.async_wait(twoway::use_awaitable), 0.02);
    } catch (const twoway::timeout_error &) {
        std::cout << "a 10 s Asio wait cut by wait_for(0.02): TimeoutError\n";
    }
}

// ---- 2. the loop as a guest of the program's io_context -------------------------------------------

// The program's own Asio code: a timer that ticks three times.
struct ticker {
    asio::steady_timer timer;
    int left = 3;
    explicit ticker(asio::io_context &io) : timer(io) {}
    void start() {
        timer.expires_after(20ms);
        timer.async_wait([this](std::error_code ec) {
            if (ec) return;
            std::cout << "  asio handler: tick\n";
            if (--left > 0) start();
        });
    }
};

coroutine<int> guest_task() {
    int steps = 0;
    for (int i = 0; i < 3; ++i) {
        co_await twoway::sleep(0.03);
        std::cout << "  twoway task: step " << ++steps << "\n";
    }
    co_return steps;
}

int main() {
    twoway::run(awaiting_asio());

    std::cout << "an io_context the program runs itself:\n";
    asio::io_context io;
    ticker t(io);
    t.start();
    twoway::event_loop loop(io);
    twoway::task<int> task = loop.create_task(guest_task());
    task.add_done_callback([loop](const twoway::future<int> &) { loop.stop(); });
    loop.run_in_io_context();
    io.run(); // the program's own run: returns when its handlers and the loop have nothing left
    std::cout << "io.run() returned; the task's result: " << task.result() << "\n";
    loop.close();
}
