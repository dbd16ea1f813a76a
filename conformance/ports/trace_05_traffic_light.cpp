// Port of traces/05_traffic_light.py — Rules: N2, N3, T4, R1, N9, C1 (send drives transitions, throw
// caught, close + finally). Traffic light state machine.
#include <map>

#include "trace_support.hpp"

using trace::attempt;

namespace {

PY_EXCEPTION(PowerFailure);

twoway::generator<std::string, std::string, std::string> traffic_light() {
    const std::map<std::string, std::string> cycle{{"RED", "GREEN"}, {"GREEN", "YELLOW"}, {"YELLOW", "RED"}};
    std::string state = "RED";
    struct cleanup { // Python's try/finally around the loop
        ~cleanup() { std::cout << "  [light] finally: lamp dark\n"; }
    } finally;
    for (;;) {
        twoway::maybe<std::string> cmd;
        try {
            cmd = co_yield state;
        } catch (const PowerFailure &) {
            std::cout << "  [light] power failure -> FLASHING\n";
            state = "FLASHING";
            continue;
        }
        if (cmd.is_none()) {
            if (state != "FLASHING") state = cycle.at(state);
        } else if (*cmd == "reset") {
            state = "RED";
        } else if (*cmd == "off") {
            co_return "switched off in " + state;
        } else {
            throw twoway::value_error("unknown command " + trace::repr(*cmd));
        }
    }
}

} // namespace

int main() {
    auto light = traffic_light();
    attempt("next", [&] { return light.next(); });
    attempt("next", [&] { return light.next(); });
    attempt("next", [&] { return light.next(); });
    attempt("next", [&] { return light.next(); });
    attempt("throw(PowerFailure)", [&] { return light.throw_exception(PowerFailure()); });
    attempt("next (stays flashing)", [&] { return light.next(); });
    attempt("send('reset')", [&] { return light.send("reset"); });
    attempt("next", [&] { return light.next(); });
    attempt("send('off')", [&] { return light.send("off"); });
    attempt("next after off", [&] { return light.next(); });

    auto light2 = traffic_light();
    light2.next();
    attempt("light2.send('blink')", [&] { return light2.send("blink"); });
    attempt("light2 next after error", [&] { return light2.next(); });

    auto light3 = traffic_light();
    light3.next();
    attempt("light3.close()", [&] { return light3.close(); });
}
