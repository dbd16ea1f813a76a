// Tests of twoway/aclosing.hpp: contextlib.aclosing (ASYNCIO.md X14), with coroutines driven by hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "twoway/aclosing.hpp"
#include "twoway/async_generator.hpp"
#include "twoway/async_with.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/generator.hpp"

using twoway::async_generator;
using twoway::coroutine;
using twoway::object;

namespace {

std::vector<std::string> log;

twoway::generator<object, object, object> pause(std::string tag) {
    twoway::maybe<object> reply = co_yield object(tag);
    co_return object(reply);
}

async_generator<int> numbers() {
    std::exception_ptr exit;
    try {
        for (int i = 0; i < 10; ++i) co_yield i;
    } catch (...) {
        exit = std::current_exception();
    }
    log.push_back("finally, awaiting");
    co_await pause("cleanup");
    log.push_back("closed");
    if (exit) std::rethrow_exception(exit);
}

template <class T>
T drive(coroutine<T> c) {
    for (;;) {
        try {
            object y = c.send(object());
            log.push_back("(" + y.repr() + ")");
        } catch (twoway::stop_iteration<> &s) {
            if constexpr (std::is_void_v<T>)
                return;
            else
                return std::move(*dynamic_cast<twoway::stop_iteration<T> &>(s).value);
        }
    }
}

struct thing {
    coroutine<void> aclose() {
        log.push_back("thing.aclose() called");
        co_return;
    }
};

} // namespace

TEST(Aclosing, X14LeavingTheLoopEarlyClosesTheGeneratorAtTheEndOfTheBlock) {
    log.clear();
    auto body = []() -> coroutine<std::vector<int>> {
        std::vector<int> seen;
        co_await twoway::async_with(twoway::aclosing(numbers()), [&](async_generator<int> &gen) -> coroutine<void> {
            while (auto n = co_await twoway::anext(gen, twoway::none)) {
                seen.push_back(*n);
                if (*n == 1) break;
            }
            log.push_back("left the loop");
        });
        co_return seen;
    };
    EXPECT_EQ(drive(body()), (std::vector<int>{0, 1}));
    EXPECT_EQ(log, (std::vector<std::string>{"left the loop", "finally, awaiting", "('cleanup')", "closed"}));
}

TEST(Aclosing, X14AnErrorInTheBlockClosesTheGeneratorAndPropagates) {
    log.clear();
    auto body = []() -> coroutine<void> {
        auto gen = numbers(); // an lvalue: referred to, not owned
        co_await twoway::async_with(twoway::aclosing(gen), [](async_generator<int> &g) -> coroutine<void> {
            (void)co_await g.anext();
            throw twoway::value_error("body failed");
        });
    };
    EXPECT_THROW(drive(body()), twoway::value_error);
    EXPECT_EQ(log, (std::vector<std::string>{"finally, awaiting", "('cleanup')", "closed"}));
}

TEST(Aclosing, X14AnyObjectWithAnAwaitableAcloseAndTheTargetIsItself) {
    log.clear();
    thing t;
    auto body = [](thing *expected) -> coroutine<bool> {
        thing &target = *expected;
        bool same = co_await twoway::async_with(twoway::aclosing(target), [&](thing &x) -> coroutine<bool> { co_return &x == expected; });
        co_return same; // aclosing never suppresses: the block's own type, not a maybe
    };
    EXPECT_TRUE(drive(body(&t)));
    EXPECT_EQ(log, (std::vector<std::string>{"thing.aclose() called"}));
}
