// twoway/async_generator.hpp — async_generator<Y, S>: what Python's `async def` with `yield` returns
// (PEP 525).
//
//   twoway::async_generator<int, int> ticker(int n) {
//       for (int i = 0; i < n; ++i) {
//           twoway::maybe<int> step = co_yield i;   // what asend() sent; None after anext()
//           co_await twoway::sleep(0.1);            // awaits reach the task's driver, O(1) at any depth
//       }
//   }
//
//   // async for x in ticker(3): ...
//   for (auto gen = ticker(3); auto x = co_await twoway::anext(gen, twoway::none);) use(*x);
//
// anext()/asend(v)/athrow(e)/aclose() each return a single-use awaitable: `co_await` it in a coroutine
// or an async generator body, or drive it by hand with Python's send/throw/close (3.13 semantics).
// The generator's frame is shared by the generator object, its awaitables and its async_generator_refs;
// when the last of them goes, it is finalized as CPython does (the thread's finalizer hook, or a
// synchronous close). Standard library only: the asyncio loop installs its hooks (twoway/asyncio/).
#pragma once

#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "twoway/detail/async_generator.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/none.hpp"
#include "twoway/object.hpp"
#include "twoway/stop_iteration.hpp"
#include "twoway/subiterator.hpp"
#include "twoway/unraisable.hpp"

namespace twoway {

class aclose_awaitable;

// A counted reference to any async generator (Python: the async generator object, untyped): what the
// hooks receive, and what can close a generator without knowing Y and S.
class async_generator_ref {
public:
    async_generator_ref() noexcept = default; // None
    explicit async_generator_ref(detail::async_generator_core *g) noexcept : g_(g) {
        if (g_) g_->add_ref();
    }
    async_generator_ref(const async_generator_ref &o) noexcept : async_generator_ref(o.g_) {}
    async_generator_ref(async_generator_ref &&o) noexcept : g_(std::exchange(o.g_, nullptr)) {}
    async_generator_ref &operator=(async_generator_ref o) noexcept {
        std::swap(g_, o.g_);
        return *this;
    }
    ~async_generator_ref() {
        if (g_) g_->release();
    }

    // Python: agen.aclose() (its firstiter hook runs if this is the generator's first method call).
    aclose_awaitable aclose() const;
    [[nodiscard]] async_generator_state state() const noexcept {
        return g_ ? g_->agen_state() : async_generator_state::closed;
    }
    [[nodiscard]] bool running() const noexcept { return g_ && g_->running_async(); }
    [[nodiscard]] const char *qualname() const noexcept { return g_ ? g_->qualname : "None"; }
    [[nodiscard]] const void *address() const noexcept { return g_ ? g_->handle.address() : nullptr; }
    // "<async_generator object NAME at 0x…>"
    [[nodiscard]] std::string repr() const {
        if (!g_) return "None";
        char at[32];
        std::snprintf(at, sizeof at, "%p", address());
        return std::string("<async_generator object ") + g_->qualname + " at " + at + ">";
    }
    explicit operator bool() const noexcept { return g_ != nullptr; }
    friend bool operator==(const async_generator_ref &a, const async_generator_ref &b) noexcept { return a.g_ == b.g_; }

private:
    friend struct detail::async_generator_access;
    detail::async_generator_core *g_ = nullptr;
};

// Python: sys.get_asyncgen_hooks() / sys.set_asyncgen_hooks(firstiter=..., finalizer=...), per thread.
struct asyncgen_hooks {
    asyncgen_hook firstiter; // empty: None
    asyncgen_hook finalizer;
};
struct asyncgen_hooks_update {
    std::optional<asyncgen_hook> firstiter = std::nullopt; // nullopt: unchanged; an empty function: None
    std::optional<asyncgen_hook> finalizer = std::nullopt;
};

[[nodiscard]] inline asyncgen_hooks get_asyncgen_hooks() {
    const detail::asyncgen_thread_hooks &h = detail::asyncgen_thread_hooks::current();
    return {h.firstiter ? *h.firstiter : asyncgen_hook(), h.finalizer ? *h.finalizer : asyncgen_hook()};
}

inline void set_asyncgen_hooks(asyncgen_hooks_update update) {
    detail::asyncgen_thread_hooks &h = detail::asyncgen_thread_hooks::current();
    auto share = [](asyncgen_hook f) {
        return f ? std::make_shared<const asyncgen_hook>(std::move(f)) : std::shared_ptr<const asyncgen_hook>();
    };
    if (update.firstiter) h.firstiter = share(std::move(*update.firstiter));
    if (update.finalizer) h.finalizer = share(std::move(*update.finalizer));
}

// ---- the awaitables ------------------------------------------------------------------------------------

// Python: async_generator_asend, from anext() and asend(v). `co_await` gives the yielded Y; the end
// raises stop_async_iteration; the generator's error propagates (A4, A5, A10). By hand (the protocol is
// detail::agen_awaitable's), a non-None first send replaces the asend value (x1).
template <class Y, class S>
class [[nodiscard]] asend_awaitable : public detail::agen_awaitable<asend_awaitable<Y, S>, Y> {
    using base = detail::agen_awaitable<asend_awaitable<Y, S>, Y>;

public:
    using yield_type = Y;
    class awaiter : public detail::agen_consumer_awaiter<asend_awaitable> {
    public:
        using detail::agen_consumer_awaiter<asend_awaitable>::agen_consumer_awaiter;
        Y await_resume() {
            if (this->step() != detail::agen_step::value) throw stop_async_iteration();
            return this->template take_yielded<Y>();
        }
    };

