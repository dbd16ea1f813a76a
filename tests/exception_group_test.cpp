// Tests for twoway/exception_group.hpp: PEP 654's ExceptionGroup, BaseExceptionGroup, split/subgroup and
// except*. Every expected text was printed by CPython 3.13.0; the probe is the comment above each test.
#include "twoway/exception_group.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

// Test exceptions that print under Python's names (Exceptions: std::exceptions).
struct named_error : std::exception, twoway::python_named {
    named_error(const char *type, std::string message) : type_(type), message_(std::move(message)) {}
    const char *what() const noexcept override { return message_.c_str(); }
    const char *python_type() const noexcept override { return type_; }
    std::string python_str() const override { return message_; }

private:
    const char *type_;
    std::string message_;
};
struct lookup_error : named_error {
    explicit lookup_error(std::string m) : named_error("LookupError", std::move(m)) {}
};
struct os_error : named_error {
    explicit os_error(std::string m) : named_error("OSError", std::move(m)) {}
};
// KeyError: str(KeyError('k')) is "'k'", its repr KeyError('k').
struct key_error : lookup_error {
    explicit key_error(std::string k) : lookup_error(std::move(k)) {}
    const char *python_type() const noexcept override { return "KeyError"; }
    std::string python_str() const override { return "'" + std::string(what()) + "'"; }
    std::string python_repr() const override { return "KeyError('" + std::string(what()) + "')"; }
};

template <class E>
std::exception_ptr ptr(E e) {
    return std::make_exception_ptr(std::move(e));
}

std::string repr(const std::exception_ptr &e) { return twoway::exception_repr(e); }

// e.exceptions[i] (null, and a failure, when e is not a group that long).
std::exception_ptr member(const std::exception_ptr &e, std::size_t i) {
    if (!e) {
        ADD_FAILURE() << "None has no member " << i;
        return nullptr;
    }
    try {
        std::rethrow_exception(e);
    } catch (const twoway::base_exception_group &g) {
        if (i < g.exceptions().size()) return g.exceptions()[i];
    } catch (...) {
    }
    ADD_FAILURE() << repr(e) << " has no member " << i;
    return nullptr;
}

