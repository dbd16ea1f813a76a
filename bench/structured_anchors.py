"""asyncio 3.13's cost for the programs bench/structured_bench.cpp measures (issue 11), in the same shape.

Usage: structured_anchors.py [--quick]   (prints JSON: {"python": "3.13.0", "results": {name: ns per op}})
"""
import asyncio
import json
import statistics
import sys
import time

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 5


async def returns_at_once():
    return 1


async def gather_main(rounds, width):
    t0 = time.perf_counter_ns()
    for _ in range(rounds):
        await asyncio.gather(*[returns_at_once() for _ in range(width)])
    return (time.perf_counter_ns() - t0) / rounds


async def timeout_main(n):
    t0 = time.perf_counter_ns()
    for _ in range(n):
        async with asyncio.timeout(10):
            pass
    return (time.perf_counter_ns() - t0) / n


async def pong(inq, outq, rounds):
    for _ in range(rounds):
        v = await inq.get()
        await outq.put(v + 1)


async def queue_main(rounds):
    q1, q2 = asyncio.Queue(), asyncio.Queue()
    t0 = time.perf_counter_ns()
    b = asyncio.create_task(pong(q1, q2, rounds))
    v = 0
    for _ in range(rounds):
        await q1.put(v)
        v = await q2.get()
    await b
    return (time.perf_counter_ns() - t0) / rounds


async def lock_uncontended_main(n):
    lk = asyncio.Lock()
    t0 = time.perf_counter_ns()
    for _ in range(n):
        async with lk:
            pass
    return (time.perf_counter_ns() - t0) / n


async def lock_user(lk, rounds):
    for _ in range(rounds):
        async with lk:
            await asyncio.sleep(0)


async def lock_contended_main(tasks, rounds):
    lk = asyncio.Lock()
    t0 = time.perf_counter_ns()
    ts = [asyncio.create_task(lock_user(lk, rounds)) for _ in range(tasks)]
    for t in ts:
        await t
    return (time.perf_counter_ns() - t0) / (tasks * rounds)


def median_of(fn):
    return statistics.median(asyncio.run(fn()) for _ in range(REPEATS))


results = {
    "gather_1000": median_of(lambda: gather_main(5 if QUICK else 20, 1000)),
    "timeout_unfired": median_of(lambda: timeout_main(5000 if QUICK else 20000)),
    "queue_pingpong": median_of(lambda: queue_main(5000 if QUICK else 20000)),
    "lock_uncontended": median_of(lambda: lock_uncontended_main(5000 if QUICK else 20000)),
    "lock_contended": median_of(lambda: lock_contended_main(10, 500 if QUICK else 2000)),
}
print(json.dumps({"python": sys.version.split()[0], "results": results}, indent=1))
