#!/usr/bin/env bash
# Instructions per operation of the hot path, counted by callgrind: unlike timings, they do not move
# with the machine's noise. Runs each case of twoway_instructions (bench/instructions.cpp, g++ -O2) with
# N and 2N operations and reports (Ir(2N) - Ir(N)) / N, which cancels start-up and set-up.
#
# Usage: bench/instructions.sh BUILD_DIR [N]     (BUILD_DIR: e.g. build/bench; N defaults to 100000)
# Prints a table and writes bench/results/instructions.json (read by bench/report.py).
# Needs valgrind (Debian: valgrind) and the target: cmake --build BUILD_DIR --target twoway_instructions
set -euo pipefail
if (($# < 1 || $# > 2)); then
    echo "usage: $0 BUILD_DIR [N]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
n=${2:-100000}
cd "$(dirname "$0")/.."
exe="$build/bench/twoway_instructions"
if [ ! -x "$exe" ]; then
    echo "$0: $exe not found (cmake --build $1 -j1 --target twoway_instructions)" >&2
    exit 1
fi
if ! command -v valgrind >/dev/null; then
    echo "$0: valgrind not found (apt-get install valgrind)" >&2
    exit 1
fi

# Ir of one run: callgrind's "Collected" total, written to stderr; no profile file is kept.
ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$exe" "$1" "$2" 2>&1 >/dev/null |
        sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p'
}

out=bench/results
mkdir -p "$out"
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
compiler_version=$("${compiler:-g++}" --version 2>/dev/null | head -n1 || echo unknown)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- include 2>/dev/null; then
    commit="$commit+dirty" # the headers measured differ from the commit
fi

json_cases=""
printf '%-28s %10s %16s %16s\n' case "Ir/op" "Ir(N)" "Ir(2N)"
for c in $("$exe" --list); do
    k=$n
    # A suspended generator's destruction throws GeneratorExit (thousands of instructions): fewer runs.
    [ "$c" = create_next_destroy ] && k=$(((n + 9) / 10))
    a=$(ir "$c" "$k")
    b=$(ir "$c" "$((2 * k))")
    if [ -z "$a" ] || [ -z "$b" ]; then
        echo "$0: callgrind gave no total for $c" >&2
        exit 1
    fi
    per=$(awk -v a="$a" -v b="$b" -v k="$k" 'BEGIN { printf "%.1f", (b - a) / k }')
    printf '%-28s %10s %16s %16s\n' "$c" "$per" "$a" "$b"
    json_cases+="${json_cases:+,
}    \"$c\": {\"instructions_per_op\": $per, \"n\": $k, \"ir_n\": $a, \"ir_2n\": $b}"
done

cat >"$out/instructions.json" <<EOF
{
  "tool": "$(valgrind --version) --tool=callgrind",
  "compiler": "$compiler_version",
  "flags": "-O2",
  "commit": "$commit",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%S+00:00)",
  "cases": {
$json_cases
  }
}
EOF
echo "wrote $out/instructions.json"
