// twoway/detail/generator_impl.hpp — the bodies of generator<Y, S, R>'s members (included at the end of
// generator.hpp). Every next/send/throw/step goes through resume() or resume_throw(), CPython's
// gen_send_ex2: check the state against what the call brings, run the chain, say how it ended; the public
// members are the throwing (value_or_raise) or non-throwing (step_or_raise) tails of that one step.
#pragma once

#include <cstdio>
#include <cstdlib>

#if !defined(TWOWAY_VERIFY_NO_EXIT_HANDLERS)
#if defined(NDEBUG)
#define TWOWAY_VERIFY_NO_EXIT_HANDLERS 0
#else
#define TWOWAY_VERIFY_NO_EXIT_HANDLERS 1
#endif
#endif

namespace twoway {

template <class Y, class S, class R>
generator<Y, S, R> &generator<Y, S, R>::operator=(generator &&o) noexcept {
    if (this != &o) {
        release();
        h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
}

// The hot path: a root suspended at a yield, idle, with nothing pending, is resumed directly, and a plain
// yield comes back to one compare. Everything else (first step, finished, delegation beginning or ending,
// a foreign subiterator, misuse) leaves through the out-of-line paths.
template <class Y, class S, class R>
TWOWAY_HOT_INLINE inline Y generator<Y, S, R>::resume_value(void *sent) {
    if (detail::has_frame(h_)) [[likely]] {
        detail::node &p = detail::node_access::of(h_.promise());
        if (p.ready()) [[likely]] {
            if (p.resume_ready(sent)) [[likely]]
                return std::move(*static_cast<Y *>(p.yielded));
            return value_or_raise(p.end_resumption());
        }
    }
    return value_or_raise(resume(sent));
}

template <class Y, class S, class R>
bool generator<Y, S, R>::frame_gone() const {
    if (detail::has_frame(h_)) [[likely]]
        return false;
    if (!h_) throw value_error(messages::empty_generator);
    return true; // an abandoning close freed it: CLOSED
}

template <class Y, class S, class R>
Y &generator<Y, S, R>::yielded_value() const noexcept {
    return *static_cast<Y *>(detail::node_access::of(h_.promise()).yielded);
}

template <class Y, class S, class R>
void generator<Y, S, R>::raise_escaped() {
    detail::raise_from_frame(detail::node_access::of(h_.promise()).error.take()); // N9, P1
}

template <class Y, class S, class R>
void generator<Y, S, R>::destroy_frame(handle_type then) noexcept {
    detail::node_access::of(h_.promise()).release_slots();
    h_.destroy();
    h_ = then;
}

template <class Y, class S, class R>
TWOWAY_NOINLINE auto generator<Y, S, R>::idle_promise() -> promise_type & {
    detail::node &p = detail::node_access::of(h_.promise());
    if (p.chain_running()) throw value_error(messages::already_executing); // N6, before the CLOSED check
    if (p.delegated()) throw value_error("generator is being delegated to: drive the delegating generator instead");
    return h_.promise();
}

template <class Y, class S, class R>
TWOWAY_NOINLINE detail::outcome generator<Y, S, R>::resume(void *sent) {
    if (frame_gone()) return detail::outcome::exhausted;
    detail::node &q = detail::node_access::of(h_.promise());
    if (q.bits == detail::node::own_created) { // the first step of a free generator: nothing else to check
        if (sent) throw type_error(messages::just_started); // N1
        q.start();
        return q.resume_ready(nullptr) ? detail::outcome::yielded : q.end_resumption();
    }
    detail::node &p = detail::node_access::of(idle_promise()); // (a CREATED generator is always a free root: above)
    if (p.closed()) return detail::outcome::exhausted; // N7, R4: not TypeError
    p.sent = sent;
    return p.run();
}

template <class Y, class S, class R>
TWOWAY_COLD std::exception_ptr generator<Y, S, R>::checked(std::exception_ptr e) {
    if (!e) throw type_error("throw_exception() needs an exception (got an empty exception_ptr)");
    return e;
}

template <class Y, class S, class R>
TWOWAY_NOINLINE detail::outcome generator<Y, S, R>::resume_throw(std::exception_ptr e, exit_kind kind) {
    if (frame_gone()) std::rethrow_exception(e); // T9
    detail::node &p = detail::node_access::of(idle_promise());
    if (p.closed()) std::rethrow_exception(e); // T9
    if (p.own() == detail::node::own_created) { // T8: raised before any code runs
        p.close_unstarted();
        std::rethrow_exception(e);
    }
    // Y11: a GeneratorExit thrown into a delegating generator closes the subiterators, not throws into them.
    // Whether e is one is known at compile time, or found out by rethrowing (only when it matters).
    if ((p.child || p.foreign) && (kind == exit_kind::yes || (kind == exit_kind::unknown && detail::is_generator_exit(e)))) {
        p.close_chain(std::move(e));
        return p.result();
    }
    return p.raise_in_leaf(std::move(e));
}

template <class Y, class S, class R>
TWOWAY_NOINLINE Y generator<Y, S, R>::value_or_raise(detail::outcome o) {
    // No frame is touched for `exhausted`: the handle may be the freed-frame marker.
    switch (o) {
    case detail::outcome::yielded: return std::move(yielded_value());
    case detail::outcome::raised: raise_escaped();
    case detail::outcome::returned:
        if constexpr (!std::is_void_v<R>) throw stop_type(h_.promise().take_return()); // R1
        [[fallthrough]];
    case detail::outcome::exhausted: break;
    }
    throw stop_type{};
}

template <class Y, class S, class R>
TWOWAY_NOINLINE step_result<Y, R> generator<Y, S, R>::step_or_raise(detail::outcome o) {
    switch (o) {
    case detail::outcome::yielded: return step_result<Y, R>::yield(std::move(yielded_value()));
    case detail::outcome::raised: raise_escaped();
    case detail::outcome::returned: return step_result<Y, R>::finish(h_.promise().take_return());
    case detail::outcome::exhausted: break;
    }
    return step_result<Y, R>::finish(return_value_t<R>());
}

template <class Y, class S, class R>
bool generator<Y, S, R>::advance_for_loop() {
    detail::outcome o;
    detail::node *p = detail::has_frame(h_) ? &detail::node_access::of(h_.promise()) : nullptr;
    if (p && p->ready()) [[likely]] {
        if (p->resume_ready(nullptr)) [[likely]]
            return true;
        o = p->end_resumption();
    } else {
        o = resume(nullptr);
    }
    switch (o) {
    case detail::outcome::yielded: return true;
    case detail::outcome::raised: raise_escaped();
    case detail::outcome::returned: (void)h_.promise().take_return(); break; // R5: a for-loop drops it
    case detail::outcome::exhausted: break;
    }
    return false;
}

template <class Y, class S, class R>
return_value_t<R> generator<Y, S, R>::close() {
    if (frame_gone()) return return_value_t<R>(); // C3
    detail::node &p = detail::node_access::of(idle_promise());
    if (p.own() == detail::node::own_created) { // C2: no code runs
        p.close_unstarted();
        return return_value_t<R>();
    }
    if (p.closed()) return return_value_t<R>(); // C3
    std::exception_ptr exit;   // the GeneratorExit raised in this generator, if it was one
    std::exception_ptr raised; // what was raised in it
    if (p.options & detail::node::no_exit_handlers_option) {
        std::exception_ptr pending = p.close_delegations();
        if (!pending) {
            abandon();
            return return_value_t<R>();
        }
        raised = pending;
        p.raise_in_leaf(std::move(pending)); // a subiterator's close error: raised here as usual
    } else {
        exit = std::make_exception_ptr(generator_exit());
        raised = p.close_chain(exit);
    }
    if (!p.closed()) throw runtime_error(messages::ignored_exit); // C6, C7
    if (p.error && p.error == exit && raised == exit) {            // our GeneratorExit came back: C4, no rethrow
        p.error = nullptr;
        return return_value_t<R>();
    }
    if (p.error) {
        try {
            detail::raise_from_frame(p.error.take()); // C8, P4
        } catch (const generator_exit &) {
            return return_value_t<R>(); // C4
        }
    }
    return h_.promise().take_return();
}

// The no_exit_handlers close of a suspended root that delegates to nothing: its frame is destroyed where
// it stands. Debug builds first do the exact close and check that the declaration held.
template <class Y, class S, class R>
void generator<Y, S, R>::abandon() noexcept {
#if TWOWAY_VERIFY_NO_EXIT_HANDLERS
    detail::node &p = detail::node_access::of(h_.promise());
    const std::exception_ptr exit = std::make_exception_ptr(generator_exit());
    p.raise_in_leaf(exit);
    if (!p.closed() || p.error != exit) {
        std::fprintf(stderr,
                     "twoway: a generator declared `co_await twoway::no_exit_handlers;` but handled GeneratorExit "
                     "(it %s)\n",
                     !p.closed() ? "yielded" : p.error ? "raised another exception" : "returned");
        std::abort();
    }
    p.error = nullptr;
#endif
    destroy_frame(handle_type::from_address(detail::freed_frame));
}

// A free root that is finished or never started: its frame is freed and nothing runs (F2).
template <class Y, class S, class R>
inline bool generator<Y, S, R>::finished_frame_freed() noexcept {
    if (!detail::has_frame(h_)) return true;
    detail::node &p = detail::node_access::of(h_.promise());
    if (p.bits != detail::node::own_closed && p.bits != detail::node::own_created) return false;
    destroy_frame(nullptr);
    return true;
}

// Python's finalizer (F1-F5): a suspended generator is closed; what close() raises goes to the unraisable
// hook and never leaves the destructor.
template <class Y, class S, class R>
void generator<Y, S, R>::release() noexcept {
    if (!detail::has_frame(h_)) return;
    detail::node &p = detail::node_access::of(h_.promise());
    if (p.ready() && (p.options & detail::node::no_exit_handlers_option) && !p.child) [[likely]] {
        abandon(); // the common abandonment: a free root suspended at a yield
        return;
    }
    if (p.delegated()) { // a delegation refers to the frame: it finalizes it when it ends (Python's reference)
        p.options |= detail::node::orphaned_option;
        h_ = nullptr;
        return;
    }
    if (p.chain_running()) { // destroyed from inside its own chain: the frame cannot be freed safely
        report_unraisable({std::make_exception_ptr(value_error("generator destroyed while running; its frame is leaked")),
                           "Exception ignored in: <twoway::generator>", h_.address()});
        h_ = nullptr;
        return;
    }
    if (p.own() == detail::node::own_suspended) { // close() closes what it delegates to first, opted in or not
        try {
            (void)close(); // F5: a return value is discarded
        } catch (...) {
            report_unraisable({std::current_exception(), "Exception ignored in: <twoway::generator>", h_.address()});
        }
        if (!detail::has_frame(h_)) return; // close() abandoned it
    }
    destroy_frame(nullptr);
}

template <class Y, class S, class R>
generator_state generator<Y, S, R>::state() const noexcept {
    return detail::has_frame(h_) ? detail::node_access::of(h_.promise()).state() : generator_state::closed;
}

template <class Y, class S, class R>
std::optional<subiterator> generator<Y, S, R>::yield_from() const noexcept {
    if (!detail::has_frame(h_)) return std::nullopt;
    const detail::node &p = detail::node_access::of(h_.promise());
    if (p.state() != generator_state::suspended) return std::nullopt;
    if (p.child) return p.child->describe();
    if (p.foreign) return p.foreign->describe();
    return std::nullopt;
}

template <class Y, class S, class R>
std::vector<subiterator> generator<Y, S, R>::delegation_chain() const {
    std::vector<subiterator> chain;
    if (!detail::has_frame(h_)) return chain;
    const detail::node *x = &detail::node_access::of(h_.promise());
    if (x->state() != generator_state::suspended) return chain;
    for (; x->child; x = x->child) chain.push_back(x->child->describe());
    if (x->foreign) chain.push_back(x->foreign->describe());
    return chain;
}

template <class Y, class S, class R>
auto generator<Y, S, R>::begin() -> iterator {
    if (!frame_gone()) (void)idle_promise();
    return iterator(this);
}

} // namespace twoway
