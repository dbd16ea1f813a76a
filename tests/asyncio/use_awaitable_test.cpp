// Tests of twoway/asyncio/use_awaitable.hpp: Asio operations awaited in coroutines.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <system_error>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "twoway/asyncio.hpp"
#include "twoway/asyncio/use_awaitable.hpp"

using twoway::coroutine;
using namespace std::chrono_literals;

TEST(UseAwaitable, TimerWaitResumesTheTask) {
    double waited = twoway::run([]() -> coroutine<double> {
        auto loop = twoway::get_running_loop();
        asio::steady_timer timer(loop.get_io_context(), 20ms);
        const double t0 = loop.time();
        co_await timer.async_wait(twoway::use_awaitable);
        co_return loop.time() - t0;
    }());
    EXPECT_GE(waited, 0.015);
}

TEST(UseAwaitable, ValuesComeBackAndErrorsAreRaised) {
    twoway::run([]() -> coroutine<void> {
        auto &io = twoway::get_running_loop().get_io_context();
        asio::ip::tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
        asio::ip::tcp::socket client(io);
        auto connect = twoway::create_task([](asio::ip::tcp::socket *c, asio::ip::tcp::endpoint to) -> coroutine<void> {
            co_await c->async_connect(to, twoway::use_awaitable);
        }(&client, acceptor.local_endpoint()));
        asio::ip::tcp::socket server = co_await acceptor.async_accept(twoway::use_awaitable); // (error_code, socket)
        co_await connect;
        std::string text = "hello";
        std::size_t sent = co_await client.async_write_some(asio::buffer(text), twoway::use_awaitable);
        EXPECT_EQ(sent, 5u);
        char buf[16];
        std::size_t got = co_await server.async_read_some(asio::buffer(buf), twoway::use_awaitable);
        EXPECT_EQ(std::string(buf, got), "hello");
        client.close();
        bool eof = false;
        try {
            (void)co_await server.async_read_some(asio::buffer(buf), twoway::use_awaitable);
        } catch (const std::system_error &e) {
            eof = e.code() == asio::error::eof;
        }
        EXPECT_TRUE(eof);
    }());
}

TEST(UseAwaitable, CancellingTheTaskCancelsTheOperation) {
    twoway::run([]() -> coroutine<void> {
        auto loop = twoway::get_running_loop();
        auto sleeper = twoway::create_task([]() -> coroutine<std::string> {
            asio::steady_timer timer(twoway::get_running_loop().get_io_context(), 1h);
            try {
                co_await timer.async_wait(twoway::use_awaitable);
            } catch (const twoway::cancelled_error &e) {
                co_return std::string("cancelled: ") + e.what();
            }
            co_return "woke up";
        }());
        co_await twoway::sleep(0);
        const double t0 = loop.time();
        sleeper.cancel("stop");
        std::string r = co_await sleeper;
        EXPECT_EQ(r, "cancelled: stop");
        EXPECT_LT(loop.time() - t0, 1.0); // the hour-long wait was cancelled, not waited for
    }());
}
