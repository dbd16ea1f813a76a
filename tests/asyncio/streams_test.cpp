// Tests of twoway/asyncio/streams.hpp: open_connection and start_server over real loopback sockets
// (ASYNCIO.md group I), the faults a network brings, and cancellation that never loses bytes. Every
// expected text is what CPython 3.13.0 prints for the same program ("probe:" quotes it); every test
// checks that no socket is left open (the process's descriptors before and after) and no task pending.
#include <gtest/gtest.h>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "twoway/asyncio.hpp"
#include "twoway/asyncio/streams.hpp"

using twoway::coroutine;
using twoway::stream_reader;
using twoway::stream_writer;
using strings = std::vector<std::string>;

namespace {

int open_fds() {
    int n = 0;
    if (DIR *d = opendir("/proc/self/fd")) {
        while (readdir(d)) ++n;
        closedir(d);
    }
    return n;
}

// The body, then a check that no task is left pending (the server's handler tasks end once their
// connections do; a few passes of the loop let them take their last step).
coroutine<void> without_pending_tasks(coroutine<void> body) {
    co_await std::move(body);
    for (int i = 0; i < 100 && twoway::all_tasks().size() > 1; ++i) co_await twoway::sleep(0.001);
    EXPECT_EQ(twoway::all_tasks().size(), 1u) << "a task was left pending";
}

// Runs a test body with asyncio.run and checks that it leaves no descriptor open and no task pending.
template <class F>
void run_without_leaks(F body) {
    const int before = open_fds();
    twoway::run(without_pending_tasks(body()));
    EXPECT_EQ(open_fds(), before) << "a socket was left open";
}

std::string describe(const std::exception_ptr &e) { return twoway::format_exception(e); }

template <class A>
coroutine<std::string> outcome(A aw) {
    std::exception_ptr e;
    std::string r;
    try {
        r = co_await std::move(aw);
    } catch (...) {
        e = std::current_exception();
    }
    co_return e ? "!! " + describe(e) : "-> " + twoway::bytes_repr(r);
}

template <class A>
coroutine<std::string> outcome_void(A aw) {
    std::exception_ptr e;
    try {
        co_await std::move(aw);
    } catch (...) {
        e = std::current_exception();
    }
    co_return e ? "!! " + describe(e) : "-> None";
}

std::uint16_t port_of(const twoway::server &s) { return s.sockets().at(0).getsockname().port; }

std::uint16_t unused_port() {
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::bind(probe, reinterpret_cast<sockaddr *>(&a), sizeof a);
    socklen_t len = sizeof a;
    (void)::getsockname(probe, reinterpret_cast<sockaddr *>(&a), &len);
    ::close(probe);
    return ntohs(a.sin_port);
}

// ---- handlers --------------------------------------------------------------------------------------

coroutine<void> echo_lines(stream_reader r, stream_writer w) {
    while (auto line = co_await twoway::anext(r, twoway::none)) {
        w.write(*line);
        co_await w.drain();
    }
    w.close();
    co_await w.wait_closed();
}

// Sends "partial", then resets the connection (SO_LINGER 0: close sends RST).
coroutine<void> reset_after_partial(stream_reader r, stream_writer w) {
    co_await r.readline();
    w.write("partial");
    co_await w.drain();
    linger l{1, 0};
    ::setsockopt(w.socket()->native_handle(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    w.abort();
}

coroutine<void> count_then_reply(stream_reader r, stream_writer w) {
    std::string data = co_await r.read();
    w.write("got " + std::to_string(data.size()));
    co_await w.drain();
    w.close();
}

coroutine<void> readline_or_error(stream_reader r, stream_writer w) {
    std::string reply;
    try {
        reply = "line " + co_await r.readline();
    } catch (...) {
        reply = describe(std::current_exception());
    }
    w.write(reply);
    co_await w.drain();
    w.close();
}

coroutine<void> close_at_once(stream_reader, stream_writer w) {
    w.close();
    co_return;
}

coroutine<void> fail(stream_reader, stream_writer) {
    throw twoway::value_error("boom");
    co_return;
}

} // namespace

// I1, I2, I9: a server, a client, a line echoed, async iteration, the names.
TEST(Streams, I1I2EchoAndNames) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(echo_lines, "127.0.0.1", 0);
        EXPECT_TRUE(srv.is_serving());
        EXPECT_EQ(srv.sockets().size(), 1u);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        EXPECT_EQ(w.get_extra_info("peername")->host, "127.0.0.1");
        EXPECT_EQ(w.get_extra_info("peername")->port, port_of(srv));
        EXPECT_EQ(w.get_extra_info("sockname")->host, "127.0.0.1");
        EXPECT_FALSE(w.get_extra_info("cipher").has_value());
        EXPECT_TRUE(w.can_write_eof());
        w.write("one\n");
        w.writelines({"two", "\n"});
        co_await w.drain();
        EXPECT_EQ(co_await r.readline(), "one\n");
        EXPECT_EQ(co_await r.readline(), "two\n");
        w.write_eof();
        EXPECT_EQ(co_await r.read(), ""); // the server closes after our EOF
        EXPECT_TRUE(r.at_eof());
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
        EXPECT_TRUE(srv.sockets().empty());
    });
}

