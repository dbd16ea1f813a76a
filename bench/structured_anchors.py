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


def median_of(fn):
    return statistics.median(asyncio.run(fn()) for _ in range(REPEATS))


results = {
    "gather_1000": median_of(lambda: gather_main(5 if QUICK else 20, 1000)),
    "timeout_unfired": median_of(lambda: timeout_main(5000 if QUICK else 20000)),
}
print(json.dumps({"python": sys.version.split()[0], "results": results}, indent=1))
