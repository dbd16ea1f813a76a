#!/usr/bin/env bash
# Builds the benchmarks, runs them, the callgrind instruction counts (bench/instructions.sh) and CPython's
# anchors in one session, and writes bench/results/report.md with bench/results/send_vs_depth.png.
# Needs (Debian): libbenchmark-dev libboost-context-dev libasio-dev gnuplot-nox valgrind strace, and CPython 3.13
# (pyenv's 3.13.0).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
dpkg-query -W -f='${Status}' libbenchmark-dev 2>/dev/null | grep -q "ok installed" || missing+=(libbenchmark-dev)
[ -e /usr/include/boost/coroutine2/all.hpp ] && dpkg-query -W -f='${Status}' libboost-context-dev 2>/dev/null | grep -q "ok installed" || missing+=(libboost-context-dev)
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
command -v valgrind >/dev/null || missing+=(valgrind)
if ((${#missing[@]})); then
    echo "bench/run.sh: missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
fi
pythons=()
if command -v pyenv >/dev/null && [ -x "$(pyenv root)/versions/3.13.0/bin/python3" ]; then
    pythons+=("$(pyenv root)/versions/3.13.0/bin/python3")
fi
command -v python3 >/dev/null && pythons+=("$(command -v python3)")
if ((${#pythons[@]} == 0)); then
    echo "bench/run.sh: no CPython found (pyenv's 3.13.0 or python3)" >&2
    exit 1
fi

cmake --preset bench >/dev/null
cmake --build build/bench -j2
out=bench/results
mkdir -p "$out"
rm -f "$out"/python-*.json
args=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_min_time=0.2)
build/bench/bench/twoway_bench "${args[@]}" --benchmark_out="$out/twoway.json" --benchmark_out_format=json
build/bench/bench/twoway_bench_no_recycling "${args[@]}" --benchmark_out="$out/twoway_no_recycling.json" --benchmark_out_format=json
bench/instructions.sh build/bench # writes $out/instructions.json
# The same suite built by clang++, for its own send/next ratios to the floor (same run, same machine).
if command -v clang++ >/dev/null; then
    cmake --preset bench-clang >/dev/null
    cmake --build build/bench-clang -j2 --target twoway_bench
    build/bench-clang/bench/twoway_bench "${args[@]}" --benchmark_filter='^(send|next)/' \
        --benchmark_out="$out/twoway_clang.json" --benchmark_out_format=json
else
    rm -f "$out/twoway_clang.json"
fi
for py in "${pythons[@]}"; do
    version=$("$py" -c 'import sys; print(sys.version.split()[0])')
    echo "CPython $version: $py"
    "$py" bench/python_anchors.py > "$out/python-$version.json"
done
python3 bench/report.py "$out"

# The asyncio layer: its benchmarks, asyncio 3.13's figures for the same programs, and the loop's system
# calls during 200,000 task switches (strace).
build/bench/bench/asyncio_bench "${args[@]}" --benchmark_out="$out/asyncio.json" --benchmark_out_format=json
rm -f "$out"/asyncio-python-*.json
for py in "${pythons[@]}"; do
    version=$("$py" -c 'import sys; print(sys.version.split()[0])')
    "$py" bench/asyncio_anchors.py > "$out/asyncio-python-$version.json"
done
if command -v strace >/dev/null; then
    strace -f -c -o "$out/strace.txt" build/bench/bench/asyncio_bench --switch-program
    calls=$(awk '$NF == "total" {print $4}' "$out/strace.txt")
    echo "System calls of the whole task-switch program (1,000 tasks x 200 sleep(0), loop setup and teardown included, strace -c): ${calls:-?} for 200,000 switches." > "$out/syscalls.txt"
fi
bench/asyncio_instructions.sh build/bench # writes $out/asyncio_instructions.json
python3 bench/asyncio_report.py "$out"

# Structured concurrency and synchronisation (issue 11): gather, timeout(), queues and locks, with asyncio's
# figures for the same programs.
build/bench/bench/structured_bench "${args[@]}" --benchmark_out="$out/structured.json" --benchmark_out_format=json
rm -f "$out"/structured-python-*.json
for py in "${pythons[@]}"; do
    version=$("$py" -c 'import sys; print(sys.version.split()[0])')
    "$py" bench/structured_anchors.py > "$out/structured-python-$version.json"
done
python3 bench/structured_report.py "$out"

# Async generators (issue 12): asend through a task, async for, asend at depth 100 vs 1, with asyncio's
# figures for the same programs and callgrind's instruction counts.
build/bench/bench/asyncgen_bench "${args[@]}" --benchmark_out="$out/asyncgen.json" --benchmark_out_format=json
rm -f "$out"/asyncgen-python-*.json
for py in "${pythons[@]}"; do
    version=$("$py" -c 'import sys; print(sys.version.split()[0])')
    "$py" bench/asyncgen_anchors.py > "$out/asyncgen-python-$version.json"
done
bench/asyncgen_instructions.sh build/bench
python3 bench/asyncgen_report.py "$out"

# TCP echo (issue 16): twoway's streams against raw Asio, raw epoll, asyncio, uvloop and Node.js, one client
# of ours pinned to core 0 and each server to core 1 (several minutes; ECHO=0 leaves it out).
if [ "${ECHO:-1}" != 0 ]; then
    RUNS=${ECHO_RUNS:-3} SECONDS_PER_RUN=${ECHO_SECONDS:-3} bench/echo/run_echo.sh
fi
