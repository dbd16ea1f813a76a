// trace_support.hpp — prints what the Python traces print, in the same format:
//   label -> repr            the call returned
//   label !! StopIteration value=V
//   label !! Type: message   the call raised
// Python's repr() is reproduced for the value types the ports use.
#pragma once

#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "twoway/twoway.hpp"

namespace trace {

// An exception class of a Python program, e.g. `class Reset(Exception)`: PY_EXCEPTION(Reset).
// Derives from std::exception, so `catch (const std::exception&)` is `except Exception`.
struct python_exception : std::exception {
    python_exception(const char *name, std::string message) : name(name), message(std::move(message)) {}
    const char *what() const noexcept override { return message.c_str(); }
    const char *name;
    std::string message;
};
#define PY_EXCEPTION(Name)                                                                                   \
    struct Name : ::trace::python_exception {                                                                \
        explicit Name(std::string m = "") : ::trace::python_exception(#Name, std::move(m)) {}               \
    }

// A Python BaseException that is not an Exception (e.g. KeyboardInterrupt): not a std::exception.
struct python_base_exception {
    python_base_exception(const char *name, std::string message) : name(name), message(std::move(message)) {}
    virtual ~python_base_exception() = default;
    const char *name;
    std::string message;
};
#define PY_BASE_EXCEPTION(Name)                                                                              \
    struct Name : ::trace::python_base_exception {                                                           \
        explicit Name(std::string m = "") : ::trace::python_base_exception(#Name, std::move(m)) {}          \
    }

// ---- repr ----------------------------------------------------------------------------------------

// A Python object of whatever type, known by its repr(): for programs that mix value types.
struct object {
    std::string repr_text;
    friend bool operator==(const object &, const object &) = default;
};

// The container reprs call each other: declare them all first.
template <class T>
std::string repr(const twoway::maybe<T> &m);
template <class T>
std::string repr(const std::optional<T> &m);
template <class T>
std::string repr(const std::vector<T> &v);
template <class... T>
std::string repr(const std::tuple<T...> &t);

inline std::string repr(twoway::none_t) { return "None"; }
inline std::string repr(bool b) { return b ? "True" : "False"; }
inline std::string repr(int v) { return std::to_string(v); }
inline std::string repr(long v) { return std::to_string(v); }
inline std::string repr(long long v) { return std::to_string(v); }
// Python's float and str reprs: the library's (twoway/object.hpp), which its own objects print with too.
inline std::string repr(double v) { return twoway::detail::repr_double(v); }
inline std::string repr(const std::string &s) { return twoway::detail::repr_str(s); }
inline std::string repr(const char *s) { return repr(std::string(s)); }
inline std::string repr(char c) { return repr(std::string(1, c)); }
inline std::string repr(const object &o) { return o.repr_text; }
inline std::string repr(const twoway::object &o) { return o.repr(); }
template <class T>
object obj(const T &v) {
    return object{repr(v)};
}
template <class T>
std::string repr(const twoway::maybe<T> &m) {
    return m.is_none() ? std::string("None") : repr(*m);
}
template <class T>
std::string repr(const std::optional<T> &m) {
    return m ? repr(*m) : std::string("None");
}
template <class T>
std::string repr(const std::vector<T> &v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + repr(v[i]);
    return out + "]";
}
template <class... T>
std::string repr(const std::tuple<T...> &t) {
    std::string out = "(";
    std::size_t i = 0;
    std::apply([&](const auto &...x) { ((out += (i++ ? ", " : "") + repr(x)), ...); }, t);
    return out + (sizeof...(T) == 1 ? ",)" : ")");
}

// A generator's result as a Python object: None stays None.
inline twoway::maybe<object> to_object(twoway::none_t) { return twoway::none; }
template <class T>
twoway::maybe<object> to_object(const twoway::maybe<T> &m) {
    if (m.is_none()) return twoway::none;
    return object{repr(*m)};
}

// ---- exceptions ----------------------------------------------------------------------------------

// Gives a class that derives from a twoway exception its Python name, e.g.
// `struct MyStop : twoway::stop_iteration<std::string>, trace::named { ... "MyStop" ... }`.
struct named {
    virtual ~named() = default;
    virtual const char *python_type() const noexcept = 0;
};

// Python's `a is b` for two exceptions: the same object.
inline const void *address_of(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception &x) {
        return &x;
    } catch (const twoway::generator_exit &x) {
        return &x;
    } catch (const twoway::cancelled_error &x) {
        return &x;
    } catch (const python_base_exception &x) {
        return &x;
    } catch (...) {
        return nullptr;
    }
}
inline bool same_object(const std::exception_ptr &a, const std::exception_ptr &b) {
    return a && b && address_of(a) == address_of(b);
}

// Python's type name for an exception object.
inline std::string python_name(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const twoway::python_named &x) {
        return x.python_type();
    } catch (const named &x) {
        return x.python_type();
    } catch (const twoway::generator_exit &) {
        return "GeneratorExit";
    } catch (const twoway::cancelled_error &) {
        return "CancelledError";
    } catch (const twoway::invalid_state_error &) {
        return "InvalidStateError";
    } catch (const twoway::timeout_error &) {
        return "TimeoutError";
    } catch (const twoway::type_error &) {
        return "TypeError";
    } catch (const twoway::value_error &) {
        return "ValueError";
    } catch (const twoway::runtime_error &) {
        return "RuntimeError";
    } catch (const twoway::attribute_error &) {
        return "AttributeError";
    } catch (const twoway::stop_async_iteration &) {
        return "StopAsyncIteration";
    } catch (const twoway::stop_iteration<> &) {
        return "StopIteration";
    } catch (const python_exception &x) {
        return x.name;
    } catch (const python_base_exception &x) {
        return x.name;
    } catch (const std::exception &x) {
        return twoway::detail::type_name(typeid(x));
    } catch (...) {
        return "<unknown>";
    }
}

inline std::string stop_value(const twoway::stop_iteration<> &s);

inline std::string message_of(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const twoway::stop_iteration<> &s) { // str(StopIteration(v)) is str(v); '' for None
        std::string v = stop_value(s);
        if (v == "None") return "";
        if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"')) return v.substr(1, v.size() - 2);
        return v;
    } catch (const twoway::python_named &x) {
        return x.python_str();
    } catch (const twoway::generator_exit &x) {
        return x.what();
    } catch (const twoway::cancelled_error &x) {
        return x.what();
    } catch (const python_base_exception &x) {
        return x.message;
    } catch (const std::exception &x) {
        return x.what();
    } catch (...) {
        return "";
    }
}

