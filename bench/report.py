"""Writes bench/results/report.md and the depth plot from one benchmark run.

Usage: report.py RESULTS_DIR   (reads twoway.json, twoway_no_recycling.json, python-*.json there, and
                               instructions.json from bench/instructions.sh if present)
Every figure is shown with its ratio to the reference measured in the same run.
"""
import json
import os
import subprocess
import sys

out = sys.argv[1]


def gbench(path):
    with open(path) as f:
        data = json.load(f)
    medians, counters = {}, {}
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        if b.get("error_occurred"):
            continue  # skipped with an error: no figure
        if b.get("aggregate_name") == "median" or b.get("run_type") == "iteration" and name not in medians:
            medians[name] = b["real_time"] if b["time_unit"] == "ns" else b["real_time"] * 1000
            for k, v in b.items():
                if k.endswith("_bytes"):
                    counters[k] = v
    return medians, counters, data.get("context", {})


tw, counters, context = gbench(os.path.join(out, "twoway.json"))
tw_nr, counters_nr, _ = gbench(os.path.join(out, "twoway_no_recycling.json"))
clang_path = os.path.join(out, "twoway_clang.json")
tw_clang = gbench(clang_path)[0] if os.path.exists(clang_path) else {}
pythons = []
for name in sorted(os.listdir(out)):
    if name.startswith("python-") and name.endswith(".json"):
        with open(os.path.join(out, name)) as f:
            pythons.append(json.load(f))
py313 = next((p for p in pythons if p["python"].startswith("3.13")), None)


def ns(v):
    return "n/a" if v is None else (f"{v:,.1f} ns" if v < 10000 else f"{v / 1000:,.1f} µs")


def ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


rows = []


def row(name, value, ref_name, ref_value, goal=""):
    if value is None and ref_value is None:
        return  # neither was measured in this run (an older run)
    rows.append(f"| `{name}` | {ns(value)} | `{ref_name}` | {ns(ref_value)} | {ratio(value, ref_value)} | {goal} |")


row("send/twoway", tw.get("send/twoway"), "send/floor", tw.get("send/floor"), "≤ 2.2× (g++)")
row("next/twoway", tw.get("next/twoway"), "send/floor", tw.get("send/floor"), "")
if tw_clang:
    row("send/twoway, clang++", tw_clang.get("send/twoway"), "send/floor, clang++", tw_clang.get("send/floor"), "≤ 1.9× (clang)")
    row("next/twoway, clang++", tw_clang.get("next/twoway"), "send/floor, clang++", tw_clang.get("send/floor"), "")
row("send/coroutine2", tw.get("send/coroutine2"), "send/floor", tw.get("send/floor"), "(the stackful peer)")
row("send/twoway", tw.get("send/twoway"), "send/coroutine2", tw.get("send/coroutine2"), "")
for d in (10, 100, 1000, 10000):
    row(f"yield_from/twoway/{d}", tw.get(f"yield_from/twoway/{d}"), "yield_from/twoway/1", tw.get("yield_from/twoway/1"),
        "≤ 1.5× at 1000" if d == 1000 else "")
row("create_destroy/twoway (recycling)", tw.get("create_destroy/twoway"), "create_destroy/floor", tw.get("create_destroy/floor"), "≤ 1.0×")
row("create_destroy/twoway (no recycling)", tw_nr.get("create_destroy/twoway"), "create_destroy/floor", tw_nr.get("create_destroy/floor"), "≤ 1.0×")
row("throw/twoway", tw.get("throw/twoway"), "throw/cxx", tw.get("throw/cxx"), "≤ 1.3×")
row("destroy_suspended/twoway", tw.get("destroy_suspended/twoway"), "destroy_suspended/floor", tw.get("destroy_suspended/floor"), "(close on destroy, F1)")
row("abandon_opted_in/twoway", tw.get("abandon_opted_in/twoway"), "destroy_suspended/floor", tw.get("destroy_suspended/floor"),
    "≤ 1.2× (no_exit_handlers: destroyed without GeneratorExit)")
