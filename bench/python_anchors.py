"""CPython's cost for the operations bench/twoway_bench.cpp measures, in nanoseconds per operation.

Usage: python_anchors.py [--quick]   (prints JSON: {"python": "3.13.0", "results": {name: ns}})
Each figure is the median of several timed runs of a loop; the loop overhead is not subtracted
(it is part of what a Python program pays too).
"""
import json
import statistics
import sys
import time

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 5
sys.setrecursionlimit(100000)


def per_op(fn, n):
    """Median ns per operation of fn(n), which performs n operations."""
    runs = []
    for _ in range(REPEATS):
        t0 = time.perf_counter_ns()
        fn(n)
        runs.append((time.perf_counter_ns() - t0) / n)
    return statistics.median(runs)


def echo():
    x = 0
    while True:
        x = yield x + 1


def counter():
    i = 0
    while True:
        yield i
        i += 1


def chain(depth):
    if depth <= 1:
        x = 0
        while True:
            x = yield x + 1
    yield from chain(depth - 1)


def once():
    return
    yield


def suspended():
    yield 1


class BenchError(Exception):
    pass


def catcher():
    caught = 0
    while True:
        try:
            yield caught
        except BenchError:
            caught += 1


def bench_send(n):
    g = echo()
    next(g)
    v = 0
    send = g.send
    for _ in range(n):
        v = send(v)


def bench_next(n):
    g = counter()
    for _ in range(n):
        next(g)


def bench_yield_from(depth):
    def run(n):
        g = chain(depth)
        next(g)
        v = 0
        send = g.send
        for _ in range(n):
            v = send(v)
    return run


def bench_create_destroy(n):
    for _ in range(n):
        g = once()
        for _ in g:
            pass


def bench_destroy_suspended(n):
    for _ in range(n):
        g = suspended()
        next(g)
        del g


def bench_close(n):
    for _ in range(n):
        g = suspended()
        next(g)
        g.close()


def bench_throw(n):
    g = catcher()
    next(g)
    e = BenchError()
    for _ in range(n):
        g.throw(e)


def bench_raise(n):
    for _ in range(n):
        try:
            raise BenchError()
        except BenchError:
            pass


def main():
    n = 200_000 if QUICK else 1_000_000
    results = {
        "send": per_op(bench_send, n),
        "next": per_op(bench_next, n),
        "create_destroy": per_op(bench_create_destroy, n // 4),
        "destroy_suspended": per_op(bench_destroy_suspended, n // 4),
        "close": per_op(bench_close, n // 4),
        "throw": per_op(bench_throw, n // 4),
        "raise": per_op(bench_raise, n // 4),
    }
    for depth in (1, 10, 100, 1000, 10000):
        count = max(2000, n // max(1, depth // 10))
        try:
            results[f"yield_from/{depth}"] = per_op(bench_yield_from(depth), count)
        except RecursionError:
            results[f"yield_from/{depth}"] = None
    print(json.dumps({"python": sys.version.split()[0], "results": results}))


if __name__ == "__main__":
    main()
