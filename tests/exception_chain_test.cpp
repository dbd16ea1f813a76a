// Tests for twoway/exception_chain.hpp: raise_from, nested_of and asyncio.timeouts' _insert_timeout_error
// on the one std::nested_exception link. The expected chains were printed by CPython 3.13.0 with
//   from asyncio.timeouts import Timeout; ins = Timeout._insert_timeout_error
//   def ctx(e, c): e.__context__ = c; return e
//   def chain(e): ... ' -> '.join(repr of e, e.__context__, e.__context__.__context__, ...)
#include "twoway/exception_chain.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <utility>

namespace {

struct key_error : std::exception, twoway::python_named {
    explicit key_error(std::string k) : key_(std::move(k)) {}
    const char *what() const noexcept override { return key_.c_str(); }
    const char *python_type() const noexcept override { return "KeyError"; }
    std::string python_str() const override { return "'" + key_ + "'"; }
    std::string python_repr() const override { return "KeyError('" + key_ + "')"; }

private:
    std::string key_;
};

// class MyCE(asyncio.CancelledError): pass
struct my_cancelled_error : twoway::cancelled_error, twoway::python_named {
    const char *python_type() const noexcept override { return "MyCE"; }
    std::string python_str() const override { return ""; }
    bool python_has_args() const noexcept override { return false; }
};

template <class E>
std::exception_ptr ptr(E e) {
    return std::make_exception_ptr(std::move(e));
}

// Python's implicit context: e raised while `context` is handled.
template <class E>
std::exception_ptr raised_while_handling(E e, const std::exception_ptr &context) {
    try {
        try {
            std::rethrow_exception(context);
        } catch (...) {
            std::throw_with_nested(std::move(e));
        }
    } catch (...) {
        return std::current_exception();
    }
}

// repr(e) -> repr(e.__context__) -> ...
std::string chain(std::exception_ptr e) {
    std::string out;
    for (int n = 0; e && n < 10; ++n, e = twoway::nested_of(e)) {
        if (!out.empty()) out += " -> ";
        out += twoway::exception_repr(e);
    }
    return out;
}

// The address of the object that a catch of e sees.
const void *caught_object(const std::exception_ptr &e) {
    if (!e) return nullptr;
    try {
        std::rethrow_exception(e);
    } catch (const std::nested_exception &n) {
        return &n;
    } catch (...) {
    }
    return nullptr;
}

} // namespace

// ce = CancelledError(); x = ctx(ValueError('x'), ce); ins(x)
// chain(x) -> "ValueError('x') -> TimeoutError() -> CancelledError()"
// x.__context__.__cause__ is ce -> True; x.__context__.__context__ is ce -> True
// The first test of the in-place rewrite (docs/plans/structured-concurrency.md §3.2): the object the user
// holds, and has caught, is the same object before and after, and its link now leads to the TimeoutError.
TEST(ExceptionChain, SpliceRewritesTheLinkInPlace) {
    const std::exception_ptr ce = ptr(twoway::cancelled_error());
    const std::exception_ptr x = raised_while_handling(twoway::value_error("x"), ce);
    const void *before = caught_object(x);
    ASSERT_NE(before, nullptr);
    try {
        std::rethrow_exception(x);
    } catch (const std::nested_exception &held) { // a reference taken before the splice
        ASSERT_TRUE(held.nested_ptr() == ce);
        twoway::detail::insert_timeout_error(x);
        const std::exception_ptr te = held.nested_ptr();
        EXPECT_EQ(twoway::exception_repr(te), "TimeoutError()");
        EXPECT_TRUE(twoway::nested_of(te) == ce); // te.__cause__ is te.__context__ is ce
    }
    EXPECT_EQ(caught_object(x), before); // the same object
    EXPECT_EQ(chain(x), "ValueError('x') -> TimeoutError() -> CancelledError()");
    bool is_timeout = false;
    ASSERT_TRUE(twoway::nested_of(x));
    try {
        std::rethrow_exception(twoway::nested_of(x));
    } catch (const twoway::timeout_error &) {
        is_timeout = true;
    } catch (...) {
    }
    EXPECT_TRUE(is_timeout);
    // x is still a value_error: the splice changed only its link.
    try {
        std::rethrow_exception(x);
    } catch (const twoway::value_error &caught) {
        EXPECT_EQ(static_cast<const void *>(&dynamic_cast<const std::nested_exception &>(caught)), before);
        EXPECT_STREQ(caught.what(), "x");
    } catch (...) {
        ADD_FAILURE() << "not a value_error any more";
    }
}