// The exception that f lets out, or null.
template <class F>
std::exception_ptr propagated(F f) {
    try {
        f();
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

template <class E, class F>
std::string message_of(F f) {
    try {
        f();
    } catch (const E &e) {
        return e.what();
    } catch (...) {
        return "<another exception>";
    }
    return "<nothing raised>";
}

// The link a group part carries (Python's __context__ / __cause__), or null.
std::exception_ptr link_of(const std::exception_ptr &e) {
    if (!e) return nullptr;
    try {
        std::rethrow_exception(e);
    } catch (const std::nested_exception &n) {
        return n.nested_ptr();
    } catch (...) {
    }
    return nullptr;
}

} // namespace

// ExceptionGroup('m', []); BaseExceptionGroup('m', [])
//   -> ValueError: second argument (exceptions) must be a non-empty sequence (both)
TEST(ExceptionGroup, AnEmptySequenceIsAValueError) {
    const char *expected = "second argument (exceptions) must be a non-empty sequence";
    EXPECT_EQ(message_of<twoway::value_error>([] { twoway::exception_group("m", {}); }), expected);
    EXPECT_EQ(message_of<twoway::value_error>([] { twoway::base_exception_group("m", {}); }), expected);
    EXPECT_EQ(message_of<twoway::value_error>([] { (void)twoway::make_exception_group("m", {}); }), expected);
}

// ExceptionGroup('m', [ValueError(1), None]) -> ValueError: Item 1 of second argument (exceptions) is not an exception
// ExceptionGroup('m', [None])                -> ValueError: Item 0 of ...
// ExceptionGroup('m', [KeyboardInterrupt(), None]) -> ValueError: Item 1 of ... (before the nesting check)
TEST(ExceptionGroup, ANullItemIsAValueErrorNamingItsIndex) {
    EXPECT_EQ(message_of<twoway::value_error>([] { twoway::exception_group("m", {ptr(twoway::value_error("1")), nullptr}); }),
              "Item 1 of second argument (exceptions) is not an exception");
    EXPECT_EQ(message_of<twoway::value_error>([] { twoway::base_exception_group("m", {nullptr}); }),
              "Item 0 of second argument (exceptions) is not an exception");
    EXPECT_EQ(message_of<twoway::value_error>([] { twoway::exception_group("m", {ptr(twoway::keyboard_interrupt()), nullptr}); }),
              "Item 1 of second argument (exceptions) is not an exception");
    EXPECT_EQ(message_of<twoway::value_error>([] { (void)twoway::make_exception_group("m", {ptr(twoway::keyboard_interrupt()), nullptr}); }),
              "Item 1 of second argument (exceptions) is not an exception");
}

// ExceptionGroup('m', [ValueError(1), KeyboardInterrupt()]) -> TypeError: Cannot nest BaseExceptions in an ExceptionGroup
TEST(ExceptionGroup, AnExceptionGroupCannotHoldABaseException) {
    EXPECT_EQ(message_of<twoway::type_error>([] {
                  twoway::exception_group("m", {ptr(twoway::value_error("1")), ptr(twoway::keyboard_interrupt())});
              }),
              "Cannot nest BaseExceptions in an ExceptionGroup");
    EXPECT_EQ(message_of<twoway::type_error>([] { twoway::exception_group("m", {ptr(twoway::cancelled_error())}); }),
              "Cannot nest BaseExceptions in an ExceptionGroup");
    EXPECT_NO_THROW(twoway::base_exception_group("m", {ptr(twoway::keyboard_interrupt())}));
}

// BaseExceptionGroup('m', [ValueError(1)])       -> ExceptionGroup('m', [ValueError(1)])
// BaseExceptionGroup('m', [KeyboardInterrupt()]) -> BaseExceptionGroup('m', [KeyboardInterrupt()])
TEST(ExceptionGroup, MakeExceptionGroupPicksExceptionGroupWhenEveryItemIsAnException) {
    static_assert(std::is_base_of_v<std::exception, twoway::exception_group>);
    static_assert(!std::is_base_of_v<std::exception, twoway::base_exception_group>);
    static_assert(std::is_base_of_v<twoway::base_exception_group, twoway::exception_group>);

    std::exception_ptr eg = twoway::make_exception_group("m", {ptr(twoway::value_error("1"))});
    EXPECT_EQ(repr(eg), "ExceptionGroup('m', [ValueError('1')])");
    EXPECT_EQ(message_of<std::exception>([&] { std::rethrow_exception(eg); }), "m (1 sub-exception)");

    std::exception_ptr beg = twoway::make_exception_group("m", {ptr(twoway::keyboard_interrupt())});
    EXPECT_EQ(repr(beg), "BaseExceptionGroup('m', [KeyboardInterrupt()])");
    bool by_std = false, by_group = false;
    try {
        try {
            std::rethrow_exception(beg);
        } catch (const std::exception &) {
            by_std = true;
        }
    } catch (const twoway::base_exception_group &) {
        by_group = true;
    }
    EXPECT_FALSE(by_std); // not an Exception: catch (const std::exception &) does not swallow it
    EXPECT_TRUE(by_group);

    EXPECT_EQ(message_of<twoway::exception_group>([] { twoway::raise_exception_group("r", {ptr(twoway::value_error("1"))}); }),
              "r (1 sub-exception)");
    EXPECT_EQ(message_of<twoway::base_exception_group>([] { twoway::raise_exception_group("r", {ptr(twoway::cancelled_error())}); }),
              "r (1 sub-exception)");
}

// str(ExceptionGroup('one', [a])) -> 'one (1 sub-exception)'; str(EG('msg', [a, k, EG(...)])) -> 'msg (3 sub-exceptions)';
// str(ExceptionGroup('', [a, b])) -> ' (2 sub-exceptions)';
// traceback.format_exception_only(eg) -> ['ExceptionGroup: msg (3 sub-exceptions)\n']
TEST(ExceptionGroup, StrIsTheMessageAndTheCount) {
    const auto a = ptr(twoway::value_error("a"));
    const twoway::exception_group one("one", {a});
    EXPECT_STREQ(one.what(), "one (1 sub-exception)");
    EXPECT_EQ(one.message(), "one");
    const twoway::exception_group three("msg", {a, ptr(key_error("k")), ptr(twoway::exception_group("inner", {a}))});
    EXPECT_STREQ(three.what(), "msg (3 sub-exceptions)");
    EXPECT_EQ(three.python_str(), "msg (3 sub-exceptions)");
    EXPECT_STREQ(twoway::exception_group("", {a, a}).what(), " (2 sub-exceptions)");
    EXPECT_STREQ(static_cast<const std::exception &>(three).what(), "msg (3 sub-exceptions)");
    EXPECT_EQ(twoway::format_exception(std::make_exception_ptr(three)), "ExceptionGroup: msg (3 sub-exceptions)");
    EXPECT_EQ(twoway::format_exception(twoway::make_exception_group("b", {ptr(twoway::keyboard_interrupt())})),
              "BaseExceptionGroup: b (1 sub-exception)");
}

// repr(ExceptionGroup('msg', [ValueError('a'), KeyError('k'), ExceptionGroup('inner', [TypeError('t')])]))
// repr(ExceptionGroup("it's", [ValueError('a')])); repr(ExceptionGroup('a\nb\\c"\'', [ValueError('a')]))
TEST(ExceptionGroup, ReprShowsTheMembersAndNestedGroups) {
    const std::exception_ptr eg = twoway::make_exception_group(
        "msg", {ptr(twoway::value_error("a")), ptr(key_error("k")),
                twoway::make_exception_group("inner", {ptr(twoway::type_error("t"))})});
    EXPECT_EQ(repr(eg), "ExceptionGroup('msg', [ValueError('a'), KeyError('k'), ExceptionGroup('inner', [TypeError('t')])])");
    EXPECT_EQ(repr(twoway::make_exception_group("it's", {ptr(twoway::value_error("a"))})),
              "ExceptionGroup(\"it's\", [ValueError('a')])");
    EXPECT_EQ(repr(twoway::make_exception_group("a\nb\\c\"'", {ptr(twoway::value_error("a"))})),
              "ExceptionGroup('a\\nb\\\\c\"\\'', [ValueError('a')])");
}

// a,b,c,d = ValueError('a'), TypeError('b'), ValueError('c'), KeyError('d'); inner = EG('inner', [c, d])
// eg = EG('msg', [a, b, inner]); m, r = eg.split(ValueError)
//   m: ExceptionGroup('msg', [ValueError('a'), ExceptionGroup('inner', [ValueError('c')])])
//   r: ExceptionGroup('msg', [TypeError('b'), ExceptionGroup('inner', [KeyError('d')])])
//   m.exceptions[0] is a -> True; m.exceptions[1] is inner -> False
TEST(ExceptionGroup, SplitKeepsTheNestingAndTheLeaves) {
    const auto a = ptr(twoway::value_error("a")), b = ptr(twoway::type_error("b"));
    const auto c = ptr(twoway::value_error("c")), d = ptr(key_error("d"));
    const auto inner = twoway::make_exception_group("inner", {c, d});
    const auto eg = twoway::make_exception_group("msg", {a, b, inner});
    const twoway::split_result parts = twoway::split<twoway::value_error>(eg);
    EXPECT_EQ(repr(parts.match), "ExceptionGroup('msg', [ValueError('a'), ExceptionGroup('inner', [ValueError('c')])])");
    EXPECT_EQ(repr(parts.rest), "ExceptionGroup('msg', [TypeError('b'), ExceptionGroup('inner', [KeyError('d')])])");
    EXPECT_TRUE(member(parts.match, 0) == a);
    EXPECT_TRUE(member(member(parts.match, 1), 0) == c);
    EXPECT_TRUE(member(parts.rest, 0) == b);
    EXPECT_TRUE(member(member(parts.rest, 1), 0) == d);
    EXPECT_FALSE(member(parts.match, 1) == inner);
    EXPECT_FALSE(member(parts.rest, 1) == inner);
    // Several types: eg.split((KeyError, TypeError))
    const twoway::split_result two = twoway::split<key_error, twoway::type_error>(eg);
    EXPECT_EQ(repr(two.match), "ExceptionGroup('msg', [TypeError('b'), ExceptionGroup('inner', [KeyError('d')])])");
    // A subclass matches, as with isinstance: EG('g', [MyVE('m'), k]).split(ValueError)
    //   -> (ExceptionGroup('g', [MyVE('m')]), ExceptionGroup('g', [KeyError('k')]))
    const twoway::split_result sub =
        twoway::split<lookup_error>(twoway::make_exception_group("g", {ptr(key_error("k")), ptr(twoway::value_error("v"))}));
    EXPECT_EQ(repr(sub.match), "ExceptionGroup('g', [KeyError('k')])");
    EXPECT_EQ(repr(sub.rest), "ExceptionGroup('g', [ValueError('v')])");
}

// eg.split(ExceptionGroup)[0] is eg -> True, rest None; eg.subgroup(lambda e: True) is eg -> True
// m, r = eg.split(OSError): m None, r a copy: r is eg -> False, r.exceptions[2] is inner -> False, r.exceptions[0] is a -> True
// m, r = eg.split((ValueError, TypeError, KeyError)): m is eg -> False, r None
TEST(ExceptionGroup, AWholeMatchIsTheSameObjectAndEverythingElseIsACopy) {
    const auto a = ptr(twoway::value_error("a")), b = ptr(twoway::type_error("b"));
    const auto inner = twoway::make_exception_group("inner", {ptr(twoway::value_error("c")), ptr(key_error("d"))});
    const auto eg = twoway::make_exception_group("msg", {a, b, inner});

    const twoway::split_result whole = twoway::split<twoway::exception_group>(eg);
    EXPECT_TRUE(whole.match == eg);
    EXPECT_FALSE(whole.rest);
    EXPECT_TRUE(twoway::split<std::exception>(eg).match == eg); // except Exception: a group is one
    EXPECT_TRUE(twoway::subgroup(eg, [](const std::exception_ptr &) { return true; }) == eg);

    const twoway::split_result none = twoway::split<os_error>(eg);
    EXPECT_FALSE(none.match);
    ASSERT_TRUE(none.rest);
    EXPECT_FALSE(none.rest == eg);
    EXPECT_EQ(repr(none.rest), repr(eg));
    EXPECT_TRUE(member(none.rest, 0) == a);
    EXPECT_FALSE(member(none.rest, 2) == inner);

    const twoway::split_result all = twoway::split<twoway::value_error, twoway::type_error, key_error>(eg);
    ASSERT_TRUE(all.match);
    EXPECT_FALSE(all.match == eg);
    EXPECT_EQ(repr(all.match), repr(eg));
    EXPECT_FALSE(all.rest);
}

// order = []; def pred(e): order.append(type(e).__name__ + ':' + str(e)); return isinstance(e, KeyError)
// eg.split(pred) -> (EG('msg', [EG('inner', [KeyError('d')])]), EG('msg', [ValueError('a'), TypeError('b'), EG('inner', [ValueError('c')])]))
// order -> ['ExceptionGroup:msg (3 sub-exceptions)', 'ValueError:a', 'TypeError:b',
//           'ExceptionGroup:inner (2 sub-exceptions)', 'ValueError:c', "KeyError:'d'"]
TEST(ExceptionGroup, ThePredicateIsAskedPreOrder) {
    const auto eg = twoway::make_exception_group(
        "msg", {ptr(twoway::value_error("a")), ptr(twoway::type_error("b")),
                twoway::make_exception_group("inner", {ptr(twoway::value_error("c")), ptr(key_error("d"))})});
    std::vector<std::string> order;
    const twoway::split_result parts = twoway::split(eg, [&](const std::exception_ptr &e) {
        order.push_back(twoway::format_exception(e));
        try {
            std::rethrow_exception(e);
        } catch (const key_error &) {
            return true;
        } catch (...) {
        }
        return false;
    });
    EXPECT_EQ(order, (std::vector<std::string>{"ExceptionGroup: msg (3 sub-exceptions)", "ValueError: a", "TypeError: b",
                                               "ExceptionGroup: inner (2 sub-exceptions)", "ValueError: c", "KeyError: 'd'"}));
    EXPECT_EQ(repr(parts.match), "ExceptionGroup('msg', [ExceptionGroup('inner', [KeyError('d')])])");
    EXPECT_EQ(repr(parts.rest), "ExceptionGroup('msg', [ValueError('a'), TypeError('b'), ExceptionGroup('inner', [ValueError('c')])])");

    // A predicate that matches the nested group takes it whole (the same object):
    // eg.split(lambda e: isinstance(e, ExceptionGroup) and e.message == 'inner')
    //   -> (EG('msg', [EG('inner', [ValueError('c'), KeyError('d')])]), EG('msg', [ValueError('a'), TypeError('b')]))
    const auto inner = member(eg, 2);
    const twoway::split_result by_name = twoway::split(eg, [&](const std::exception_ptr &e) { return e == inner; });
    EXPECT_EQ(repr(by_name.match), "ExceptionGroup('msg', [ExceptionGroup('inner', [ValueError('c'), KeyError('d')])])");
    EXPECT_TRUE(member(by_name.match, 0) == inner);
    EXPECT_EQ(repr(by_name.rest), "ExceptionGroup('msg', [ValueError('a'), TypeError('b')])");
}

// eg.subgroup(TypeError) -> ExceptionGroup('msg', [TypeError('b')]); eg.subgroup(OSError) -> None
TEST(ExceptionGroup, SubgroupIsTheMatchOfSplit) {
    const auto b = ptr(twoway::type_error("b"));
    const auto eg = twoway::make_exception_group("msg", {ptr(twoway::value_error("a")), b});
    const std::exception_ptr sub = twoway::subgroup<twoway::type_error>(eg);
    EXPECT_EQ(repr(sub), "ExceptionGroup('msg', [TypeError('b')])");
    EXPECT_TRUE(member(sub, 0) == b);
    EXPECT_FALSE(twoway::subgroup<os_error>(eg));
    EXPECT_FALSE(twoway::subgroup(eg, [](const std::exception_ptr &) { return false; }));
}

// beg = BaseExceptionGroup('b', [a, KeyboardInterrupt()]); beg.split(ValueError)
//   -> (ExceptionGroup('b', [ValueError('a')]), BaseExceptionGroup('b', [KeyboardInterrupt()]))
// eg.derive([KeyboardInterrupt()]) -> a BaseExceptionGroup
TEST(ExceptionGroup, DeriveReChoosesTheClass) {
    const auto beg = twoway::make_exception_group("b", {ptr(twoway::value_error("a")), ptr(twoway::keyboard_interrupt())});
    const twoway::split_result parts = twoway::split<twoway::value_error>(beg);
    EXPECT_EQ(repr(parts.match), "ExceptionGroup('b', [ValueError('a')])");
    EXPECT_EQ(repr(parts.rest), "BaseExceptionGroup('b', [KeyboardInterrupt()])");
    const twoway::exception_group eg("m", {ptr(twoway::value_error("a"))});
    EXPECT_EQ(repr(eg.derive({ptr(twoway::keyboard_interrupt())})), "BaseExceptionGroup('m', [KeyboardInterrupt()])");
}

// class MyEG(ExceptionGroup): pass; me = MyEG('my', [a, b]); repr(me) -> "MyEG('my', [ValueError('a'), TypeError('b')])"
// [type(x).__name__ for x in me.split(ValueError)] -> ['ExceptionGroup', 'ExceptionGroup']
TEST(ExceptionGroup, ASubclassWithoutDeriveSplitsIntoPlainGroups) {
    struct my_group : twoway::exception_group {
        using twoway::exception_group::exception_group;
        const char *python_type() const noexcept override { return "MyEG"; }
    };
    const auto me = ptr(my_group("my", {ptr(twoway::value_error("a")), ptr(twoway::type_error("b"))}));
    EXPECT_EQ(repr(me), "MyEG('my', [ValueError('a'), TypeError('b')])");
    const twoway::split_result parts = twoway::split<twoway::value_error>(me);
    EXPECT_EQ(repr(parts.match), "ExceptionGroup('my', [ValueError('a')])");
    EXPECT_EQ(repr(parts.rest), "ExceptionGroup('my', [TypeError('b')])");
}

// class Bad(ExceptionGroup): def derive(self, excs): return ValueError('x')
// Bad('b', [ValueError(1), TypeError(2)]).split(ValueError) -> TypeError: derive must return an instance of BaseExceptionGroup
TEST(ExceptionGroup, DeriveMustReturnAGroup) {
    struct bad_group : twoway::exception_group {
        using twoway::exception_group::exception_group;
        std::exception_ptr derive(std::vector<std::exception_ptr>) const override { return ptr(twoway::value_error("x")); }
    };
    const auto bad = ptr(bad_group("b", {ptr(twoway::value_error("1")), ptr(twoway::type_error("2"))}));
    EXPECT_EQ(message_of<twoway::type_error>([&] { (void)twoway::split<twoway::value_error>(bad); }),
              "derive must return an instance of BaseExceptionGroup");
}

// ValueError('x').split -> AttributeError: 'ValueError' object has no attribute 'split'
// None.split            -> AttributeError: 'NoneType' object has no attribute 'split'
TEST(ExceptionGroup, SplitOfANakedExceptionIsAnAttributeError) {
    EXPECT_EQ(message_of<twoway::attribute_error>([] { (void)twoway::split<twoway::value_error>(ptr(twoway::value_error("x"))); }),
              "'ValueError' object has no attribute 'split'");
    EXPECT_EQ(message_of<twoway::attribute_error>([] { (void)twoway::subgroup<twoway::value_error>(nullptr); }),
              "'NoneType' object has no attribute 'subgroup'");
}

// try:
//     try: raise OSError('ctx')
//     except OSError: raise ExceptionGroup('g', [a, b])
// except ExceptionGroup as g: m, r = g.split(ValueError)
// m.__context__ is g.__context__ -> True; r.__context__ is g.__context__ -> True (and the same for __cause__)
TEST(ExceptionGroup, SplitCopiesTheLinkToBothParts) {
    const auto a = ptr(twoway::value_error("a")), b = ptr(twoway::type_error("b"));
    const auto ctx = ptr(os_error("ctx"));
    const std::exception_ptr g = propagated([&] {
        try {
            std::rethrow_exception(ctx);
        } catch (...) {
            std::throw_with_nested(twoway::exception_group("g", {a, b}));
        }
    });
    ASSERT_TRUE(link_of(g) == ctx);
    const twoway::split_result parts = twoway::split<twoway::value_error>(g);
    EXPECT_EQ(repr(parts.match), "ExceptionGroup('g', [ValueError('a')])");
    EXPECT_EQ(repr(parts.rest), "ExceptionGroup('g', [TypeError('b')])");
    EXPECT_TRUE(link_of(parts.match) == ctx);
    EXPECT_TRUE(link_of(parts.rest) == ctx);
    EXPECT_TRUE(member(parts.match, 0) == a);
    // The linked part is still an ExceptionGroup (catchable as std::exception).
    ASSERT_TRUE(parts.rest);
    EXPECT_EQ(message_of<std::exception>([&] { std::rethrow_exception(parts.rest); }), "g (1 sub-exception)");
    // A group without a link gives parts without one.
    EXPECT_FALSE(link_of(twoway::split<twoway::value_error>(twoway::make_exception_group("u", {a, b})).match));
}

// ---------------------------------------------------------------------------------------------------------
// except*: each test's probe is a function f run as
//   try: f()
//   except BaseException as e: print(repr(e))

// orig = ExceptionGroup('g', [v, k])
// try: raise orig
// except* TypeError: pass
//   -> ExceptionGroup('g', [ValueError('v'), KeyError('k')]); e is orig -> False; e.exceptions[0] is v -> True
TEST(ExceptStar, AnUnmatchedGroupPropagatesAsADerivedCopy) {
    const auto v = ptr(twoway::value_error("v")), k = ptr(key_error("k"));
    const auto orig = twoway::make_exception_group("g", {v, k});
    bool ran = false;
    const std::exception_ptr e = propagated([&] {
        try {
            std::rethrow_exception(orig);
        } catch (...) {
            twoway::except_star(std::current_exception()).on<twoway::type_error>([&] { ran = true; }).rethrow_rest();
        }
    });
    EXPECT_FALSE(ran);
    EXPECT_EQ(repr(e), "ExceptionGroup('g', [ValueError('v'), KeyError('k')])");
    EXPECT_FALSE(e == orig);
    EXPECT_TRUE(member(e, 0) == v);
    EXPECT_TRUE(member(e, 1) == k);
}

// try: raise v
// except* TypeError: pass
//   -> ValueError('v'); e is v -> True
TEST(ExceptStar, AnUnmatchedNakedExceptionPropagatesItself) {
    const auto v = ptr(twoway::value_error("v"));
    const std::exception_ptr e = propagated([&] {
        try {
            std::rethrow_exception(v);
        } catch (...) {
            twoway::except_star(std::current_exception()).on<twoway::type_error>([] {}).rethrow_rest();
        }
    });
    EXPECT_TRUE(e == v);
}

// try: raise v
// except* ValueError as e: print(repr(e), e.exceptions[0] is v, type(e).__name__)
//   -> ExceptionGroup('', (ValueError('v'),)) True ExceptionGroup; the statement completes
TEST(ExceptStar, ANakedMatchIsBoundAsAWrappingGroup) {
    const auto v = ptr(twoway::value_error("v"));
    std::string bound;
    std::exception_ptr leaf;
    bool is_exception = false;
    const std::exception_ptr e = propagated([&] {
        try {
            std::rethrow_exception(v);
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([&](const twoway::base_exception_group &eg) {
                    bound = eg.python_repr();
                    leaf = eg.exceptions()[0];
                    is_exception = dynamic_cast<const twoway::exception_group *>(&eg) != nullptr;
                })
                .rethrow_rest();
        }
    });
    EXPECT_FALSE(e);
    EXPECT_EQ(bound, "ExceptionGroup('', (ValueError('v'),))");
    EXPECT_TRUE(leaf == v);
    EXPECT_TRUE(is_exception);
}

// try: raise v
// except* ValueError as e: bound = e; raise
//   -> ExceptionGroup('', (ValueError('v'),)); e is bound -> True
TEST(ExceptStar, ABareRaiseOfANakedMatchPropagatesTheWrappingGroup) {
    const auto v = ptr(twoway::value_error("v"));
    std::exception_ptr bound;
    const std::exception_ptr e = propagated([&] {
        try {
            std::rethrow_exception(v);
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([&](const std::exception_ptr &eg) {
                    bound = eg;
                    throw;
                })
                .rethrow_rest();
        }
    });
    ASSERT_TRUE(bound);
    EXPECT_TRUE(e == bound);
    EXPECT_EQ(repr(e), "ExceptionGroup('', (ValueError('v'),))");
}

// try: raise ExceptionGroup('g', [v, k])
// except* ValueError: raise LookupError('new')
//   -> ExceptionGroup('', [LookupError('new'), ExceptionGroup('g', [KeyError('k')])])
TEST(ExceptStar, ANewRaiseWithAPartialMatchIsGroupedWithTheRest) {
    const auto k = ptr(key_error("k"));
    const std::exception_ptr e = propagated([&] {
        try {
            twoway::raise_exception_group("g", {ptr(twoway::value_error("v")), k});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([] { throw lookup_error("new"); })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(repr(e), "ExceptionGroup('', [LookupError('new'), ExceptionGroup('g', [KeyError('k')])])");
    EXPECT_TRUE(member(member(e, 1), 0) == k);
}

// try: raise ExceptionGroup('g', [v, ValueError('w')])
// except* ValueError: raise LookupError('new')
//   -> LookupError('new') (alone; its __context__ is the bound group)
TEST(ExceptStar, ANewRaiseWithAFullMatchPropagatesAlone) {
    std::exception_ptr thrown;
    const std::exception_ptr e = propagated([&] {
        try {
            twoway::raise_exception_group("g", {ptr(twoway::value_error("v")), ptr(twoway::value_error("w"))});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([&] {
                    try {
                        throw lookup_error("new");
                    } catch (...) {
                        thrown = std::current_exception();
                        throw;
                    }
                })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(repr(e), "LookupError('new')");
    EXPECT_TRUE(e == thrown);
}

// orig = ExceptionGroup('g', [v, k])
// try: raise orig
// except* ValueError: raise
//   -> ExceptionGroup('g', [ValueError('v'), KeyError('k')]); is orig -> False; leaves are v and k
TEST(ExceptStar, ABareRaiseOfAPartialMatchGivesACopyOfTheOriginal) {
    const auto v = ptr(twoway::value_error("v")), k = ptr(key_error("k"));
    const auto orig = twoway::make_exception_group("g", {v, k});
    const std::exception_ptr e = propagated([&] {
        try {
            std::rethrow_exception(orig);
        } catch (...) {
            twoway::except_star(std::current_exception()).on<twoway::value_error>([] { throw; }).rethrow_rest();
        }
    });
    EXPECT_EQ(repr(e), "ExceptionGroup('g', [ValueError('v'), KeyError('k')])");
    EXPECT_FALSE(e == orig);
    EXPECT_TRUE(member(e, 0) == v);
    EXPECT_TRUE(member(e, 1) == k);
}

// twoway: rethrowing the bound group's exception_ptr is the same object as `throw;`, so it re-raises too.
// Python's `raise e` extends e's traceback and so counts as a new raise:
//   try: raise ExceptionGroup('g', [v, k])
//   except* ValueError as e: raise e
//     -> ExceptionGroup('', [ExceptionGroup('g', [ValueError('v')]), ExceptionGroup('g', [KeyError('k')])])
// whose twoway spelling is throwing a copy of the bound group (a new object).
TEST(ExceptStar, RethrowingTheBoundPointerReRaisesAndThrowingACopyRaisesAnew) {
    const auto v = ptr(twoway::value_error("v")), k = ptr(key_error("k"));
    const std::exception_ptr reraised = propagated([&] {
        try {
            twoway::raise_exception_group("g", {v, k});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([](const std::exception_ptr &eg) { std::rethrow_exception(eg); })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(repr(reraised), "ExceptionGroup('g', [ValueError('v'), KeyError('k')])");

    const std::exception_ptr anew = propagated([&] {
        try {
            twoway::raise_exception_group("g", {v, k});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([](const twoway::base_exception_group &eg) {
                    throw twoway::exception_group(eg.message(), eg.exceptions());
                })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(repr(anew), "ExceptionGroup('', [ExceptionGroup('g', [ValueError('v')]), ExceptionGroup('g', [KeyError('k')])])");
}

// orig = ExceptionGroup('g', [v, ExceptionGroup('i', [k, TypeError('t')]), OSError('o')])
// try: raise orig
// except* ValueError: raise
// except* KeyError: raise
//   -> ExceptionGroup('g', [ValueError('v'), ExceptionGroup('i', [KeyError('k'), TypeError('t')]), OSError('o')])
TEST(ExceptStar, TwoBareRaisesRebuildTheOriginalNesting) {
    const auto orig = twoway::make_exception_group(
        "g", {ptr(twoway::value_error("v")),
              twoway::make_exception_group("i", {ptr(key_error("k")), ptr(twoway::type_error("t"))}), ptr(os_error("o"))});
    const std::exception_ptr e = propagated([&] {
        try {
            std::rethrow_exception(orig);
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([] { throw; })
                .on<key_error>([] { throw; })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(repr(e), "ExceptionGroup('g', [ValueError('v'), ExceptionGroup('i', [KeyError('k'), TypeError('t')]), OSError('o')])");
    EXPECT_FALSE(e == orig);
    EXPECT_FALSE(member(e, 1) == member(orig, 1)); // the nested group is re-derived too
}

// try: raise ExceptionGroup('g', [v, k, TypeError('t')])
// except* ValueError: raise LookupError('n1')
// except* KeyError: raise RuntimeError('n2')
//   -> ExceptionGroup('', [LookupError('n1'), RuntimeError('n2'), ExceptionGroup('g', [TypeError('t')])])
TEST(ExceptStar, SeveralNewRaisesComeFirstThenTheRest) {
    const std::exception_ptr e = propagated([] {
        try {
            twoway::raise_exception_group("g", {ptr(twoway::value_error("v")), ptr(key_error("k")), ptr(twoway::type_error("t"))});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([] { throw lookup_error("n1"); })
                .on<key_error>([] { throw twoway::runtime_error("n2"); })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(repr(e), "ExceptionGroup('', [LookupError('n1'), RuntimeError('n2'), ExceptionGroup('g', [TypeError('t')])])");
}

// try: raise ExceptionGroup('g', [k, v])
// except* ValueError: raise LookupError('n1')
// except* KeyError: raise LookupError('n2')
//   -> ExceptionGroup('', [LookupError('n1'), LookupError('n2')])   (clause order, not member order)
TEST(ExceptStar, ClausesRunInTheirOrder) {
    std::vector<std::string> order;
    const std::exception_ptr e = propagated([&] {
        try {
            twoway::raise_exception_group("g", {ptr(key_error("k")), ptr(twoway::value_error("v"))});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([&](const twoway::base_exception_group &eg) {
                    order.push_back(eg.python_repr());
                    throw lookup_error("n1");
                })
                .on<key_error>([&](const twoway::base_exception_group &eg) {
                    order.push_back(eg.python_repr());
                    throw lookup_error("n2");
                })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(order, (std::vector<std::string>{"ExceptionGroup('g', [ValueError('v')])", "ExceptionGroup('g', [KeyError('k')])"}));
    EXPECT_EQ(repr(e), "ExceptionGroup('', [LookupError('n1'), LookupError('n2')])");
}

// try: raise ExceptionGroup('g', [v, k])
// except* ValueError: pass
// except* KeyError: pass
//   -> completes
TEST(ExceptStar, EverythingHandledCompletesTheStatement) {
    int handled = 0;
    const std::exception_ptr e = propagated([&] {
        try {
            twoway::raise_exception_group("g", {ptr(twoway::value_error("v")), ptr(key_error("k"))});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([&] { ++handled; })
                .on<key_error>([&] { ++handled; })
                .rethrow_rest();
        }
    });
    EXPECT_FALSE(e);
    EXPECT_EQ(handled, 2);
}

// try: raise v
// except* ValueError: raise LookupError('n')
//   -> LookupError('n'), its __context__ ExceptionGroup('', (ValueError('v'),)):
// in twoway std::throw_with_nested in the handler nests the bound group.
TEST(ExceptStar, ANakedMatchWhoseHandlerRaisesPropagatesTheNewException) {
    std::exception_ptr bound;
    const std::exception_ptr e = propagated([&] {
        try {
            throw twoway::value_error("v");
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([&](const std::exception_ptr &eg) {
                    bound = eg;
                    std::throw_with_nested(lookup_error("n"));
                })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(repr(e), "LookupError('n')");
    EXPECT_TRUE(link_of(e) == bound);
    EXPECT_EQ(repr(link_of(e)), "ExceptionGroup('', (ValueError('v'),))");
}

// try: raise ExceptionGroup('g', [v, k, TypeError('t')])
// except* ValueError: raise LookupError('n1')
// except* KeyError: raise
//   -> ExceptionGroup('', [LookupError('n1'), ExceptionGroup('g', [KeyError('k'), TypeError('t')])])
TEST(ExceptStar, ANewRaiseAReRaiseAndTheRest) {
    const std::exception_ptr e = propagated([] {
        try {
            twoway::raise_exception_group("g", {ptr(twoway::value_error("v")), ptr(key_error("k")), ptr(twoway::type_error("t"))});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([] { throw lookup_error("n1"); })
                .on<key_error>([] { throw; })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(repr(e), "ExceptionGroup('', [LookupError('n1'), ExceptionGroup('g', [KeyError('k'), TypeError('t')])])");
}

// orig = ExceptionGroup('g', [v, k])
// try: raise orig
// except* Exception as e: print(e is orig); raise
//   -> True; ExceptionGroup('g', [ValueError('v'), KeyError('k')]), is orig -> False
TEST(ExceptStar, ExceptStarExceptionBindsTheWholeGroupItself) {
    const auto orig = twoway::make_exception_group("g", {ptr(twoway::value_error("v")), ptr(key_error("k"))});
    std::exception_ptr bound;
    const std::exception_ptr e = propagated([&] {
        try {
            std::rethrow_exception(orig);
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<std::exception>([&](const std::exception_ptr &eg) {
                    bound = eg;
                    throw;
                })
                .rethrow_rest();
        }
    });
    EXPECT_TRUE(bound == orig);
    EXPECT_EQ(repr(e), "ExceptionGroup('g', [ValueError('v'), KeyError('k')])");
    EXPECT_FALSE(e == orig);
}

// try: raise KeyboardInterrupt()
// except* KeyboardInterrupt as e: print(repr(e))
//   -> BaseExceptionGroup('', (KeyboardInterrupt(),)); completes
TEST(ExceptStar, ANakedBaseExceptionIsWrappedInABaseExceptionGroup) {
    std::string bound;
    const std::exception_ptr e = propagated([&] {
        try {
            throw twoway::keyboard_interrupt();
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::keyboard_interrupt>([&](const twoway::base_exception_group &eg) { bound = eg.python_repr(); })
                .rethrow_rest();
        }
    });
    EXPECT_FALSE(e);
    EXPECT_EQ(bound, "BaseExceptionGroup('', (KeyboardInterrupt(),))");
}

// try: raise ExceptionGroup('g', [v, k])
// except* ValueError as e: raise e.exceptions[0]
//   -> ExceptionGroup('', [ValueError('v'), ExceptionGroup('g', [KeyError('k')])]); the first is v
TEST(ExceptStar, RaisingALeafOfTheMatchIsANewRaise) {
    const auto v = ptr(twoway::value_error("v"));
    const std::exception_ptr e = propagated([&] {
        try {
            twoway::raise_exception_group("g", {v, ptr(key_error("k"))});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([](const twoway::base_exception_group &eg) { std::rethrow_exception(eg.exceptions()[0]); })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(repr(e), "ExceptionGroup('', [ValueError('v'), ExceptionGroup('g', [KeyError('k')])])");
    EXPECT_TRUE(member(e, 0) == v);
}

// try: raise v
// except* ValueError: print('c1')
// except* Exception: print('c2')
//   -> c1 only; completes
TEST(ExceptStar, AfterANakedMatchLaterClausesDoNotRun) {
    std::vector<std::string> ran;
    const std::exception_ptr e = propagated([&] {
        try {
            throw twoway::value_error("v");
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([&] { ran.push_back("c1"); })
                .on<std::exception>([&] { ran.push_back("c2"); })
                .rethrow_rest();
        }
    });
    EXPECT_FALSE(e);
    EXPECT_EQ(ran, std::vector<std::string>{"c1"});
}

// try: raise BaseExceptionGroup('g', [v, KeyboardInterrupt()])
// except* ValueError: raise LookupError('n')
//   -> BaseExceptionGroup('', [LookupError('n'), BaseExceptionGroup('g', [KeyboardInterrupt()])])
// try: raise ExceptionGroup('g', [v, k])
// except* ValueError: raise ExceptionGroup('new', [OSError('o')])
//   -> ExceptionGroup('', [ExceptionGroup('new', [OSError('o')]), ExceptionGroup('g', [KeyError('k')])])
TEST(ExceptStar, TheCombinedGroupIsABaseExceptionGroupWhenItMustBe) {
    const std::exception_ptr e = propagated([] {
        try {
            twoway::raise_exception_group("g", {ptr(twoway::value_error("v")), ptr(twoway::keyboard_interrupt())});
        } catch (...) {
            twoway::except_star(std::current_exception()).on<twoway::value_error>([] { throw lookup_error("n"); }).rethrow_rest();
        }
    });
    EXPECT_EQ(repr(e), "BaseExceptionGroup('', [LookupError('n'), BaseExceptionGroup('g', [KeyboardInterrupt()])])");

    const std::exception_ptr group_raised = propagated([] {
        try {
            twoway::raise_exception_group("g", {ptr(twoway::value_error("v")), ptr(key_error("k"))});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([] { twoway::raise_exception_group("new", {ptr(os_error("o"))}); })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(repr(group_raised),
              "ExceptionGroup('', [ExceptionGroup('new', [OSError('o')]), ExceptionGroup('g', [KeyError('k')])])");
}

// try: raise ExceptionGroup('g', [v, k, TypeError('t')])
// except* (KeyError, TypeError) as e: print(repr(e))
//   -> ExceptionGroup('g', [KeyError('k'), TypeError('t')]); propagates ExceptionGroup('g', [ValueError('v')])
TEST(ExceptStar, AClauseWithSeveralTypes) {
    std::string bound;
    const std::exception_ptr e = propagated([&] {
        try {
            twoway::raise_exception_group("g", {ptr(twoway::value_error("v")), ptr(key_error("k")), ptr(twoway::type_error("t"))});
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<key_error, twoway::type_error>([&](const twoway::base_exception_group &eg) { bound = eg.python_repr(); })
                .rethrow_rest();
        }
    });
    EXPECT_EQ(bound, "ExceptionGroup('g', [KeyError('k'), TypeError('t')])");
    EXPECT_EQ(repr(e), "ExceptionGroup('g', [ValueError('v')])");
}

// try:
//     try:
//         try: raise OSError('ctx')
//         except OSError: raise ExceptionGroup('g', [v, k])
//     except* ValueError as e: print('bound ctx', repr(e.__context__))
// except ExceptionGroup as g: print(repr(g), repr(g.__context__))
//   -> bound ctx OSError('ctx'); ExceptionGroup('g', [KeyError('k')]) OSError('ctx')
TEST(ExceptStar, TheBoundGroupAndTheRestKeepTheOriginalsLink) {
    const auto ctx = ptr(os_error("ctx"));
    std::exception_ptr bound_link;
    const std::exception_ptr e = propagated([&] {
        try {
            try {
                std::rethrow_exception(ctx);
            } catch (...) {
                std::throw_with_nested(twoway::exception_group("g", {ptr(twoway::value_error("v")), ptr(key_error("k"))}));
            }
        } catch (...) {
            twoway::except_star(std::current_exception())
                .on<twoway::value_error>([&](const std::exception_ptr &eg) { bound_link = link_of(eg); })
                .rethrow_rest();
        }
    });
    EXPECT_TRUE(bound_link == ctx);
    EXPECT_EQ(repr(e), "ExceptionGroup('g', [KeyError('k')])");
    EXPECT_TRUE(link_of(e) == ctx);
}

// outcome() is what rethrow_rest() raises; a clause's handler may take nothing, the pointer or the group.
TEST(ExceptStar, OutcomeIsWhatRethrowRestRaises) {
    const auto v = ptr(twoway::value_error("v"));
    const auto orig = twoway::make_exception_group("g", {v, ptr(key_error("k"))});
    twoway::except_star statement(orig);
    int forms = 0;
    statement.on<twoway::value_error>([&](const twoway::base_exception_group &eg) { forms += eg.exceptions()[0] == v; });
    statement.on<key_error>([&](const std::exception_ptr &eg) { forms += twoway::exception_repr(eg) == "ExceptionGroup('g', [KeyError('k')])"; });
    statement.on<os_error>([&] { forms += 100; }); // nothing left to match
    EXPECT_EQ(forms, 2);
    EXPECT_FALSE(statement.outcome());
    EXPECT_NO_THROW(statement.rethrow_rest());

    twoway::except_star unhandled(orig);
    unhandled.on<os_error>([] {});
    const std::exception_ptr rest = unhandled.outcome();
    EXPECT_EQ(repr(rest), "ExceptionGroup('g', [ValueError('v'), KeyError('k')])");
    EXPECT_TRUE(propagated([&] { unhandled.rethrow_rest(); }) != nullptr);
}