    asend_awaitable(asend_awaitable &&) noexcept = default;
    awaiter make_awaiter(detail::node &self) noexcept { return awaiter(*this, self); }

    object send(object v) {
        if (this->state() != detail::awaitable_state::init || this->empty()) return base::send(std::move(v));
        bool value_sent = !v.is_none();
        if constexpr (!std::is_void_v<S>) {
            if (value_sent) value_ = maybe<S>(v.as<S>());
            value_sent = value_.has_value();
        }
        return this->finish_by_hand(this->hand_send(sent_value(), value_sent, &v));
    }

private:
    template <class, class>
    friend class async_generator;
    template <class, class, class>
    friend class anext_awaitable;
    template <class>
    friend class detail::agen_consumer_awaiter;
    using value_holder = std::conditional_t<std::is_void_v<S>, none_t, maybe<detail::send_arg<S>>>;

    explicit asend_awaitable(detail::async_generator_core *g) noexcept : base(g, detail::agen_operation_kind::asend), value_() {}
    asend_awaitable(detail::async_generator_core *g, value_holder v) noexcept
        : base(g, detail::agen_operation_kind::asend), value_(std::move(v)) {}

    void *sent_value() noexcept {
        if constexpr (std::is_void_v<S>)
            return nullptr;
        else
            return value_.has_value() ? std::addressof(*value_) : nullptr;
    }
    bool has_sent_value() const noexcept {
        if constexpr (std::is_void_v<S>)
            return false;
        else
            return value_.has_value();
    }

    value_holder value_;
};

// Python: async_generator_athrow in athrow mode. `co_await` gives the value the generator yields after
// catching, or None if it had already finished (A15); a return raises stop_async_iteration (A14).
template <class Y>
class [[nodiscard]] athrow_awaitable : public detail::agen_awaitable<athrow_awaitable<Y>, Y> {
    using base = detail::agen_awaitable<athrow_awaitable<Y>, Y>;

public:
    class awaiter : public detail::agen_consumer_awaiter<athrow_awaitable> {
    public:
        using detail::agen_consumer_awaiter<athrow_awaitable>::agen_consumer_awaiter;
        maybe<Y> await_resume() {
            switch (this->step()) {
            case detail::agen_step::value: return maybe<Y>(this->template take_yielded<Y>());
            case detail::agen_step::finished: throw stop_async_iteration();
            case detail::agen_step::awaiting:
            case detail::agen_step::none: break;
            }
            return {};
        }
    };

    athrow_awaitable(athrow_awaitable &&) noexcept = default;
    awaiter make_awaiter(detail::node &self) noexcept { return awaiter(*this, self); }

private:
    template <class, class>
    friend class async_generator;
    athrow_awaitable(detail::async_generator_core *g, std::exception_ptr e) noexcept
        : base(g, detail::agen_operation_kind::athrow, std::move(e)) {}
};

// Python: async_generator_athrow in aclose mode. `co_await` gives nothing; by hand, the end is a
// StopIteration with None.
class [[nodiscard]] aclose_awaitable : public detail::agen_awaitable<aclose_awaitable, void> {
    using base = detail::agen_awaitable<aclose_awaitable, void>;

public:
    class awaiter : public detail::agen_consumer_awaiter<aclose_awaitable> {
    public:
        using detail::agen_consumer_awaiter<aclose_awaitable>::agen_consumer_awaiter;
        void await_resume() { (void)this->step(); } // None, or raised
    };

    aclose_awaitable(aclose_awaitable &&) noexcept = default;
    awaiter make_awaiter(detail::node &self) noexcept { return awaiter(*this, self); }

private:
    template <class, class>
    friend class async_generator;
    friend class async_generator_ref;
    explicit aclose_awaitable(detail::async_generator_core *g) noexcept : base(g, detail::agen_operation_kind::aclose) {}
};

inline aclose_awaitable async_generator_ref::aclose() const {
    if (!g_) throw value_error(messages::empty_async_generator);
    g_->init_hooks();
    return aclose_awaitable(g_);
}

// ---- the generator -------------------------------------------------------------------------------------

template <class Y, class S>
class [[nodiscard]] async_generator {
    static_assert(std::is_object_v<Y>, "async_generator<Y, S>: Y must be an object type");
    static_assert(std::is_void_v<S> || std::is_object_v<S>, "async_generator<Y, S>: S must be void or an object type");

public:
    using yield_type = Y;
    using send_type = S;
    using promise_type = detail::async_generator_promise<Y, S>;

