"""Echo server written the way an asyncio user would with the low-level API: an asyncio.Protocol whose
data_received writes the bytes straight back through the transport.

Usage: python3 asyncio_protocol_server.py PORT [--uvloop]
--uvloop installs uvloop's event loop policy first (Debian's python3-uvloop, for /usr/bin/python3).
asyncio sets TCP_NODELAY on its TCP sockets itself, like the C++ and Node servers of the benchmark do by hand.
"""
import argparse
import asyncio


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


async def main(port):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Echo, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(main(args.port))