// "Type: message", as str() of the exception follows its type name in the traces.
inline std::string describe(const std::exception_ptr &e) { return python_name(e) + ": " + message_of(e); }

// The exception's __cause__ (a std::nested_exception), if any.
inline std::exception_ptr cause_of(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::nested_exception &n) {
        return n.nested_ptr();
    } catch (...) {
        return nullptr;
    }
}

// Value reprs of stop_iteration<R> for the R types a port uses: register_stop_type<R>().
inline std::vector<std::function<std::optional<std::string>(const twoway::stop_iteration<> &)>> &stop_types() {
    static std::vector<std::function<std::optional<std::string>(const twoway::stop_iteration<> &)>> v;
    return v;
}
template <class R>
void register_stop_type() {
    stop_types().push_back([](const twoway::stop_iteration<> &s) -> std::optional<std::string> {
        if (auto *t = dynamic_cast<const twoway::stop_iteration<R> *>(&s)) return repr(t->value);
        return std::nullopt;
    });
}
inline std::string stop_value(const twoway::stop_iteration<> &s) {
    static const bool builtins = [] {
        register_stop_type<int>();
        register_stop_type<std::string>();
        register_stop_type<double>();
        register_stop_type<twoway::object>();
        return true;
    }();
    (void)builtins;
    for (auto &f : stop_types())
        if (auto r = f(s)) return *r;
    return "None"; // stop_iteration<> itself: a generator with no return type
}

// The Python traces' attempt(label, fn). Returns the exception (or nullptr) for identity checks.
// suffix(e) may add "| __context__=..." text after the message.
template <class F>
std::exception_ptr attempt(const std::string &label, F &&fn,
                           const std::function<std::string(const std::exception_ptr &)> &suffix = {}) {
    try {
        if constexpr (std::is_void_v<decltype(fn())>) {
            fn();
            std::cout << label << " -> None\n";
        } else {
            auto r = fn();
            std::cout << label << " -> " << repr(r) << "\n";
        }
        return nullptr;
    } catch (const twoway::stop_iteration<> &s) {
        std::cout << label << " !! StopIteration value=" << stop_value(s) << "\n";
        return std::current_exception();
    } catch (...) {
        auto e = std::current_exception();
        std::cout << label << " !! " << describe(e) << (suffix ? suffix(e) : std::string()) << "\n";
        return e;
    }
}

// "| __cause__=Type: msg" / "| __context__=Type: msg" suffixes, from the std::nested_exception that
// C++ code uses where Python chains exceptions. with_message=false prints the type only.
inline std::function<std::string(const std::exception_ptr &)> chained(const std::string &attr, bool with_message = true,
                                                                      const std::string &when_none = "") {
    return [=](const std::exception_ptr &e) -> std::string {
        auto c = cause_of(e);
        if (!c) return when_none;
        return " | " + attr + "=" + (with_message ? describe(c) : python_name(c));
    };
}

// Python's `finally: print(text)`: a local whose destructor prints, on every way out of the scope.
struct finally_print {
    std::string text;
    ~finally_print() { std::cout << text; }
};

// A line of the Python trace that has no C++ meaning: the comparison skips it. The port's source
// says why, in a comment at the call.
inline void skip_line(const std::string &reason) { std::cout << "~skip~ " << reason << "\n"; }

} // namespace trace
