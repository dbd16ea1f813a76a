// Tests of twoway/os_error.hpp: Python's OSError family (PEP 3151). probe: str(OSError(111, 'x')) is
// "[Errno 111] x" and its type ConnectionRefusedError; str(ConnectionResetError('Connection lost')) is
// the message alone and its errno None; errno.errorcode[111] is 'ECONNREFUSED'.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "twoway/os_error.hpp"
#include "twoway/unraisable.hpp"

TEST(OsError, TheErrnoPicksTheSubclass) {
    auto type_of = [](int n) { return twoway::format_exception(twoway::make_os_error(n, "x")); };
    EXPECT_EQ(type_of(ECONNREFUSED), "ConnectionRefusedError: [Errno 111] x");
    EXPECT_EQ(type_of(ECONNRESET), "ConnectionResetError: [Errno 104] x");
    EXPECT_EQ(type_of(ECONNABORTED), "ConnectionAbortedError: [Errno 103] x");
    EXPECT_EQ(type_of(EPIPE), "BrokenPipeError: [Errno 32] x");
    EXPECT_EQ(type_of(ESHUTDOWN), "BrokenPipeError: [Errno 108] x");
    EXPECT_EQ(type_of(EADDRINUSE), "OSError: [Errno 98] x");
}

TEST(OsError, WithoutAnErrnoTheMessageIsTheText) {
    const twoway::connection_reset_error e("Connection lost");
    EXPECT_STREQ(e.what(), "Connection lost");
    EXPECT_FALSE(e.has_errno());
    EXPECT_EQ(e.errno_value(), 0);
}

TEST(OsError, ItIsAStdSystemErrorAndAConnectionError) {
    try {
        std::rethrow_exception(twoway::make_os_error(ECONNREFUSED, "Connect call failed ('127.0.0.1', 1)"));
    } catch (const twoway::connection_error &e) {
        EXPECT_EQ(e.code(), std::error_code(ECONNREFUSED, std::generic_category()));
        EXPECT_EQ(e.errno_value(), ECONNREFUSED);
        EXPECT_EQ(e.strerror(), "Connect call failed ('127.0.0.1', 1)");
        const std::system_error &as_std = e;
        EXPECT_STREQ(as_std.what(), "[Errno 111] Connect call failed ('127.0.0.1', 1)");
    }
}

TEST(OsError, FromAnErrorCode) {
    EXPECT_EQ(twoway::format_exception(twoway::make_os_error(std::error_code(EPIPE, std::system_category()))),
              "BrokenPipeError: [Errno 32] Broken pipe");
}

TEST(OsError, Errorcode) {
    EXPECT_STREQ(twoway::errorcode(ECONNREFUSED), "ECONNREFUSED");
    EXPECT_STREQ(twoway::errorcode(ECONNRESET), "ECONNRESET");
    EXPECT_STREQ(twoway::errorcode(EPIPE), "EPIPE");
    EXPECT_STREQ(twoway::errorcode(100000), "");
}

TEST(OsError, Gaierror) {
    EXPECT_EQ(twoway::format_exception(std::make_exception_ptr(twoway::gaierror(-2, "Name or service not known"))),
              "gaierror: [Errno -2] Name or service not known");
}
