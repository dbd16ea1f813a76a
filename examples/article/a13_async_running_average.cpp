// Article: "The async/await Lineage" — its last link: PEP 525 (Python 3.6) asynchronous generators, "which
// support an asend() method — the async equivalent of send()". Pattern 1's running average as an async
// generator: `co_yield average` evaluates to what asend(v) sends, and the body can co_await between yields.
#include <iostream>

#include "pyprint.hpp"
#include "twoway/asyncio.hpp"

// [example]
twoway::async_generator<twoway::maybe<double>, double> running_average() {
    double total = 0.0;
    int count = 0;
    twoway::maybe<double> average; // None until the first value arrives
    struct finally { // try: ... finally: print(...)
        int &count;
        ~finally() { std::cout << "running_average: finally, after " << count << " values\n"; }
    } cleanup{count};
    for (;;) {
        auto value = co_yield average;
        co_await twoway::sleep(0); // stands for recording the value somewhere asynchronous
        total += *value;
        count += 1;
        average = total / count;
    }
}

twoway::async_generator<int> countdown(int n) {
    while (n > 0) {
        co_yield n;
        co_await twoway::sleep(0);
        n -= 1;
    }
}

twoway::coroutine<void> async_main() {
    std::cout << "== asend() into an async generator\n";
    auto avg = running_average();
    // Python's `await avg.asend(None)`: in twoway, asend() takes a double, and anext() is asend(None).
    std::cout << pyprint::str(co_await avg.anext()) << "\n";   // None: primes it
    std::cout << pyprint::str(co_await avg.asend(10)) << "\n"; // 10.0
    std::cout << pyprint::str(co_await avg.asend(20)) << "\n"; // 15.0
    std::cout << pyprint::str(co_await avg.asend(30)) << "\n"; // 20.0
    std::cout << pyprint::str(co_await avg.asend(5)) << "\n";  // 16.25
    co_await avg.aclose(); // generator_exit at the co_yield: the finally runs
    std::cout << "== async for: each step is anext(), that is asend(None)\n";
    // async for n in countdown(3): print(n)
    for (auto gen = countdown(3); auto n = co_await twoway::anext(gen, twoway::none);)
        std::cout << *n << "\n";
}
// [example]

int main() { twoway::run(async_main()); }
