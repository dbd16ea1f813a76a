// Tests for twoway/none.hpp: Python's None and maybe<T>, whose value is read with checked access.
#include "twoway/none.hpp"

#include <gtest/gtest.h>

#include <string>

using twoway::maybe;

TEST(Maybe, IsNoneByDefaultAndFromNone) {
    maybe<int> a;
    maybe<int> b = twoway::none;
    EXPECT_TRUE(a.is_none());
    EXPECT_TRUE(b.is_none());
    EXPECT_FALSE(static_cast<bool>(a));
    EXPECT_TRUE(a == twoway::none);
}

TEST(Maybe, HoldsAValueEvenAFalsyOne) {
    maybe<int> zero = 0; // Python's 0 is not None (rule N1 tells them apart too)
    maybe<std::string> empty = std::string();
    EXPECT_TRUE(zero.has_value());
    EXPECT_EQ(*zero, 0);
    EXPECT_TRUE(empty.has_value());
}

TEST(Maybe, ReadingNoneIsACheckedTypeError) {
    maybe<int> m;
    EXPECT_THROW((void)*m, twoway::none_error);
    EXPECT_THROW((void)m.value(), twoway::type_error);
    maybe<std::string> s;
    EXPECT_THROW((void)s->size(), twoway::none_error);
}

TEST(Maybe, ComparesWithValuesAndNone) {
    maybe<std::string> s = std::string("next");
    EXPECT_TRUE(s == "next");
    EXPECT_FALSE(s == "other");
    EXPECT_FALSE(s == twoway::none);
    maybe<std::string> n;
    EXPECT_FALSE(n == "next"); // None equals no string
    EXPECT_TRUE(maybe<int>(3) == maybe<int>(3));
    EXPECT_FALSE(maybe<int>(3) == maybe<int>());
}

TEST(Maybe, ValueOrAndReset) {
    maybe<int> m = 5;
    EXPECT_EQ(m.value_or(1), 5);
    m.reset();
    EXPECT_EQ(m.value_or(1), 1);
    m.emplace(7);
    EXPECT_EQ(*m, 7);
}

TEST(Maybe, ReturnValueOfAVoidGeneratorIsNone) {
    static_assert(std::is_same_v<twoway::return_value_t<void>, twoway::none_t>);
    static_assert(std::is_same_v<twoway::return_value_t<int>, maybe<int>>);
    EXPECT_TRUE(twoway::none == twoway::none_t());
}