    async_generator() noexcept = default;
    async_generator(async_generator &&o) noexcept : g_(std::exchange(o.g_, nullptr)) {}
    async_generator &operator=(async_generator &&o) noexcept {
        if (this != &o) {
            if (g_) g_->release();
            g_ = std::exchange(o.g_, nullptr);
        }
        return *this;
    }
    // Drops this reference; the last one finalizes the generator (A21-A23).
    ~async_generator() {
        if (g_) g_->release();
    }

    // Python: agen.__anext__() / anext(agen) and agen.asend(v): a new single-use awaitable; nothing runs
    // until it is awaited or sent into (A2). The first method call runs this thread's firstiter hook (A20).
    asend_awaitable<Y, S> anext() { return asend_awaitable<Y, S>(first_call()); }
    asend_awaitable<Y, S> asend(detail::send_arg<S> v)
        requires(!std::is_void_v<S>)
    {
        return asend_awaitable<Y, S>(first_call(), maybe<S>(std::move(v)));
    }
    // Python: agen.athrow(exc): an instance, an exception_ptr (its identity kept), or a class.
    template <class E>
        requires(!std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>)
    athrow_awaitable<Y> athrow(E &&e) {
        return athrow(std::make_exception_ptr(std::forward<E>(e)));
    }
    athrow_awaitable<Y> athrow(std::exception_ptr e) {
        if (!e) throw type_error("athrow() needs an exception (got an empty exception_ptr)");
        return athrow_awaitable<Y>(first_call(), std::move(e));
    }
    template <class E>
    athrow_awaitable<Y> athrow() {
        return athrow(E());
    }
    // Python: agen.aclose().
    aclose_awaitable aclose() { return aclose_awaitable(first_call()); }
    // Python: agen.__aiter__() is agen (A1).
    async_generator &aiter() noexcept { return *this; }

    // Python: inspect.getasyncgenstate, ag_running, ag_suspended, ag_frame is not None, ag_await.
    [[nodiscard]] async_generator_state state() const noexcept {
        return g_ ? g_->agen_state() : async_generator_state::closed;
    }
    [[nodiscard]] bool running() const noexcept { return g_ && g_->running_async(); }
    [[nodiscard]] bool suspended() const noexcept { return g_ && !g_->chain_running() && g_->own() == detail::node::own_suspended; }
    [[nodiscard]] bool has_frame() const noexcept { return g_ && !g_->closed(); }
    [[nodiscard]] bool empty() const noexcept { return g_ == nullptr; }
    // What it awaits while suspended in an await (None at a yield, A17).
    [[nodiscard]] std::optional<subiterator> ag_await() const noexcept {
        if (!suspended() || !g_->running_async()) return std::nullopt;
        if (g_->child) return g_->child->describe();
        if (g_->foreign) return g_->foreign->describe();
        if (g_->root->leaf == g_ && g_->root->yielded) {
            const object &y = *static_cast<const object *>(g_->root->yielded);
            if (!y.is_none()) return subiterator{subiterator::kind::awaitable, &y.type(), y.identity()};
        }
        return std::nullopt;
    }
    // __qualname__: the function's name unless set (the text must outlive the generator).
    [[nodiscard]] const char *qualname() const noexcept { return g_ ? g_->qualname : "async_generator"; }
    void set_qualname(const char *static_text) noexcept {
        if (g_) g_->qualname = static_text;
    }
    [[nodiscard]] const void *address() const noexcept { return g_ ? g_->handle.address() : nullptr; }
    // Another reference to the same generator, untyped.
    [[nodiscard]] async_generator_ref ref() const noexcept { return async_generator_ref(g_); }

private:
    friend struct detail::async_generator_access;
    explicit async_generator(detail::async_generator_core *g) noexcept : g_(g) {}
    detail::async_generator_core *first_call() {
        if (!g_) throw value_error(messages::empty_async_generator);
        g_->init_hooks();
        return g_;
    }

