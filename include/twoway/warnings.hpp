// twoway/warnings.hpp — where warnings go (Python's warnings.showwarning), e.g. a coroutine that was
// never awaited (rule K14).
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <utility>

#include "twoway/detail/hook_slot.hpp"

namespace twoway {

struct warning {
    const char *category; // Python's class name: "RuntimeWarning"
    std::string message;  // "coroutine 'lonely' was never awaited"
    const void *source;   // the object it is about (a coroutine's frame address)
};

using warning_hook = std::function<void(const warning &)>;

// Installs a hook; an empty one restores the default (print "Category: message" to stderr). Returns the
// previous hook.
inline warning_hook set_warning_hook(warning_hook hook) {
    return detail::hook_slot<warning_hook>::global().exchange(std::move(hook));
}

// Never throws: called from destructors.
inline void warn(const warning &w) noexcept {
    try {
        const warning_hook hook = detail::hook_slot<warning_hook>::global().get();
        if (hook) {
            hook(w);
            return;
        }
        std::fprintf(stderr, "%s: %s\n", w.category, w.message.c_str());
    } catch (...) {
        std::fputs("twoway: the warning hook raised\n", stderr);
    }
}

} // namespace twoway
