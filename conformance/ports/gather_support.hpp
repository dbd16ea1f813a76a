// gather_support.hpp — what the ports of traces 60-67 (combinators, timeouts, task groups) share: the
// traces' attempt(label, aw) as a coroutine, and show(), which prints a result list with an exception in
// a slot as <Type: message> and an exception group as "Type: message [sub, sub]".
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "asyncio_support.hpp"
#include "twoway/asyncio/gather.hpp"
#include "twoway/exception_chain.hpp"
#include "twoway/exception_group.hpp"

namespace trace {

PY_EXCEPTION(IndexError);
PY_EXCEPTION(LookupError);
PY_EXCEPTION(KeyError);

// An exception group prints its sub-exceptions, in order, in brackets (the traces' showexc).
inline std::string showexc(const std::exception_ptr &e) {
    std::string s = describe(e);
    try {
        std::rethrow_exception(e);
    } catch (const twoway::base_exception_group &g) {
        s += " [";
        bool first = true;
        for (const std::exception_ptr &x : g.exceptions()) {
            if (!first) s += ", ";
            first = false;
            s += showexc(x);
        }
        s += "]";
    } catch (...) {
    }
    return s;
}

template <class T>
std::string show(const T &v);

template <class T>
std::string show_one(const T &v) {
    if constexpr (std::is_same_v<T, std::exception_ptr>) {
        return v ? "<" + describe(v) + ">" : "None";
    } else if constexpr (requires { v.has_exception(); }) {
        return v.has_exception() ? "<" + describe(v.exception()) + ">" : show(v.value());
    } else if constexpr (requires { std::tuple_size<T>::value; }) {
        std::string s = "[";
        std::apply([&s](const auto &...x) {
            bool first = true;
            ((s += (first ? "" : ", ") + show(x), first = false), ...);
        }, v);
        return s + "]";
    } else if constexpr (requires { v.begin(); v.size(); } && !std::is_convertible_v<const T &, std::string>) {
        std::string s = "[";
        bool first = true;
        for (const auto &x : v) {
            if (!first) s += ", ";
            first = false;
            s += show(x);
        }
        return s + "]";
    } else {
        return repr(v);
    }
}
template <class T>
std::string show(const T &v) {
    return show_one(v);
}

// The traces' chain(e): twoway keeps one link per exception (docs/differences.md). A TimeoutError that
// the library raised from a CancelledError has it as __cause__ and __context__; any other link is the
// __context__ a handler's std::throw_with_nested recorded.
inline std::string chain(const std::exception_ptr &e) {
    std::exception_ptr link = twoway::nested_of(e);
    if (!link) return "";
    bool is_timeout = false;
    try {
        std::rethrow_exception(e);
    } catch (const twoway::timeout_error &) {
        is_timeout = true;
    } catch (...) {
    }
    if (is_timeout) return " | __cause__=" + describe(link) + " | __context__ is __cause__";
    return " | __context__=" + describe(link);
}

// The same, with the context's own context when the link is a __context__ (trace 62's chain()).
inline std::string chain_deep(const std::exception_ptr &e) {
    std::string s = chain(e);
    if (s.empty() || s.find("__cause__") != std::string::npos) return s;
    if (std::exception_ptr inner = twoway::nested_of(twoway::nested_of(e)))
        s += " | __context__.__context__=" + describe(inner);
    return s;
}

using suffix_fn = std::function<std::string(const std::exception_ptr &)>;

// The traces' `attempt(label, aw)`: awaits, prints "label -> show(result)" or "label !! Type: message";
// returns the exception (null if none) for identity checks.
template <class A>
twoway::coroutine<std::exception_ptr> attempt_await(std::string label, A aw, suffix_fn suffix = {}) {
    std::exception_ptr e;
    try {
        using R = twoway::operand_result_t<A>;
        if constexpr (std::is_void_v<R>) {
            co_await std::move(aw);
            std::cout << label << " -> None\n";
        } else {
            auto r = co_await std::move(aw);
            std::cout << label << " -> " << show(r) << "\n";
        }
    } catch (...) {
        e = std::current_exception();
        std::cout << label << " !! " << showexc(e) << (suffix ? suffix(e) : std::string()) << "\n";
    }
    co_return e;
}

// Sorted task names, as the traces print sets.
template <class F>
std::string names(const std::vector<F> &v) {
    std::vector<std::string> n;
    for (const F &f : v) n.push_back(f.get_name());
    std::sort(n.begin(), n.end());
    return show(n);
}

} // namespace trace
