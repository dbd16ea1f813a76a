// Tests of twoway/asyncio/stream_writer.hpp: asyncio.StreamWriter over loopback sockets (ASYNCIO.md I3,
// I8, I9): write buffers what the socket does not take, drain() waits above the high-water mark until the
// buffer is below the low one, write_eof, close and wait_closed, the unclosed-writer warning. Every
// expectation is CPython 3.13.0's ("probe:" quotes the Python that settled it).
#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "twoway/asyncio.hpp"
#include "twoway/asyncio/stream_writer.hpp"
#include "twoway/asyncio/streams.hpp"

using twoway::coroutine;
using twoway::stream_reader;
using twoway::stream_writer;
using strings = std::vector<std::string>;

namespace {

std::string describe(const std::exception_ptr &e) { return twoway::format_exception(e); }

std::uint16_t port_of(const twoway::server &s) { return s.sockets().at(0).getsockname().port; }

// Reads nothing until told, then everything to EOF; answers with the count.
std::optional<twoway::future<twoway::none_t>> go;
coroutine<void> late_reader(stream_reader r, stream_writer w) {
    twoway::future<twoway::none_t> g = *go;
    co_await g;
    std::string all = co_await r.read();
    w.write(std::to_string(all.size()));
    try {
        co_await w.drain();
    } catch (const twoway::connection_error &) { // the client may have closed already (I9's test)
    }
    w.close();
}

coroutine<void> drop_the_writer(stream_reader, stream_writer) { co_return; }

} // namespace

// I3: write() never blocks; above the high-water mark drain() waits until the peer has read enough to
// bring the buffer to the low-water mark; the limits are (low, high) = (16 KiB, 64 KiB) by default.
TEST(StreamWriter, I3DrainWaitsAboveTheHighWaterMark) {
    twoway::run([]() -> coroutine<void> {
        go = twoway::get_running_loop().create_future<twoway::none_t>();
        twoway::server srv = co_await twoway::start_server(late_reader, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        EXPECT_EQ(w.get_write_buffer_limits(), (std::pair<std::size_t, std::size_t>{16384, 65536}));
        w.write(std::string(16u << 20, 'a')); // more than the kernel's buffers take
        EXPECT_GT(w.get_write_buffer_size(), 65536u);
        twoway::task<void> d = twoway::create_task(w.drain());
        co_await twoway::sleep(0.01);
        EXPECT_FALSE(d.done()); // nobody reads yet
        go->set_result(twoway::none);
        co_await d;
        EXPECT_LE(w.get_write_buffer_size(), 16384u);
        w.write_eof();
        EXPECT_EQ(co_await r.read(), std::to_string(16u << 20));
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
        go.reset();
    }());
}

// set_write_buffer_limits(high, low): probe: high=0 makes drain() wait until everything is sent; low > high
// is ValueError "high (1) must be >= low (2) must be >= 0".
TEST(StreamWriter, SetWriteBufferLimits) {
    twoway::run([]() -> coroutine<void> {
        go = twoway::get_running_loop().create_future<twoway::none_t>();
        twoway::server srv = co_await twoway::start_server(late_reader, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        std::string error;
        try {
            w.set_write_buffer_limits(1, 2);
        } catch (...) {
            error = describe(std::current_exception());
        }
        EXPECT_EQ(error, "ValueError: high (1) must be >= low (2) must be >= 0");
        w.set_write_buffer_limits(0);
        EXPECT_EQ(w.get_write_buffer_limits(), (std::pair<std::size_t, std::size_t>{0, 0}));
        w.write(std::string(8u << 20, 'b'));
        go->set_result(twoway::none);
        co_await w.drain();
        EXPECT_EQ(w.get_write_buffer_size(), 0u);
        w.write_eof();
        EXPECT_EQ(co_await r.read(), std::to_string(8u << 20));
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
        go.reset();
    }());
}

// I8 and writelines: after write_eof(), write() and writelines() raise; write_eof twice is nothing.
TEST(StreamWriter, I8AfterWriteEof) {
    twoway::run([]() -> coroutine<void> {
        go = twoway::get_running_loop().create_future<twoway::none_t>();
        twoway::server srv = co_await twoway::start_server(late_reader, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        w.writelines(strings{"ab", "", "cd"});
        w.write_eof();
        w.write_eof();
        strings errors;
        for (auto f : {+[](const stream_writer &x) { x.write("x"); }, +[](const stream_writer &x) { x.writelines({"x"}); }}) {
            try {
                f(w);
            } catch (...) {
                errors.push_back(describe(std::current_exception()));
            }
        }
        EXPECT_EQ(errors, (strings{"RuntimeError: Cannot call write() after write_eof()",
                                   "RuntimeError: Cannot call writelines() after write_eof()"}));
        go->set_result(twoway::none);
        EXPECT_EQ(co_await r.read(), "4");
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
        go.reset();
    }());
}

// I9: close() flushes what is buffered before the socket closes: the peer gets every byte.
TEST(StreamWriter, I9CloseFlushesTheBuffer) {
    twoway::run([]() -> coroutine<void> {
        go = twoway::get_running_loop().create_future<twoway::none_t>();
        twoway::server srv = co_await twoway::start_server(late_reader, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        w.write(std::string(4u << 20, 'c'));
        EXPECT_GT(w.get_write_buffer_size(), 0u);
        w.close();
        EXPECT_TRUE(w.is_closing());
        go->set_result(twoway::none);
        co_await w.wait_closed(); // after the buffer went out
        EXPECT_EQ(w.get_write_buffer_size(), 0u);
        srv.close();
        co_await srv.wait_closed();
        go.reset();
    }());
}

// probe: a handler that returns without closing its writer: the connection is closed and Python warns
// "unclosed <StreamWriter ...>" (StreamWriter.__del__); the client reads EOF.
TEST(StreamWriter, AnUnclosedWriterIsClosedWithAWarning) {
    strings warnings;
    auto previous = twoway::set_warning_hook([&](const twoway::warning &w) {
        warnings.push_back(std::string(w.category) + ": " + w.message.substr(0, w.message.find(' ', 9)));
    });
    twoway::run([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(drop_the_writer, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        EXPECT_EQ(co_await r.read(), "");
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    }());
    twoway::set_warning_hook(previous);
    EXPECT_EQ(warnings, strings{"ResourceWarning: unclosed <StreamWriter"});
}

// The repr: probe: <StreamWriter transport=<_SelectorSocketTransport fd=7 read=polling write=<idle,
// bufsize=0>> reader=<StreamReader transport=<...>>>.
TEST(StreamWriter, Repr) {
    twoway::run([]() -> coroutine<void> {
        go = twoway::get_running_loop().create_future<twoway::none_t>();
        twoway::server srv = co_await twoway::start_server(late_reader, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        const std::string repr = w.repr();
        EXPECT_EQ(repr.rfind("<StreamWriter transport=<_SelectorSocketTransport fd=", 0), 0u) << repr;
        EXPECT_NE(repr.find("read=polling write=<idle, bufsize=0>> reader=<StreamReader transport="), std::string::npos) << repr;
        go->set_result(twoway::none);
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
        go.reset();
    }());
}
