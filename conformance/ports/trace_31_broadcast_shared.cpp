// Port of traces/31_broadcast_shared.py — Rules: N1, N2, C5, F1, F5 (a broadcast relaying what it
// received; one printer shared by three filters). After Beazley's "A Curious Course on Coroutines and
// Concurrency": Python's shared references are twoway::shared_generator handles, its @coroutine is
// twoway::primed_fn / twoway::primed, and relaying `target.send(item)` is send(maybe): a None is next().
#include "trace_support.hpp"

using trace::attempt;

namespace {

using Printer = twoway::generator<twoway::none_t, std::string, int>; // returns how many lines it printed
using SharedPrinter = twoway::shared_generator<twoway::none_t, std::string, int>;
using Filter = twoway::generator<twoway::none_t, std::string>;
using SharedFilter = twoway::shared_generator<twoway::none_t, std::string>;

Printer printer_body(std::string name) {
    trace::finally_print finally{"  [" + name + "] finalized\n"};
    int count = 0;
    try {
        for (;;) {
            auto line = co_yield twoway::none;
            if (line.is_none()) {
                std::cout << "  [" << name << "] None\n";
            } else {
                count += 1;
                std::cout << "  [" << name << "] " << *line << "\n";
            }
        }
    } catch (const twoway::generator_exit &) {
        std::cout << "  [" << name << "] closed after " << count << " lines\n";
        co_return count;
    }
}
const auto printer = twoway::primed_fn(printer_body); // @coroutine (printer_body unprimed is used too)

// Each filter holds its own handle to the target: the printer is shared, as in Python.
const auto grep = twoway::primed([](std::string pattern, SharedPrinter target) -> Filter {
    trace::finally_print finally{"  [grep " + trace::repr(pattern) + "] finalized\n"};
    for (;;) {
        auto line = co_yield twoway::none;
        if (line.is_none() || line->find(pattern) != std::string::npos)
            target.send(std::move(line)); // relayed as it came: a None is next() for the target
    }
});

// Any list of targets that can be sent a maybe<std::string>: filters here, printers below.
const auto broadcast = twoway::primed([](auto targets) -> Filter {
    trace::finally_print finally{"  [broadcast] finalized\n"};
    for (;;) {
        auto item = co_yield twoway::none;
        for (auto &target : targets) target.send(item);
    }
});

} // namespace

int main() {
    std::cout << "== one printer, three filters\n";
    auto p = twoway::share(printer("printer"));
    std::vector<SharedFilter> filters{grep("python", p), grep("ply", p), grep("swig", p)};
    auto b = broadcast(filters);
    p = {}; // del p: the filters still hold the printer
    for (std::string line : {"python generators", "ply is a parser", "perl", "python ply swig"})
        attempt("b.send(" + trace::repr(line) + ")", [&] { return b.send(line); });

    std::cout << "== a None is relayed as next()\n";
    attempt("b.send(None)", [&] { return b.send(twoway::none); });
    attempt("next(b)", [&] { return b.next(); });

    std::cout << "== the priming rule holds for a relayed value\n";
    SharedPrinter late = printer_body("late"); // not primed
    auto b2 = broadcast(std::vector{late});
    attempt("b2.send('too early')", [&] { return b2.send("too early"); });
    std::cout << "b2: " << twoway::to_string(b2.state()) << "\n";
    std::cout << "late: " << twoway::to_string(late.state()) << "\n";
    auto b3 = broadcast(std::vector{late});
    attempt("b3.send(None)", [&] { return b3.send(twoway::none); });
    std::cout << "late: " << twoway::to_string(late.state()) << "\n";
    attempt("b3.send('on time')", [&] { return b3.send("on time"); });
    b2 = {}; // del b2
    b3 = {}; // del b3: closed by its finalizer; late is still held by `late`
    std::cout << "after del b3\n";
    attempt("late.close()", [&] { return late.close(); });

    std::cout << "== the last filter to go finalizes the printer\n";
    attempt("b.close()", [&] { return b.close(); });
    b = {}; // del b
    while (!filters.empty()) {
        std::cout << "dropping filter " << filters.size() << "\n";
        filters.pop_back();
    }
    std::cout << "done\n";
}
