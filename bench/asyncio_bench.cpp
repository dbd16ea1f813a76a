// The asyncio layer's costs (issue 10), each measured next to a C++ anchor in the same run: raw Asio's post
// round trip, and a bare ready queue of function pointers (the least a loop iteration can cost).
// bench/asyncio_anchors.py measures the same programs on asyncio 3.13; bench/asyncio_report.py puts them
// side by side.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <malloc.h>
#include <deque>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "twoway/asyncio.hpp"

using twoway::coroutine;

// ---- allocation counting (memory per suspended task) ----------------------------------------------------
// Replaced global allocation functions: while `counting` is set, the bytes held (malloc's usable size, so
// its rounding counts) go up on every allocation and down on every release, as tracemalloc's current size
// does on the Python side.
namespace {
long long held_bytes = 0;
bool counting = false;
void *counted(void *p) {
    if (!p) throw std::bad_alloc();
    if (counting) held_bytes += static_cast<long long>(malloc_usable_size(p));
    return p;
}
void uncounted(void *p) noexcept {
    if (p && counting) held_bytes -= static_cast<long long>(malloc_usable_size(p));
    std::free(p);
}
} // namespace
void *operator new(std::size_t n) { return counted(std::malloc(n ? n : 1)); }
void *operator new(std::size_t n, std::align_val_t a) {
    const auto al = static_cast<std::size_t>(a);
    return counted(std::aligned_alloc(al, (n + al - 1) & ~(al - 1)));
}
void operator delete(void *p) noexcept { uncounted(p); }
void operator delete(void *p, std::size_t) noexcept { uncounted(p); }
void operator delete(void *p, std::align_val_t) noexcept { uncounted(p); }
void operator delete(void *p, std::size_t, std::align_val_t) noexcept { uncounted(p); }

