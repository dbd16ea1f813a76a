// twoway/object.hpp — twoway::object, a Python reference: None, or a shared value of any type.
//
// It is what travels between a coroutine and whatever drives it (an asyncio task, a hand-written
// scheduler): every coroutine that may await every other one must share one yield and one send type,
// and Python programs send ints to the coroutine that was sent strings a moment ago. Copies share the
// value, as a Python assignment does, so identity (`is`) survives copying; None is a null pointer, so
// the asyncio fast paths (a bare yield, a yielded future) cost one load and compare.
//
// The reference count is not atomic: an object belongs to one thread, like the loop that moves it.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "twoway/detail/small_object_pool.hpp"
#include "twoway/detail/type_name.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/none.hpp"

namespace twoway {

class object;

namespace detail {

// The intrusively counted base of everything an object can refer to. `kind` lets the asyncio layer tell
// a future from any other value without a virtual call.
class box_base {
public:
    enum kind_t : unsigned char { plain_kind = 0, future_kind = 1, generator_kind = 2 };

    box_base(const box_base &) = delete;
    box_base &operator=(const box_base &) = delete;

    // Boxes (values on the channel, futures, tasks, handles) are small and short-lived: recycled per thread.
    static void *operator new(std::size_t n) { return allocate_small(n); }
    static void operator delete(void *p, std::size_t n) noexcept { deallocate_small(p, n); }

    void add_ref() noexcept { ++refs_; }
    void release() noexcept {
        if (--refs_ == 0) destroy();
    }
    [[nodiscard]] std::uint32_t ref_count() const noexcept { return refs_; }
    [[nodiscard]] kind_t kind() const noexcept { return kind_; }

    [[nodiscard]] virtual const std::type_info &type() const noexcept = 0;
    [[nodiscard]] virtual std::string type_name() const = 0;
    [[nodiscard]] virtual std::string repr() const = 0;
    [[nodiscard]] virtual void *value() noexcept = 0;

protected:
    explicit box_base(kind_t k = plain_kind) noexcept : kind_(k) {}
    virtual ~box_base() = default;
    virtual void destroy() noexcept { delete this; }

private:
    std::uint32_t refs_ = 0; // 4 bytes and the kind: a derived class's small fields fill the rest of the word
    kind_t kind_;
};

// An owning pointer to a box (or to anything derived from box_base: the asyncio states).
template <class B>
class ref {
public:
    ref() noexcept = default;
    ref(std::nullptr_t) noexcept {}
    explicit ref(B *p) noexcept : p_(p) {
        if (p_) p_->add_ref();
    }
    template <class D>
        requires std::derived_from<D, B>
    ref(const ref<D> &o) noexcept : ref(o.get()) {}
    ref(const ref &o) noexcept : ref(o.p_) {}
    ref(ref &&o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    ref &operator=(ref o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~ref() {
        if (p_) p_->release();
    }
    [[nodiscard]] B *get() const noexcept { return p_; }
    B *operator->() const noexcept { return p_; }
    B &operator*() const noexcept { return *p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    // Hands the reference over without touching the count.
    [[nodiscard]] B *release() noexcept { return std::exchange(p_, nullptr); }
    static ref adopt(B *p) noexcept {
        ref r;
        r.p_ = p;
        return r;
    }
    friend bool operator==(const ref &a, const ref &b) noexcept { return a.p_ == b.p_; }

private:
    B *p_ = nullptr;
};

} // namespace detail

// ---- repr ------------------------------------------------------------------------------------------
// twoway::repr(x): Python's repr() for the C++ types that stand for Python's built-in ones (None, bool,
// int, float, str, tuple, list, object); other types can provide `std::string twoway_repr(const T&)`
// (found by ADL). Without either, "<type object>". One function template, so that a program's own
// overloads of repr for these types are always more specialised than the library's.

template <class T>
std::string repr(const T &v);

namespace detail {

inline std::string repr_double(double v) {
    if (v != v) return "nan";
    if (v == 1.0 / 0.0) return "inf";
    if (v == -1.0 / 0.0) return "-inf";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v); // shortest round trip, as Python's float repr
    std::string s(buf, r.ptr);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
}

// Python's quote selection: single quotes unless the text holds a ' and no ".
inline std::string repr_str(std::string_view s) {
    const bool dq = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos;
    const char q = dq ? '"' : '\'';
    std::string out(1, q);
    for (char c : s) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c == q) out += '\\';
            out += c;
        }
    }
    out += q;
    return out;
}

template <class T>
concept has_adl_repr = requires(const T &v) {
    { twoway_repr(v) } -> std::convertible_to<std::string>;
};
template <class T>
struct is_tuple : std::false_type {};
template <class... T>
struct is_tuple<std::tuple<T...>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_maybe_type : std::false_type {};
template <class T>
struct is_maybe_type<maybe<T>> : std::true_type {};

template <class T>
std::string any_repr(const T &v) {
    if constexpr (has_adl_repr<T>) {
        return twoway_repr(v);
    } else if constexpr (std::is_same_v<T, none_t>) {
        return "None";
    } else if constexpr (std::is_same_v<T, bool>) {
        return v ? "True" : "False";
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, char>) {
        return std::to_string(v);
    } else if constexpr (std::is_floating_point_v<T>) {
        return repr_double(static_cast<double>(v));
    } else if constexpr (std::is_convertible_v<const T &, std::string_view>) {
        return repr_str(std::string_view(v));
    } else if constexpr (std::is_same_v<T, char>) {
        return repr_str(std::string_view(&v, 1));
    } else if constexpr (is_maybe_type<T>::value) {
        return v.is_none() ? std::string("None") : any_repr(*v);
    } else if constexpr (is_vector<T>::value) {
        std::string s = "[";
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i) s += ", ";
            s += any_repr(v[i]);
        }
        return s + "]";
    } else if constexpr (is_tuple<T>::value) {
        std::string s = "(";
        std::apply(
            [&](const auto &...e) {
                std::size_t i = 0;
                ((s += (i++ ? ", " : ""), s += any_repr(e)), ...);
            },
            v);
        if constexpr (std::tuple_size_v<T> == 1) s += ",";
        return s + ")";
    } else if constexpr (requires { v.repr(); }) { // object, futures, tasks, handles
        return v.repr();
    } else {
        return "<" + type_name(typeid(T)) + " object>";
    }
}

} // namespace detail

