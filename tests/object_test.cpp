// Tests of twoway/object.hpp: the channel's Python reference, and repr().
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "twoway/object.hpp"

using twoway::object;

TEST(Object, NoneIsTheDefault) {
    object o;
    EXPECT_TRUE(o.is_none());
    EXPECT_FALSE(static_cast<bool>(o));
    EXPECT_EQ(o.repr(), "None");
    EXPECT_EQ(o.type_name(), "NoneType");
    EXPECT_TRUE(o.is<twoway::none_t>());
}

TEST(Object, CopiesShareIdentity) { // Python references: `is` survives assignment
    object a(std::string("x"));
    object b = a;
    EXPECT_TRUE(is(a, b));
    EXPECT_EQ(a.identity(), b.identity());
    object c(std::string("x"));
    EXPECT_FALSE(is(a, c));
    b.as<std::string>() += "y"; // one value, seen through both
    EXPECT_EQ(a.as<std::string>(), "xy");
}

TEST(Object, TypedAccessIsChecked) {
    object i(42);
    EXPECT_TRUE(i.is<int>());
    EXPECT_EQ(i.as<int>(), 42);
    EXPECT_EQ(i.get_if<std::string>(), nullptr);
    try {
        (void)i.as<std::string>();
        FAIL();
    } catch (const twoway::type_error &e) {
        EXPECT_STREQ(e.what(), "expected str, got int");
    }
}

TEST(Object, ReprFollowsPython) {
    EXPECT_EQ(object("legacy got 'C'").repr(), "\"legacy got 'C'\"");
    EXPECT_EQ(object(9.5).repr(), "9.5");
    EXPECT_EQ(object(10.0).repr(), "10.0");
    EXPECT_EQ(object(true).repr(), "True");
    EXPECT_EQ(object(std::make_tuple(1, std::string("two"))).repr(), "(1, 'two')");
    EXPECT_EQ(object(std::make_tuple(std::string("first"))).repr(), "('first',)");
    EXPECT_EQ(object(std::vector<std::string>{"Task-1", "Task-2"}).repr(), "['Task-1', 'Task-2']");
    EXPECT_EQ(twoway::repr(twoway::maybe<int>()), "None");
    EXPECT_EQ(object(std::make_tuple(1, std::string("two"))).type_name(), "tuple");
}

TEST(Object, NoneFromMaybeStaysNone) {
    twoway::maybe<object> m;
    EXPECT_TRUE(object(m).is_none());
    twoway::maybe<int> v(3);
    EXPECT_EQ(object(v).as<int>(), 3);
}

namespace user {
struct point {
    int x, y;
};
std::string twoway_repr(const point &p) { return "point(" + std::to_string(p.x) + ", " + std::to_string(p.y) + ")"; }
struct opaque {};
} // namespace user

TEST(Object, UserTypesReprByAdlOrByName) {
    EXPECT_EQ(object(user::point{1, 2}).repr(), "point(1, 2)");
    EXPECT_EQ(object(user::opaque{}).repr().front(), '<'); // "<user::opaque object>"
}