namespace {

constexpr int tasks = 1000;
int task_count = tasks; // the locality variant of task_switch runs fewer

// ---- task switch: 1,000 tasks each doing sleep(0), at await depth 1 or 100 ------------------------------
coroutine<void> spin(int rounds) {
    for (int i = 0; i < rounds; ++i) co_await twoway::sleep(0);
}
coroutine<void> spin_at(int depth, int rounds) {
    if (depth <= 1)
        co_await spin(rounds);
    else
        co_await spin_at(depth - 1, rounds);
}
// Only the steady state is timed: from the iteration after every task built its await chain to the end.
coroutine<void> switch_main(int depth, int rounds, double *seconds) {
    std::vector<twoway::task<void>> all;
    all.reserve(tasks);
    for (int i = 0; i < task_count; ++i) all.push_back(twoway::create_task(spin_at(depth, rounds)));
    co_await twoway::sleep(0); // every task has run its first step
    const auto t0 = std::chrono::steady_clock::now();
    for (auto &t : all) co_await t;
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
void task_switch(benchmark::State &state) {
    const int depth = static_cast<int>(state.range(0));
    task_count = static_cast<int>(state.range(1));
    const int rounds = 200 * tasks / task_count;
    const double switches = static_cast<double>(task_count) * (rounds - 1);
    double total = 0;
    for (auto _ : state) {
        double seconds = 0;
        twoway::run(switch_main(depth, rounds, &seconds));
        state.SetIterationTime(seconds);
        total += seconds;
    }
    state.counters["ns_per_switch"] = total * 1e9 / (switches * static_cast<double>(state.iterations()));
}
// depth/1/1000 and depth/100/1000 are issue 10's figures. With 1,000 tasks the depth-100 chains take about
// 20 MB, so their leaves and roots are far apart in memory; depth/*/50 keeps every chain in cache, which
// separates the cost of a switch from the cost of reaching cold memory.
BENCHMARK(task_switch)
    ->Name("task_switch/depth")
    ->ArgNames({"", "tasks"})
    ->Args({1, 1000})
    ->Args({100, 1000})
    ->Args({1, 50})
    ->Args({100, 50})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// ---- await create_task(c()) of a coroutine that returns at once ----------------------------------------
coroutine<int> returns_at_once() { co_return 1; }
coroutine<void> create_await_main(int n) {
    int sum = 0;
    for (int i = 0; i < n; ++i) sum += co_await twoway::create_task(returns_at_once());
    benchmark::DoNotOptimize(sum);
}
void create_task_await(benchmark::State &state) {
    const int n = 10000;
    for (auto _ : state) twoway::run(create_await_main(n));
    state.counters["ns_per_op"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(create_task_await)->Name("create_task_await")->Unit(benchmark::kMillisecond);

// ---- future ping-pong: a future completed -> the awaiting task resumed, between two tasks --------------
// Each player, on its turn, completes the future the other one awaits and awaits a fresh one of its own:
// a round trip is two hops, each a completion and the wake-up of the task that awaited the future.
struct court {
    twoway::event_loop loop;
    std::optional<twoway::future<int>> waiting[2];
};
coroutine<void> player(court *c, int me, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        twoway::future<int> mine = c->loop.create_future<int>();
        c->waiting[me] = mine;
        if (auto &other = c->waiting[1 - me]; other && !other->done()) other->set_result(i); // the ball goes over
        int v = co_await mine;
        benchmark::DoNotOptimize(v);
    }
    if (auto &other = c->waiting[1 - me]; other && !other->done()) other->set_result(-1); // let the other finish
}
coroutine<void> pingpong_main(int rounds) {
    court c{twoway::get_running_loop(), {}};
    auto a = twoway::create_task(player(&c, 0, rounds));
    auto b = twoway::create_task(player(&c, 1, rounds));
    co_await a;
    co_await b;
}
void future_pingpong(benchmark::State &state) {
    const int rounds = 10000;
    for (auto _ : state) twoway::run(pingpong_main(rounds));
    // Per hop (one completion and the wake-up of the task that awaited it): two hops per round trip.
    state.counters["ns_per_hop"] = benchmark::Counter(static_cast<double>(state.iterations()) * rounds * 2,
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(future_pingpong)->Name("future_pingpong")->Unit(benchmark::kMillisecond);

// ---- memory per task suspended on a future --------------------------------------------------------------
coroutine<void> waits_on(twoway::future<void> f) { co_await f; }
coroutine<void> memory_main(std::size_t *per_task, std::size_t *frame) {
    auto loop = twoway::get_running_loop();
    const int n = 10000;
    auto gate = loop.create_future<void>();
    std::vector<twoway::task<void>> all;
    all.reserve(n);
    co_await twoway::sleep(0);
    {
        // The coroutine frame alone: first empty the thread's list of recycled frames of this size.
        std::vector<coroutine<void>> drain;
        for (int i = 0; i < 64; ++i) drain.push_back(waits_on(gate));
        held_bytes = 0;
        counting = true;
        auto probe = waits_on(gate);
        counting = false;
        *frame = static_cast<std::size_t>(held_bytes);
        probe.close();
        for (auto &c : drain) c.close();
    }
    {
        // The loop's ready queue grows to hold n steps and keeps that capacity: grow it first, so that
        // what is counted below is what each suspended task holds.
        auto warm = loop.create_future<void>();
        warm.set_result();
        std::vector<twoway::task<void>> first;
        first.reserve(n);
        for (int i = 0; i < n; ++i) first.push_back(twoway::create_task(waits_on(warm)));
        for (auto &t : first) co_await t;
    }
    held_bytes = 0;
    counting = true;
    for (int i = 0; i < n; ++i) all.push_back(twoway::create_task(waits_on(gate)));
    co_await twoway::sleep(0); // every task has run its first step and is suspended on the gate
    counting = false;
    *per_task = static_cast<std::size_t>(held_bytes / n);
    gate.set_result();
    for (auto &t : all) co_await t;
}
void memory_per_task(benchmark::State &state) {
    std::size_t per_task = 0, frame = 0;
    for (auto _ : state) twoway::run(memory_main(&per_task, &frame));
    state.counters["bytes_per_task"] = static_cast<double>(per_task);
    state.counters["frame_bytes"] = static_cast<double>(frame);
    state.counters["overhead_bytes"] = static_cast<double>(per_task) - static_cast<double>(frame);
}
BENCHMARK(memory_per_task)->Name("memory_per_task")->Iterations(1)->Unit(benchmark::kMillisecond);

// ---- anchors ---------------------------------------------------------------------------------------------
// Raw Asio: a handler that posts itself again, n times (the C++ engine's own round trip).
void asio_post(benchmark::State &state) {
    const int n = 100000;
    for (auto _ : state) {
        asio::io_context io(1);
        int left = n;
        struct hop {
            asio::io_context *io;
            int *left;
            void operator()() const {
                if (--*left > 0) asio::post(*io, *this);
            }
        };
        asio::post(io, hop{&io, &left});
        io.run();
    }
    state.counters["ns_per_post"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(asio_post)->Name("anchor/asio_post")->Unit(benchmark::kMillisecond);

// A bare ready queue of function pointers: the floor of one loop hop.
void bare_ready_queue(benchmark::State &state) {
    const int n = 100000;
    for (auto _ : state) {
        std::deque<void (*)(int &)> q;
        int left = n;
        q.push_back(nullptr);
        while (!q.empty()) {
            q.pop_front();
            if (--left > 0) q.push_back(+[](int &) {});
            benchmark::ClobberMemory();
        }
    }
    state.counters["ns_per_hop"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(bare_ready_queue)->Name("anchor/bare_ready_queue")->Unit(benchmark::kMillisecond);

} // namespace

// `asyncio_bench --switch-program`: the task-switch program alone, once (1,000 tasks x 200 sleep(0)),
// for `strace -c -f` to count the loop's system calls (bench/run.sh reports them per switch).
// `asyncio_bench --instructions CASE N`: N operations of one case, for callgrind (bench/asyncio_instructions.sh
// counts Ir(2N) - Ir(N), which cancels set-up): switch_depth1 / switch_depth100 (N switches of 1,000 tasks),
// create_task_await, future_pingpong.
int run_instructions(const std::string &c, long n) {
    double seconds = 0;
    if (c == "switch_depth1" || c == "switch_depth100") {
        const int rounds = static_cast<int>(n / tasks) + 1;
        twoway::run(switch_main(c == "switch_depth1" ? 1 : 100, rounds, &seconds));
    } else if (c == "create_task_await") {
        twoway::run(create_await_main(static_cast<int>(n)));
    } else if (c == "future_pingpong") {
        twoway::run(pingpong_main(static_cast<int>(n)));
    } else {
        return 2;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && std::string(argv[1]) == "--switch-program") {
        double seconds = 0;
        twoway::run(switch_main(1, 200, &seconds));
        return 0;
    }
    if (argc == 4 && std::string(argv[1]) == "--instructions") return run_instructions(argv[2], std::atol(argv[3]));
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
