// asyncio_support.hpp — what the ports of the asyncio traces add to trace_support.hpp.
#pragma once

#include <cstring>
#include <string>

#include "trace_support.hpp"
#include "twoway/asyncio.hpp"

namespace trace {

// The ports of traces with timers run twice: on the monotonic clock, and with --virtual-clock.
inline twoway::clock_kind clock_from_args(int argc, char **argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--virtual-clock") == 0) return twoway::virtual_clock;
    return twoway::monotonic_clock;
}

// Python's `args` of an exception, as the traces print it: ('why',) or ().
inline std::string args_of(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const twoway::cancelled_error &c) {
        return c.has_message() ? "(" + repr(std::string(c.what())) + ",)" : "()";
    } catch (const std::exception &x) {
        return *x.what() ? "(" + repr(std::string(x.what())) + ",)" : "()";
    } catch (...) {
        return "()";
    }
}

} // namespace trace
