// Instruction counts of the hot path, for callgrind (bench/instructions.sh). Timings move with the
// machine's noise; instruction counts do not. A plain program, no Google Benchmark:
//
//   twoway_instructions CASE N      runs N operations of CASE
//
// bench/instructions.sh runs each case under callgrind with N and 2N and reports
// (Ir(2N) - Ir(N)) / N: the instructions of one operation, with the program's start-up, the set-up of
// the case and valgrind's own counting cancelled out. Every case is a noinline loop whose result goes
// through an empty asm barrier, so that the compiler can neither drop nor hoist the work.
//
// Built with g++ -O2 (bench/CMakeLists.txt), the optimisation level of the figures in issue 9.
#include <coroutine>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <utility>

#include "floor_coro.hpp" // the hand-written minimal coroutine, as in bench/twoway_bench.cpp
#include "twoway/twoway.hpp"
#include "twoway_bodies.hpp" // the same bodies as bench/twoway_bench.cpp

namespace {

// The value is considered read and written by unknown code: benchmark::DoNotOptimize's form for g++.
template <class T>
inline void barrier(T &v) noexcept {
    asm volatile("" : "+m,r"(v) : : "memory");
}

// ---- the cases --------------------------------------------------------------------------------------

[[gnu::noinline]] void floor_send(long n) {
    auto g = floor_coro::echo_body();
    g.h.resume();
    int v = 0;
    for (long i = 0; i < n; ++i) {
        v = g.send(v);
        barrier(v);
    }
}

[[gnu::noinline]] void send(long n) {
    auto g = tw_echo();
    g.next();
    int v = 0;
    for (long i = 0; i < n; ++i) {
        v = g.send(v);
        barrier(v);
    }
}

[[gnu::noinline]] void next(long n) {
    auto g = tw_counter();
    for (long i = 0; i < n; ++i) {
        int v = g.next();
        barrier(v);
    }
}

[[gnu::noinline]] void send_depth1000(long n) {
    auto g = tw_chain(1000);
    g.next(); // builds the chain: the leaf is now suspended at its first yield
    int v = 0;
    for (long i = 0; i < n; ++i) {
        v = g.send(v);
        barrier(v);
    }
}

[[gnu::noinline]] void floor_create_next_destroy(long n) {
    int sink = 0;
    for (long i = 0; i < n; ++i) {
        auto c = floor_coro::suspended_body(&sink);
        c.h.resume();
        c.h.destroy(); // frees the frame, runs no handler
        barrier(sink);
    }
}

[[gnu::noinline]] void create_next_destroy(long n) {
    int sink = 0;
    for (long i = 0; i < n; ++i) {
        auto g = tw_suspended(&sink);
        int v = g.next();
        barrier(v);
    } // destroyed while suspended: the destructor closes it (Python's finalizer), then frees the frame
    barrier(sink);
}

struct case_entry {
    const char *name;
    void (*run)(long);
};

constexpr case_entry cases[] = {
    {"floor_send", floor_send},
    {"send", send},
    {"next", next},
    {"send_depth1000", send_depth1000},
    {"floor_create_next_destroy", floor_create_next_destroy},
    {"create_next_destroy", create_next_destroy},
};

int usage(const char *argv0) {
    std::fprintf(stderr, "usage: %s CASE N\ncases:", argv0);
    for (const auto &c : cases) std::fprintf(stderr, " %s", c.name);
    std::fprintf(stderr, "\n");
    return 2;
}

} // namespace

int main(int argc, char **argv) {
    if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
        for (const auto &c : cases) std::printf("%s\n", c.name);
        return 0;
    }
    if (argc != 3) return usage(argv[0]);
    char *end = nullptr;
    const long n = std::strtol(argv[2], &end, 10);
    if (*end != '\0' || n < 0) return usage(argv[0]);
    for (const auto &c : cases) {
        if (std::strcmp(c.name, argv[1]) == 0) {
            c.run(n);
            return 0;
        }
    }
    return usage(argv[0]);
}
