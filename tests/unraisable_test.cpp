// Tests for twoway/unraisable.hpp: where errors go that cannot be raised (sys.unraisablehook).
#include "twoway/unraisable.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

TEST(Unraisable, TheHookReceivesTheErrorAndSetReturnsThePreviousHook) {
    std::vector<std::string> seen;
    auto previous = twoway::set_unraisable_hook([&](const twoway::unraisable &u) { seen.push_back(twoway::format_exception(u.exception)); });
    twoway::report_unraisable({std::make_exception_ptr(twoway::value_error("v")), "Exception ignored in: test", nullptr});
    auto mine = twoway::set_unraisable_hook(std::move(previous));
    EXPECT_TRUE(static_cast<bool>(mine));
    EXPECT_EQ(seen, std::vector<std::string>{"ValueError: v"});
}

TEST(Unraisable, TheDefaultHookPrintsToStderr) {
    auto previous = twoway::set_unraisable_hook({});
    testing::internal::CaptureStderr();
    twoway::report_unraisable({std::make_exception_ptr(twoway::runtime_error("boom")), "Exception ignored in: <test>", nullptr});
    const std::string err = testing::internal::GetCapturedStderr();
    twoway::set_unraisable_hook(std::move(previous));
    EXPECT_NE(err.find("Exception ignored in: <test>"), std::string::npos);
    EXPECT_NE(err.find("RuntimeError: boom"), std::string::npos);
}

TEST(Unraisable, AThrowingHookDoesNotEscape) {
    auto previous = twoway::set_unraisable_hook([](const twoway::unraisable &) { throw std::logic_error("hook failed"); });
    testing::internal::CaptureStderr();
    EXPECT_NO_THROW(twoway::report_unraisable({std::make_exception_ptr(twoway::value_error("v")), "ctx", nullptr}));
    const std::string err = testing::internal::GetCapturedStderr();
    twoway::set_unraisable_hook(std::move(previous));
    EXPECT_NE(err.find("the unraisable hook raised"), std::string::npos);
}

TEST(Unraisable, FormatExceptionNamesPythonTypes) {
    EXPECT_EQ(twoway::format_exception(std::make_exception_ptr(twoway::generator_exit("bye"))), "GeneratorExit: bye");
    EXPECT_EQ(twoway::format_exception(std::make_exception_ptr(twoway::type_error("t"))), "TypeError: t");
    EXPECT_EQ(twoway::format_exception(std::make_exception_ptr(twoway::stop_iteration<>())), "StopIteration");
    EXPECT_EQ(twoway::format_exception(nullptr), "None");
}

TEST(Unraisable, FormatExceptionLeavesOutTheColonOfAnEmptyMessageAsPythonDoes) {
    EXPECT_EQ(twoway::format_exception(std::make_exception_ptr(twoway::value_error())), "ValueError");
    EXPECT_EQ(twoway::format_exception(std::make_exception_ptr(twoway::generator_exit())), "GeneratorExit");
}

namespace app {
struct disk_full : std::runtime_error {
    using std::runtime_error::runtime_error;
};
} // namespace app

TEST(Unraisable, FormatExceptionGivesOtherExceptionsTheirReadableCppTypeName) {
    EXPECT_EQ(twoway::format_exception(std::make_exception_ptr(std::out_of_range("index"))), "std::out_of_range: index");
    EXPECT_EQ(twoway::format_exception(std::make_exception_ptr(app::disk_full("sda1"))), "app::disk_full: sda1");
}
