// Async generators (issue 12): an asend round trip through a task, an `async for` over 1,000 items, and
// asend with the consumer 100 awaits deep against 1 deep while the generator itself awaits the loop —
// each next to asyncio 3.13 running the same program (bench/asyncgen_anchors.py; bench/asyncgen_report.py).
// Counters are ns per operation; each benchmark says what an operation is.
//
// `asyncgen_bench --instructions CASE N` runs one case N times without Google Benchmark, for callgrind
// (bench/asyncgen_instructions.sh).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "twoway/asyncio.hpp"

using twoway::async_generator;
using twoway::coroutine;

namespace {

template <class Main>
void per_op(benchmark::State &state, Main main, long ops) {
    for (auto _ : state) twoway::run(main());
    state.counters["ns_per_op"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * ops, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ---- asend round trip: the task sends a value in, the generator yields the running total back ---------
async_generator<long, long> accumulate() {
    long total = 0;
    for (;;) {
        twoway::maybe<long> v = co_yield total;
        if (v) total += *v;
    }
}
coroutine<void> asend_main(long n) {
    auto acc = accumulate();
    (void)co_await acc.anext(); // prime: Python's asend(None)
    long last = 0;
    for (long i = 0; i < n; ++i) last = co_await acc.asend(i);
    benchmark::DoNotOptimize(last);
    co_await acc.aclose();
}
void asend_roundtrip(benchmark::State &state) {
    per_op(state, [] { return asend_main(200000); }, 200000);
}
BENCHMARK(asend_roundtrip)->Name("asend_roundtrip")->Unit(benchmark::kMillisecond);

// ---- async for over 1,000 items: one operation is the whole loop ------------------------------------------
async_generator<int> count_to(int n) {
    for (int i = 0; i < n; ++i) co_yield i;
}
coroutine<void> async_for_main(int loops, int items) {
    long sum = 0;
    for (int l = 0; l < loops; ++l)
        for (auto gen = count_to(items); auto x = co_await twoway::anext(gen, twoway::none);) sum += *x;
    benchmark::DoNotOptimize(sum);
}
void async_for_1000(benchmark::State &state) {
    per_op(state, [] { return async_for_main(200, 1000); }, 200);
}
BENCHMARK(async_for_1000)->Name("async_for_1000")->Unit(benchmark::kMillisecond);

// ---- asend with the consumer `depth` awaits below the task; the generator awaits sleep(0) each step, so
// every asend is also a trip through the loop: the task resumes the generator's innermost frame directly.
async_generator<long, long> ticking_accumulate() {
    long total = 0;
    for (;;) {
        twoway::maybe<long> v = co_yield total;
        if (v) total += *v;
        co_await twoway::sleep(0);
    }
}
coroutine<long> consume_at(int depth, async_generator<long, long> &gen, long n) {
    if (depth > 1) co_return co_await consume_at(depth - 1, gen, n);
    long last = 0;
    for (long i = 0; i < n; ++i) last = co_await gen.asend(i);
    co_return last;
}
coroutine<void> depth_main(int depth, long n) {
    auto gen = ticking_accumulate();
    (void)co_await gen.anext();
    long last = co_await consume_at(depth, gen, n);
    benchmark::DoNotOptimize(last);
    co_await gen.aclose();
}
void asend_depth(benchmark::State &state) {
    const int depth = static_cast<int>(state.range(0));
    per_op(state, [depth] { return depth_main(depth, 100000); }, 100000);
}
BENCHMARK(asend_depth)->Name("asend_depth")->Arg(1)->Arg(100)->Unit(benchmark::kMillisecond);

int instructions(const char *which, long n) {
    if (!std::strcmp(which, "asend_roundtrip"))
        twoway::run(asend_main(n));
    else if (!std::strcmp(which, "async_for_item"))
        twoway::run(async_for_main(1, static_cast<int>(n)));
    else if (!std::strcmp(which, "asend_depth1"))
        twoway::run(depth_main(1, n));
    else if (!std::strcmp(which, "asend_depth100"))
        twoway::run(depth_main(100, n));
    else
        return 2;
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    if (argc == 4 && !std::strcmp(argv[1], "--instructions")) return instructions(argv[2], std::atol(argv[3]));
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
