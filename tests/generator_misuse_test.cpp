// The misuse table: every way a user can misuse twoway's generator API, and the documented exception
// it raises (CPython's text where CPython has the same mistake; twoway's own, documented in
// docs/differences.md, where it has none). Never undefined behaviour.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <typeinfo>
#include <vector>

#include "twoway/twoway.hpp"

using twoway::generator;

namespace {

// The expected exception type, checked as "is a" (PEP 479's error is a nested runtime_error).
struct expected_type {
    std::string name;
    std::function<bool(const std::exception &)> matches;
};
template <class E>
expected_type type_of() {
    return {typeid(E).name(), [](const std::exception &e) { return dynamic_cast<const E *>(&e) != nullptr; }};
}

struct misuse {
    std::string what;
    std::function<void()> act;
    expected_type expected;
    std::string expected_message;
};

generator<int, int> plain() {
    for (;;) co_yield 0;
}

generator<int, int> calls_itself(generator<int, int> *const &self, std::function<void(generator<int, int> &)> f) {
    f(*self);
    co_yield 0;
}

generator<int, int> yields_after_exit() {
    for (;;) {
        try {
            co_yield 0;
        } catch (const twoway::generator_exit &) {
        }
    }
}

generator<int, int> delegates_to(generator<int, int> &target) { co_yield twoway::from(target); }

generator<int, int> raises_stop_iteration() {
    co_yield 0;
    throw twoway::stop_iteration<>();
}

generator<int, int> reads_none() {
    auto v = co_yield 0;
    co_yield *v;
}

// Runs f inside the running generator and rethrows what it raised there.
void from_inside(const std::function<void(generator<int, int> &)> &f) {
    generator<int, int> g;
    generator<int, int> *self = &g;
    std::exception_ptr seen;
    g = calls_itself(self, [&](generator<int, int> &me) {
        try {
            f(me);
        } catch (...) {
            seen = std::current_exception();
        }
    });
    g.next();
    if (seen) std::rethrow_exception(seen);
}

std::vector<misuse> table() {
    using namespace twoway;
    const std::string executing = messages::already_executing;
    return {
        {"send a value to a just-started generator", [] { plain().send(1); }, type_of<type_error>(), messages::just_started},
        {"step(v) on a just-started generator", [] { (void)plain().step(1); }, type_of<type_error>(), messages::just_started},
        {"next() from inside the running generator", [] { from_inside([](auto &g) { g.next(); }); }, type_of<value_error>(), executing},
        {"send() from inside", [] { from_inside([](auto &g) { g.send(1); }); }, type_of<value_error>(), executing},
        {"throw_exception() from inside", [] { from_inside([](auto &g) { g.throw_exception(std::runtime_error("x")); }); },
         type_of<value_error>(), executing},
        {"close() from inside", [] { from_inside([](auto &g) { g.close(); }); }, type_of<value_error>(), executing},
        {"use of a moved-from generator",
         [] {
             auto g = plain();
             auto h = std::move(g);
             g.next();
         },
         type_of<value_error>(), messages::empty_generator},
        {"use of a default-constructed generator", [] { generator<int, int>().send(1); }, type_of<value_error>(), messages::empty_generator},
        {"yield after GeneratorExit (close)",
         [] {
             auto g = yields_after_exit();
             g.next();
             g.close();
         },
         type_of<runtime_error>(), messages::ignored_exit},
        {"delegating to itself",
         [] {
             generator<int, int> g;
             g = delegates_to(g);
             g.next();
         },
         type_of<value_error>(), executing},
        {"driving a generator that another generator is delegating to",
         [] {
             auto sub = plain();
             auto d = delegates_to(sub);
             d.next();
             sub.next();
         },
         type_of<value_error>(), "generator is being delegated to: drive the delegating generator instead"},
        {"delegating to a generator that is already delegated to",
         [] {
             auto sub = plain();
             auto d1 = delegates_to(sub);
             auto d2 = delegates_to(sub);
             d1.next();
             d2.next();
         },
         type_of<value_error>(), "generator is already being delegated to by another generator"},
        {"a StopIteration escaping the generator (PEP 479)",
         [] {
             auto g = raises_stop_iteration();
             g.next();
             g.next();
         },
         type_of<runtime_error>(), messages::raised_stop_iteration},
        {"using the None that next() sent as a value",
         [] {
             auto g = reads_none();
             g.next();
             g.next();
         },
         type_of<none_error>(), "value is None (nothing was sent or returned)"},
        {"throwing an empty exception_ptr", [] { plain().throw_exception(std::exception_ptr()); }, type_of<type_error>(),
         "throw_exception() needs an exception (got an empty exception_ptr)"},
        {"entering a context manager twice",
         [] {
             auto cm = twoway::contextmanager(plain)();
             cm.enter();
             cm.enter();
         },
         type_of<attribute_error>(), "'_GeneratorContextManager' object has no attribute 'args'"},
        {"priming an empty generator", [] { (void)twoway::primed(generator<int, int>()); }, type_of<value_error>(),
         messages::empty_generator},
    };
}

} // namespace

TEST(GeneratorMisuse, EveryMisuseRaisesItsDocumentedException) {
    for (const auto &m : table()) {
        SCOPED_TRACE(m.what);
        try {
            m.act();
            ADD_FAILURE() << "no exception";
        } catch (const std::exception &e) {
            EXPECT_TRUE(m.expected.matches(e)) << "raised " << typeid(e).name() << ", expected " << m.expected.name;
            EXPECT_EQ(std::string(e.what()), m.expected_message);
        }
    }
}
