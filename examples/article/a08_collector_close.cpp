// Article: "Python 3.13: close() Gets a Return Value".
#include <iostream>
#include <string>
#include <vector>

#include "twoway/generator.hpp"

// [example]
twoway::generator<twoway::none_t, std::string, int> collector() {
    std::vector<std::string> items;
    try {
        for (;;) {
            auto item = co_yield twoway::none;
            items.push_back(*item);
        }
    } catch (const twoway::generator_exit &) {
        co_return static_cast<int>(items.size());
    }
}

int main() {
    auto gen = collector();
    gen.next();
    gen.send("a");
    gen.send("b");
    gen.send("c");
    auto result = gen.close(); // 3, as in Python 3.13
    std::cout << *result << "\n";
}
// [example]