    detail::async_generator_core *g_ = nullptr;
};

template <class T>
struct is_async_generator : std::false_type {};
template <class Y, class S>
struct is_async_generator<async_generator<Y, S>> : std::true_type {};
// Python's inspect.isasyncgen, asked of a C++ type.
template <class T>
inline constexpr bool isasyncgen = is_async_generator<std::remove_cvref_t<T>>::value;

// ---- async for -----------------------------------------------------------------------------------------

// Python: anext(agen): agen.__anext__().
template <class Y, class S>
asend_awaitable<Y, S> anext(async_generator<Y, S> &agen) {
    return agen.anext();
}

// Python: anext(agen, default): calls agen.__anext__() at once (its firstiter hook runs here); `co_await`
// gives the next value, or the default at the end, without an exception. With twoway::none as the
// default the result is maybe<Y>, which makes Python's `async for` a loop:
//
//   while (auto x = co_await twoway::anext(agen, twoway::none)) use(*x);
namespace detail {
// The library's own `async for` (contextlib): the end as an empty optional, never confused with a
// yielded None (maybe<none_t> would be).
struct end_as_nullopt_t {};
} // namespace detail

template <class Y, class S, class D>
class [[nodiscard]] anext_awaitable {
    using result_type =
        std::conditional_t<std::is_same_v<D, none_t>, maybe<Y>,
                           std::conditional_t<std::is_same_v<D, detail::end_as_nullopt_t>, std::optional<Y>, Y>>;

public:
    using twoway_awaitable = void;
    class awaiter : public detail::agen_consumer_awaiter<asend_awaitable<Y, S>> {
    public:
        awaiter(anext_awaitable &aw, detail::node &self) noexcept
            : detail::agen_consumer_awaiter<asend_awaitable<Y, S>>(aw.next_, self), default_(&aw.default_) {}
        result_type await_resume() {
            if (this->step() == detail::agen_step::value) return result_type(this->template take_yielded<Y>());
            if constexpr (std::is_same_v<D, detail::end_as_nullopt_t>)
                return std::nullopt;
            else
                return result_type(std::move(*default_));
        }

    private:
        D *default_;
    };

    anext_awaitable(asend_awaitable<Y, S> next, D dflt) noexcept(std::is_nothrow_move_constructible_v<D>)
        : next_(std::move(next)), default_(std::move(dflt)) {}
    awaiter make_awaiter(detail::node &self) noexcept { return awaiter(*this, self); }

private:
    asend_awaitable<Y, S> next_;
    D default_;
};

template <class Y, class S, class D>
anext_awaitable<Y, S, std::decay_t<D>> anext(async_generator<Y, S> &agen, D &&dflt) {
    return anext_awaitable<Y, S, std::decay_t<D>>(agen.anext(), std::forward<D>(dflt));
}

namespace detail {
template <class Y, class S>
anext_awaitable<Y, S, end_as_nullopt_t> anext_or_end(async_generator<Y, S> &agen) {
    return anext_awaitable<Y, S, end_as_nullopt_t>(agen.anext(), end_as_nullopt_t{});
}
} // namespace detail

// ---- hooks and finalization ----------------------------------------------------------------------------

namespace detail {

inline void async_generator_core::first_call_hooks() {
    set(hooks_inited_flag);
    const asyncgen_thread_hooks &h = asyncgen_thread_hooks::current();
    if (h.finalizer) finalizer = h.finalizer;
    if (h.firstiter) {
        const std::shared_ptr<const asyncgen_hook> firstiter = h.firstiter; // the hook may replace itself
        (*firstiter)(async_generator_ref(this));
    }
}

inline void async_generator_core::finalize() noexcept {
    static constexpr const char *context = "Exception ignored in: <twoway::async_generator>";
    if (closed() || (flags & finalized_flag)) { // finished, or finalized once and dropped again: no code runs
        destroy_frame();
        return;
    }
    set(finalized_flag);
    if (finalizer && !ag_closed()) { // A21: the finalizer instead of a close; it may keep the generator
        refs = 1;
        const std::shared_ptr<const asyncgen_hook> hook = std::move(finalizer);
        try {
            (*hook)(async_generator_ref(this));
        } catch (...) {
            report_unraisable({std::current_exception(), context, handle.address()});
        }
        if (--refs == 0) destroy_frame();
        return;
    }
    if (own() == own_created) { // A23: no code ran, no warning
        destroy_frame();
        return;
    }
    if (chain_running()) {
        report_unraisable({std::make_exception_ptr(value_error("async generator destroyed while running; its frame is leaked")),
                           context, handle.address()});
        return;
    }
    // A22: closed synchronously; an await during the close is a suspension like a yield (F3).
    refs = 1;
    close_chain(std::make_exception_ptr(generator_exit()));
    if (!closed()) {
        bits = static_cast<unsigned char>(bits & ~value_bit);
        report_unraisable({std::make_exception_ptr(runtime_error(messages::agen_ignored_exit)), context, handle.address()});
    } else if (error) {
        std::exception_ptr e = take_escaped(*this);
        if (!is_generator_exit(e)) report_unraisable({std::move(e), context, handle.address()});
    }
    if (--refs == 0) destroy_frame();
}

} // namespace detail
} // namespace twoway
