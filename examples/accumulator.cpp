// The article's accumulator: values go in through send(), the running total comes out of co_yield.
#include <cstdio>

#include "twoway/generator.hpp"

twoway::generator<int, int, int> accumulator() {
    int total = 0;
    for (;;) {
        twoway::maybe<int> value = co_yield total; // None when resumed by next()
        if (value.is_none()) co_return total;      // becomes stop_iteration<int>::value
        total += *value;
    }
}

int main() {
    auto acc = accumulator();
    std::printf("%d\n", acc.next());     // 0
    std::printf("%d\n", acc.send(10));   // 10
    std::printf("%d\n", acc.send(20));   // 30
    std::printf("%d\n", acc.send(5));    // 35
    try {
        acc.next();
    } catch (const twoway::stop_iteration<int> &stop) {
        std::printf("returned %d\n", *stop.value); // 35
    }
}
