// Echo server written the way an Asio user would with C++20 coroutines: one coroutine per connection,
// async_read_some into its own buffer, asio::async_write of what arrived, on a single-threaded io_context.
//
// Build: g++ -std=c++20 -O2 -Wall -Wextra -Wpedantic -DASIO_STANDALONE bench/echo/raw_asio_server.cpp
//        -o build/echo/raw_asio_server -pthread
// Usage: raw_asio_server PORT

#include <asio.hpp>

#include <cstdio>
#include <cstdlib>
#include <vector>

using asio::ip::tcp;

namespace {

asio::awaitable<void> echo(tcp::socket socket) {
    std::vector<char> buf(65536);
    try {
        for (;;) {
            std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::use_awaitable);
            co_await asio::async_write(socket, asio::buffer(buf.data(), n), asio::use_awaitable);
        }
    } catch (const std::system_error&) {
        // EOF or reset: the client is gone, and so is this connection.
    }
}

asio::awaitable<void> listen(tcp::acceptor acceptor) {
    for (;;) {
        tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
        // Every server of the benchmark sets TCP_NODELAY (asyncio does by default), so none of them waits on
        // Nagle when an echo goes out in more than one write.
        socket.set_option(tcp::no_delay(true));
        asio::co_spawn(acceptor.get_executor(), echo(std::move(socket)), asio::detached);
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: raw_asio_server PORT\n");
        return 2;
    }
    asio::io_context io(1); // hint: one thread runs it (Asio's own examples do the same)
    tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), static_cast<unsigned short>(std::atoi(argv[1]))});
    asio::co_spawn(io, listen(std::move(acceptor)), asio::detached);
    io.run();
}
