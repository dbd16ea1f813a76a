// Article: "Pattern 1: Coroutine-Style Data Sinks".
#include <iostream>

#include "pyprint.hpp"
#include "twoway/generator.hpp"

// [example]
twoway::generator<twoway::maybe<double>, double> running_average() {
    double total = 0.0;
    int count = 0;
    twoway::maybe<double> average; // None until the first value arrives
    for (;;) {
        auto value = co_yield average;
        total += *value;
        count += 1;
        average = total / count;
    }
}

int main() {
    auto avg = running_average();
    std::cout << pyprint::str(avg.next()) << "\n";    // None (prime)
    std::cout << pyprint::str(avg.send(10)) << "\n";  // 10.0
    std::cout << pyprint::str(avg.send(20)) << "\n";  // 15.0
    std::cout << pyprint::str(avg.send(30)) << "\n";  // 20.0
    std::cout << pyprint::str(avg.send(5)) << "\n";   // 16.25
}
// [example]
