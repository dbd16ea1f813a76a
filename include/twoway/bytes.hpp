// twoway/bytes.hpp — Python's repr() of a bytes object, for data held in a std::string.
//
//   twoway::bytes_repr("line\n")   // b'line\n'
//
// The streams read and write bytes as std::string (any byte values; the size is the length). Standard
// library only.
#pragma once

#include <string>
#include <string_view>

namespace twoway {

// Python: repr(b) — b'...' (b"..." when the data has a ' and no "), with \t \n \r \\ and \xNN escapes.
inline std::string bytes_repr(std::string_view data) {
    const bool double_quotes = data.find('\'') != std::string_view::npos && data.find('"') == std::string_view::npos;
    const char quote = double_quotes ? '"' : '\'';
    std::string out;
    out.reserve(data.size() + 3);
    out += 'b';
    out += quote;
    static constexpr char hex[] = "0123456789abcdef";
    for (const char ch : data) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == static_cast<unsigned char>(quote) || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c < 0x20 || c >= 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += ch;
        }
    }
    out += quote;
    return out;
}

} // namespace twoway
