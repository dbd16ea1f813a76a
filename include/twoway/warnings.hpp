// twoway/warnings.hpp — where warnings go (Python's warnings.showwarning), e.g. a coroutine that was
// never awaited (rule K14).
#pragma once

#include <cstdio>
#include <functional>
#include <mutex>
#include <new>
#include <string>
#include <utility>

namespace twoway {

struct warning {
    const char *category; // Python's class name: "RuntimeWarning"
    std::string message;  // "coroutine 'lonely' was never awaited"
    const void *source;   // the object it is about (a coroutine's frame address)
};

using warning_hook = std::function<void(const warning &)>;

namespace detail {
struct warning_state {
    std::mutex mutex;
    warning_hook hook;
};
inline warning_state &warning_global() { // never destroyed, like the unraisable hook's state
    alignas(warning_state) static unsigned char storage[sizeof(warning_state)];
    static warning_state *const s = new (storage) warning_state;
    return *s;
}
} // namespace detail

// Installs a hook; an empty one restores the default (print "Category: message" to stderr). Returns the
// previous hook.
inline warning_hook set_warning_hook(warning_hook hook) {
    auto &s = detail::warning_global();
    std::lock_guard lock(s.mutex);
    return std::exchange(s.hook, std::move(hook));
}

// Never throws: called from destructors.
inline void warn(const warning &w) noexcept {
    auto &s = detail::warning_global();
    warning_hook hook;
    {
        std::lock_guard lock(s.mutex);
        hook = s.hook;
    }
    try {
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