// I2 over IPv6 loopback, when the machine has it.
TEST(Streams, I2Ipv6Loopback) {
    run_without_leaks([]() -> coroutine<void> {
        std::optional<twoway::server> srv;
        try {
            srv = co_await twoway::start_server(echo_lines, "::1", 0);
        } catch (const std::system_error &) {
            std::cout << "no IPv6 loopback here: nothing to test\n";
        }
        if (!srv) co_return;
        auto [r, w] = co_await twoway::open_connection("::1", port_of(*srv));
        EXPECT_EQ(w.get_extra_info("peername")->repr(), "('::1', " + std::to_string(port_of(*srv)) + ", 0, 0)");
        w.write("six\n");
        EXPECT_EQ(co_await r.readline(), "six\n");
        w.close();
        co_await w.wait_closed();
        srv->close();
        co_await srv->wait_closed();
    });
}

// A name is resolved (getaddrinfo, off the loop's thread).
TEST(Streams, I2HostNamesAreResolved) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(echo_lines, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("localhost", port_of(srv));
        w.write("named\n");
        EXPECT_EQ(co_await r.readline(), "named\n");
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    });
}

// I15. probe: ConnectionRefusedError, errno ECONNREFUSED, "[Errno 111] Connect call failed ('127.0.0.1', P)".
TEST(Streams, I15ConnectionRefused) {
    run_without_leaks([]() -> coroutine<void> {
        const std::uint16_t port = unused_port();
        std::string text, name;
        bool refused = false;
        try {
            co_await twoway::open_connection("127.0.0.1", port);
        } catch (const twoway::connection_refused_error &e) {
            refused = true;
            text = e.what();
            name = twoway::errorcode(e.errno_value());
        }
        EXPECT_TRUE(refused);
        EXPECT_EQ(name, "ECONNREFUSED");
        EXPECT_EQ(text, "[Errno 111] Connect call failed ('127.0.0.1', " + std::to_string(port) + ")");
    });
}

// probe: the peer resets mid-read: "ConnectionResetError: [Errno 104] Connection reset by peer" from the
// read, again from the next read and from drain() and wait_closed(); what arrived before stays buffered.
TEST(Streams, ResetByPeerMidRead) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(reset_after_partial, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        w.write("go\n");
        EXPECT_EQ(co_await outcome(r.readexactly(100)), "!! ConnectionResetError: [Errno 104] Connection reset by peer");
        EXPECT_EQ(r.buffered(), 7u); // b'partial'
        EXPECT_EQ(co_await outcome(r.read()), "!! ConnectionResetError: [Errno 104] Connection reset by peer");
        w.write("x");
        EXPECT_EQ(co_await outcome_void(w.drain()), "!! ConnectionResetError: [Errno 104] Connection reset by peer");
        EXPECT_TRUE(w.is_closing());
        EXPECT_EQ(co_await outcome_void(w.wait_closed()), "!! ConnectionResetError: [Errno 104] Connection reset by peer");
        srv.close();
        co_await srv.wait_closed();
    });
}

