#!/usr/bin/env bash
# Instructions per operation of the async generator paths, counted by callgrind (like
# bench/asyncio_instructions.sh): each case of `asyncgen_bench --instructions CASE N` runs with N and 2N
# operations and the report is (Ir(2N) - Ir(N)) / N, which cancels the loop's set-up and teardown.
#
# Usage: bench/asyncgen_instructions.sh BUILD_DIR [N]   (N defaults to 100000); writes bench/results/asyncgen_instructions.json
set -euo pipefail
build=$(cd "$1" && pwd)
n=${2:-100000}
cd "$(dirname "$0")/.."
exe="$build/bench/asyncgen_bench"
ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$exe" --instructions "$1" "$2" 2>&1 >/dev/null |
        sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p'
}
out=bench/results
mkdir -p "$out"
json=""
printf '%-20s %10s\n' case "Ir/op"
for c in asend_roundtrip async_for_item asend_depth1 asend_depth100; do
    a=$(ir "$c" "$n")
    b=$(ir "$c" "$((2 * n))")
    per=$(awk -v a="$a" -v b="$b" -v k="$n" 'BEGIN { printf "%.1f", (b - a) / k }')
    printf '%-20s %10s\n' "$c" "$per"
    json="$json${json:+, }\"$c\": $per"
done
echo "{$json}" > "$out/asyncgen_instructions.json"
