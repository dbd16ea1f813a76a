// Structured concurrency and synchronisation (issue 11): gather, timeout(), the queue and the lock, each
// next to asyncio 3.13 running the same program (bench/structured_anchors.py; bench/structured_report.py
// puts them side by side). Counters are ns per operation; each benchmark says what an operation is.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::coroutine;

namespace {

template <class Main>
void per_op(benchmark::State &state, Main main, long ops) {
    for (auto _ : state) twoway::run(main());
    state.counters["ns_per_op"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * ops, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ---- gather of 1,000 coroutines that return at once: one operation is one whole gather ------------------
coroutine<int> returns_at_once() { co_return 1; }
coroutine<void> gather_main(int rounds, int width) {
    for (int r = 0; r < rounds; ++r) {
        std::vector<coroutine<int>> cs;
        cs.reserve(width);
        for (int i = 0; i < width; ++i) cs.push_back(returns_at_once());
        std::vector<int> results = co_await twoway::gather(cs);
        benchmark::DoNotOptimize(results.data());
    }
}
void gather_1000(benchmark::State &state) {
    per_op(state, [] { return gather_main(20, 1000); }, 20);
}
BENCHMARK(gather_1000)->Name("gather_1000")->Unit(benchmark::kMillisecond);

// ---- async with timeout(10): pass — entered and left without firing -------------------------------------
coroutine<void> timeout_main(int n) {
    for (int i = 0; i < n; ++i)
        co_await twoway::async_with(twoway::timeout(10), []() -> coroutine<void> { co_return; });
}
void timeout_unfired(benchmark::State &state) {
    per_op(state, [] { return timeout_main(20000); }, 20000);
}
BENCHMARK(timeout_unfired)->Name("timeout_unfired")->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
