// Tests of twoway/asyncio/future.hpp: asyncio.Future (ASYNCIO.md group U).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::event_loop;

namespace {
template <class F>
std::string error_of(F fn) {
    try {
        fn();
        return "no error";
    } catch (const twoway::cancelled_error &c) {
        return std::string("CancelledError: ") + c.what();
    } catch (...) {
        return twoway::format_exception(std::current_exception());
    }
}
void run_one_iteration(event_loop &loop) {
    loop.stop();
    loop.run_forever();
}
} // namespace

TEST(Future, PendingStateErrors) { // U1
    event_loop loop;
    auto f = loop.create_future<int>();
    EXPECT_FALSE(f.done());
    EXPECT_FALSE(f.cancelled());
    EXPECT_EQ(error_of([&] { (void)f.result(); }), "InvalidStateError: Result is not set.");
    EXPECT_EQ(error_of([&] { (void)f.exception(); }), "InvalidStateError: Exception is not set.");
    f.cancel();
    loop.close();
}

TEST(Future, SetResultOnceThenInvalidState) { // U2
    event_loop loop;
    auto f = loop.create_future<std::string>();
    f.set_result("R");
    EXPECT_EQ(f.result(), "R");
    EXPECT_EQ(f.exception(), nullptr);
    EXPECT_EQ(error_of([&] { f.set_result("again"); }), "InvalidStateError: invalid state");
    EXPECT_EQ(error_of([&] { f.set_exception(twoway::value_error()); }), "InvalidStateError: invalid state");
    EXPECT_FALSE(f.cancel());
    loop.close();
}

TEST(Future, SetExceptionKeepsTheObject) { // U3
    event_loop loop;
    auto f = loop.create_future<int>();
    auto e = std::make_exception_ptr(twoway::value_error("v"));
    f.set_exception(e);
    EXPECT_EQ(f.exception(), e);
    try {
        (void)f.result();
    } catch (...) {
        EXPECT_EQ(std::current_exception(), e);
    }
    auto s = loop.create_future<int>();
    s.set_exception(twoway::stop_iteration<>());
    EXPECT_EQ(error_of([&] { (void)s.result(); }),
              "RuntimeError: StopIteration interacts badly with generators and cannot be raised into a Future");
    auto c = loop.create_future<int>();
    c.set_exception(twoway::cancelled_error("as exception")); // an ordinary exception
    EXPECT_FALSE(c.cancelled());
    EXPECT_TRUE(c.done());
    loop.close();
}

TEST(Future, CancelGivesANewErrorEachTime) { // U4
    event_loop loop;
    auto f = loop.create_future<int>();
    EXPECT_TRUE(f.cancel("why"));
    EXPECT_FALSE(f.cancel("again"));
    EXPECT_TRUE(f.cancelled());
    EXPECT_EQ(error_of([&] { (void)f.result(); }), "CancelledError: why");
    EXPECT_EQ(error_of([&] { f.set_result(1); }), "InvalidStateError: invalid state");
    loop.close();
}

TEST(Future, DoneCallbacksAreScheduledInOrder) { // U5
    event_loop loop;
    std::vector<std::string> out;
    auto f = loop.create_future<int>();
    auto a = +[](twoway::future<int>) {};
    f.add_done_callback([&](twoway::future<int> g) { out.push_back("a " + std::to_string(g.result())); });
    f.add_done_callback(a);
    f.add_done_callback(a);
    f.add_done_callback([&](twoway::future<int>) { out.push_back("b"); });
    EXPECT_EQ(f.remove_done_callback(a), 2u);
    loop.call_soon([&] { out.push_back("soon before"); });
    f.set_result(1);
    EXPECT_TRUE(out.empty()); // never synchronously
    loop.call_soon([&] { out.push_back("soon after"); });
    f.add_done_callback([&](twoway::future<int>) { out.push_back("late"); });
    run_one_iteration(loop);
    EXPECT_EQ(out, (std::vector<std::string>{"soon before", "a 1", "b", "soon after", "late"}));
    loop.close();
}

