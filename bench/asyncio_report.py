"""Appends the asyncio section to bench/results/report.md (issue 10's table).

Usage: asyncio_report.py RESULTS_DIR   (reads asyncio.json from bench/asyncio_bench, asyncio-python-*.json
                                        from bench/asyncio_anchors.py, syscalls.txt if present)
Every figure is shown next to asyncio 3.13's, measured by bench/run.sh in the same session, and next to
the C++ anchors of the same run (raw Asio's post, a bare ready queue).
"""
import json
import os
import sys

out = sys.argv[1]
with open(os.path.join(out, "asyncio.json")) as f:
    data = json.load(f)
cxx = {}
for b in data["benchmarks"]:
    if b.get("error_occurred") or b.get("aggregate_name") not in (None, "median"):
        continue
    name = b.get("run_name", b["name"]).replace("/manual_time", "").replace("/iterations:1", "")
    counters = {}
    for k, v in b.items():
        if k.startswith("ns_per"):
            # Rate counters (kIsRate | kInvert) are stored in seconds per operation; the manual ones in ns.
            counters[k] = v * 1e9 if v < 1e-3 else v
        elif k.startswith(("bytes_per", "frame_bytes", "overhead_bytes")):
            counters[k] = v
    cxx[name] = counters
py = None
for name in sorted(os.listdir(out)):
    if name.startswith("asyncio-python-") and name.endswith(".json"):
        with open(os.path.join(out, name)) as f:
            p = json.load(f)
        if p["python"].startswith("3.13"):
            py = p


def get(name, key):
    return cxx.get(name, {}).get(key)


def pyv(name):
    return py["results"].get(name) if py else None


def ns(v):
    if v is None:
        return "n/a"
    return f"{v:,.1f} ns" if v < 10000 else f"{v / 1000:,.1f} µs"


def times(a, b):
    return "n/a" if a is None or b is None or a == 0 else f"{b / a:,.0f}×"


d1 = get("task_switch/depth/1/tasks:1000", "ns_per_switch")
d100 = get("task_switch/depth/100/tasks:1000", "ns_per_switch")
d1_small = get("task_switch/depth/1/tasks:50", "ns_per_switch")
d100_small = get("task_switch/depth/100/tasks:50", "ns_per_switch")
create = get("create_task_await", "ns_per_op")
ping = get("future_pingpong", "ns_per_hop")
mem = cxx.get("memory_per_task", {})
post = get("anchor/asio_post", "ns_per_post")
bare = get("anchor/bare_ready_queue", "ns_per_hop")
lines = [
    "",
    "## asyncio layer (issue 10)",
    "",
    f"Same session: twoway (g++ -O3) against asyncio {py['python'] if py else '(not measured)'}; C++ anchors: raw Asio "
    f"`post` round trip {ns(post)}, a bare ready queue {ns(bare)} per hop.",
    "",
    "| benchmark | twoway | asyncio 3.13 | asyncio / twoway | target |",
    "|---|---|---|---|---|",
    f"| task switch: 1,000 tasks doing `sleep(0)` | {ns(d1)} | {ns(pyv('task_switch/depth/1'))} | {times(d1, pyv('task_switch/depth/1'))} | ≤ 20 ns |",
    f"| the same, awaiting coroutine 100 deep | {ns(d100)} ({d100 / d1:.2f}× depth 1) | {ns(pyv('task_switch/depth/100'))} | {times(d100, pyv('task_switch/depth/100'))} | within 10% of depth 1 |"
    if d1 and d100 else "| the same, 100 deep | n/a | | | |",
    f"| 50 tasks doing `sleep(0)`, depth 1 / depth 100 (every chain in cache) | {ns(d1_small)} / {ns(d100_small)} ({d100_small / d1_small:.2f}×) | | | |"
    if d1_small and d100_small else "",
    f"| `await create_task(c())`, c returns at once | {ns(create)} | {ns(pyv('create_task_await'))} | {times(create, pyv('create_task_await'))} | ≤ 100 ns |",
    f"| future completed → awaiting task resumed (one hop of a ping-pong between two tasks) | {ns(ping)} | {ns(pyv('future_pingpong'))} | {times(ping, pyv('future_pingpong'))} | ≤ 50 ns |",
    f"| memory per task suspended on a future | {mem.get('bytes_per_task', 0):,.0f} B (frame {mem.get('frame_bytes', 0):,.0f} B + {mem.get('overhead_bytes', 0):,.0f} B) | "
    f"{pyv('memory_per_task') or 0:,.0f} B | | frame + ≤ 128 B |",
    "",
    f"Ratio to raw Asio's `post`: a task switch costs {d1 / post:.2f}× one Asio post round trip." if d1 and post else "",
]
instr = os.path.join(out, "asyncio_instructions.json")
if os.path.exists(instr):
    with open(instr) as f:
        ir = json.load(f)
    lines += ["", "Instructions per operation (callgrind, the same g++ build of bench/asyncio_bench.cpp, "
              "`bench/asyncio_instructions.sh`): "
              + ", ".join(f"{k} {v:,.0f}" for k, v in ir.items())
              + ". A task switch executes the same instructions at await depth 1 and 100; what the time adds "
              "at depth 100 with 1,000 tasks is memory: the chains take about 20 MB, so each switch reaches a "
              "root and a leaf frame that are far apart (compare the 50-task row)."]
syscalls = os.path.join(out, "syscalls.txt")
if os.path.exists(syscalls):
    with open(syscalls) as f:
        lines += ["", f.read().strip()]
with open(os.path.join(out, "report.md"), "a") as f:
    f.write("\n".join(lines) + "\n")
