#!/usr/bin/env bash
# Runs every conformance port (trace_* and the asyncio ports, asyncio_*) under valgrind memcheck and
# compares its output with CPython's, as the conformance tests do. Fails on any memcheck error, leak, or
# output mismatch.
#   difftest/valgrind_conformance.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: valgrind_conformance.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
count=0
failed=0
for exe in "$build"/conformance/trace_* "$build"/conformance/asyncio_*; do
    [ -x "$exe" ] && [ -f "$exe" ] || continue
    name=$(basename "$exe")
    case $name in
    trace_*) trace=${name#trace_} dir=traces ;;
    *) trace=${name#asyncio_} dir=asyncio ;;
    esac
    differs=()
    [ -f "$root/conformance/$dir/$trace.differs" ] && differs=(--differs "$root/conformance/$dir/$trace.differs")
    # --error-exitcode makes memcheck errors and definite leaks fail the program, hence the comparison.
    if "$build/compare_output" "${differs[@]}" "$root/conformance/$dir/$trace.out" \
        valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$exe" > "/tmp/valgrind_$name.log" 2>&1; then
        echo "valgrind ok: $name"
    else
        echo "valgrind FAILED: $name"
        cat "/tmp/valgrind_$name.log"
        failed=$((failed + 1))
    fi
    count=$((count + 1))
done
echo "$count conformance ports under valgrind memcheck: $((count - failed)) passed, $failed failed"
[ "$count" -gt 0 ] && [ "$failed" -eq 0 ]
