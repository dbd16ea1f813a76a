// streams_support.hpp — what the ports of the stream traces (74, 75) share: attempt() and call() that
// print bytes results as Python's repr(bytes), and a list of bytes as Python prints it.
#pragma once

#include <string>
#include <vector>

#include "asyncio_support.hpp"
#include "twoway/bytes.hpp"

namespace trace {

inline std::string show_bytes_list(const std::vector<std::string> &v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + twoway::bytes_repr(v[i]);
    return s + "]";
}

// The traces' attempt(label, aw): "label -> b'...'" (or None), "label !! Type: message"; the exception.
template <class A>
twoway::coroutine<std::exception_ptr> attempt_bytes(std::string label, A aw) {
    std::exception_ptr e;
    try {
        using R = twoway::operand_result_t<A>;
        if constexpr (std::is_void_v<R>) {
            co_await std::move(aw);
            std::cout << label << " -> None\n";
        } else {
            std::string r = co_await std::move(aw);
            std::cout << label << " -> " << twoway::bytes_repr(r) << "\n";
        }
    } catch (...) {
        e = std::current_exception();
        std::cout << label << " !! " << describe(e) << "\n";
    }
    co_return e;
}

} // namespace trace
