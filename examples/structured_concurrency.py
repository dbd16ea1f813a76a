# Structured concurrency in asyncio: gather, a timeout, a pool of workers fed by a queue inside a
# TaskGroup, and a TaskGroup whose child fails. examples/structured_concurrency.cpp is the C++ program;
# a test checks that it prints what CPython 3.13 prints for this one.
import asyncio


async def fetch(url, delay):
    await asyncio.sleep(delay)
    if "bad" in url:
        raise ValueError(f"cannot fetch {url}")
    return f"<{url}>"


async def worker(name, queue, results):
    while True:
        url, delay = await queue.get()
        try:
            results.append((name, await fetch(url, delay)))
        except ValueError as e:
            results.append((name, f"error: {e}"))
        finally:
            queue.task_done()


async def main():
    pages = await asyncio.gather(fetch("a", 0.03), fetch("b", 0.01), fetch("c", 0.02))
    print("gather ->", pages)

    try:
        async with asyncio.timeout(0.05):
            await fetch("slow", 10)
    except TimeoutError:
        print("timeout -> TimeoutError")

    queue = asyncio.Queue()
    results = []
    for i, url in enumerate(["u1", "bad-u2", "u3", "u4"]):
        queue.put_nowait((url, 0.01 * (i + 1)))
    async with asyncio.TaskGroup() as tg:
        workers = [tg.create_task(worker(f"w{i}", queue, results)) for i in range(2)]
        await queue.join()
        for w in workers:
            w.cancel()
    print("workers ->", results)

    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fetch("ok", 0.01))
            tg.create_task(fetch("bad", 0.02))
    except* ValueError as eg:
        print("task group ->", [str(e) for e in eg.exceptions])


asyncio.run(main())
