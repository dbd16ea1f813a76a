// Tests of twoway/bytes.hpp: repr() of bytes, as CPython 3.13 prints it (each expectation is Python's).
#include <gtest/gtest.h>

#include <string>

#include "twoway/bytes.hpp"

TEST(Bytes, Repr) {
    EXPECT_EQ(twoway::bytes_repr(""), "b''");
    EXPECT_EQ(twoway::bytes_repr("line\n"), "b'line\\n'");
    EXPECT_EQ(twoway::bytes_repr("a\tb\rc\\"), "b'a\\tb\\rc\\\\'");
    EXPECT_EQ(twoway::bytes_repr("it's"), "b\"it's\"");              // a ' and no ": double quotes
    EXPECT_EQ(twoway::bytes_repr("'\""), "b'\\'\"'");                 // both: single quotes, ' escaped
    EXPECT_EQ(twoway::bytes_repr(std::string("\0\x7f\x80\xff", 4)), "b'\\x00\\x7f\\x80\\xff'");
    EXPECT_EQ(twoway::bytes_repr("~ !"), "b'~ !'");
}