// ce = CancelledError(); k = ctx(KeyError('k'), ce); x = ctx(ValueError('x'), k); ins(x)
// -> "ValueError('x') -> KeyError('k') -> TimeoutError() -> CancelledError()"; x.__context__ is k -> True
TEST(ExceptionChain, SpliceWalksToTheFirstLinkThatIsACancelledError) {
    const std::exception_ptr ce = ptr(twoway::cancelled_error());
    const std::exception_ptr k = raised_while_handling(key_error("k"), ce);
    const std::exception_ptr x = raised_while_handling(twoway::value_error("x"), k);
    twoway::detail::insert_timeout_error(x);
    EXPECT_EQ(chain(x), "ValueError('x') -> KeyError('k') -> TimeoutError() -> CancelledError()");
    EXPECT_TRUE(twoway::nested_of(x) == k);
    EXPECT_TRUE(twoway::nested_of(twoway::nested_of(k)) == ce);
}

// x = ctx(ValueError('x'), ctx(ce1, ctx(RuntimeError('y'), ce2))); ins(x)
// -> "ValueError('x') -> TimeoutError() -> CancelledError('1') -> RuntimeError('y') -> CancelledError('2')"
// x = ctx(CancelledError('s'), CancelledError('t')); ins(x)
// -> "CancelledError('s') -> TimeoutError() -> CancelledError('t')"  (only the links are looked at)
TEST(ExceptionChain, SpliceStopsAtTheFirstCancelledError) {
    const std::exception_ptr y = raised_while_handling(twoway::runtime_error("y"), ptr(twoway::cancelled_error("2")));
    const std::exception_ptr x =
        raised_while_handling(twoway::value_error("x"), raised_while_handling(twoway::cancelled_error("1"), y));
    twoway::detail::insert_timeout_error(x);
    EXPECT_EQ(chain(x), "ValueError('x') -> TimeoutError() -> CancelledError('1') -> RuntimeError('y') -> CancelledError('2')");

    const std::exception_ptr s = raised_while_handling(twoway::cancelled_error("s"), ptr(twoway::cancelled_error("t")));
    twoway::detail::insert_timeout_error(s);
    EXPECT_EQ(chain(s), "CancelledError('s') -> TimeoutError() -> CancelledError('t')");
}

// x = ctx(ValueError('x'), MyCE()); ins(x) -> "ValueError('x') -> TimeoutError() -> MyCE()"
TEST(ExceptionChain, ACancelledErrorSubclassIsSplicedToo) {
    const std::exception_ptr x = raised_while_handling(twoway::value_error("x"), ptr(my_cancelled_error()));
    twoway::detail::insert_timeout_error(x);
    EXPECT_EQ(chain(x), "ValueError('x') -> TimeoutError() -> MyCE()");
}

// x = ctx(ValueError('x'), ctx(KeyError('k'), None)); ins(x) -> "ValueError('x') -> KeyError('k')"
// x = ValueError('x'); ins(x) -> "ValueError('x')"
TEST(ExceptionChain, AChainWithoutACancelledErrorIsLeftAlone) {
    const std::exception_ptr k = ptr(key_error("k"));
    const std::exception_ptr x = raised_while_handling(twoway::value_error("x"), k);
    twoway::detail::insert_timeout_error(x);
    EXPECT_EQ(chain(x), "ValueError('x') -> KeyError('k')");
    EXPECT_TRUE(twoway::nested_of(x) == k);

    const std::exception_ptr alone = ptr(twoway::value_error("x"));
    twoway::detail::insert_timeout_error(alone);
    EXPECT_EQ(chain(alone), "ValueError('x')");
    EXPECT_NO_THROW(twoway::detail::insert_timeout_error(nullptr));
}

