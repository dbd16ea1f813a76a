// twoway/generator_state.hpp — a generator's state, as inspect.getgeneratorstate() reports it.
#pragma once

namespace twoway {

enum class generator_state : unsigned char { created, suspended, running, closed };

// inspect.getgeneratorstate() spelling.
constexpr const char *to_string(generator_state s) noexcept {
    switch (s) {
    case generator_state::created: return "GEN_CREATED";
    case generator_state::suspended: return "GEN_SUSPENDED";
    case generator_state::running: return "GEN_RUNNING";
    case generator_state::closed: return "GEN_CLOSED";
    }
    return "?";
}

} // namespace twoway
