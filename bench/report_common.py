"""What the report scripts of bench/run.sh share: the benchmark medians, the CPython 3.13 anchors of the
same session, and the time format."""
import json
import os


def medians(path):
    """{benchmark name: ns per operation} from a Google Benchmark JSON file's medians (its ns_per_op counter)."""
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred") or b.get("aggregate_name") not in (None, "median"):
            continue
        v = b.get("ns_per_op")
        if v is not None:
            out[b.get("run_name", b["name"])] = v * 1e9 if v < 1e-3 else v  # rate counters: seconds per operation
    return out


def python_313(results_dir, prefix):
    """The anchors file `<prefix>-python-3.13*.json` of the session, or None."""
    found = None
    for name in sorted(os.listdir(results_dir)):
        if name.startswith(prefix + "-python-") and name.endswith(".json"):
            with open(os.path.join(results_dir, name)) as f:
                p = json.load(f)
            if p["python"].startswith("3.13"):
                found = p
    return found


def ns(v):
    if v is None:
        return "n/a"
    if v >= 1e6:
        return f"{v / 1e6:.2f} ms"
    if v >= 1e3:
        return f"{v / 1e3:.2f} µs"
    return f"{v:.1f} ns"
