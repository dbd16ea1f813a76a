// twoway/unraisable.hpp — where errors go that cannot be raised (Python's sys.unraisablehook).
//
// A generator destroyed while suspended is closed by its destructor (rule F1). Whatever that
// close() raises must not leave the destructor (F3): it is handed to the unraisable hook instead.
#pragma once

#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <typeinfo>
#include <utility>

#include "twoway/detail/hook_slot.hpp"
#include "twoway/detail/type_name.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/stop_iteration.hpp"

namespace twoway {

struct unraisable {
    std::exception_ptr exception; // what was raised
    const char *context;          // e.g. "Exception ignored in: <twoway::generator>"
    const void *object;           // the generator that raised it (its frame address)
};

using unraisable_hook = std::function<void(const unraisable &)>;

namespace detail {
// Python leaves out the colon when the message is empty: "ValueError", not "ValueError: ".
inline std::string exception_line(std::string type, const char *message) {
    if (*message) {
        type += ": ";
        type += message;
    }
    return type;
}
} // namespace detail

namespace detail {
struct python_exception_text {
    std::string type;
    std::string message;
    bool has_args; // false for an exception built without arguments: repr "Type()"
};
// The Python class name and str() of an exception: twoway's own exceptions get their Python names, any
// other std::exception its C++ type name.
inline python_exception_text describe_exception(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const python_named &x) {
        std::string str = x.python_str();
        return {x.python_type(), std::move(str), x.python_has_args()};
    } catch (const generator_exit &x) {
        return {"GeneratorExit", x.what(), *x.what() != 0};
    } catch (const cancelled_error &x) {
        return {"CancelledError", x.what(), x.has_message()};
    } catch (const none_error &x) {
        return {"TypeError", x.what(), *x.what() != 0};
    } catch (const type_error &x) {
        return {"TypeError", x.what(), *x.what() != 0};
    } catch (const value_error &x) {
        return {"ValueError", x.what(), *x.what() != 0};
    } catch (const invalid_state_error &x) {
        return {"InvalidStateError", x.what(), *x.what() != 0};
    } catch (const timeout_error &x) {
        return {"TimeoutError", x.what(), *x.what() != 0};
    } catch (const runtime_error &x) {
        return {"RuntimeError", x.what(), *x.what() != 0};
    } catch (const attribute_error &x) {
        return {"AttributeError", x.what(), *x.what() != 0};
    } catch (const stop_async_iteration &x) {
        return {"StopAsyncIteration", x.what(), *x.what() != 0};
    } catch (const stop_iteration<> &) {
        return {"StopIteration", "", false};
    } catch (const std::exception &x) {
        return {type_name(typeid(x)), x.what(), *x.what() != 0};
    } catch (...) {
        return {"unknown exception", "", false};
    }
}
} // namespace detail

// Python's traceback.format_exception_only(e), without the newline: "TypeName: message" ("TypeName"
// alone for an empty message).
inline std::string format_exception(const std::exception_ptr &e) {
    if (!e) return "None";
    detail::python_exception_text t = detail::describe_exception(e);
    return detail::exception_line(std::move(t.type), t.message.c_str());
}

// Python's repr(e): "KeyError('k')", "CancelledError()".
inline std::string exception_repr(const std::exception_ptr &e) {
    if (!e) return "None";
    try {
        std::rethrow_exception(e);
    } catch (const python_named &x) {
        if (std::string r = x.python_repr(); !r.empty()) return r;
    } catch (...) {
    }
    detail::python_exception_text t = detail::describe_exception(e);
    if (!t.has_args) return t.type + "()";
    const bool dq = t.message.find('\'') != std::string::npos && t.message.find('"') == std::string::npos;
    const char q = dq ? '"' : '\'';
    return t.type + "(" + q + t.message + q + ")";
}

// Installs a hook; an empty one restores the default (print to stderr). Returns the previous hook.
inline unraisable_hook set_unraisable_hook(unraisable_hook hook) {
    return detail::hook_slot<unraisable_hook>::global().exchange(std::move(hook));
}

// Hands an error to the hook. Never throws: a throwing hook is itself reported to stderr.
inline void report_unraisable(const unraisable &u) noexcept {
    try {
        const unraisable_hook hook = detail::hook_slot<unraisable_hook>::global().get();
        if (hook) {
            hook(u);
            return;
        }
        std::fprintf(stderr, "%s at %p\n%s\n", u.context, u.object, format_exception(u.exception).c_str());
    } catch (...) {
        std::fputs("twoway: the unraisable hook raised\n", stderr);
    }
}

} // namespace twoway
