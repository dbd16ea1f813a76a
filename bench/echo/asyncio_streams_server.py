"""Echo server written the way an asyncio user would with streams: asyncio.start_server, reader.read(65536),
writer.write, await writer.drain().

Usage: python3 asyncio_streams_server.py PORT [--uvloop]
--uvloop installs uvloop's event loop policy first (Debian's python3-uvloop, for /usr/bin/python3).
asyncio sets TCP_NODELAY on its TCP sockets itself, like the C++ and Node servers of the benchmark do by hand.
"""
import argparse
import asyncio


async def echo(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass  # the client went away mid-echo: nothing to do but close
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(echo, "127.0.0.1", port)
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
