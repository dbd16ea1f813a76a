// twoway/yield_from.hpp — Python's `RESULT = yield from EXPR` as `auto result = co_yield twoway::from(expr);`
//
// The operand may be
//   - a twoway generator (moved in to own it, or an lvalue to borrow it): send/next/throw/close are
//     forwarded transparently and its return value is the result, in O(1) per step at any depth;
//   - an iterator object with Python's protocol: next() (ends by throwing stop_iteration<R>), and
//     optionally send(v), throw_exception(std::exception_ptr), close(), `using return_type = R;`.
//     What it lacks behaves as in CPython when the attribute is missing (Y7, Y10, Y12);
//   - any C++ input range: values only, like a Python list or range; the result is None.
// See docs/yield-from.md for the rule-by-rule mapping.
#pragma once

#include <coroutine>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "twoway/detail/node.hpp"
#include "twoway/detail/type_name.hpp"
#include "twoway/generator.hpp"

namespace twoway {

// An object that speaks Python's iterator protocol: next() returns a value or throws stop_iteration.
template <class T>
concept python_iterator = requires(T &t) { t.next(); } && !detail::is_generator<std::remove_cvref_t<T>>::value;

namespace detail {

template <class T>
struct iterator_return {
    using type = void;
};
template <class T>
    requires requires { typename T::return_type; }
struct iterator_return<T> {
    using type = typename T::return_type;
};

// Where a range delegation keeps its position; nothing for an iterator object. (A lazy trait: naming
// iterator_t<Op> for an Op that is not a range would be ill-formed.)
template <class Op, bool IsRange>
struct range_position {
    struct type {};
};
template <class Op>
struct range_position<Op, true> {
    using type = std::optional<std::ranges::iterator_t<Op>>;
};

// Whether an iterator object can be sent an S. A concept, so that the void test short-circuits before
// `S &&` is formed (a plain && in a bool expression would still form void&&).
template <class Op, class S>
concept sendable = !std::is_void_v<S> && requires(Op &o, std::add_rvalue_reference_t<S> s) { o.send(std::move(s)); };

template <class G, bool Owned>
struct generator_operand {
    using twoway_delegation = void;
    std::conditional_t<Owned, G, G &> gen;

    template <class Y, class S>
    auto make_awaiter(node &self) && {
        if constexpr (Owned)
            return generator_delegation<Y, S, G, true>(self, std::move(gen));
        else
            return generator_delegation<Y, S, G, false>(self, gen);
    }
};

// Awaiter of a delegation to an iterator object or a range. While the subiterator produces values
// the root steps it directly (foreign_delegation::step) and the delegator frame stays suspended.
template <class Y, class S, class Op, bool Owned, bool IsRange>
class foreign_delegation_awaiter final : public foreign_delegation {
    using ret_type = std::conditional_t<IsRange, void, typename iterator_return<Op>::type>;
    using result_type = return_value_t<ret_type>;
    static constexpr bool has_send = !IsRange && sendable<Op, S>;
    static constexpr bool has_throw = !IsRange && requires(Op &o, std::exception_ptr e) { o.throw_exception(e); };
    static constexpr bool has_close = !IsRange && requires(Op &o) { o.close(); };

public:
    template <class T>
    foreign_delegation_awaiter(node &self, T &&op) : self_(&self), op_(std::forward<T>(op)) {}
    foreign_delegation_awaiter(const foreign_delegation_awaiter &) = delete;

    // Y2: the first step is next(); what it raises propagates into the delegator right here (Y8).
    bool await_ready() {
        if constexpr (IsRange) {
            it_.emplace(std::ranges::begin(op_));
            if (*it_ == std::ranges::end(op_)) return true;
            current_.emplace(**it_);
            return false;
        } else {
            try {
                current_.emplace(op_.next());
                return false;
            } catch (const stop_iteration<> &s) {
                take_stop_value(s);
                return true;
            }
        }
    }
    void await_suspend(std::coroutine_handle<>) noexcept {
        self_->st = generator_state::suspended;
        self_->foreign = this;
        self_->root->yielded = std::addressof(*current_);
    }
    result_type await_resume() {
        node *r = self_->root;
        if (r->inject) std::rethrow_exception(std::exchange(r->inject, nullptr)); // close (Y11, Y12)
        if (raised_) std::rethrow_exception(std::exchange(raised_, nullptr));     // Y7, Y8, Y9, Y10
        return std::move(result_);
    }

