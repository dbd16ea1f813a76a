// bench/twoway_bodies.hpp — the generator bodies every benchmark drives, shared by the Google Benchmark suite
// and the callgrind instruction counter so that both measure the same code.
#pragma once

#include "twoway/twoway.hpp"

inline twoway::generator<int, int> tw_echo() {
    int x = 0;
    for (;;) {
        auto v = co_yield x + 1;
        x = *v;
    }
}

inline twoway::generator<int> tw_counter() {
    for (int i = 0;; ++i) co_yield i;
}

inline twoway::generator<int, int> tw_chain(int depth) {
    if (depth <= 1) {
        int x = 0;
        for (;;) {
            auto v = co_yield x + 1;
            x = *v;
        }
    }
    co_yield twoway::from(tw_chain(depth - 1));
}

inline twoway::generator<int> tw_once(int *sink) {
    *sink += 1;
    co_return;
}

inline twoway::generator<int> tw_suspended(int *sink) {
    *sink += 1;
    co_yield 1;
}

// Declares that the body has no GeneratorExit handlers: destroying it while suspended destroys the frame
// without throwing.
inline twoway::generator<int> tw_opted_in(int *sink) {
    co_await twoway::no_exit_handlers;
    *sink += 1;
    co_yield 1;
}

struct bench_error : std::exception {};

inline twoway::generator<int> tw_catcher() {
    int caught = 0;
    for (;;) {
        try {
            co_yield caught;
        } catch (const bench_error &) {
            ++caught;
        }
    }
}
