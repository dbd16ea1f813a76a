// Port of asyncio/75_streams_errors.py — Rules: I10-I18 (stream errors: IncompleteReadError,
// LimitOverrunError, argument errors, concurrent reads, connection refused, server close / wait_closed,
// serve_forever, close_clients).
//
// The server's repr lists its sockets (file descriptor, port): the trace redacts it to
// "<Server sockets=(...)>", and so does the port.
#include <map>
#include <optional>
#include <regex>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "streams_support.hpp"

namespace {

using twoway::coroutine;
using twoway::stream_reader;
using twoway::stream_writer;
using trace::attempt_bytes;
using unit_future = twoway::future<twoway::none_t>;

std::string redact(std::string msg) {
    static const std::regex open_server(R"(<Server sockets=\(<.*>,\)>)");
    return std::regex_replace(msg, open_server, "<Server sockets=(...)>");
}

// attempt() with the redaction, for the server's methods.
template <class A>
coroutine<void> attempt_redacted(std::string label, A aw) {
    std::exception_ptr e;
    try {
        co_await std::move(aw);
    } catch (...) {
        e = std::current_exception();
    }
    if (e)
        std::cout << label << " !! " << trace::python_name(e) << ": " << redact(trace::message_of(e)) << "\n";
    else
        std::cout << label << " -> None\n";
}

const std::map<std::string, std::string> payloads = {
    {"SHORT\n", "abcd"},                          // 4 bytes, then EOF
    {"NOSEP\n", "0123456789abcdefghij"},          // 20 bytes, no newline, then EOF
    {"LONGLINE\n", "0123456789abc\nrest\n"},     // separator at index 13
};
std::map<std::string, unit_future> sent;
std::optional<unit_future> release_silent;
std::optional<unit_future> silent_started;

coroutine<void> handler(stream_reader reader, stream_writer writer) {
    std::string first = co_await reader.readline();
    if (auto p = payloads.find(first); p != payloads.end()) {
        writer.write(p->second);
        co_await writer.drain();
        writer.close();
        co_await writer.wait_closed();
        sent.at(first).set_result(twoway::none);
    } else {
        // SILENT: send nothing until released, then close.
        if (silent_started && !silent_started->done()) silent_started->set_result(twoway::none);
        unit_future release = *release_silent;
        co_await release;
        writer.close();
    }
}

struct connection {
    stream_reader reader;
    stream_writer writer;
};

coroutine<connection> connect(std::uint16_t port, std::string request, long long limit = twoway::default_stream_limit) {
    twoway::event_loop loop = twoway::get_running_loop();
    sent.insert_or_assign(request, loop.create_future<twoway::none_t>());
    auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", port, {.limit = limit});
    writer.write(request);
    unit_future done = sent.at(request);
    co_await done; // the server has written everything (one write) and closed
    co_return connection{reader, writer};
}

template <class E>
const E *as(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const E &x) {
        return &x;
    } catch (...) {
        return nullptr;
    }
}

std::string expected_repr(std::optional<std::size_t> n) { return n ? std::to_string(*n) : "None"; }

