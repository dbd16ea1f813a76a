// twoway benchmarks. Every figure is meant to be read as a ratio to its reference measured in the same
// run (bench/report.py computes them): the hand-written coroutine floor, a bare C++ throw, Boost's
// stackful coroutine, and CPython (bench/python_anchors.py).
#include <benchmark/benchmark.h>

#include <boost/coroutine2/all.hpp>

#include <coroutine>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <new>
#include <stdexcept>
#include <thread>
#include <utility>

#include "twoway/twoway.hpp"

#include "floor_coro.hpp"

#include "twoway_bodies.hpp"

// ---- benchmarks ---------------------------------------------------------------------------------------

static void send_floor(benchmark::State &state) {
    auto g = floor_coro::echo_body();
    g.h.resume();
    int v = 0;
    for (auto _ : state) benchmark::DoNotOptimize(v = g.send(v));
}
BENCHMARK(send_floor)->Name("send/floor");

static void send_twoway(benchmark::State &state) {
    auto g = tw_echo();
    g.next();
    int v = 0;
    for (auto _ : state) benchmark::DoNotOptimize(v = g.send(v));
}
BENCHMARK(send_twoway)->Name("send/twoway");

static void next_twoway(benchmark::State &state) {
    auto g = tw_counter();
    for (auto _ : state) benchmark::DoNotOptimize(g.next());
}
BENCHMARK(next_twoway)->Name("next/twoway");

static void send_coroutine2(benchmark::State &state) {
    using coro = boost::coroutines2::coroutine<int>;
    int out = 0;
    coro::push_type sink([&](coro::pull_type &in) {
        for (int v : in) out = v + 1;
    });
    int v = 0;
    for (auto _ : state) {
        sink(v); // one int in, one int out: a round trip through the stackful coroutine
        benchmark::DoNotOptimize(v = out);
    }
}
BENCHMARK(send_coroutine2)->Name("send/coroutine2");

static void yield_from_twoway(benchmark::State &state) {
    auto g = tw_chain(static_cast<int>(state.range(0)));
    g.next();
    int v = 0;
    for (auto _ : state) benchmark::DoNotOptimize(v = g.send(v));
}
BENCHMARK(yield_from_twoway)->Name("yield_from/twoway")->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

static void create_destroy_floor(benchmark::State &state) {
    int sink = 0;
    for (auto _ : state) {
        auto c = floor_coro::once_body(&sink);
        c.h.resume();
        c.h.destroy();
    }
    benchmark::DoNotOptimize(sink);
}
BENCHMARK(create_destroy_floor)->Name("create_destroy/floor");

static void create_destroy_twoway(benchmark::State &state) {
    int sink = 0;
    for (auto _ : state) {
        auto g = tw_once(&sink);
        benchmark::DoNotOptimize(g.step().is_returned());
    }
    benchmark::DoNotOptimize(sink);
}
BENCHMARK(create_destroy_twoway)->Name("create_destroy/twoway");

static void destroy_suspended_floor(benchmark::State &state) {
    int sink = 0;
    for (auto _ : state) {
        auto c = floor_coro::suspended_body(&sink);
        c.h.resume();
        c.h.destroy(); // frees the frame, runs no handler
    }
    benchmark::DoNotOptimize(sink);
}
BENCHMARK(destroy_suspended_floor)->Name("destroy_suspended/floor");

static void destroy_suspended_twoway(benchmark::State &state) {
    int sink = 0;
    for (auto _ : state) {
        auto g = tw_suspended(&sink);
        g.next();
    } // the destructor closes the suspended generator (Python's finalizer), then frees the frame
    benchmark::DoNotOptimize(sink);
}
BENCHMARK(destroy_suspended_twoway)->Name("destroy_suspended/twoway");

// The same with the opt-in: compared with destroy_suspended/floor (create, resume to the yield, destroy).
static void BM_twoway_abandon_opted_in(benchmark::State &state) {
    int sink = 0;
    for (auto _ : state) {
        auto g = tw_opted_in(&sink);
        g.next();
    } // no_exit_handlers: the suspended frame is destroyed directly, no GeneratorExit is thrown
    benchmark::DoNotOptimize(sink);
}
BENCHMARK(BM_twoway_abandon_opted_in)->Name("abandon_opted_in/twoway");

