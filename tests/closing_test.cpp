// Tests for twoway/closing.hpp: contextlib.closing for generators.
#include "twoway/closing.hpp"

#include <gtest/gtest.h>

#include "twoway/contextmanager.hpp"

#include <string>
#include <vector>

namespace {

twoway::generator<int> counter(std::vector<std::string> &log) {
    try {
        for (int i = 0;; ++i) co_yield i;
    } catch (const twoway::generator_exit &) {
        log.push_back("closed");
        throw;
    }
}

twoway::generator<int> fails_on_close() {
    try {
        co_yield 1;
    } catch (const twoway::generator_exit &) {
        throw std::domain_error("close failed");
    }
}

} // namespace

TEST(Closing, WithClosesABorrowedGeneratorWhenTheBlockEnds) {
    std::vector<std::string> log;
    auto g = counter(log);
    twoway::with(twoway::closing(g), [](twoway::generator<int> &gen) {
        for (int x : gen)
            if (x == 2) break;
    });
    EXPECT_EQ(log, std::vector<std::string>{"closed"});
    EXPECT_EQ(g.state(), twoway::generator_state::closed);
}

TEST(Closing, TheBlocksExceptionStillPropagates) {
    std::vector<std::string> log;
    auto g = counter(log);
    EXPECT_THROW(twoway::with(twoway::closing(g), [](auto &gen) {
                     gen.next();
                     throw std::invalid_argument("block");
                 }),
                 std::invalid_argument);
    EXPECT_EQ(log, std::vector<std::string>{"closed"});
}

TEST(Closing, CloseErrorsPropagateFromWith) {
    auto g = fails_on_close();
    EXPECT_THROW(twoway::with(twoway::closing(g), [](auto &gen) { gen.next(); }), std::domain_error);
}

TEST(Closing, AsAScopeGuardItClosesAndReportsErrorsToTheUnraisableHook) {
    std::vector<std::string> reported;
    auto previous = twoway::set_unraisable_hook([&](const twoway::unraisable &u) { reported.push_back(twoway::format_exception(u.exception)); });
    {
        auto g = fails_on_close();
        twoway::closing guard(g);
        guard.get().next();
    }
    twoway::set_unraisable_hook(std::move(previous));
    ASSERT_EQ(reported.size(), 1u);
    EXPECT_NE(reported[0].find("close failed"), std::string::npos);
}

TEST(Closing, OwnsAnRvalueGenerator) {
    std::vector<std::string> log;
    {
        twoway::closing guard(counter(log));
        EXPECT_EQ(guard.get().next(), 0);
    }
    EXPECT_EQ(log, std::vector<std::string>{"closed"});
}

TEST(Closing, ClosingAnUnstartedGeneratorRunsNoCode) {
    std::vector<std::string> log;
    auto g = counter(log);
    twoway::with(twoway::closing(g), [] {});
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(g.state(), twoway::generator_state::closed);
}
