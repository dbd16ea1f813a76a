// Article: "Common Pitfalls" -- mixing iteration with send(): a for loop only ever sends None.
#include <iostream>

#include "twoway/generator.hpp"

// [example]
twoway::generator<int, int, int> accumulator() {
    int total = 0;
    for (;;) {
        auto value = co_yield total;
        if (value.is_none()) {
            std::cout << "received None\n";
            co_return total;
        }
        total += *value;
    }
}

int main() {
    for (int total : accumulator()) std::cout << "loop got " << total << "\n";
}
// [example]
