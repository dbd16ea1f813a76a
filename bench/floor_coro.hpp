// bench/floor_coro.hpp — the floor every twoway figure is compared with: a minimal hand-written two-way
// coroutine (one in-slot, one out-slot, no checks), shared by the Google Benchmark suite and the
// callgrind instruction counter. Its coroutine functions are not inlined: clang would otherwise elide the
// frame (HALO) and inline the resumption, which measures no coroutine at all.
#pragma once

#include <coroutine>
#include <exception>
#include <utility>

namespace floor_coro {

struct echo {
    struct promise_type {
        int in = 0;
        int out = 0;
        echo get_return_object() { return echo{std::coroutine_handle<promise_type>::from_promise(*this)}; }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void unhandled_exception() { std::terminate(); }
        void return_void() {}
        auto yield_value(int v) noexcept {
            out = v;
            struct awaiter {
                promise_type &p;
                bool await_ready() noexcept { return false; }
                void await_suspend(std::coroutine_handle<>) noexcept {}
                int await_resume() noexcept { return p.in; }
            };
            return awaiter{*this};
        }
    };
    std::coroutine_handle<promise_type> h;
    explicit echo(std::coroutine_handle<promise_type> handle) : h(handle) {}
    echo(echo &&o) noexcept : h(std::exchange(o.h, nullptr)) {}
    ~echo() {
        if (h) h.destroy();
    }
    int send(int v) {
        h.promise().in = v;
        h.resume();
        return h.promise().out;
    }
};

[[gnu::noinline]] inline echo echo_body() {
    int x = 0;
    for (;;) x = co_yield x + 1;
}

// Created, resumed once (to completion), destroyed: the frame comes from operator new.
struct once {
    struct promise_type {
        once get_return_object() { return once{std::coroutine_handle<promise_type>::from_promise(*this)}; }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void unhandled_exception() { std::terminate(); }
        void return_void() {}
        std::suspend_always yield_value(int) noexcept { return {}; }
    };
    std::coroutine_handle<promise_type> h;
};

[[gnu::noinline]] inline once once_body(int *sink) {
    *sink += 1;
    co_return;
}

[[gnu::noinline]] inline once suspended_body(int *sink) {
    *sink += 1;
    co_yield 1;
}

} // namespace floor_coro
