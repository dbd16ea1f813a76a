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

// ---- Queue ping-pong: A puts to q1, B gets it and puts to q2, A gets that — one operation is a round trip
coroutine<void> pong(twoway::queue<int> in, twoway::queue<int> out, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        int v = co_await in.get();
        co_await out.put(v + 1);
    }
}
coroutine<void> queue_main(int rounds) {
    twoway::queue<int> q1, q2;
    auto b = twoway::create_task(pong(q1, q2, rounds));
    int v = 0;
    for (int i = 0; i < rounds; ++i) {
        co_await q1.put(v);
        v = co_await q2.get();
    }
    co_await b;
    benchmark::DoNotOptimize(v);
}
void queue_pingpong(benchmark::State &state) {
    per_op(state, [] { return queue_main(20000); }, 20000);
}
BENCHMARK(queue_pingpong)->Name("queue_pingpong")->Unit(benchmark::kMillisecond);

// ---- async with lock: pass, nobody else wants the lock ----------------------------------------------------
coroutine<void> lock_uncontended_main(int n) {
    twoway::lock lk;
    for (int i = 0; i < n; ++i) co_await twoway::async_with(lk, []() -> coroutine<void> { co_return; });
}
void lock_uncontended(benchmark::State &state) {
    per_op(state, [] { return lock_uncontended_main(20000); }, 20000);
}
BENCHMARK(lock_uncontended)->Name("lock_uncontended")->Unit(benchmark::kMillisecond);

// ---- 10 tasks doing `async with lock: await sleep(0)`: every acquisition is a FIFO hand-off ---------------
coroutine<void> lock_user(twoway::lock lk, int rounds) {
    for (int i = 0; i < rounds; ++i)
        co_await twoway::async_with(lk, []() -> coroutine<void> { co_await twoway::sleep(0); });
}
coroutine<void> lock_contended_main(int tasks, int rounds) {
    twoway::lock lk;
    std::vector<twoway::task<void>> ts;
    for (int i = 0; i < tasks; ++i) ts.push_back(twoway::create_task(lock_user(lk, rounds)));
    for (auto &t : ts) co_await t;
}
void lock_contended(benchmark::State &state) {
    per_op(state, [] { return lock_contended_main(10, 2000); }, 10 * 2000);
}
BENCHMARK(lock_contended)->Name("lock_contended")->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
