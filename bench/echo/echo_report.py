"""Turns the echo benchmark's results (bench/results/echo.json, written by bench/echo/run_echo.sh) into a
Markdown table on stdout and, with --png, a gnuplot bar chart of requests/s per server and message size.

Usage: python3 bench/echo/echo_report.py bench/results/echo.json [--png bench/results/echo.png]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

SATURATED = 0.95  # client CPU share above which the client, not the server, may be the limit
# Share of the client's or the server's core taken by something other than that process (its core's busy share
# minus its own CPU share) above which a run counts as contended: on a shared machine such a run measures how
# the core was shared more than the server. Loopback softirq work is charged to the process on the kernels
# seen so far (busy minus CPU stays under 0.05 on a quiet machine), so it does not trip this on its own.
CONTENDED = 0.15
BASELINE = "raw_asio"


def size_name(n):
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} B"


def spread(values, fmt):
    """median (min–max) of the runs; only the median when there is one run."""
    med = fmt(statistics.median(values))
    if len(values) == 1:
        return med
    return f"{med} ({fmt(min(values))}–{fmt(max(values))})"


def rate(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def us(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def load(path):
    with open(path) as f:
        data = json.load(f)
    servers = []  # (key, label) in the order of the runs
    cells = {}  # (key, size) -> {"results": [client results], "errors": [messages]}
    for r in data["runs"]:
        if (r["server"], r["label"]) not in servers:
            servers.append((r["server"], r["label"]))
        cell = cells.setdefault((r["server"], r["size"]), {"results": [], "errors": []})
        if "result" in r:
            cell["results"].append(r["result"])
        else:
            cell["errors"].append(r.get("error", "?"))
    sizes = sorted({size for _, size in cells})
    return data["meta"], servers, sizes, cells


def foreign(r):
    """The larger share of the client's or the server's core that went to neither of them in run r."""
    shares = [r[f"{side}_core_busy"] - r[f"{side}_cpu"] for side in ("client", "server")
              if r.get(f"{side}_core_busy") is not None and r.get(f"{side}_cpu") is not None]
    return max(shares, default=0.0)


def opt_median(values):
    return statistics.median(values) if values else None


def median_rps(cell):
    return statistics.median(r["requests_per_s"] for r in cell["results"]) if cell and cell["results"] else None


def markdown(meta, servers, sizes, cells):
    lines = []
    lines.append("## TCP echo on loopback")
    lines.append("")
    lines.append(
        f"{meta['connections']} connections, each a closed loop (send one message, read the whole echo back, "
        f"check every byte); client pinned to core 0, server to core 1. {meta['runs']} run(s) of "
        f"{meta['seconds_per_run']} s after {meta['warmup_seconds']} s of warm-up per cell: median (min–max). "
        "MiB/s counts the payload of one direction. Client CPU is the client's user+sys time over the "
        "window's wall time, server CPU the same for the server process (all its threads). Cores busy is the "
        "non-idle share of the client's and the server's core over the window (/proc/stat): it includes the "
        "softirq time where loopback TCP does much of its work, which the kernel may charge to no process, and "
        "anything else that ran there (other people's work on a shared machine). "
        f"⚠ marks a median client CPU above {SATURATED}: the client saturated its core, so the figure is the "
        f"client's limit as much as the server's. † k/n marks cells where in k of the n runs more than "
        f"{CONTENDED:.2f} of the client's or the server's core went to other work than the client or the server: "
        "those runs measure how the machine was shared rather than the server.")
    m = meta.get("machine", {})
    lines.append("")
    lines.append(f"Machine: {m.get('cpu')}, {m.get('cores')} cores, Linux {m.get('kernel')}; load average before "
                 f"{m.get('loadavg_before')}, after {' '.join(m.get('loadavg_after') or [])}. Started "
                 f"{meta.get('started')}." + (" QUICK smoke-test mode." if meta.get("quick") else ""))
    for size in sizes:
        base = median_rps(cells.get((BASELINE, size)))
        lines.append("")
        lines.append(f"### {size_name(size)} messages")
        lines.append("")
        lines.append("| server | requests/s | MiB/s (one direction) | p50 µs | p99 µs | client CPU | server CPU "
                     "| cores busy (client / server) | vs raw Asio |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key, label in servers:
            cell = cells.get((key, size))
            if cell is None:
                continue
            res = cell["results"]
            if not res:
                error = cell["errors"][0][:160].replace("|", "\\|").replace("\n", " ")
                lines.append(f"| {label} | failed: {error} | | | | | | | |")
                continue
            cpu = [r["client_cpu"] for r in res]
            core = {side: [r[f"{side}_core_busy"] for r in res if r.get(f"{side}_core_busy") is not None]
                    for side in ("client", "server")}
            flag = " ⚠" if statistics.median(cpu) > SATURATED else ""
            contended = sum(1 for r in res if foreign(r) > CONTENDED)
            mark = f" † {contended}/{len(res)}" if contended else ""
            busy = " / ".join(f"{opt_median(core[side]):.2f}" if core[side] else "n/a" for side in ("client", "server"))
            server_cpu = [r["server_cpu"] for r in res if r.get("server_cpu") is not None]
            ratio = f"{median_rps(cell) / base:.2f}×" if base else "n/a"
            failed = f" ({len(cell['errors'])} run(s) failed)" if cell["errors"] else ""
            lines.append(
                f"| {label}{mark}{failed} "
                f"| {spread([r['requests_per_s'] for r in res], rate)} "
                f"| {spread([r['mib_per_s_one_direction'] for r in res], rate)} "
                f"| {spread([r['p50_us'] for r in res], us)} "
                f"| {spread([r['p99_us'] for r in res], us)} "
                f"| {spread(cpu, lambda v: f'{v:.2f}')}{flag} "
                f"| {spread(server_cpu, lambda v: f'{v:.2f}') if server_cpu else 'n/a'} "
                f"| {busy} "
                f"| {ratio} |")
    return "\n".join(lines) + "\n"


def plot(png, meta, servers, sizes, cells):
    """Grouped bars: one group per server, one bar per size, median requests/s with min–max error bars."""
    rows = []
    for key, label in servers:
        cols = []
        for size in sizes:
            res = (cells.get((key, size)) or {}).get("results") or []
            v = [r["requests_per_s"] for r in res]
            # A failed cell gets no bar ("?" is gnuplot's missing value) rather than a zero a log axis cannot show.
            cols += [f"{statistics.median(v):.1f}", f"{min(v):.1f}", f"{max(v):.1f}"] if v else ["?", "?", "?"]
        rows.append('"' + label.replace('"', "'") + '" ' + " ".join(cols))
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, "echo.dat")
        with open(dat, "w") as f:
            f.write("\n".join(rows) + "\n")
        using = ", ".join(
            f"'{dat}' using {2 + 3 * i}:{3 + 3 * i}:{4 + 3 * i}{':xtic(1)' if i == 0 else ''} "
            f"title '{size_name(size)}'"
            for i, size in enumerate(sizes))
        script = f"""set terminal pngcairo size 1100,600 font ',10'
set output '{os.path.abspath(png)}'
set title 'TCP echo on loopback, {meta['connections']} connections: requests/s (median of the runs, bars min-max)'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set datafile missing '?'
set logscale y
set yrange [1000:*]
set ylabel 'requests/s (log scale)'
set format y '%.0s%c'
set grid ytics
set key top right
set xtics rotate by -25 left
set bmargin 8
plot {using}
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json")
    parser.add_argument("--png", help="also draw the bar chart into this file (needs gnuplot)")
    args = parser.parse_args()
    meta, servers, sizes, cells = load(args.json)
    sys.stdout.write(markdown(meta, servers, sizes, cells))
    if args.png:
        plot(args.png, meta, servers, sizes, cells)


if __name__ == "__main__":
    main()
