// Many generators at once: a vector or an array of generators, shared generators, and @primed written
// on a lambda. docs/tutorial.md quotes this file.
#include <array>
#include <iostream>
#include <string>
#include <vector>

#include "twoway/primed.hpp"
#include "twoway/shared_generator.hpp"

using Sink = twoway::generator<twoway::none_t, std::string>;

// @primed where the body is defined: twoway::primed on a lambda. The lambda captures nothing; what the
// body needs comes in as parameters, which each generator keeps for itself.
const auto tagged = twoway::primed([](std::string tag, std::vector<std::string> &out) -> Sink {
    for (;;) {
        auto line = co_yield twoway::none;
        out.push_back(tag + *line);
    }
});

int main() {
    std::vector<std::string> out;

    // A vector of generators: reserve, then move them in. (std::vector<Sink>{a(), b()} does not
    // compile: an initializer list copies its elements, and a generator cannot be copied.)
    std::vector<Sink> sinks;
    sinks.reserve(2);
    sinks.push_back(tagged("a:", out));
    sinks.push_back(tagged("b:", out));
    for (auto &sink : sinks) sink.send("1");

    // A fixed number of them: an array is initialized from the calls directly.
    std::array<Sink, 2> pair{tagged("c:", out), tagged("d:", out)};
    for (auto &sink : pair) sink.send("2");

    // Shared handles can be copied, so a braced list of them compiles; a copy drives the same generator.
    std::vector<twoway::shared_generator<twoway::none_t, std::string>> shared{tagged("e:", out), tagged("f:", out)};
    auto first = shared[0];
    first.send("3");
    shared[0].send("4");

    for (const auto &line : out) std::cout << line << "\n";
    const std::vector<std::string> expected{"a:1", "b:1", "c:2", "d:2", "e:3", "e:4"};
    return out == expected ? 0 : 1;
}
