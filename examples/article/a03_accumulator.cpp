// Article: "yield as Expression" -- the accumulator.
#include <iostream>

#include "twoway/generator.hpp"

// [example]
twoway::generator<int, int> accumulator() {
    int total = 0;
    for (;;) {
        auto value = co_yield total; // yields total OUT, receives value IN
        total += *value;
    }
}

int main() {
    auto acc = accumulator();
    std::cout << acc.next() << "\n";    // 0 (initial total, yield sends it out)
    std::cout << acc.send(10) << "\n";  // 10 (total is now 0 + 10)
    std::cout << acc.send(20) << "\n";  // 30 (total is now 10 + 20)
    std::cout << acc.send(5) << "\n";   // 35 (total is now 30 + 5)
}
// [example]
