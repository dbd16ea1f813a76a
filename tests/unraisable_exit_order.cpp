// Exit-time order of the unraisable hook (issue 9): a global generator, made before main() installs the
// hook, is destroyed at exit after every static made later. Its close() error must still reach the hook.
// Run by CTest (tests/CMakeLists.txt): passes when the report is the first line of output, before the
// hook object is destroyed, if ever.
#include "twoway/generator.hpp"
#include "twoway/unraisable.hpp"

#include <cstdio>
#include <utility>

namespace {

twoway::generator<int> raises_on_close() {
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        throw twoway::value_error("close failed");
    }
}

twoway::generator<int> suspended() {
    auto g = raises_on_close();
    g.next();
    return g;
}

// Says when it is destroyed, so that a report made through a destroyed hook shows in the output.
struct printing_hook {
    bool owner = true; // false once moved from: only a live copy reports its destruction
    printing_hook() = default;
    printing_hook(const printing_hook &) = default;
    printing_hook(printing_hook &&other) noexcept : owner(std::exchange(other.owner, false)) {}
    printing_hook &operator=(const printing_hook &) = delete;
    ~printing_hook() {
        if (owner) std::puts("hook destroyed");
    }
    void operator()(const twoway::unraisable &u) const {
        std::printf("unraisable: %s\n", twoway::format_exception(u.exception).c_str());
        std::fflush(stdout);
    }
};

} // namespace

// Destroyed after everything main() makes, the hook's state included.
twoway::generator<int> global_generator = suspended();

int main() {
    twoway::set_unraisable_hook(printing_hook{});
    { auto unstarted = raises_on_close(); } // frees a frame: main's frame lists are released at exit too
    return 0;
}