row("abandon_opted_in/twoway", tw.get("abandon_opted_in/twoway"), "destroy_suspended/twoway", tw.get("destroy_suspended/twoway"), "")
row("close/twoway", tw.get("close/twoway"), "throw/cxx", tw.get("throw/cxx"), "(create + prime + close)")

# Instructions per operation, from bench/instructions.sh (callgrind; absent if it was not run).
instructions = None
instructions_path = os.path.join(out, "instructions.json")
if os.path.exists(instructions_path):
    with open(instructions_path) as f:
        instructions = json.load(f)
instr_rows = []
if instructions:
    ops = {k: v.get("instructions_per_op") for k, v in instructions.get("cases", {}).items()}
    floor_send = ops.get("floor_send")

    def count(v):
        return "n/a" if v is None else f"{v:,.0f}" if v == int(v) else f"{v:,.1f}"

    def instr_row(what, case, ref_case, target=None, note=""):
        v, ref = ops.get(case), ops.get(ref_case)
        if target is None:
            met = note
            goal = ""
        else:
            goal = f"≤ {target}"
            met = "n/a" if v is None else ("**met**" if v <= target else f"missed by {v - target:,.0f}")
        instr_rows.append(f"| {what} | `{case}` | {count(v)} | `{ref_case}` {count(ref)} | {ratio(v, ref)} | {goal} | {met} |")

    instr_row("send of an int", "send", "floor_send", 54)
    instr_row("next", "next", "floor_send", 48)
    instr_row("send through a depth-1000 yield-from chain", "send_depth1000", "floor_send", 63)
    instr_row("create, next, destroy while suspended", "create_next_destroy", "floor_create_next_destroy", None,
              "(close on destroy, F1)")
    if floor_send is not None:
        instr_rows.append(f"| the floor's send (hand-written coroutine) | `floor_send` | {count(floor_send)} | | | | "
                          "(26 in issue 9) |")

py_rows = []
if py313:
    r = py313["results"]
    pairs = [("send", "send/twoway"), ("next", "next/twoway"), ("create_destroy", "create_destroy/twoway"),
             ("destroy_suspended", "destroy_suspended/twoway"), ("close", "close/twoway"), ("throw", "throw/twoway")]
    pairs += [(f"yield_from/{d}", f"yield_from/twoway/{d}") for d in (1, 10, 100, 1000, 10000)]
    for pname, tname in pairs:
        pv = r.get(pname)
        tv = tw.get(tname)
        goal = "≥ 20×" if pname == "send" else ""
        py_rows.append(f"| {pname} | {ns(pv)} | {ns(tv)} | {ratio(pv, tv)} faster | {goal} |")

# The plot: send cost against depth.
depths = [1, 10, 100, 1000, 10000]
with open(os.path.join(out, "depth.dat"), "w") as f:
    f.write("# depth twoway_ns floor_ns " + " ".join(f"cpython{p['python']}_ns" for p in pythons) + "\n")
    for d in depths:
        vals = [tw.get(f"yield_from/twoway/{d}", float("nan")), tw.get("send/floor", float("nan"))]
        vals += [p["results"].get(f"yield_from/{d}") or float("nan") for p in pythons]
        f.write(f"{d} " + " ".join(str(v) for v in vals) + "\n")
plot = os.path.join(out, "send_vs_depth.png")
lines = ["'depth.dat' using 1:2 with linespoints lw 2 title 'twoway (yield from)'",
         "'depth.dat' using 1:3 with lines lw 2 dt 2 title 'floor (hand-written coroutine, no delegation)'"]
for i, p in enumerate(pythons):
    lines.append(f"'depth.dat' using 1:{4 + i} with linespoints lw 2 title 'CPython {p['python']} (yield from)'")
script = f"""set terminal png size 900,560
set output '{os.path.basename(plot)}'
set title 'Cost of one send() at the bottom of a yield-from chain'
set xlabel 'delegation depth'
set ylabel 'ns per send'
set logscale xy
set grid
set key top left
plot {', '.join(lines)}
"""
subprocess.run(["gnuplot"], input=script, text=True, cwd=out, check=True)

