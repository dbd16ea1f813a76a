#include <twoway/twoway.hpp>

twoway::generator<int, int, int> doubler() {
    auto v = co_yield 0;
    co_return *v * 2;
}

int main() {
    auto g = doubler();
    g.next();
    try {
        g.send(21);
    } catch (const twoway::stop_iteration<int> &s) {
        return *s.value == 42 ? 0 : 1;
    }
    return 1;
}