// I8 probe: half-close: the peer reads everything, answers, and we still read the answer.
TEST(Streams, I8HalfClose) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(count_then_reply, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        w.write("hello");
        w.write_eof();
        EXPECT_EQ(co_await r.read(), "got 5");
        EXPECT_FALSE(w.is_closing());
        std::string after;
        try {
            w.write("more");
        } catch (...) {
            after = describe(std::current_exception());
        }
        EXPECT_EQ(after, "RuntimeError: Cannot call write() after write_eof()");
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    });
}

// I12 on a server: a line longer than the server's limit. probe: the handler's readline() raises
// "ValueError: Separator is found, but chunk is longer than limit".
TEST(Streams, I12LineLongerThanTheServersLimit) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(readline_or_error, "127.0.0.1", 0, {.limit = 16});
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        w.write(std::string(40, 'x') + "\n");
        EXPECT_EQ(co_await r.read(), "ValueError: Separator is found, but chunk is longer than limit");
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    });
}

// probe: writing to a peer that closed: the second drain raises "ConnectionResetError: Connection lost"
// (the send failed with EPIPE, which closes the transport); the reader then holds
// "BrokenPipeError: [Errno 32] Broken pipe", which wait_closed() raises too.
TEST(Streams, WritingToAPeerThatClosed) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(close_at_once, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        co_await twoway::sleep(0.05);
        std::string error;
        int i = 0;
        for (; i < 100 && error.empty(); ++i) {
            w.write(std::string(65536, 'y'));
            error = co_await outcome_void(w.drain());
            if (error == "-> None") error.clear();
        }
        EXPECT_EQ(error, "!! ConnectionResetError: Connection lost");
        EXPECT_EQ(i, 2);
        EXPECT_EQ(describe(r.exception()), "BrokenPipeError: [Errno 32] Broken pipe");
        w.close();
        EXPECT_EQ(co_await outcome_void(w.wait_closed()), "!! BrokenPipeError: [Errno 32] Broken pipe");
        srv.close();
        co_await srv.wait_closed();
    });
}

// probe: a handler that raises: the handler gets 'Unhandled exception in client_connected_cb' with the
// error, the connection is closed (the client reads EOF).
TEST(Streams, AFailingHandlerIsReportedAndItsConnectionClosed) {
    strings seen;
    run_without_leaks([&]() -> coroutine<void> {
        twoway::get_running_loop().set_exception_handler([&](twoway::event_loop &, const twoway::exception_context &c) {
            seen.push_back(c.message.value_or("") + " | " + describe(c.exception));
        });
        twoway::server srv = co_await twoway::start_server(fail, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        EXPECT_EQ(co_await r.read(), "");
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    });
    EXPECT_EQ(seen, strings{"Unhandled exception in client_connected_cb | ValueError: boom"});
}

// ---- cancellation never loses bytes -------------------------------------------------------------------

namespace {

// Sends "abc", waits for the client's "go\n", then sends "def\n" and closes.
coroutine<void> in_two_parts(stream_reader r, stream_writer w) {
    w.write("abc");
    co_await w.drain();
    co_await r.readline();
    w.write("def\n");
    co_await w.drain();
    w.close();
}

coroutine<std::string> read_line_in_a_group(stream_reader r) {
    std::string line;
    co_await twoway::async_with(twoway::task_group(), [&](twoway::task_group tg) -> coroutine<void> {
        (void)tg.create_task(r.readline());
        (void)tg.create_task([]() -> coroutine<void> {
            co_await twoway::sleep(0.01);
            throw twoway::value_error("sibling failed");
        }());
        co_return;
    });
    co_return line;
}

} // namespace

// I14: a read cancelled directly keeps what arrived ("abc"): the next read returns it with the rest.
TEST(Streams, I14ACancelledReadLosesNoBytes) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(in_two_parts, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        twoway::task<std::string> pending = twoway::create_task(r.readexactly(7));
        while (r.buffered() < 3) co_await twoway::sleep(0.001);
        pending.cancel();
        EXPECT_EQ(co_await outcome(pending), "!! CancelledError");
        EXPECT_EQ(r.buffered(), 3u);
        w.write("go\n");
        EXPECT_EQ(co_await r.readline(), "abcdef\n");
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    });
}