coroutine<void> main_() {
    twoway::event_loop loop = twoway::get_running_loop();
    release_silent = loop.create_future<twoway::none_t>();
    twoway::server server = co_await twoway::start_server(handler, "127.0.0.1", 0);
    std::uint16_t port = server.sockets()[0].getsockname().port;

    std::cout << "== IncompleteReadError: EOF before readexactly(n) is satisfied\n";
    {
        connection c = co_await connect(port, "SHORT\n");
        std::exception_ptr e = co_await attempt_bytes("readexactly(10)", c.reader.readexactly(10));
        const auto *x = as<twoway::incomplete_read_error>(e);
        std::cout << "partial -> " << twoway::bytes_repr(x->partial()) << ", expected -> " << expected_repr(x->expected())
                  << ", is an EOFError -> " << trace::repr(as<twoway::eof_error>(e) != nullptr) << "\n";
        std::cout << "buffer emptied: at_eof() -> " << trace::repr(c.reader.at_eof()) << "\n";
        c.writer.close();
    }

    std::cout << "== IncompleteReadError from readuntil() at EOF: expected is None; readline() returns the partial line instead\n";
    {
        connection c = co_await connect(port, "SHORT\n");
        std::exception_ptr e = co_await attempt_bytes("readuntil(b'!')", c.reader.readuntil("!"));
        const auto *x = as<twoway::incomplete_read_error>(e);
        std::cout << "partial -> " << twoway::bytes_repr(x->partial()) << ", expected -> " << expected_repr(x->expected())
                  << ", at_eof() -> " << trace::repr(c.reader.at_eof()) << "\n";
        c.writer.close();
        connection d = co_await connect(port, "SHORT\n");
        co_await attempt_bytes("readline()", d.reader.readline());
        d.writer.close();
    }

    std::cout << "== LimitOverrunError (limit=8): the data stays in the buffer\n";
    {
        connection c = co_await connect(port, "NOSEP\n", 8);
        std::exception_ptr e = co_await attempt_bytes("readuntil(b'\\n'), no separator", c.reader.readuntil("\n"));
        std::cout << "consumed -> " << as<twoway::limit_overrun_error>(e)->consumed() << ", is a LimitOverrunError -> "
                  << trace::repr(as<twoway::limit_overrun_error>(e) != nullptr) << "\n";
        co_await attempt_bytes("readexactly(20) afterwards", c.reader.readexactly(20));
        c.writer.close();
        connection d = co_await connect(port, "LONGLINE\n", 8);
        e = co_await attempt_bytes("readuntil(b'\\n'), separator beyond the limit", d.reader.readuntil("\n"));
        std::cout << "consumed -> " << as<twoway::limit_overrun_error>(e)->consumed() << "\n";
        co_await attempt_bytes("readexactly(14) afterwards", d.reader.readexactly(14));
        co_await attempt_bytes("readuntil(b'\\n') (short line)", d.reader.readuntil("\n"));
        d.writer.close();
    }

    std::cout << "== readline() turns LimitOverrunError into ValueError and discards the over-long line\n";
    {
        connection c = co_await connect(port, "LONGLINE\n", 8);
        co_await attempt_bytes("readline()", c.reader.readline());
        co_await attempt_bytes("readline() next", c.reader.readline());
        c.writer.close();
        connection d = co_await connect(port, "NOSEP\n", 8);
        co_await attempt_bytes("readline() without any newline", d.reader.readline());
        co_await attempt_bytes("read() afterwards", d.reader.read());
        d.writer.close();
    }

    std::cout << "== argument errors\n";
    {
        connection c = co_await connect(port, "SHORT\n");
        co_await attempt_bytes("readexactly(-1)", c.reader.readexactly(-1));
        co_await attempt_bytes("readuntil(b'')", c.reader.readuntil(""));
        std::vector<std::string> no_separators;
        co_await attempt_bytes("[3.13+] readuntil(())", c.reader.readuntil(no_separators));
        c.writer.close();
        trace::attempt("StreamReader(limit=0)", [] { (void)stream_reader(0); });
    }

    std::cout << "== two reads waiting on one reader: the second fails; a cancelled read leaves the reader usable\n";
    {
        auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", port);
        writer.write("SILENT\n");
        twoway::task<std::string> first = twoway::create_task(reader.read(100));
        co_await twoway::sleep(0);
        co_await attempt_bytes("readline() while read() waits", reader.readline());
        co_await attempt_bytes("readexactly(1) while read() waits", reader.readexactly(1));
        first.cancel();
        co_await attempt_bytes("the waiting read() after cancel()", first);
        release_silent->set_result(twoway::none);
        co_await attempt_bytes("read() after the server closed", reader.read());
        writer.close();
        co_await writer.wait_closed();
    }

    std::cout << "== connection refused\n";
    {
        // A port nobody listens on: bound, read back, closed.
        const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        (void)::bind(probe, reinterpret_cast<sockaddr *>(&a), sizeof a);
        socklen_t len = sizeof a;
        (void)::getsockname(probe, reinterpret_cast<sockaddr *>(&a), &len);
        const std::uint16_t free_port = ntohs(a.sin_port);
        ::close(probe);
        try {
            co_await twoway::open_connection("127.0.0.1", free_port);
        } catch (const twoway::connection_refused_error &e) {
            std::cout << "open_connection(closed port) !! ConnectionRefusedError | errno -> " << twoway::errorcode(e.errno_value())
                      << " | is an OSError -> " << trace::repr(std::is_base_of_v<twoway::os_error, twoway::connection_refused_error>) << "\n";
        }
    }

    std::cout << "== [3.12.1+] server.wait_closed() also waits for open connections (3.11 returns at once)\n";
    {
        auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", port);
        release_silent = loop.create_future<twoway::none_t>();
        silent_started = loop.create_future<twoway::none_t>();
        writer.write("SILENT\n");
        unit_future started = *silent_started;
        co_await started; // the server's handler is running for this connection
        server.close();
        std::cout << "server.close(): is_serving() -> " << trace::repr(server.is_serving()) << "\n";
        co_await attempt_redacted("wait_for(server.wait_closed(), 0.05) with a connection open",
                                  twoway::wait_for(server.wait_closed(), 0.05));
        release_silent->set_result(twoway::none);
        co_await attempt_bytes("client read() until the server side closes", reader.read());
        writer.close();
        co_await writer.wait_closed();
        co_await attempt_redacted("server.wait_closed() after the connection is gone", server.wait_closed());
    }

    std::cout << "== serve_forever(): cancelling it closes the server\n";
    {
        server = co_await twoway::start_server(handler, "127.0.0.1", 0);
        twoway::task<void> sf = twoway::create_task(server.serve_forever());
        co_await twoway::sleep(0);
        co_await attempt_redacted("serve_forever() a second time", server.serve_forever());
        sf.cancel();
        co_await attempt_redacted("cancelled serve_forever()", sf);
        std::cout << "is_serving() -> " << trace::repr(server.is_serving()) << ", sockets -> "
                  << (server.sockets().empty() ? "()" : "(...)") << "\n";
        co_await attempt_redacted("serve_forever() on a closed server", server.serve_forever());
    }

    std::cout << "== async with server: closed on exit; [3.13+] close_clients() closes the open connections\n";
    {
        twoway::server started_server = co_await twoway::start_server(handler, "127.0.0.1", 0);
        co_await twoway::async_with(started_server, [&](twoway::server srv) -> coroutine<void> {
            const std::uint16_t p = srv.sockets()[0].getsockname().port;
            release_silent = loop.create_future<twoway::none_t>();
            silent_started = loop.create_future<twoway::none_t>();
            auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", p);
            writer.write("SILENT\n");
            unit_future started = *silent_started;
            co_await started;
            srv.close_clients();
            co_await attempt_bytes("client read() after close_clients()", reader.read());
            writer.close();
            co_await writer.wait_closed();
        });
        std::cout << "after async with: is_serving() -> " << trace::repr(started_server.is_serving()) << "\n";
    }
}

} // namespace

int main() {
    twoway::run(main_());
    sent.clear();
    release_silent.reset();
    silent_started.reset();
}
