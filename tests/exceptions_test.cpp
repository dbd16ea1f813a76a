// Tests for twoway/exceptions.hpp and twoway/stop_iteration.hpp: the Python exception types.
#include "twoway/exceptions.hpp"
#include "twoway/stop_iteration.hpp"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

TEST(Exceptions, GeneratorExitIsNotAStdExceptionAsGeneratorExitIsNotAnException) {
    static_assert(!std::is_base_of_v<std::exception, twoway::generator_exit>);
    bool by_std = false, by_all = false;
    try {
        try {
            throw twoway::generator_exit("bye");
        } catch (const std::exception &) {
            by_std = true;
        }
    } catch (...) {
        by_all = true;
    }
    EXPECT_FALSE(by_std);
    EXPECT_TRUE(by_all);
    EXPECT_STREQ(twoway::generator_exit("bye").what(), "bye");
    EXPECT_STREQ(twoway::generator_exit().what(), "");
}

TEST(Exceptions, ThePythonErrorsAreStdExceptions) {
    static_assert(std::is_base_of_v<std::exception, twoway::type_error>);
    static_assert(std::is_base_of_v<twoway::type_error, twoway::none_error>);
    static_assert(std::is_base_of_v<std::exception, twoway::value_error>);
    static_assert(std::is_base_of_v<std::runtime_error, twoway::runtime_error>);
    static_assert(std::is_base_of_v<std::exception, twoway::attribute_error>);
    static_assert(std::is_base_of_v<std::exception, twoway::stop_async_iteration>);
    EXPECT_STREQ(twoway::value_error("v").what(), "v");
}

TEST(Exceptions, EveryErrorHasADefaultConstructorWithAnEmptyMessageAsPythonsValueErrorDoes) {
    EXPECT_STREQ(twoway::type_error().what(), "");
    EXPECT_STREQ(twoway::none_error().what(), "");
    EXPECT_STREQ(twoway::value_error().what(), "");
    EXPECT_STREQ(twoway::runtime_error().what(), "");
    EXPECT_STREQ(twoway::attribute_error().what(), "");
    EXPECT_STREQ(twoway::stop_async_iteration().what(), "");
    EXPECT_STREQ(twoway::generator_exit().what(), "");
}

TEST(Exceptions, MessagesAreCPythons) {
    EXPECT_STREQ(twoway::messages::just_started, "can't send non-None value to a just-started generator");
    EXPECT_STREQ(twoway::messages::already_executing, "generator already executing");
    EXPECT_STREQ(twoway::messages::ignored_exit, "generator ignored GeneratorExit");
    EXPECT_STREQ(twoway::messages::raised_stop_iteration, "generator raised StopIteration");
}

TEST(StopIteration, EveryTypedStopIterationIsAStopIteration) {
    try {
        throw twoway::stop_iteration<std::string>("done");
    } catch (const twoway::stop_iteration<> &s) {
        auto *typed = dynamic_cast<const twoway::stop_iteration<std::string> *>(&s);
        ASSERT_NE(typed, nullptr);
        EXPECT_EQ(typed->value, "done");
        EXPECT_STREQ(s.what(), "StopIteration");
    }
    EXPECT_TRUE(twoway::stop_iteration<int>().value.is_none()); // StopIteration(): value None (R7)
}
