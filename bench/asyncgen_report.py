"""Appends the async generator section to bench/results/report.md (issue 12's table).

Usage: asyncgen_report.py RESULTS_DIR   (reads asyncgen.json from bench/asyncgen_bench,
                                         asyncgen-python-*.json from bench/asyncgen_anchors.py and
                                         asyncgen_instructions.json from bench/asyncgen_instructions.sh)
Every figure is shown next to asyncio 3.13's, measured by bench/run.sh in the same session.
"""
import json
import os
import sys

from report_common import medians, ns, python_313

out = sys.argv[1]
cxx = medians(os.path.join(out, "asyncgen.json"))
py = python_313(out, "asyncgen")
instr = {}
path = os.path.join(out, "asyncgen_instructions.json")
if os.path.exists(path):
    with open(path) as f:
        instr = json.load(f)


ROWS = [
    ("asend_roundtrip", "asend_roundtrip", "`await agen.asend(v)` in a task, the generator yielding at once (a round trip)"),
    ("async_for_1000", "async_for_item", "`async for` over an async generator of 1,000 items (the whole loop; instructions per item)"),
    ("asend_depth/1", "asend_depth1", "`asend` from a consumer 1 await below the task, the generator awaiting `sleep(0)` each step"),
    ("asend_depth/100", "asend_depth100", "the same with the consumer 100 awaits deep"),
]
lines = ["", "## Async generators (issue 12)", "",
         f"Same session: twoway (g++ -O3) against asyncio {py['python'] if py else '(not measured)'}; "
         "instructions per operation by callgrind (g++ -O3, (Ir(2N) − Ir(N)) / N).", "",
         "| benchmark | twoway | instructions | asyncio 3.13 | asyncio / twoway |", "|---|---|---|---|---|"]
for key, ikey, text in ROWS:
    t = cxx.get(key)
    p = py["results"].get(key) if py else None
    ratio = f"{p / t:.0f}×" if t and p else "n/a"
    lines.append(f"| {text} | {ns(t)} | {instr.get(ikey, 'n/a')} | {ns(p)} | {ratio} |")
d1, d100 = cxx.get("asend_depth/1"), cxx.get("asend_depth/100")
if d1 and d100:
    lines += ["", f"Depth 100 against depth 1: {d100 / d1:.2f}× in time"
              + (f", {instr['asend_depth100'] / instr['asend_depth1']:.2f}× in instructions" if instr.get('asend_depth1') else "")
              + (f" (asyncio: {py['results']['asend_depth/100'] / py['results']['asend_depth/1']:.2f}×)" if py else "") + "."]
with open(os.path.join(out, "report.md"), "a") as f:
    f.write("\n".join(lines) + "\n")
