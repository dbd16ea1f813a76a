// twoway/detail/type_name.hpp — a readable name for a C++ type, for error messages.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define TWOWAY_HAS_CXXABI 1
#endif

namespace twoway::detail {

inline std::string type_name(const std::type_info &t) {
#ifdef TWOWAY_HAS_CXXABI
    int status = 0;
    std::unique_ptr<char, void (*)(void *)> p(abi::__cxa_demangle(t.name(), nullptr, nullptr, &status), std::free);
    if (status == 0 && p) return p.get();
#endif
    return t.name();
}

// The name without its namespaces (template arguments kept), as Python names a class without its
// module: "app::Spy" -> "Spy", "std::vector<int, std::allocator<int> >" -> "vector<int, std::allocator<int> >".
inline std::string short_type_name(const std::type_info &t) {
    const std::string full = type_name(t);
    std::size_t start = 0;
    int depth = 0;
    for (std::size_t i = 0; i + 1 < full.size(); ++i) {
        const char c = full[i];
        if (c == '<' || c == '(') ++depth;
        else if (c == '>' || c == ')') --depth;
        else if (depth == 0 && c == ':' && full[i + 1] == ':') start = i + 2;
    }
    return full.substr(start);
}

} // namespace twoway::detail
