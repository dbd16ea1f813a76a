// Article: "Pattern 2: The State Machine".
#include <iostream>
#include <string>

#include "twoway/generator.hpp"

// [example]
twoway::generator<std::string, std::string> traffic_light() {
    std::string state = "red";
    for (;;) {
        auto command = co_yield state;
        if (state == "red" && command == "next")
            state = "green";
        else if (state == "green" && command == "next")
            state = "yellow";
        else if (state == "yellow" && command == "next")
            state = "red";
        else if (command == "emergency")
            state = "red";
    }
}

int main() {
    auto light = traffic_light();
    std::cout << light.next() << "\n";                // red
    std::cout << light.send("next") << "\n";          // green
    std::cout << light.send("next") << "\n";          // yellow
    std::cout << light.send("next") << "\n";          // red
    std::cout << light.send("next") << "\n";          // green
    std::cout << light.send("emergency") << "\n";     // red
}
// [example]
