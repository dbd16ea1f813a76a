# Article: "The async/await Lineage" — the pre-async/await coroutine pattern, run for real on asyncio's
# loop: fetch_data yields a Future, and a small scheduler send()s the result back in when it is done.
# Then the same function written with async def / await, run as an asyncio Task.
import asyncio


def http_request(url):
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_later(0.01, fut.set_result, f"<html>{url}</html>")   # the "network" answers later
    print(f"  http_request({url!r}): a pending Future")
    return fut


def parse_response(response):
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_soon(fut.set_result, response.removeprefix("<html>").removesuffix("</html>").upper())
    print(f"  parse_response({response!r}): a pending Future")
    return fut


# Pre-async/await coroutine pattern (the article's fetch_data)
def fetch_data(url):
    response = yield http_request(url)  # yield a Future, get result via send()
    data = yield parse_response(response)  # same pattern
    return data


def run_with_send(gen):
    """The scheduler of the pattern: each Future's result is sent back into the generator."""
    done = asyncio.get_running_loop().create_future()

    def step(value):
        try:
            fut = gen.send(value)
        except StopIteration as stop:
            print(f"  (scheduler: the generator returned {stop.value!r})")
            done.set_result(stop.value)
            return
        print("  (scheduler: waiting on the Future it yielded)")
        fut.add_done_callback(lambda f: step(f.result()))

    step(None)
    return done


# PEP 492: the same coroutine with async def / await; the Task does the send() now.
async def fetch_data_native(url):
    response = await http_request(url)
    data = await parse_response(response)
    return data


async def main():
    print("== generator-based coroutine, driven with send()")
    result = await run_with_send(fetch_data("example.com"))
    print("fetch_data ->", repr(result))
    print("== async def, driven by an asyncio Task")
    result = await asyncio.create_task(fetch_data_native("python.org"))
    print("fetch_data_native ->", repr(result))


asyncio.run(main())
