// Tests of twoway/warnings.hpp: the warning hook.
#include <gtest/gtest.h>

#include <string>

#include "twoway/warnings.hpp"

TEST(Warnings, HookReceivesAndRestores) {
    std::string seen;
    auto previous = twoway::set_warning_hook([&](const twoway::warning &w) { seen = std::string(w.category) + ": " + w.message; });
    twoway::warn({"RuntimeWarning", "coroutine 'f' was never awaited", nullptr});
    EXPECT_EQ(seen, "RuntimeWarning: coroutine 'f' was never awaited");
    auto mine = twoway::set_warning_hook(previous);
    EXPECT_TRUE(static_cast<bool>(mine));
}

TEST(Warnings, ThrowingHookNeverEscapes) {
    auto previous = twoway::set_warning_hook([](const twoway::warning &) { throw 1; });
    EXPECT_NO_THROW(twoway::warn({"RuntimeWarning", "x", nullptr}));
    twoway::set_warning_hook(previous);
}
