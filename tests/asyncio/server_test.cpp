// Tests of twoway/asyncio/server.hpp: asyncio.Server made by start_server (ASYNCIO.md I1, I16-I18), on
// loopback sockets. Every expectation is what CPython 3.13.0 does (traces 74-75, or the probe quoted).
#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "twoway/asyncio.hpp"
#include "twoway/asyncio/server.hpp"
#include "twoway/asyncio/streams.hpp"

using twoway::coroutine;
using twoway::stream_reader;
using twoway::stream_writer;

namespace {

std::string describe(const std::exception_ptr &e) { return twoway::format_exception(e); }

template <class A>
coroutine<std::string> outcome(A aw) {
    std::exception_ptr e;
    try {
        co_await std::move(aw);
    } catch (...) {
        e = std::current_exception();
    }
    co_return e ? "!! " + describe(e) : "-> None";
}

std::uint16_t port_of(const twoway::server &s) { return s.sockets().at(0).getsockname().port; }

std::optional<twoway::future<twoway::none_t>> release;

coroutine<void> wait_for_release(stream_reader, stream_writer w) {
    twoway::future<twoway::none_t> r = *release;
    co_await r;
    w.close();
}

coroutine<void> silent(stream_reader r, stream_writer w) {
    co_await r.read();
    w.close();
}

} // namespace

// I1: is_serving, one listening socket with its address and family; the repr open and closed.
TEST(Server, I1SocketsAndRepr) {
    twoway::run([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(silent, "127.0.0.1", 0);
        EXPECT_TRUE(srv.is_serving());
        const auto sockets = srv.sockets();
        EXPECT_EQ(sockets.size(), 1u);
        if (sockets.empty()) co_return;
        EXPECT_EQ(sockets[0].family, 2);
        EXPECT_EQ(sockets[0].getsockname().host, "127.0.0.1");
        EXPECT_TRUE(std::regex_match(srv.repr(), std::regex(R"(<Server sockets=\(<asyncio\.TransportSocket fd=\d+, family=2, type=1, proto=6, laddr=\('127\.0\.0\.1', \d+\)>,\)>)")))
            << srv.repr();
        srv.close();
        EXPECT_EQ(srv.repr(), "<Server sockets=()>");
        co_await srv.wait_closed();
    }());
}

// start_serving=False: not serving until start_serving() (probe: is_serving() False, then True).
TEST(Server, StartServingLater) {
    twoway::run([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(silent, "127.0.0.1", 0, {.start_serving = false});
        EXPECT_FALSE(srv.is_serving());
        co_await srv.start_serving();
        EXPECT_TRUE(srv.is_serving());
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    }());
}

// I16: wait_closed() before close() waits too (3.12.1: "If the server is not closed, wait").
TEST(Server, I16WaitClosedBeforeCloseWaits) {
    twoway::run([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(silent, "127.0.0.1", 0);
        EXPECT_EQ(co_await outcome(twoway::wait_for(srv.wait_closed(), 0.02)), "!! TimeoutError");
        twoway::task<void> waiter = twoway::create_task(srv.wait_closed());
        co_await twoway::sleep(0);
        srv.close();
        EXPECT_EQ(co_await outcome(waiter), "-> None");
        EXPECT_EQ(co_await outcome(srv.wait_closed()), "-> None"); // at once from now on
    }());
}

// I17: serve_forever twice, cancelled (closes and waits), on a closed server.
TEST(Server, I17ServeForever) {
    twoway::run([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(silent, "127.0.0.1", 0);
        twoway::task<void> sf = twoway::create_task(srv.serve_forever());
        co_await twoway::sleep(0);
        const std::string second = co_await outcome(srv.serve_forever());
        EXPECT_TRUE(std::regex_match(second, std::regex(R"(!! RuntimeError: server <Server sockets=\(.*\)> is already being awaited on serve_forever\(\))")))
            << second;
        sf.cancel();
        EXPECT_EQ(co_await outcome(sf), "!! CancelledError");
        EXPECT_FALSE(srv.is_serving());
        EXPECT_TRUE(srv.sockets().empty());
        EXPECT_EQ(co_await outcome(srv.serve_forever()), "!! RuntimeError: server <Server sockets=()> is closed");
    }());
}

// I17: close() from elsewhere ends serve_forever with CancelledError (its future is cancelled).
TEST(Server, I17CloseEndsServeForever) {
    twoway::run([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(silent, "127.0.0.1", 0);
        twoway::task<void> sf = twoway::create_task(srv.serve_forever());
        co_await twoway::sleep(0);
        srv.close();
        EXPECT_EQ(co_await outcome(sf), "!! CancelledError");
    }());
}

// I18: close_clients() closes the server's side of every connection: the peers read EOF.
TEST(Server, I18CloseClients) {
    twoway::run([]() -> coroutine<void> {
        release = twoway::get_running_loop().create_future<twoway::none_t>();
        twoway::server srv = co_await twoway::start_server(wait_for_release, "127.0.0.1", 0);
        auto [r1, w1] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        auto [r2, w2] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        while (srv.connection_count() < 2) co_await twoway::sleep(0.001);
        srv.close_clients();
        EXPECT_EQ(co_await r1.read(), "");
        EXPECT_EQ(co_await r2.read(), "");
        release->set_result(twoway::none);
        w1.close();
        w2.close();
        co_await w1.wait_closed();
        co_await w2.wait_closed();
        srv.close();
        co_await srv.wait_closed();
        EXPECT_EQ(srv.connection_count(), 0u);
        release.reset();
    }());
}

// I18: abort_clients() drops the connections at once (the peers read EOF or a reset).
TEST(Server, I18AbortClients) {
    twoway::run([]() -> coroutine<void> {
        release = twoway::get_running_loop().create_future<twoway::none_t>();
        twoway::server srv = co_await twoway::start_server(wait_for_release, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        while (srv.connection_count() < 1) co_await twoway::sleep(0.001);
        srv.abort_clients();
        std::string got;
        try {
            got = twoway::bytes_repr(co_await r.read());
        } catch (...) {
            got = describe(std::current_exception());
        }
        EXPECT_TRUE(got == "b''" || got == "ConnectionResetError: [Errno 104] Connection reset by peer") << got;
        release->set_result(twoway::none);
        w.close();
        srv.close();
        co_await srv.wait_closed();
        release.reset();
    }());
}

// I16: async with server: closed (and waited for) on exit.
TEST(Server, I16AsyncWithClosesOnExit) {
    twoway::run([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(silent, "127.0.0.1", 0);
        co_await twoway::async_with(srv, [](twoway::server inside) -> coroutine<void> {
            EXPECT_TRUE(inside.is_serving());
            co_return;
        });
        EXPECT_FALSE(srv.is_serving());
        EXPECT_TRUE(srv.sockets().empty());
    }());
}

// host "": every interface (IPv4 and, where there is one, IPv6), each its own listening socket.
TEST(Server, AnEmptyHostListensEverywhere) {
    twoway::run([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(silent, "", 0);
        const auto sockets = srv.sockets();
        EXPECT_GE(sockets.size(), 1u);
        if (sockets.empty()) co_return;
        EXPECT_EQ(sockets[0].getsockname().host, "0.0.0.0");
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", sockets[0].getsockname().port);
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    }());
}