    bool step(node &root) noexcept override {
        try {
            if (root.inject) {
                std::exception_ptr e = std::exchange(root.inject, nullptr);
                if constexpr (has_throw) {
                    return produce(root, op_.throw_exception(e)); // Y9: same exception object
                } else {
                    // Y10: raised in the delegator, the subiterator untouched. Y19 (3.12+): a
                    // StopIteration thrown here ends the delegation with its value.
                    try {
                        std::rethrow_exception(e);
                    } catch (const stop_iteration<> &s) {
                        take_stop_value(s);
                        return false;
                    } catch (...) {
                        raised_ = std::move(e);
                        return false;
                    }
                }
            }
            if (root.sent) { // Y6: send(v) only for a value; None goes to next()
                if constexpr (has_send) {
                    return produce(root, op_.send(std::move(*static_cast<S *>(root.sent))));
                } else {
                    raised_ = std::make_exception_ptr(
                        attribute_error("'" + short_type_name(typeid(Op)) + "' object has no attribute 'send'")); // Y7
                    return false;
                }
            }
            if constexpr (IsRange) {
                ++*it_;
                if (*it_ == std::ranges::end(op_)) return false;
                return produce(root, **it_);
            } else {
                return produce(root, op_.next());
            }
        } catch (const stop_iteration<> &s) {
            take_stop_value(s);
            return false;
        } catch (...) {
            raised_ = std::current_exception();
            return false;
        }
    }

    std::exception_ptr close() noexcept override {
        if constexpr (has_close) {
            try {
                op_.close();
            } catch (...) {
                return std::current_exception();
            }
        }
        return nullptr;
    }

    subiterator describe() const noexcept override {
        return {IsRange ? subiterator::kind::range : subiterator::kind::iterator, &typeid(Op), std::addressof(op_)};
    }

private:
    template <class V>
    bool produce(node &root, V &&v) {
        current_.emplace(std::forward<V>(v));
        root.yielded = std::addressof(*current_);
        return true;
    }
    void take_stop_value(const stop_iteration<> &s) {
        if constexpr (!std::is_void_v<ret_type>) {
            if (auto *typed = dynamic_cast<const stop_iteration<ret_type> *>(&s)) result_ = typed->value;
        }
    }

    node *self_;
    std::conditional_t<Owned, Op, Op &> op_;
    [[no_unique_address]] typename range_position<Op, IsRange>::type it_;
    std::optional<Y> current_;
    std::exception_ptr raised_;
    result_type result_ = result_type();
};

template <class Op, bool Owned, bool IsRange>
struct foreign_operand {
    using twoway_delegation = void;
    std::conditional_t<Owned, Op, Op &> op;

    template <class Y, class S>
    auto make_awaiter(node &self) && {
        if constexpr (Owned)
            return foreign_delegation_awaiter<Y, S, Op, true, IsRange>(self, std::move(op));
        else
            return foreign_delegation_awaiter<Y, S, Op, false, IsRange>(self, op);
    }
};

} // namespace detail

// co_yield twoway::from(x): delegate to x until it is exhausted; the expression's value is x's return
// value (maybe<R>, or none_t when x has no return value). An lvalue is borrowed, an rvalue is owned.
template <class T>
auto from(T &&x) {
    using Op = std::remove_cvref_t<T>;
    constexpr bool owned = !std::is_lvalue_reference_v<T>;
    static_assert(!std::is_const_v<std::remove_reference_t<T>>, "twoway::from: the operand must not be const");
    if constexpr (detail::is_generator<Op>::value) {
        return detail::generator_operand<Op, owned>{std::forward<T>(x)};
    } else if constexpr (python_iterator<Op>) {
        return detail::foreign_operand<Op, owned, false>{std::forward<T>(x)};
    } else if constexpr (std::ranges::input_range<Op>) {
        return detail::foreign_operand<Op, owned, true>{std::forward<T>(x)};
    } else {
        // Y1: Python raises "'int' object is not iterable" at run time; C++ knows at compile time.
        static_assert(std::ranges::input_range<Op>, "twoway::from: the operand is not iterable "
                                                     "(not a generator, an iterator object or an input range)");
    }
}

} // namespace twoway
