// co_yield inside larger expressions: bind the result of co_yield to a local, then use it.
//
// Python's `(yield v)` can sit anywhere in an expression. C++'s co_yield can too, but the compilers do
// not agree on such expressions: GCC 12 suspends before the left operand of << is printed, mishandles
// the branch not taken of a conditional, and destroys aggregate temporaries twice when a co_yield is in
// the same statement (docs/differences.md, compiler notes). The forms below print and do the same on GCC
// and clang: a statement that yields does nothing else, `auto x = co_yield v;`, with a simple operand.
// The forms to avoid are in the comments beside them. docs/tutorial.md quotes this file.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "twoway/generator.hpp"

// 1. Printing what came in.
twoway::generator<int, int> reporter() {
    int total = 0;
    for (;;) {
        // Not: std::cout << "got " << *(co_yield total) << "\n";   (GCC 12 suspends before printing "got ")
        auto reply = co_yield total;           // the result of co_yield in a local...
        std::cout << "got " << *reply << "\n"; // ...then used: "got " is printed after the send, everywhere
        total += *reply;
    }
}

// 2. An operand that needs a conditional.
struct Value {
    std::string text;
};
std::string describe(const Value &v) { return "<" + v.text + ">"; }

twoway::generator<std::string, Value> describer() {
    twoway::maybe<Value> data;
    for (;;) {
        // Not: data = co_yield describe(data.is_none() ? Value{} : *data);   (GCC 12: a bad free)
        std::string out = describe(data.is_none() ? Value{} : *data); // the operand in a local...
        data = co_yield out;                                          // ...then yielded
    }
}

// 3. Building an object from what came in, and yielding one.
struct Item {
    std::string name;
    int position;
};

twoway::generator<Item, std::string> collector(std::vector<Item> &items) {
    for (int n = 0;; ++n) {
        // Not: items.push_back(Item{*(co_yield ...), n});   (GCC 12: use-after-free of the moved string)
        // Not: co_yield Item{"last: " + items.back().name, n};   (GCC 12: the string is freed twice)
        Item last{items.empty() ? std::string("none") : items.back().name, n};
        auto name = co_yield std::move(last);     // an aggregate is built in its own statement...
        items.push_back(Item{*std::move(name), n}); // ...and from the received value after the co_yield
    }
}

namespace {

int failures = 0;
void expect(bool ok, const std::string &what) {
    if (!ok) {
        std::cerr << "FAILED: " << what << "\n";
        ++failures;
    }
}

} // namespace

int main() {
    // Capture what the generators print, to check the order.
    std::ostringstream printed;
    auto *const saved = std::cout.rdbuf(printed.rdbuf());
    auto r = reporter();
    (void)r.next();
    std::cout << "[send 5]\n";
    (void)r.send(5);
    std::cout.rdbuf(saved);
    std::cout << printed.str();
    expect(printed.str() == "[send 5]\ngot 5\n", "reporter prints after the send");

    auto d = describer();
    const std::string first = d.next();
    const std::string second = d.send(Value{"a value long enough to live on the heap, not in the string"});
    std::cout << first << " " << second << "\n";
    expect(first == "<>" && second == "<a value long enough to live on the heap, not in the string>", "describer");

    std::vector<Item> items;
    auto c = collector(items);
    const Item a = c.next();
    const Item b = c.send("a name long enough to live on the heap, not in the string");
    std::cout << a.name << " " << b.name << " " << items.size() << "\n";
    expect(a.name == "none" && b.name == "a name long enough to live on the heap, not in the string" && b.position == 1 &&
               items.size() == 1 && items[0].position == 0,
           "collector");
    return failures == 0 ? 0 : 1;
}
