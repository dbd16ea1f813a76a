#!/usr/bin/env bash
# The TCP echo benchmark: one client (bench/echo/echo_client.cpp, pinned to core 0) against each echo server
# (pinned to core 1) on 127.0.0.1, for 1 KiB, 10 KiB and 100 KiB messages with 10 connections. Writes every
# run to bench/results/echo.json, then prints the Markdown table of bench/echo/echo_report.py and draws
# bench/results/echo.png.
#
# Environment:
#   RUNS=3              client runs per server and size (the table shows their median, min and max)
#   SECONDS_PER_RUN=5   measured seconds per run
#   WARMUP_SECONDS=1    unmeasured seconds at the start of every run (its connections are new)
#   PORT=47311          the fixed port every server listens on (it must be free)
#   SERVERS="..."       only these rows (keys: raw_epoll raw_asio twoway asyncio_streams asyncio_streams_uvloop
#                       asyncio_protocol asyncio_protocol_uvloop node)
#   QUICK=1             smoke test: 1 run of 1 second per cell, results under build/echo/quick/ so that they do
#                       not replace the real ones
#   RESULTS_DIR=...     where echo.json, echo.md and echo.png go
# Needs: g++ with C++20, libasio-dev, pyenv's CPython 3.13.0, /usr/bin/python3 with python3-uvloop, node,
# gnuplot (gnuplot-nox), taskset, 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-5}
warmup=${WARMUP_SECONDS:-1}
port=${PORT:-47311}
connections=10
sizes=(1024 10240 102400)
out=${RESULTS_DIR:-bench/results}
if [ "${QUICK:-0}" = 1 ]; then
    runs=1
    seconds=1
    warmup=0.3
    out=${RESULTS_DIR:-build/echo/quick}
fi

die() {
    echo "run_echo.sh: $*" >&2
    exit 1
}

# --- prerequisites -------------------------------------------------------------------------------------
py313=""
command -v pyenv >/dev/null && py313="$(pyenv root)/versions/3.13.0/bin/python3"
[ -x "$py313" ] || die "CPython 3.13.0 not found (pyenv install 3.13.0)"
py311=/usr/bin/python3
"$py311" -c 'import uvloop' 2>/dev/null || die "uvloop missing for $py311 (apt-get install -y python3-uvloop)"
command -v node >/dev/null || die "node not found"
command -v taskset >/dev/null || die "taskset not found (util-linux)"
command -v gnuplot >/dev/null || die "gnuplot not found (apt-get install -y gnuplot-nox)"
(($(nproc) >= 2)) || die "needs 2 cores (client on core 0, server on core 1)"

# --- build ---------------------------------------------------------------------------------------------
mkdir -p build/echo "$out"
cxx=(g++ -std=c++20 -O2 -Wall -Wextra -Wpedantic -DASIO_STANDALONE -pthread)
for prog in echo_client raw_asio_server raw_epoll_server; do
    echo "building build/echo/$prog" >&2
    "${cxx[@]}" "bench/echo/$prog.cpp" -o "build/echo/$prog"
done
# The library's own server: the echo server example, as a user writes it (examples/echo_server.cpp).
echo "building build/echo/twoway_echo_server" >&2
"${cxx[@]}" -DNDEBUG -DASIO_NO_DEPRECATED -Iinclude examples/echo_server.cpp -o build/echo/twoway_echo_server

# --- the servers: key, label, command (PORT is replaced by the port) ------------------------------------
node_version=$(node --version)
keys=() labels=() commands=()
add() { keys+=("$1"); labels+=("$2"); commands+=("$3"); }
add raw_epoll "raw epoll (calibration)" "build/echo/raw_epoll_server PORT"
add raw_asio "raw Asio coroutines" "build/echo/raw_asio_server PORT"
add twoway "twoway streams" "build/echo/twoway_echo_server --port PORT"
streams=bench/echo/asyncio_streams_server.py protocol=bench/echo/asyncio_protocol_server.py
add asyncio_streams "asyncio streams (CPython 3.13)" "$py313 $streams PORT"
add asyncio_streams_uvloop "asyncio streams + uvloop (CPython 3.11)" "$py311 $streams PORT --uvloop"
add asyncio_protocol "asyncio Protocol (CPython 3.13)" "$py313 $protocol PORT"
add asyncio_protocol_uvloop "asyncio Protocol + uvloop (CPython 3.11)" "$py311 $protocol PORT --uvloop"
add node "Node.js net ($node_version)" "node bench/echo/node_server.js PORT"

