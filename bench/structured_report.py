"""Appends the structured-concurrency section to bench/results/report.md (issue 11's table).

Usage: structured_report.py RESULTS_DIR   (reads structured.json from bench/structured_bench and
                                           structured-python-*.json from bench/structured_anchors.py)
Every figure is shown next to asyncio 3.13's, measured by bench/run.sh in the same session.
"""
import os
import sys

from report_common import medians, ns, python_313

out = sys.argv[1]
cxx = medians(os.path.join(out, "structured.json"))
py = python_313(out, "structured")


ROWS = [
    ("queue_pingpong", "`Queue` ping-pong between two tasks, per round trip (two puts, two gets)", "≤ 100 ns"),
    ("gather_1000", "`await gather(*1,000 coroutines that return at once)`, per gather", ""),
    ("timeout_unfired", "`async with timeout(10): pass` (entered and left without firing)", ""),
    ("lock_uncontended", "`async with lock: pass`, nobody else wants the lock", ""),
    ("lock_contended", "`async with lock: await sleep(0)` in 10 tasks, per acquisition (a FIFO hand-off each time)", ""),
]
lines = ["", "## Structured concurrency and synchronisation (issue 11)", "",
         f"Same session: twoway (g++ -O3) against asyncio {py['python'] if py else '(not measured)'}.", "",
         "| benchmark | twoway | asyncio 3.13 | asyncio / twoway | target |", "|---|---|---|---|---|"]
for key, text, target in ROWS:
    t = cxx.get(key)
    p = py["results"].get(key) if py else None
    ratio = f"{p / t:.0f}×" if t and p else "n/a"
    lines.append(f"| {text} | {ns(t)} | {ns(p)} | {ratio} | {target} |")
with open(os.path.join(out, "report.md"), "a") as f:
    f.write("\n".join(lines) + "\n")
