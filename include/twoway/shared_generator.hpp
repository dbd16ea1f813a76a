// twoway/shared_generator.hpp — shared_generator<Y, S, R>: a generator that several owners hold, as
// Python's references are shared (one printer fed by three filters, a scheduler's task table).
//
//   auto p = twoway::share(printer());             // or: twoway::shared_generator<none_t, std::string> p = printer();
//   auto f1 = grep("python", p), f2 = grep("ply", p); // each filter keeps a copy of the handle
//   p = {};                                        // Python's `del p`: the filters still hold the printer
//
// A copyable handle (a std::shared_ptr to the generator). Every copy drives the same generator with the
// whole protocol (next, send, throw_exception, close, step, states, iteration); when the last copy goes,
// the generator is finalized as a generator is (its destructor closes it if it is suspended). Handles
// compare equal when they hold the same generator. Like std::shared_ptr, a const handle still drives
// the generator: constness belongs to the handle, not to what it points to.
//
// yield from a shared generator:
//   co_yield twoway::from(p.get());  // borrows the generator itself: it joins the delegator's chain
//                                    // (O(1) per step); until the delegation ends, driving it through
//                                    // another handle raises value_error, as for any borrowed generator.
//   co_yield twoway::from(p);        // delegates to the handle as an iterator object (next/send/
//                                    // throw_exception/close): other holders may keep driving it, as in
//                                    // CPython, at the cost of one extra call per step.
// Either way the handle named in from() must outlive the delegation (a local or a parameter of the
// delegating generator does).
//
// A handle passed to a generator as a parameter is released when that generator object is destroyed,
// not when it finishes: C++ keeps a coroutine's parameters until its frame goes (docs/differences.md).
//
// An empty handle (default-constructed or moved-from) raises the library's
// value_error("generator object is empty (moved-from or default-constructed)") on every call, and
// reports state() CLOSED, as an empty generator does. Dropping the last handle from inside the
// generator's own run is the generator's own error ("generator destroyed while running"; see
// docs/differences.md).
#pragma once

#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "twoway/exceptions.hpp"
#include "twoway/generator.hpp"
#include "twoway/none.hpp"

namespace twoway {

template <class Y, class S = void, class R = void>
class shared_generator {
public:
    using generator_type = generator<Y, S, R>;
    using yield_type = Y;
    using send_type = S;
    using return_type = R;
    using stop_type = typename generator_type::stop_type;
    using iterator = typename generator_type::iterator;

    shared_generator() noexcept = default;
    // Implicit, as std::shared_ptr is from std::unique_ptr&&: a generator call can initialize a handle,
    // and a braced list of generator calls a std::vector of handles.
    shared_generator(generator_type &&g) : g_(std::make_shared<generator_type>(std::move(g))) {}

    // The generator itself: for co_yield twoway::from(h.get()), or any code that takes a generator&.
    generator_type &get() const {
        if (!g_) throw value_error(messages::empty_generator);
        return *g_;
    }

    // The protocol, forwarded (see generator.hpp): next, send (a value, None or a maybe), throw_exception,
    // close, the step variants, the states and iteration.
    Y next() const { return get().next(); }
    Y send(detail::send_arg<S> v) const
        requires(!std::is_void_v<S>)
    {
        return get().send(std::move(v));
    }
    Y send(none_t) const { return get().next(); }
    // send(maybe<S>): None is next(); a value is send(v), with the priming rule of send(v).
    template <class M>
        requires(!std::is_void_v<S> && std::same_as<std::remove_cvref_t<M>, maybe<detail::send_arg<S>>>)
    Y send(M &&v) const {
        return get().send(std::forward<M>(v));
    }

    template <class E>
        requires(!std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>)
    Y throw_exception(E &&e) const {
        return get().throw_exception(std::forward<E>(e));
    }
    template <class E>
    Y throw_exception() const {
        return get().template throw_exception<E>();
    }
    Y throw_exception(std::exception_ptr e) const { return get().throw_exception(std::move(e)); }

    return_value_t<R> close() const { return get().close(); }

    step_result<Y, R> step() const { return get().step(); }
    step_result<Y, R> step(detail::send_arg<S> v) const
        requires(!std::is_void_v<S>)
    {
        return get().step(std::move(v));
    }
    template <class M>
        requires(!std::is_void_v<S> && std::same_as<std::remove_cvref_t<M>, maybe<detail::send_arg<S>>>)
    step_result<Y, R> step(M &&v) const {
        return get().step(std::forward<M>(v));
    }
    template <class E>
    step_result<Y, R> step_throw(E &&e) const {
        return get().step_throw(std::forward<E>(e));
    }

    [[nodiscard]] generator_state state() const noexcept { return g_ ? g_->state() : generator_state::closed; }
    [[nodiscard]] bool running() const noexcept { return state() == generator_state::running; }
    [[nodiscard]] bool suspended() const noexcept { return state() == generator_state::suspended; }
    // No generator: an empty handle, or a handle made from an empty generator.
    [[nodiscard]] bool empty() const noexcept { return !g_ || g_->empty(); }
    [[nodiscard]] const void *address() const noexcept { return g_ ? g_->address() : nullptr; }
    [[nodiscard]] std::optional<subiterator> yield_from() const noexcept {
        return g_ ? g_->yield_from() : std::nullopt;
    }
    [[nodiscard]] std::vector<subiterator> delegation_chain() const {
        return g_ ? g_->delegation_chain() : std::vector<subiterator>();
    }
    // How many handles hold this generator (Python's reference count, without the temporaries); 0 if empty.
    [[nodiscard]] long use_count() const noexcept { return g_.use_count(); }

    // A Python for-loop over the shared generator: each step sends None.
    iterator begin() const { return get().begin(); }
    std::default_sentinel_t end() const noexcept { return {}; }

    // Python's `is`: the same generator (two empty handles are equal).
    friend bool operator==(const shared_generator &a, const shared_generator &b) noexcept { return a.g_ == b.g_; }

private:
    friend struct std::hash<shared_generator>;
    std::shared_ptr<generator_type> g_;
};

template <class Y, class S, class R>
shared_generator(generator<Y, S, R> &&) -> shared_generator<Y, S, R>;

// Shares a generator: the first handle. Copy the handle to share it further.
template <class Y, class S, class R>
shared_generator<Y, S, R> share(generator<Y, S, R> &&g) {
    return shared_generator<Y, S, R>(std::move(g));
}

} // namespace twoway

// By identity, like operator==: for unordered containers keyed by the generator.
template <class Y, class S, class R>
struct std::hash<twoway::shared_generator<Y, S, R>> {
    std::size_t operator()(const twoway::shared_generator<Y, S, R> &h) const noexcept {
        return std::hash<const void *>()(h.g_.get());
    }
};