// b7: async with asyncio.timeout(0.01): async with asyncio.TaskGroup() as tg: tg.create_task(child()); await sleep(1)
// where child raises ValueError('m') in `except CancelledError`:
//   group:  "ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('m')]) -> TimeoutError() -> CancelledError()"
//   member: "ValueError('m') -> TimeoutError() -> CancelledError()"   (each with its own TimeoutError)
// Timeout.__aexit__ runs _insert_timeout_error(exc), then, for an ExceptionGroup, on each exc.exceptions.
TEST(ExceptionChain, SpliceIntoTheGroupAndEachOfItsMembers) {
    const std::exception_ptr body_ce = ptr(twoway::cancelled_error());
    const std::exception_ptr child_ce = ptr(twoway::cancelled_error());
    const std::exception_ptr member = raised_while_handling(twoway::value_error("m"), child_ce);
    const std::exception_ptr group =
        raised_while_handling(twoway::exception_group("unhandled errors in a TaskGroup", {member}), body_ce);
    twoway::detail::insert_timeout_error_and_into_members(group);
    EXPECT_EQ(chain(group), "ExceptionGroup('unhandled errors in a TaskGroup', [ValueError('m')]) -> TimeoutError() -> CancelledError()");
    EXPECT_EQ(chain(member), "ValueError('m') -> TimeoutError() -> CancelledError()");
    EXPECT_TRUE(twoway::nested_of(twoway::nested_of(group)) == body_ce);
    EXPECT_TRUE(twoway::nested_of(twoway::nested_of(member)) == child_ce);
    EXPECT_FALSE(twoway::nested_of(group) == twoway::nested_of(member));
}

// m = KeyboardInterrupt(); m.__context__ = ce; beg = BaseExceptionGroup('b', [m]); beg.__context__ = ce
// (the __aexit__ steps) -> "BaseExceptionGroup('b', [KeyboardInterrupt()]) -> TimeoutError() -> CancelledError()",
//                          member "KeyboardInterrupt() -> CancelledError()" (not an ExceptionGroup: members untouched)
TEST(ExceptionChain, ABaseExceptionGroupsMembersAreLeftAlone) {
    const std::exception_ptr ce = ptr(twoway::cancelled_error());
    const std::exception_ptr member = raised_while_handling(twoway::keyboard_interrupt(), ce);
    const std::exception_ptr group = raised_while_handling(twoway::base_exception_group("b", {member}), ce);
    twoway::detail::insert_timeout_error_and_into_members(group);
    EXPECT_EQ(chain(group), "BaseExceptionGroup('b', [KeyboardInterrupt()]) -> TimeoutError() -> CancelledError()");
    EXPECT_EQ(chain(member), "KeyboardInterrupt() -> CancelledError()");
}

// try: raise CancelledError()
// except CancelledError as ce: raise TimeoutError() from ce   -> e.__cause__ is ce
TEST(ExceptionChain, RaiseFromLinksTheCauseItself) {
    const std::exception_ptr ce = ptr(twoway::cancelled_error("m"));
    std::exception_ptr e;
    try {
        twoway::raise_from(twoway::timeout_error(), ce);
    } catch (const twoway::timeout_error &) { // still the class raised
        e = std::current_exception();
    } catch (...) {
    }
    ASSERT_TRUE(e);
    EXPECT_TRUE(twoway::nested_of(e) == ce);
    EXPECT_EQ(chain(e), "TimeoutError() -> CancelledError('m')");
}

// raise ValueError('x') from None -> no cause (and no context shown)
TEST(ExceptionChain, RaiseFromNoneHasNoLink) {
    std::exception_ptr e;
    try {
        twoway::raise_from(twoway::value_error("x"), nullptr);
    } catch (const twoway::value_error &) {
        e = std::current_exception();
    } catch (...) {
    }
    ASSERT_TRUE(e);
    EXPECT_FALSE(twoway::nested_of(e));
    EXPECT_EQ(chain(e), "ValueError('x')");
}

// A class with its own std::nested_exception base gets its link pointed at the cause.
TEST(ExceptionChain, RaiseFromSetsTheLinkOfAClassThatHasOne) {
    struct linked_error : std::runtime_error, std::nested_exception {
        linked_error() : std::runtime_error("linked") {}
    };
    const std::exception_ptr earlier = ptr(twoway::value_error("earlier"));
    const std::exception_ptr cause = ptr(key_error("k"));
    std::exception_ptr e;
    try {
        std::rethrow_exception(earlier);
    } catch (...) {
        linked_error made_while_handling; // its link is `earlier`
        try {
            twoway::raise_from(made_while_handling, cause);
        } catch (const linked_error &) {
            e = std::current_exception();
        }
    }
    ASSERT_TRUE(e);
    EXPECT_TRUE(twoway::nested_of(e) == cause);
}

TEST(ExceptionChain, NestedOfIsNullWithoutALink) {
    EXPECT_FALSE(twoway::nested_of(nullptr));
    EXPECT_FALSE(twoway::nested_of(ptr(twoway::value_error("x"))));
    const std::exception_ptr inner = ptr(key_error("k"));
    EXPECT_TRUE(twoway::nested_of(raised_while_handling(twoway::value_error("x"), inner)) == inner);
}
