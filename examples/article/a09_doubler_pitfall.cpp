// Article: "Common Pitfalls" -- ignoring None from next().
#include <iostream>

#include "pyprint.hpp"
#include "twoway/generator.hpp"

// [example]
twoway::generator<twoway::maybe<int>, int> doubler() {
    for (;;) {
        auto value = co_yield twoway::none;
        co_yield *value * 2; // What if value is None? Reading it is a checked error.
    }
}

int main() {
    auto gen = doubler();
    gen.next();                                         // Advance to first yield
    std::cout << pyprint::str(gen.send(5)) << "\n";     // 10
    std::cout << pyprint::str(gen.next()) << "\n";      // advances to the next "value = yield": None
    try {
        gen.next();                                     // None * 2
    } catch (const twoway::type_error &e) {             // twoway::none_error is a type_error
        std::cout << "TypeError: " << e.what() << "\n";
    }
}
// [example]
