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

} // namespace twoway::detail