def frame_cost(c):
    """Bytes a suspended minimal generator costs: the bytes obtained from operator new for its frame plus
    sizeof(generator). None when the run did not measure it."""
    if "twoway_frame_bytes" not in c:
        return None
    return c.get("suspended_generator_bytes", c["twoway_frame_bytes"] + c.get("generator_object_bytes", 0))


# Runs from before suspended_generator_bytes counted the frame's allocation on a fresh thread: with recycling
# the frame could come from a free list, and the figure recorded was another allocation's (stale).
mem_rec = counters if "suspended_generator_bytes" in counters else {}
mem_nr = counters_nr
with open(os.path.join(out, "report.md"), "w") as f:
    f.write("# twoway benchmark report\n\n")
    f.write("Generated by `bench/run.sh`. Figures are medians of repeated runs; every ratio compares two figures "
            "from the same run, because this machine is shared and noisy.\n\n")
    f.write(f"Machine: {context.get('num_cpus', '?')} CPUs at {context.get('mhz_per_cpu', '?')} MHz, "
            f"built with the `bench` preset (g++ -O3). Run on {context.get('date', '?')}.\n\n")
    f.write("## twoway against its references\n\n")
    f.write("| benchmark | time | reference | reference time | ratio | goal |\n|---|---|---|---|---|---|\n")
    f.write("\n".join(rows) + "\n\n")
    if instr_rows:
        f.write("## Instructions per operation (callgrind, g++ -O2)\n\n")
        f.write("Counted by `bench/instructions.sh` (`bench/instructions.cpp`, built with -O2): "
                "(Ir(2N) − Ir(N)) / N under callgrind, which does not move with the machine's noise. "
                f"{instructions.get('compiler', '?')}, commit {instructions.get('commit', '?')}, "
                f"run on {instructions.get('date', '?')}.\n\n")
        f.write("| operation | case | instructions/op | reference | ratio | target | target met |\n"
                "|---|---|---|---|---|---|---|\n")
        f.write("\n".join(instr_rows) + "\n\n")
    if py_rows:
        f.write(f"## twoway against CPython {py313['python']}\n\n")
        f.write("| operation | CPython | twoway | twoway is | goal |\n|---|---|---|---|---|\n")
        f.write("\n".join(py_rows) + "\n\n")
    for p in pythons:
        if p is not py313:
            f.write(f"CPython {p['python']}: " + ", ".join(f"{k} {ns(v)}" for k, v in p["results"].items()) + ".\n\n")
    f.write("## Memory per suspended generator\n\n")
    f.write("What a suspended minimal generator really costs: the bytes obtained from operator new for its frame "
            "(counted on a fresh thread, so that the frame cannot come from a recycled one) plus the `generator` "
            "object.\n\n")

    def bytes_(v):
        return "n/a" if v is None else f"{v:.0f} bytes"

    def mem_line(label, c, how):
        if not c:
            return (f"- {label}: n/a (this run predates the fresh-thread count; with recycling its figure was "
                    "another allocation's).\n")
        obj = c.get("generator_object_bytes", 0)
        return (f"- {label}: **{bytes_(frame_cost(c))}** = frame {bytes_(c['twoway_frame_bytes'])} ({how}) "
                f"+ `generator` object {bytes_(obj)}.\n")

    f.write(mem_line("with frame recycling (the default)", mem_rec, "the frame's 64-byte size class"))
    f.write(mem_line("without recycling (`TWOWAY_NO_FRAME_RECYCLING`)", mem_nr, "the size the compiler asks for, plus 64 bytes to align it by hand"))
    floor = (mem_nr or mem_rec).get("floor_frame_bytes")
    if floor is not None:
        f.write(f"- the floor's frame for the same body: {bytes_(floor)}; the difference is the promise "
                "(chain links, channel, state).\n")
    f.write("\n")
    f.write("![send cost against delegation depth](send_vs_depth.png)\n")
print(open(os.path.join(out, "report.md")).read())