selected() {
    [ -z "${SERVERS:-}" ] && return 0
    [[ " $SERVERS " == *" $1 "* ]]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

server_pid=""
server_log=""
stop_server() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
records=""
cleanup() {
    stop_server
    [ -z "$records" ] || rm -f "$records"
}
trap cleanup EXIT

# Starts the server (pinned to core 1) and waits until its port accepts; returns 1 with the reason in
# start_error if it does not come up within 15 s. (Not run in a subshell: server_pid must survive.)
start_error=""
start_server() {
    local cmd=${1//PORT/$port}
    # Something else on the port would be measured instead of our server.
    port_open && die "port $port is already in use (set PORT=...)"
    server_log=$(mktemp)
    # shellcheck disable=SC2086 # the command is a word list by design
    taskset -c 1 $cmd >"$server_log" 2>&1 &
    server_pid=$!
    for _ in $(seq 300); do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            start_error="server exited before accepting: $(tail -c 2000 "$server_log")"
            wait "$server_pid" 2>/dev/null || true
            server_pid=""
            return 1
        fi
        port_open && return 0
        sleep 0.05
    done
    start_error="server did not accept on port $port within 15 s"
    stop_server
    return 1
}

# One JSON record per line; assembled into echo.json at the end.
records=$(mktemp)
record() { # key label size run result-json error
    python3 -c 'import json, sys
k, label, size, run, result, error = sys.argv[1:]
r = {"server": k, "label": label, "size": int(size), "run": int(run)}
if result:
    r["result"] = json.loads(result)
if error:
    r["error"] = error
print(json.dumps(r))' "$@" >>"$records"
}

failures=0
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in "${!keys[@]}"; do
    key=${keys[$i]} label=${labels[$i]}
    selected "$key" || continue
    for size in "${sizes[@]}"; do
        if ! start_server "${commands[$i]}"; then
            echo "FAILED $label, $size B: $start_error" >&2
            record "$key" "$label" "$size" 0 "" "$start_error"
            failures=$((failures + 1))
            continue
        fi
        for run in $(seq "$runs"); do
            errf=$(mktemp)
            if result=$(taskset -c 0 build/echo/echo_client --port "$port" --connections "$connections" \
                --size "$size" --seconds "$seconds" --warmup "$warmup" \
                --server-pid "$server_pid" --server-core 1 2>"$errf"); then
                echo "$label, $size B, run $run: $result" >&2
                record "$key" "$label" "$size" "$run" "$result" ""
            else
                msg="client: $(cat "$errf")"
                kill -0 "$server_pid" 2>/dev/null || msg="$msg; server died: $(tail -c 2000 "$server_log")"
                echo "FAILED $label, $size B, run $run: $msg" >&2
                record "$key" "$label" "$size" "$run" "" "$msg"
                failures=$((failures + 1))
            fi
            rm -f "$errf"
            # A dead server fails every remaining run the same way: restart it for the next size instead.
            kill -0 "$server_pid" 2>/dev/null || break
        done
        stop_server
        rm -f "$server_log"
    done
done

python3 - "$records" "$out/echo.json" <<EOF
import json, platform, subprocess, sys
records = [json.loads(line) for line in open(sys.argv[1])]
def cmd(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return None
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), None)
meta = {
    "started": "$started", "finished": cmd("date", "-u", "+%Y-%m-%dT%H:%M:%SZ"),
    "runs": $runs, "seconds_per_run": $seconds, "warmup_seconds": $warmup, "connections": $connections,
    "quick": "${QUICK:-0}" == "1", "port": $port,
    "pinning": "client taskset -c 0, server taskset -c 1",
    "machine": {"cpu": cpu, "cores": $(nproc), "kernel": platform.release(),
                "loadavg_before": "$load_before", "loadavg_after": open("/proc/loadavg").read().split()[:3]},
    "versions": {"g++": cmd("g++", "-dumpfullversion"), "cpython_313": cmd("$py313", "-VV"),
                 "cpython_311": cmd("$py311", "-VV"),
                 "uvloop": cmd("$py311", "-c", "import uvloop; print(uvloop.__version__)"),
                 "node": "$node_version"},
}
with open(sys.argv[2], "w") as f:
    json.dump({"meta": meta, "runs": records}, f, indent=1)
    f.write("\n")
EOF
echo "wrote $out/echo.json" >&2
python3 bench/echo/echo_report.py "$out/echo.json" --png "$out/echo.png" | tee "$out/echo.md"
if ((failures)); then
    die "$failures run(s) failed (see the errors above and in $out/echo.json)"
fi