static void close_twoway(benchmark::State &state) {
    int sink = 0;
    for (auto _ : state) {
        auto g = tw_suspended(&sink);
        g.next();
        g.close();
    }
    benchmark::DoNotOptimize(sink);
}
BENCHMARK(close_twoway)->Name("close/twoway");

[[gnu::noinline]] static void throws() { throw bench_error(); }

static void throw_cxx(benchmark::State &state) {
    int caught = 0;
    for (auto _ : state) {
        try {
            throws();
        } catch (const bench_error &) {
            ++caught;
        }
    }
    benchmark::DoNotOptimize(caught);
}
BENCHMARK(throw_cxx)->Name("throw/cxx");

static void throw_twoway(benchmark::State &state) {
    auto g = tw_catcher();
    g.next();
    for (auto _ : state) benchmark::DoNotOptimize(g.throw_exception(bench_error()));
}
BENCHMARK(throw_twoway)->Name("throw/twoway");

// ---- memory: what a suspended generator costs --------------------------------------------------------
// The bytes a frame really takes are the bytes obtained from operator new for it: with frame
// recycling, the whole 64-byte size class (a 152-byte frame takes a 192-byte slot); without, the size
// the compiler asked for. They are counted (every allocation made while the generator is created) by
// this replacement of the global operator new, on a new thread: its free lists are empty, so the frame
// cannot come from a frame recycled earlier in the run. Reported: that plus sizeof(generator).
namespace {
thread_local bool recording = false;
thread_local std::size_t recorded_bytes = 0;
thread_local unsigned recorded_calls = 0;

template <class F>
auto record_allocations(F make, std::size_t &bytes, unsigned &calls) {
    recorded_bytes = 0;
    recorded_calls = 0;
    recording = true;
    auto made = make();
    recording = false;
    bytes = recorded_bytes;
    calls = recorded_calls;
    return made;
}
} // namespace

void *operator new(std::size_t n) {
    if (recording) {
        recorded_bytes += n;
        ++recorded_calls;
    }
    if (void *p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
// Recycled frames come from the aligned form (detail/frame_allocator.hpp).
void *operator new(std::size_t n, std::align_val_t a) {
    if (recording) {
        recorded_bytes += n;
        ++recorded_calls;
    }
    const auto align = static_cast<std::size_t>(a);
    if (void *p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
    throw std::bad_alloc();
}
void operator delete(void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void *p, std::size_t, std::align_val_t) noexcept { std::free(p); }

static void memory_suspended_generator(benchmark::State &state) {
    std::size_t twoway_frame = 0, floor_frame = 0;
    unsigned twoway_calls = 0, floor_calls = 0;
    std::thread([&] {
        int sink = 0;
        auto g = record_allocations([&] { return tw_suspended(&sink); }, twoway_frame, twoway_calls);
        g.next(); // suspended at its yield
        auto c = record_allocations([&] { return floor_coro::suspended_body(&sink); }, floor_frame, floor_calls);
        c.h.resume();
        c.h.destroy();
    }).join();
    if (twoway_calls == 0 || floor_calls == 0) { // the frame came from a pool: its cost was not seen
        state.SkipWithError("a frame did not come from operator new");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(twoway_frame);
    constexpr std::size_t object = sizeof(twoway::generator<int>);
    state.counters["twoway_frame_bytes"] = static_cast<double>(twoway_frame);
    state.counters["floor_frame_bytes"] = static_cast<double>(floor_frame);
    state.counters["generator_object_bytes"] = static_cast<double>(object);
    state.counters["suspended_generator_bytes"] = static_cast<double>(twoway_frame + object);
}
BENCHMARK(memory_suspended_generator)->Name("memory/suspended_generator")->Iterations(1);

BENCHMARK_MAIN();