// I14: a readline() cut by a timeout keeps the bytes (probe: wait_for(reader.readline(), 0.05) raises
// TimeoutError; the next readline() returns b'abcdef\n').
TEST(Streams, I14AReadCutByATimeoutLosesNoBytes) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(in_two_parts, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        EXPECT_EQ(co_await outcome(twoway::wait_for(r.readline(), 0.05)), "!! TimeoutError");
        EXPECT_EQ(r.buffered(), 3u);
        w.write("go\n");
        EXPECT_EQ(co_await r.readline(), "abcdef\n");
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    });
}

// A read cancelled by its TaskGroup (a sibling failed) keeps the bytes too.
TEST(Streams, AReadCancelledByItsTaskGroupLosesNoBytes) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(in_two_parts, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        std::string error;
        try {
            co_await read_line_in_a_group(r);
        } catch (const twoway::exception_group &g) {
            error = g.what();
        }
        EXPECT_EQ(error, "unhandled errors in a TaskGroup (1 sub-exception)");
        EXPECT_EQ(r.buffered(), 3u);
        w.write("go\n");
        EXPECT_EQ(co_await r.readline(), "abcdef\n");
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    });
}

namespace {
// Reads nothing for 0.2 s, then counts what arrives until 4 MiB or EOF, and answers with the count.
coroutine<void> slow_counter(stream_reader r, stream_writer w) {
    co_await twoway::sleep(0.2);
    std::size_t n = 0;
    while (n < 4u << 20) {
        std::string chunk = co_await r.read(1 << 20);
        if (chunk.empty()) break;
        n += chunk.size();
    }
    w.write(std::to_string(n));
    co_await w.drain();
    w.close();
}
} // namespace

// probe: a cancelled drain() leaves the written data queued: the peer still receives all 4 MiB.
TEST(Streams, ACancelledDrainLeavesTheDataQueued) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(slow_counter, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        w.write(std::string(4u << 20, 'z'));
        EXPECT_GT(w.get_write_buffer_size(), 0u);
        twoway::task<void> d = twoway::create_task(w.drain());
        co_await twoway::sleep(0);
        d.cancel();
        EXPECT_EQ(co_await outcome_void(d), "!! CancelledError");
        EXPECT_GT(w.get_write_buffer_size(), 0u);
        EXPECT_EQ(co_await r.read(), "4194304");
        w.close();
        co_await w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    });
}

// ---- the server under faults ------------------------------------------------------------------------

// A client that connects and sends nothing does not stop the server from serving others.
TEST(Streams, ASilentClientDoesNotBlockOthers) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(echo_lines, "127.0.0.1", 0);
        auto [silent_r, silent_w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        for (int i = 0; i < 3; ++i) {
            auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
            w.write("client " + std::to_string(i) + "\n");
            EXPECT_EQ(co_await r.readline(), "client " + std::to_string(i) + "\n");
            w.close();
            co_await w.wait_closed();
        }
        EXPECT_EQ(silent_r.buffered(), 0u);
        silent_w.close();
        co_await silent_w.wait_closed();
        srv.close();
        co_await srv.wait_closed();
    });
}