TEST(Future, AwaitYieldsTheFutureAndReadsTheResult) { // U7
    event_loop loop;
    auto f = loop.create_future<std::string>();
    auto waiter = [](twoway::future<std::string> g) -> twoway::coroutine<std::string> {
        std::string v = co_await g;
        co_return v;
    };
    auto co = waiter(f);
    twoway::object y = co.send(twoway::none);
    EXPECT_TRUE(is(y, twoway::object(f)));
    EXPECT_EQ(error_of([&] { co.send(twoway::none); }), "RuntimeError: await wasn't used with future");
    // The first awaiter's yield was not taken by a task: the future's blocking flag stays set, and CPython's
    // future iterator refuses the next await of it at once.
    auto refused = waiter(f);
    EXPECT_EQ(error_of([&] { refused.send(twoway::none); }), "RuntimeError: await wasn't used with future");
    auto g = loop.create_future<std::string>();
    auto co2 = waiter(g);
    (void)co2.send(twoway::none);
    g.set_result("ready");
    try {
        co2.send(twoway::none);
        FAIL();
    } catch (const twoway::stop_iteration<std::string> &s) {
        EXPECT_EQ(*s.value, "ready");
    }
    auto done = waiter(g); // a done future does not suspend
    EXPECT_THROW(done.send(twoway::none), twoway::stop_iteration<std::string>);
    loop.close();
}

TEST(Future, NeverRetrievedIsReported) { // U8
    event_loop loop;
    std::vector<std::string> seen;
    loop.set_exception_handler([&](event_loop &, const twoway::exception_context &c) {
        seen.push_back(*c.message);
        EXPECT_EQ(c.keys(), (std::vector<std::string>{"exception", "future", "message"}));
    });
    {
        auto f = loop.create_future<int>();
        f.set_exception(twoway::value_error("lost"));
    }
    {
        auto f = loop.create_future<int>();
        f.set_exception(twoway::value_error("retrieved"));
        (void)f.exception();
    }
    {
        auto f = loop.create_future<int>();
        f.set_exception(twoway::value_error("cancel() counts"));
        EXPECT_FALSE(f.cancel());
    }
    run_one_iteration(loop);
    EXPECT_EQ(seen, (std::vector<std::string>{"Future exception was never retrieved"}));
    loop.close();
}

TEST(Future, AwaitIterYieldsTheFutureThenStopsWithTheResult) { // U7: fut.__await__()
    event_loop loop;
    auto f = loop.create_future<int>();
    auto it = f.await_iter();
    EXPECT_TRUE(is(it.next(), twoway::object(f)));
    EXPECT_EQ(error_of([&] { (void)it.send(twoway::object(1)); }), "RuntimeError: await wasn't used with future");
    f.set_result(7);
    try {
        (void)it.next();
        FAIL();
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_EQ(*s.value, 7);
    }
    try { // exhausted: StopIteration without a value
        (void)it.next();
        FAIL();
    } catch (const twoway::stop_iteration<int> &s) {
        EXPECT_TRUE(s.value.is_none());
    }
    auto g = loop.create_future<int>();
    g.set_exception(twoway::value_error("bad"));
    EXPECT_EQ(error_of([&] { (void)g.await_iter().next(); }), "ValueError: bad");
    loop.close();
}

TEST(Future, CompletingOnAClosedLoopRaisesWhenThereAreCallbacks) { // call_soon refuses a closed loop
    event_loop loop;
    auto quiet = loop.create_future<int>();
    auto f = loop.create_future<int>();
    f.add_done_callback([](twoway::future<int>) {});
    loop.close();
    quiet.set_result(1); // no callback: nothing to schedule
    EXPECT_EQ(error_of([&] { f.set_result(1); }), "RuntimeError: Event loop is closed");
    EXPECT_TRUE(f.done()); // the future stays done
    EXPECT_EQ(error_of([&] { quiet.add_done_callback([](twoway::future<int>) {}); }), "RuntimeError: Event loop is closed");
}

void plain_callback(twoway::future<int>) {}

TEST(Future, RemoveDoneCallbackOfAFunction) { // a function name, as Python passes a function object
    event_loop loop;
    auto f = loop.create_future<int>();
    f.add_done_callback(plain_callback);
    f.add_done_callback(&plain_callback);
    EXPECT_EQ(f.remove_done_callback(plain_callback), 2u);
    f.cancel();
    loop.close();
}

template <class F, class E>
concept can_set_exception = requires(F f, E e) { f.set_exception(e); };

TEST(Future, IsFuture) {
    // Python's TypeError "invalid exception object" (set_exception(42), set_exception('text')): compile time.
    static_assert(!can_set_exception<twoway::future<int>, int>);
    static_assert(!can_set_exception<twoway::future<int>, const char *>);
    static_assert(!can_set_exception<twoway::future<int>, std::string>);
    static_assert(can_set_exception<twoway::future<int>, twoway::value_error>);
    static_assert(can_set_exception<twoway::future<int>, std::exception_ptr>);
    static_assert(twoway::isfuture<twoway::future<int>>);
    static_assert(!twoway::isfuture<int>);
}
