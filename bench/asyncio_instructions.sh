#!/usr/bin/env bash
# Instructions per operation of the asyncio layer's hot paths, counted by callgrind (like
# bench/instructions.sh): each case of `asyncio_bench --instructions CASE N` runs with N and 2N operations
# and the report is (Ir(2N) - Ir(N)) / N, which cancels the loop's set-up and teardown.
#
# Usage: bench/asyncio_instructions.sh BUILD_DIR [N]   (N defaults to 200000); writes bench/results/asyncio_instructions.json
set -euo pipefail
build=$(cd "$1" && pwd)
n=${2:-200000}
cd "$(dirname "$0")/.."
exe="$build/bench/asyncio_bench"
ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$exe" --instructions "$1" "$2" 2>&1 >/dev/null |
        sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p'
}
out=bench/results
mkdir -p "$out"
json=""
printf '%-20s %10s\n' case "Ir/op"
for c in switch_depth1 switch_depth100 future_pingpong create_task_await; do
    k=$n
    [ "$c" = create_task_await ] && k=$((n / 4))
    [ "$c" = future_pingpong ] && k=$((n / 2)) # N round trips are 2N hops: the figure is per hop
    a=$(ir "$c" "$k")
    b=$(ir "$c" "$((2 * k))")
    ops=$k
    [ "$c" = future_pingpong ] && ops=$((2 * k))
    per=$(awk -v a="$a" -v b="$b" -v k="$ops" 'BEGIN { printf "%.1f", (b - a) / k }')
    printf '%-20s %10s\n' "$c" "$per"
    json="$json${json:+, }\"$c\": $per"
done
echo "{$json}" > "$out/asyncio_instructions.json"
