// Port of traces/08_collector_close_value.py — Rules: C5 (3.13+: close() returns the generator's return
// value), C2, C3.
#include "trace_support.hpp"

using trace::attempt;

namespace {

twoway::generator<twoway::none_t, std::string, int> collector() {
    std::vector<std::string> items;
    try {
        for (;;) {
            auto item = co_yield twoway::none;
            std::cout << "  [collector] got " << trace::repr(item) << "\n";
            items.push_back(*item);
        }
    } catch (const twoway::generator_exit &) {
        std::cout << "  [collector] GeneratorExit: returning count " << items.size() << "\n";
        co_return static_cast<int>(items.size());
    }
}

} // namespace

int main() {
    // twoway implements the 3.13 semantics (its close() returns the value), so this line is constant.
    std::cout << "python >= 3.13: True\n";
    auto c = collector();
    c.next();
    for (const char *it : {"a", "b", "c"}) c.send(it);
    attempt("c.close()  # 3.13+: 3, older: None", [&] { return c.close(); });
    attempt("c.close() again  # already closed: None", [&] { return c.close(); });

    auto c2 = collector();
    attempt("close() on never-started collector  # None, body never runs", [&] { return c2.close(); });

    auto c3 = collector();
    c3.next();
    attempt("close() with zero items  # 3.13+: 0, older: None", [&] { return c3.close(); });
}
