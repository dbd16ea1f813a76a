// Article: "How send() Works" -- the priming rule, then the primed echo.
#include <iostream>
#include <string>

#include "twoway/generator.hpp"

// [example]
twoway::generator<twoway::none_t, std::string> echo() {
    for (;;) {
        auto received = co_yield twoway::none; // a bare `yield`: yields None, receives a value
        std::cout << "Got: " << *received << "\n";
    }
}

int main() {
    auto gen = echo();
    try {
        gen.send("hello"); // not primed yet
    } catch (const twoway::type_error &e) {
        std::cout << "TypeError: " << e.what() << "\n";
    }

    gen = echo();
    gen.next();        // Prime: advances to the first yield
    gen.send("hello"); // Got: hello
    gen.send("world"); // Got: world
}
// [example]
