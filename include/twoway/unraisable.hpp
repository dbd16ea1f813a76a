// twoway/unraisable.hpp — where errors go that cannot be raised (Python's sys.unraisablehook).
//
// A generator destroyed while suspended is closed by its destructor (rule F1). Whatever that
// close() raises must not leave the destructor (F3): it is handed to the unraisable hook instead.
#pragma once

#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <typeinfo>
#include <utility>

#include "twoway/exceptions.hpp"
#include "twoway/stop_iteration.hpp"

namespace twoway {

struct unraisable {
    std::exception_ptr exception; // what was raised
    const char *context;          // e.g. "Exception ignored in: <twoway::generator>"
    const void *object;           // the generator that raised it (its frame address)
};

using unraisable_hook = std::function<void(const unraisable &)>;

// "TypeName: message", in Python's spelling for twoway's own exceptions.
inline std::string describe(const std::exception_ptr &e) {
    if (!e) return "None";
    try {
        std::rethrow_exception(e);
    } catch (const generator_exit &x) {
        return std::string("GeneratorExit: ") + x.what();
    } catch (const none_error &x) {
        return std::string("TypeError: ") + x.what();
    } catch (const type_error &x) {
        return std::string("TypeError: ") + x.what();
    } catch (const value_error &x) {
        return std::string("ValueError: ") + x.what();
    } catch (const runtime_error &x) {
        return std::string("RuntimeError: ") + x.what();
    } catch (const attribute_error &x) {
        return std::string("AttributeError: ") + x.what();
    } catch (const stop_async_iteration &x) {
        return std::string("StopAsyncIteration: ") + x.what();
    } catch (const stop_iteration<> &) {
        return "StopIteration";
    } catch (const std::exception &x) {
        return std::string(typeid(x).name()) + ": " + x.what();
    } catch (...) {
        return "unknown exception";
    }
}

namespace detail {
struct unraisable_state {
    std::mutex mutex;
    unraisable_hook hook;
};
inline unraisable_state &unraisable_global() {
    static unraisable_state s;
    return s;
}
} // namespace detail

// Installs a hook; an empty one restores the default (print to stderr). Returns the previous hook.
inline unraisable_hook set_unraisable_hook(unraisable_hook hook) {
    auto &s = detail::unraisable_global();
    std::lock_guard lock(s.mutex);
    return std::exchange(s.hook, std::move(hook));
}

// Hands an error to the hook. Never throws: a throwing hook is itself reported to stderr.
inline void report_unraisable(const unraisable &u) noexcept {
    auto &s = detail::unraisable_global();
    unraisable_hook hook;
    {
        std::lock_guard lock(s.mutex);
        hook = s.hook;
    }
    try {
        if (hook) {
            hook(u);
            return;
        }
        std::fprintf(stderr, "%s at %p\n%s\n", u.context, u.object, describe(u.exception).c_str());
    } catch (...) {
        std::fputs("twoway: the unraisable hook raised\n", stderr);
    }
}

} // namespace twoway
