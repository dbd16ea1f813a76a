// Article: "PEP 380: yield from and Transparent send() Delegation".
#include <iostream>

#include "twoway/yield_from.hpp"

// [example]
twoway::generator<int, int, int> sub_gen() {
    int total = 0;
    for (;;) {
        auto value = co_yield total;
        if (value.is_none()) co_return total;
        total += *value;
    }
}

twoway::generator<int, int> delegator() {
    auto result = co_yield twoway::from(sub_gen()); // send() goes straight through to sub_gen
    std::cout << "Sub-generator returned: " << *result << "\n";
}

int main() {
    auto gen = delegator();
    std::cout << gen.next() << "\n";     // 0
    std::cout << gen.send(10) << "\n";   // 10
    std::cout << gen.send(20) << "\n";   // 30
    try {
        gen.send(twoway::none);          // Sub-generator returned: 30
    } catch (const twoway::stop_iteration<> &) {
        std::cout << "delegator finished\n";
    }
}
// [example]
