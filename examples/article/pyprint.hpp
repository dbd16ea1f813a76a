// pyprint.hpp — what Python's print() shows for the values the tour prints: floats always with a
// decimal point (10.0), None for an empty twoway::maybe.
#pragma once

#include <charconv>
#include <string>

#include "twoway/none.hpp"

namespace pyprint {

inline std::string str(int v) { return std::to_string(v); }
inline std::string str(double v) {
    char buf[32];
    std::string s(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    return s.find_first_of(".en") == std::string::npos ? s + ".0" : s;
}
inline std::string str(const std::string &s) { return s; }
template <class T>
std::string str(const twoway::maybe<T> &m) {
    return m.is_none() ? "None" : str(*m);
}

} // namespace pyprint
