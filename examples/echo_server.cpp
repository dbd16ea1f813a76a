// An echo server on twoway's streams, written as one writes it with asyncio:
//
//   async def echo(reader, writer):
//       while data := await reader.read(65536):
//           writer.write(data)
//           await writer.drain()
//       writer.close()
//
//   echo_server --port 8888     serve on 127.0.0.1:8888 until interrupted (the echo benchmark's server)
//   echo_server                 a demonstration: serve on a free port, have three clients talk to it, stop
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>

#include "twoway/asyncio.hpp"

using twoway::coroutine;

coroutine<void> echo(twoway::stream_reader reader, twoway::stream_writer writer) {
    for (;;) {
        std::string data = co_await reader.read(65536);
        if (data.empty()) break;
        writer.write(std::move(data));
        co_await writer.drain();
    }
    writer.close();
}

coroutine<void> serve(std::uint16_t port) {
    twoway::server server = co_await twoway::start_server(echo, "127.0.0.1", port);
    std::cout << "serving on " << server.sockets()[0].getsockname().repr() << std::endl;
    co_await server.serve_forever();
}

// A client: a few lines, each echoed back.
coroutine<void> client(std::uint16_t port, int id) {
    auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", port);
    for (int i = 0; i < 3; ++i) {
        writer.write("client " + std::to_string(id) + " line " + std::to_string(i) + "\n");
        co_await writer.drain();
        std::string line = co_await reader.readline();
        std::cout << "client " << id << " got " << twoway::bytes_repr(line) << "\n";
    }
    writer.close();
    co_await writer.wait_closed();
}

coroutine<void> demonstration() {
    twoway::server server = co_await twoway::start_server(echo, "127.0.0.1", 0);
    const std::uint16_t port = server.sockets()[0].getsockname().port;
    co_await twoway::gather(client(port, 1), client(port, 2), client(port, 3));
    server.close();
    co_await server.wait_closed();
    std::cout << "server closed: is_serving() -> " << (server.is_serving() ? "True" : "False") << "\n";
}

int main(int argc, char **argv) {
    if (argc == 3 && std::strcmp(argv[1], "--port") == 0) {
        twoway::run(serve(static_cast<std::uint16_t>(std::stoi(argv[2]))));
        return 0;
    }
    twoway::run(demonstration());
}
