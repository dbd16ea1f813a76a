"""asyncio's cost for the programs bench/asyncio_bench.cpp measures (issue 10), in the same shape.

Usage: asyncio_anchors.py [--quick]   (prints JSON: {"python": "3.13.0", "results": {name: value}})
Times are ns per operation (median of several runs), steady state only where the C++ side times only
the steady state; memory is bytes per task suspended on a future, by tracemalloc.
"""
import asyncio
import json
import statistics
import sys
import time
import tracemalloc

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 5
TASKS = 1000


async def spin(rounds):
    for _ in range(rounds):
        await asyncio.sleep(0)


async def spin_at(depth, rounds):
    if depth <= 1:
        await spin(rounds)
    else:
        await spin_at(depth - 1, rounds)


async def switch_main(depth, rounds):
    tasks = [asyncio.create_task(spin_at(depth, rounds)) for _ in range(TASKS)]
    await asyncio.sleep(0)  # every task has run its first step
    t0 = time.perf_counter_ns()
    for t in tasks:
        await t
    return (time.perf_counter_ns() - t0) / (TASKS * (rounds - 1))


async def returns_at_once():
    return 1


async def create_await_main(n):
    t0 = time.perf_counter_ns()
    s = 0
    for _ in range(n):
        s += await asyncio.create_task(returns_at_once())
    return (time.perf_counter_ns() - t0) / n


async def pingpong_main(rounds):
    """Each player completes the future the other awaits, then awaits a fresh one of its own."""
    loop = asyncio.get_running_loop()
    waiting = [None, None]

    async def player(me):
        for i in range(rounds):
            mine = loop.create_future()
            waiting[me] = mine
            other = waiting[1 - me]
            if other is not None and not other.done():
                other.set_result(i)
            await mine
        other = waiting[1 - me]
        if other is not None and not other.done():
            other.set_result(-1)

    t0 = time.perf_counter_ns()
    a = asyncio.create_task(player(0))
    b = asyncio.create_task(player(1))
    await a
    await b
    return (time.perf_counter_ns() - t0) / (2 * rounds)  # per hop: two per round trip


async def waits_on(f):
    await f


async def memory_main(n):
    loop = asyncio.get_running_loop()
    gate = loop.create_future()
    await asyncio.sleep(0)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tasks = [asyncio.create_task(waits_on(gate)) for _ in range(n)]
    await asyncio.sleep(0)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    gate.set_result(None)
    for t in tasks:
        await t
    return (after - before) / n


def median_of(fn):
    return statistics.median(asyncio.run(fn()) for _ in range(REPEATS))


results = {
    "task_switch/depth/1": median_of(lambda: switch_main(1, 50 if QUICK else 200)),
    "task_switch/depth/100": median_of(lambda: switch_main(100, 50 if QUICK else 200)),
    "create_task_await": median_of(lambda: create_await_main(2000 if QUICK else 10000)),
    "future_pingpong": median_of(lambda: pingpong_main(2000 if QUICK else 10000)),
    "memory_per_task": asyncio.run(memory_main(10000)),
}
print(json.dumps({"python": sys.version.split()[0], "results": results}, indent=1))
