// twoway/detail/yield_from.hpp — the awaiters behind `co_yield twoway::from(x)`: the operand kinds, and the
// delegation to an iterator object or a range, which the root steps in place.
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

#include "twoway/detail/generator.hpp"
#include "twoway/detail/node.hpp"
#include "twoway/detail/type_name.hpp"

namespace twoway {

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
            } catch (stop_iteration<> &s) {
                take_stop_value(s); // an error taking the value is raised by await_resume
                return true;
            }
        }
    }
    void await_suspend(std::coroutine_handle<>) noexcept {
        self_->root->yielded = std::addressof(*current_);
        self_->enter_foreign(this);
    }
    result_type await_resume() {
        node *r = self_->root;
        if (r->sent == raise_pending) std::rethrow_exception(r->take_pending_raise()); // close (Y11, Y12)
        if (raised_) std::rethrow_exception(std::exchange(raised_, nullptr));         // Y7, Y8, Y9, Y10
        return std::move(result_);
    }

    bool step(node &root) noexcept override {
        try {
            if (root.sent == raise_pending) {
                std::exception_ptr e = root.take_pending_raise();
                if constexpr (has_throw) {
                    return produce(root, op_.throw_exception(e)); // Y9: same exception object
                } else {
                    // Y10: raised in the delegator, the subiterator untouched. Y19 (3.12+): a
                    // StopIteration thrown here ends the delegation with its value.
                    try {
                        std::rethrow_exception(e);
                    } catch (stop_iteration<> &s) {
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
        } catch (stop_iteration<> &s) {
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
    // Moves the value out of the exception object (a copy could throw inside a noexcept step, and a
    // move-only return type could not be copied at all); a throwing move is delivered like any error.
    void take_stop_value(stop_iteration<> &s) noexcept {
        if constexpr (!std::is_void_v<ret_type>) {
            if (auto *typed = dynamic_cast<stop_iteration<ret_type> *>(&s)) {
                try {
                    result_ = std::move(typed->value);
                } catch (...) {
                    raised_ = std::current_exception();
                }
            }
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
} // namespace twoway
