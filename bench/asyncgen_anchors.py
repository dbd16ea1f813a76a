"""asyncio 3.13's cost for the programs bench/asyncgen_bench.cpp measures (issue 12), in the same shape.

Usage: asyncgen_anchors.py [--quick]   (prints JSON: {"python": "3.13.0", "results": {name: ns per op}})
"""
import asyncio
import json
import statistics
import sys
import time

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 5


async def accumulate():
    total = 0
    while True:
        v = yield total
        if v is not None:
            total += v


async def asend_main(n):
    acc = accumulate()
    await acc.asend(None)
    t0 = time.perf_counter_ns()
    last = 0
    for i in range(n):
        last = await acc.asend(i)
    t = (time.perf_counter_ns() - t0) / n
    await acc.aclose()
    return t


async def count_to(n):
    for i in range(n):
        yield i


async def async_for_main(loops, items):
    t0 = time.perf_counter_ns()
    total = 0
    for _ in range(loops):
        async for x in count_to(items):
            total += x
    return (time.perf_counter_ns() - t0) / loops


async def ticking_accumulate():
    total = 0
    while True:
        v = yield total
        if v is not None:
            total += v
        await asyncio.sleep(0)


async def consume_at(depth, gen, n):
    if depth > 1:
        return await consume_at(depth - 1, gen, n)
    last = 0
    for i in range(n):
        last = await gen.asend(i)
    return last


async def depth_main(depth, n):
    gen = ticking_accumulate()
    await gen.asend(None)
    t0 = time.perf_counter_ns()
    await consume_at(depth, gen, n)
    t = (time.perf_counter_ns() - t0) / n
    await gen.aclose()
    return t


def median_of(fn):
    return statistics.median(asyncio.run(fn()) for _ in range(REPEATS))


n = 20000 if QUICK else 100000
results = {
    "asend_roundtrip": median_of(lambda: asend_main(n)),
    "async_for_1000": median_of(lambda: async_for_main(20 if QUICK else 100, 1000)),
    "asend_depth/1": median_of(lambda: depth_main(1, n // 2)),
    "asend_depth/100": median_of(lambda: depth_main(100, n // 2)),
}
print(json.dumps({"python": sys.version.split()[0], "results": results}))
