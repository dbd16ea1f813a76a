// Article: the @primed decorator.
#include <iostream>
#include <string>

#include "twoway/primed.hpp"

// [example]
twoway::generator<twoway::none_t, std::string> echo_body() {
    for (;;) {
        auto received = co_yield twoway::none;
        std::cout << "Got: " << *received << "\n";
    }
}
const auto echo = twoway::primed_fn(echo_body); // @primed

int main() {
    auto gen = echo();  // Already primed
    gen.send("hello");  // Got: hello
}
// [example]
