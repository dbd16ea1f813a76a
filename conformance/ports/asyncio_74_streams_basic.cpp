// Port of asyncio/74_streams_basic.py — Rules: I1-I9 (streams over TCP on 127.0.0.1: start_server /
// open_connection, read / readline / readexactly / readuntil, at_eof, write / drain / write_eof, close /
// wait_closed, async iteration).
//
// Bytes are std::string, printed as Python's repr(bytes). The server side never prints: what it observes
// goes to `observed`, which main prints at the trace's sync points.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "streams_support.hpp"

namespace {

using twoway::coroutine;
using twoway::stream_reader;
using twoway::stream_writer;
using trace::attempt_bytes;

using handler_fn = std::function<coroutine<void>(std::string, stream_reader, stream_writer)>;
std::map<std::string, handler_fn> script; // first request line -> what handles the connection
std::vector<std::string> observed;
std::optional<twoway::future<twoway::none_t>> done_sending;

std::string observed_text() {
    std::string s = "[";
    for (std::size_t i = 0; i < observed.size(); ++i) s += (i ? ", " : "") + trace::repr(observed[i]);
    return s + "]";
}

coroutine<void> handler(stream_reader reader, stream_writer writer) {
    std::string first = co_await reader.readline();
    co_await script.at(first)(first, reader, writer);
}

coroutine<void> echo_upper(std::string first, stream_reader reader, stream_writer writer) {
    auto upper = [](std::string s) {
        for (char &c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return s;
    };
    writer.write(upper(first));
    co_await writer.drain();
    for (;;) {
        std::string line = co_await reader.readline();
        if (line.empty()) break;
        writer.write(upper(line));
        co_await writer.drain();
    }
    observed.push_back("echo: client sent EOF");
    writer.close();
    co_await writer.wait_closed();
}

coroutine<void> send_block(std::string, stream_reader, stream_writer writer) {
    // One write() call, then close: the client receives a fixed byte string followed by EOF.
    writer.write("line one\nline two\n12345ABCDE|tail-without-newline");
    co_await writer.drain();
    writer.close();
    co_await writer.wait_closed();
    done_sending->set_result(twoway::none);
}

coroutine<void> count_until_eof(std::string, stream_reader reader, stream_writer writer) {
    std::string data = co_await reader.read();
    observed.push_back("counter: read() until EOF got " + std::to_string(data.size()) + " bytes");
    writer.write(std::to_string(data.size()) + "\n");
    co_await writer.drain();
    writer.close();
}

coroutine<void> main_() {
    twoway::event_loop loop = twoway::get_running_loop();
    twoway::server server = co_await twoway::start_server(handler, "127.0.0.1", 0);
    const twoway::socket_address addr = server.sockets()[0].getsockname();
    const std::uint16_t port = addr.port;
    std::cout << "start_server: is_serving() -> " << trace::repr(server.is_serving()) << ", len(sockets) -> "
              << server.sockets().size() << ", host -> " << trace::repr(addr.host) << "\n";
    script["ECHO\n"] = echo_upper;
    script["BLOCK\n"] = send_block;
    script["COUNT\n"] = count_until_eof;

    std::cout << "== request/response with write() + drain() and readline()\n";
    {
        auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", port);
        std::cout << "peername host -> " << trace::repr(writer.get_extra_info("peername")->host)
                  << ", can_write_eof() -> " << trace::repr(writer.can_write_eof()) << "\n";
        writer.write("ECHO\n");
        co_await writer.drain();
        co_await attempt_bytes("readline()", reader.readline());
        writer.write("abc\n");
        writer.write("def\n");
        co_await writer.drain();
        co_await attempt_bytes("readline()", reader.readline());
        co_await attempt_bytes("readexactly(4)", reader.readexactly(4));
        std::cout << "at_eof() -> " << trace::repr(reader.at_eof()) << "\n";
        writer.write_eof();
        stream_writer &w = writer; // (clang 14: a lambda cannot capture a structured binding)
        trace::attempt("write() after write_eof()", [&w] { w.write("x"); });
        co_await attempt_bytes("readline() at EOF", reader.readline());
        std::cout << "at_eof() -> " << trace::repr(reader.at_eof()) << "\n";
        co_await attempt_bytes("read() at EOF", reader.read());
        co_await attempt_bytes("read(10) at EOF", reader.read(10));
        std::cout << "observed -> " << observed_text() << "\n";
        observed.clear();
        std::cout << "is_closing() before close() -> " << trace::repr(writer.is_closing()) << "\n";
        writer.close();
        std::cout << "is_closing() after close() -> " << trace::repr(writer.is_closing()) << "\n";
        co_await attempt_bytes("wait_closed()", writer.wait_closed());
    }

    std::cout << "== reading a fixed block: readline, readexactly, readuntil, read(n), read() to EOF\n";
    {
        done_sending = loop.create_future<twoway::none_t>();
        auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", port);
        writer.write("BLOCK\n");
        co_await *done_sending; // the server has sent everything in one write() and closed
        co_await attempt_bytes("readline()", reader.readline());
        co_await attempt_bytes("readuntil(b'\\n')", reader.readuntil("\n"));
        co_await attempt_bytes("readexactly(5)", reader.readexactly(5));
        co_await attempt_bytes("readexactly(0)", reader.readexactly(0));
        co_await attempt_bytes("read(0)", reader.read(0));
        co_await attempt_bytes("readuntil(b'|')", reader.readuntil("|"));
        co_await attempt_bytes("read(4)", reader.read(4));
        co_await attempt_bytes("read()", reader.read());
        std::cout << "at_eof() -> " << trace::repr(reader.at_eof()) << "\n";
        co_await attempt_bytes("readline() at EOF", reader.readline());
        writer.close();
        co_await writer.wait_closed();
    }

    std::cout << "== [3.13+] readuntil() accepts a tuple of separators; the shortest result wins\n";
    {
        done_sending = loop.create_future<twoway::none_t>();
        auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", port);
        writer.write("BLOCK\n");
        co_await *done_sending;
        co_await attempt_bytes("readuntil((b'two', b'one'))", reader.readuntil("two", "one"));
        co_await attempt_bytes("readuntil((b'ABCDE|', b'12'))", reader.readuntil("ABCDE|", "12"));
        writer.close();
        co_await writer.wait_closed();
    }

    std::cout << "== async for over a StreamReader yields lines until EOF\n";
    {
        done_sending = loop.create_future<twoway::none_t>();
        auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", port);
        writer.write("BLOCK\n");
        co_await *done_sending;
        std::vector<std::string> lines;
        while (auto line = co_await twoway::anext(reader, twoway::none)) lines.push_back(*line);
        std::cout << "lines -> " << trace::show_bytes_list(lines) << "\n";
        writer.close();
        co_await writer.wait_closed();
    }

    std::cout << "== write_eof(): the peer's read() returns everything written so far\n";
    {
        auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", port);
        writer.write("COUNT\n");
        writer.writelines({"abc", "defg", "hij"});
        writer.write_eof();
        co_await attempt_bytes("readline() (the server's answer)", reader.readline());
        co_await attempt_bytes("read() (server closed)", reader.read());
        std::cout << "observed -> " << observed_text() << "\n";
        observed.clear();
        writer.close();
        co_await writer.wait_closed();
    }

    std::cout << "== server.close() stops listening; wait_closed() returns once no connection is left\n";
    server.close();
    std::cout << "is_serving() -> " << trace::repr(server.is_serving()) << ", sockets -> " << (server.sockets().empty() ? "()" : "(...)") << "\n";
    co_await attempt_bytes("server.wait_closed()", server.wait_closed());
}

} // namespace

int main() {
    twoway::run(main_());
    script.clear();
    done_sending.reset();
}