template <class T>
std::string repr(const T &v) {
    return detail::any_repr(v);
}

namespace detail {

// Python's type(x).__name__ for the stand-ins of built-in types.
template <class T>
std::string python_type_name() {
    if constexpr (std::is_same_v<T, bool>)
        return "bool";
    else if constexpr (std::is_integral_v<T>)
        return "int";
    else if constexpr (std::is_floating_point_v<T>)
        return "float";
    else if constexpr (std::is_same_v<T, std::string>)
        return "str";
    else if constexpr (requires { std::tuple_size<T>::value; })
        return "tuple";
    else if constexpr (requires { typename T::allocator_type; typename T::value_type; })
        return "list";
    else
        return short_type_name(typeid(T));
}

// Python's inspect.isgenerator: a twoway::generator (a coroutine has no iterator).
template <class T>
concept generator_like = requires {
    typename T::promise_type;
    typename T::yield_type;
    typename T::iterator;
};

template <class T>
class value_box final : public box_base {
public:
    template <class... A>
    explicit value_box(A &&...a) : box_base(generator_like<T> ? generator_kind : plain_kind), v_(std::forward<A>(a)...) {}
    const std::type_info &type() const noexcept override { return typeid(T); }
    std::string type_name() const override { return python_type_name<T>(); }
    std::string repr() const override { return any_repr(v_); }
    void *value() noexcept override { return std::addressof(v_); }

private:
    T v_;
};

template <class T>
struct boxed {
    using type = std::decay_t<T>;
};
template <>
struct boxed<const char *> {
    using type = std::string;
};
template <>
struct boxed<char *> {
    using type = std::string;
};
template <std::size_t N>
struct boxed<const char (&)[N]> {
    using type = std::string;
};
template <std::size_t N>
struct boxed<char (&)[N]> {
    using type = std::string;
};
template <>
struct boxed<float> {
    using type = double;
};

template <class T>
struct is_maybe : std::false_type {};
template <class T>
struct is_maybe<maybe<T>> : std::true_type {};

// Types that put themselves on the channel as they are (futures, tasks): they hand over their box.
template <class T>
concept self_boxing = requires(const T &v) {
    { v.twoway_box() } -> std::same_as<ref<box_base>>;
};

} // namespace detail

class object {
public:
    object() noexcept = default;
    object(none_t) noexcept {}
    template <class T>
        requires(!std::same_as<std::remove_cvref_t<T>, object> && !std::same_as<std::remove_cvref_t<T>, none_t> &&
                 !detail::self_boxing<std::remove_cvref_t<T>> && !detail::is_maybe<std::remove_cvref_t<T>>::value)
    object(T &&v) : box_(new detail::value_box<typename detail::boxed<T>::type>(std::forward<T>(v))) {}
    template <class T>
        requires detail::self_boxing<std::remove_cvref_t<T>>
    object(const T &v) : box_(v.twoway_box()) {}
    // What a co_yield received: None stays None.
    template <class M>
        requires detail::is_maybe<M>::value
    object(const M &m) {
        if (!m.is_none()) *this = object(*m);
    }
    explicit object(detail::ref<detail::box_base> b) noexcept : box_(std::move(b)) {}

    [[nodiscard]] bool is_none() const noexcept { return !box_; }
    explicit operator bool() const noexcept { return static_cast<bool>(box_); } // "is not None"

    [[nodiscard]] const std::type_info &type() const noexcept { return box_ ? box_->type() : typeid(none_t); }
    template <class T>
    [[nodiscard]] bool is() const noexcept {
        return box_ ? box_->type() == typeid(T) : std::is_same_v<T, none_t>;
    }
    template <class T>
    [[nodiscard]] T *get_if() const noexcept {
        return box_ && box_->type() == typeid(T) ? static_cast<T *>(box_->value()) : nullptr;
    }
    // The value as a T; type_error with Python's wording when it is something else.
    template <class T>
    [[nodiscard]] T &as() const {
        if (T *p = get_if<T>()) return *p;
        throw type_error("expected " + detail::python_type_name<T>() + ", got " + type_name());
    }
    [[nodiscard]] std::string type_name() const { return box_ ? box_->type_name() : "NoneType"; }
    [[nodiscard]] std::string repr() const { return box_ ? box_->repr() : "None"; }
    // id(): the same for every copy of one object.
    [[nodiscard]] const void *identity() const noexcept { return box_.get(); }
    friend bool is(const object &a, const object &b) noexcept { return a.box_ == b.box_; }

    [[nodiscard]] detail::box_base *box() const noexcept { return box_.get(); }

private:
    detail::ref<detail::box_base> box_;
};

} // namespace twoway