// I16: a server closed while clients are connected stops accepting (a new connection is refused); the
// open connections go on until they close; wait_closed() returns after the last one.
TEST(Streams, I16AServerClosedWithClientsConnected) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(echo_lines, "127.0.0.1", 0);
        const std::uint16_t port = port_of(srv);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port);
        w.write("before\n");
        EXPECT_EQ(co_await r.readline(), "before\n");
        srv.close();
        EXPECT_FALSE(srv.is_serving());
        EXPECT_EQ(co_await outcome_void(twoway::wait_for(srv.wait_closed(), 0.05)), "!! TimeoutError");
        bool refused = false;
        try {
            co_await twoway::open_connection("127.0.0.1", port);
        } catch (const twoway::connection_refused_error &) {
            refused = true;
        }
        EXPECT_TRUE(refused);
        w.write("after\n");
        EXPECT_EQ(co_await r.readline(), "after\n");
        EXPECT_EQ(srv.connection_count(), 1u);
        w.close();
        co_await w.wait_closed();
        EXPECT_EQ(co_await outcome_void(srv.wait_closed()), "-> None");
        EXPECT_EQ(srv.connection_count(), 0u);
    });
}

// A bind to a port in use: Python's "[Errno 98] error while attempting to bind on address
// ('127.0.0.1', P): address already in use" (probe; reuse_address does not let two listeners share it).
TEST(Streams, BindingAPortInUse) {
    run_without_leaks([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(echo_lines, "127.0.0.1", 0);
        const std::uint16_t port = port_of(srv);
        std::string text;
        try {
            co_await twoway::start_server(echo_lines, "127.0.0.1", port);
        } catch (const twoway::os_error &e) {
            text = e.what();
        }
        EXPECT_EQ(text, "[Errno 98] error while attempting to bind on address ('127.0.0.1', " + std::to_string(port) +
                            "): [errno 98] address already in use");
        srv.close();
        co_await srv.wait_closed();
    });
}

// probe: an unknown host: "gaierror: [Errno -2] Name or service not known".
TEST(Streams, AnUnknownHostIsAGaierror) {
    run_without_leaks([]() -> coroutine<void> {
        EXPECT_EQ(co_await outcome_void([]() -> coroutine<void> { co_await twoway::open_connection("no-such-host.invalid", 80); }()),
                  "!! gaierror: [Errno -2] Name or service not known");
    });
}

// The loop closes what is still open when it closes: a connection nobody closed does not leak.
namespace {
std::optional<stream_writer> kept_writer;
}
TEST(Streams, TheLoopClosesWhatIsLeftOpen) {
    const int before = open_fds();
    strings warnings;
    auto previous = twoway::set_warning_hook([&](const twoway::warning &w) { warnings.push_back(std::string(w.category) + ": " + w.message); });
    twoway::run([]() -> coroutine<void> {
        twoway::server srv = co_await twoway::start_server(echo_lines, "127.0.0.1", 0);
        auto [r, w] = co_await twoway::open_connection("127.0.0.1", port_of(srv));
        kept_writer = w; // outlives the run
        w.write("x\n");
        EXPECT_EQ(co_await r.readline(), "x\n");
    }());
    EXPECT_FALSE(kept_writer->is_closing()); // closed under it by the loop, not by close()
    EXPECT_EQ(kept_writer->socket(), nullptr);
    kept_writer->write("after the loop closed"); // goes nowhere, as after a lost connection
    EXPECT_EQ(kept_writer->get_write_buffer_size(), 0u);
    kept_writer.reset(); // the last hold on the loop (its epoll, eventfd and timerfd descriptors)
    twoway::set_warning_hook(previous);
    EXPECT_EQ(open_fds(), before);
    EXPECT_EQ(warnings, strings{"ResourceWarning: loop is closed"}); // Python's StreamWriter.__del__
}
