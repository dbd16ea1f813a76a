// twoway/detail/node.hpp — the type-erased part of every generator's promise: its state, its place
// in a delegation chain, and (on the outermost generator, "the root") the channel through which
// values and exceptions travel.
//
// A chain root -> ... -> leaf is a doubly linked list of nodes. The root knows the leaf, so every
// send/next/throw reaches the innermost generator in O(1); the leaf's yield writes straight into
// the root's channel. Control moves down (delegation starts) and up (a child finishes) through a
// trampoline in the root's driver loop: an awaiter records the frame to run next and suspends, the
// driver resumes it. So neither direction grows the C++ stack with depth, at any optimisation level
// and under sanitizers (GCC turns a symmetric-transfer return into a tail call only at -O2 and not
// under ASan, which overflows the stack for deep chains).
#pragma once

#include <coroutine>
#include <exception>
#include <typeinfo>
#include <utility>

#include "twoway/exceptions.hpp"
#include "twoway/stop_iteration.hpp"

namespace twoway {

enum class generator_state : unsigned char { created, suspended, running, closed };

// inspect.getgeneratorstate() spelling.
constexpr const char *to_string(generator_state s) noexcept {
    switch (s) {
    case generator_state::created: return "GEN_CREATED";
    case generator_state::suspended: return "GEN_SUSPENDED";
    case generator_state::running: return "GEN_RUNNING";
    case generator_state::closed: return "GEN_CLOSED";
    }
    return "?";
}

// What Python's gi_yieldfrom shows: the direct subiterator of a generator suspended in a delegation.
struct subiterator {
    enum class kind : unsigned char { generator, iterator, range };
    kind what;
    const std::type_info *type; // the operand's type (for a generator, its generator<> type)
    const void *address;        // identity: a generator's frame, or the operand object
};

namespace detail {

struct node;

// A delegation to something that is not a twoway generator (an iterator object or a C++ range).
// Its awaiter lives in the delegator's frame and is driven directly by the root, without
// resuming the delegator, for as long as the subiterator produces values.
struct foreign_delegation {
    // One forwarded next/send/throw, read from root.sent / root.inject. true: a value was produced
    // (root.yielded points at it) and the delegation goes on; false: it is over and the delegator
    // must be resumed to receive the result or the exception.
    virtual bool step(node &root) noexcept = 0;
    // Y11/Y12: ends the delegation by closing the subiterator; returns what its close() raised.
    virtual std::exception_ptr close() noexcept = 0;
    virtual subiterator describe() const noexcept = 0;

protected:
    ~foreign_delegation() = default;
};

// Rethrows e as it must look once it has left a generator frame: PEP 479 turns a StopIteration
// into RuntimeError("generator raised StopIteration") with the original as its cause (P1-P4).
[[noreturn]] inline void raise_from_frame(std::exception_ptr e) {
    try {
        std::rethrow_exception(std::move(e));
    } catch (const stop_iteration<> &) {
        std::throw_with_nested(runtime_error(messages::raised_stop_iteration));
    }
}

struct node {
    std::coroutine_handle<> handle;
    node *root = this;   // outermost generator of the chain this one is in (itself when free)
    node *parent = nullptr;  // the generator delegating to this one
    node *child = nullptr;   // the generator this one delegates to
    node *leaf = this;       // root only: innermost generator of the chain
    foreign_delegation *foreign = nullptr; // set while suspended in a non-generator delegation
    // The channel (root only). yielded and sent point into the frames and stacks that own the
    // values, so nothing is copied or allocated on the way through.
    void *yielded = nullptr;
    void *sent = nullptr; // nullptr is Python's None
    std::exception_ptr inject; // to be raised at the leaf's suspension point
    std::exception_ptr error;  // what escaped this frame
    generator_state st = generator_state::created; // created, suspended or closed
    bool running = false;   // root only: a call is executing the chain
    bool delegated = false; // a generator is delegating to this one (parent is set)
    std::coroutine_handle<> transfer; // root only: the frame the driver must resume next

    node() = default;
    node(const node &) = delete;
    node &operator=(const node &) = delete;

    // True when this generator can be resumed right away by its own caller: suspended at a yield, not
    // running, not delegated to. (Three byte tests: one wider load over bytes that were just stored one
    // by one defeats store-to-load forwarding and is slower.)
    [[nodiscard]] bool resumable() const noexcept {
        return st == generator_state::suspended && !running && !delegated;
    }

    // Every generator of a running chain reports RUNNING (S3, Y17).
    [[nodiscard]] generator_state state() const noexcept {
        return root->running ? generator_state::running : st;
    }

    // Where the next resumption of this root's chain must go, or null if there is nothing to resume.
    // A foreign delegation at the leaf is stepped in place; only when it ends does its delegator
    // frame resume.
    std::coroutine_handle<> advance() noexcept {
        node *l = leaf;
        if (l->foreign) [[unlikely]] {
            if (l->foreign->step(*this)) return nullptr;
            l->foreign = nullptr;
        }
        return l->handle;
    }

    // The trampoline: resumes h, then whatever frame the chain handed control to, until the chain
    // suspends with nothing left to run. Most resumptions hand nothing on: one check after the first.
    void resume_from(std::coroutine_handle<> h) noexcept {
        if (!h) return;
        h.resume();
        if (transfer) [[unlikely]] {
            while ((h = std::exchange(transfer, nullptr))) h.resume();
        }
    }

    // Runs this root's chain until it yields or this generator finishes.
    void run() noexcept {
        running = true;
        resume_from(advance());
        running = false;
    }

    // Makes r the root of this node's subtree; returns the subtree's innermost node.
    node *adopt_subtree(node *r) noexcept {
        node *x = this;
        for (;;) {
            x->root = r;
            if (!x->child) return x;
            x = x->child;
        }
    }

    // Cuts this node (with what it delegates to) out of its parent's chain; it becomes a root.
    void detach() noexcept {
        node *p = parent;
        node *r = root;
        p->child = nullptr;
        parent = nullptr;
        delegated = false;
        leaf = adopt_subtree(this);
        r->leaf = p;
    }

    // Closes the chain under this root innermost-first (Y11, Y14): each subgenerator is closed as a
    // generator of its own, its return value discarded and its error, if any, raised in its
    // delegator instead of GeneratorExit. Last, `exit` (or a fresh GeneratorExit) is raised in this
    // generator itself. Leaves this root finished or suspended for the typed caller to interpret.
    // `exit` is raised in this generator unless a subgenerator's close failed; returns what was raised.
    std::exception_ptr close_chain(std::exception_ptr exit) noexcept {
        running = true;
        node *x = leaf;
        std::exception_ptr pending;
        if (x->foreign) {
            pending = x->foreign->close();
            x->foreign = nullptr;
        }
        while (x != this) {
            node *p = x->parent;
            x->detach();
            const bool fresh_exit = !pending;
            std::exception_ptr raised = fresh_exit ? std::make_exception_ptr(generator_exit()) : std::move(pending);
            x->inject = raised;
            x->sent = nullptr;
            x->run();
            pending = close_outcome(*x, fresh_exit ? raised : nullptr);
            x = p;
        }
        std::exception_ptr raised = pending ? std::move(pending) : std::move(exit);
        inject = raised;
        sent = nullptr;
        resume_from(handle);
        running = false;
        return raised;
    }

    // What closing node x raises in its delegator: nothing if GeneratorExit came out or it returned,
    // RuntimeError if it yielded (it stays suspended), otherwise its own error. `exit` is the GeneratorExit
    // that was thrown into x, if it was one: when that very object comes back, no rethrow is needed to
    // classify it (a C++ throw is the dominant cost of closing).
    static std::exception_ptr close_outcome(node &x, const std::exception_ptr &exit) noexcept {
        if (x.st != generator_state::closed) return std::make_exception_ptr(runtime_error(messages::ignored_exit));
        if (!x.error) return nullptr;
        if (exit && x.error == exit) {
            x.error = nullptr;
            return nullptr;
        }
        try {
            raise_from_frame(std::exchange(x.error, nullptr));
        } catch (const generator_exit &) {
            return nullptr;
        } catch (...) {
            return std::current_exception();
        }
    }

};

// Awaited at every co_yield of a value. yield_value has already pointed the root's channel at the value
// and marked the generator suspended, so the awaiter only remembers whose yield this is.
struct yield_awaiter_base {
    node *self;
    static constexpr bool await_ready() noexcept { return false; }
    static constexpr void await_suspend(std::coroutine_handle<>) noexcept {}
};

// co_yield evaluates to what was sent: maybe<S> (None after next()), or nothing when S is void.
template <class S>
struct yield_awaiter : yield_awaiter_base {
    maybe<S> await_resume() const {
        node *r = self->root;
        if (r->inject) [[unlikely]] std::rethrow_exception(std::exchange(r->inject, nullptr));
        if (!r->sent) return {};
        return maybe<S>(std::move(*static_cast<S *>(r->sent)));
    }
};

template <>
struct yield_awaiter<void> : yield_awaiter_base {
    void await_resume() const {
        node *r = self->root;
        if (r->inject) [[unlikely]] std::rethrow_exception(std::exchange(r->inject, nullptr));
    }
};

// A yielded lvalue or converted value is copied into the awaiter, which lives in the frame until the
// generator is resumed; the caller then moves it out.
template <class Y, class S>
struct copying_yield_awaiter : yield_awaiter<S> {
    Y copy;
    void await_suspend(std::coroutine_handle<>) noexcept {
        this->self->st = generator_state::suspended;
        this->self->root->yielded = std::addressof(copy); // the awaiter's final address is known only here
    }
};

// At final suspension, a subgenerator hands control back to its delegator, whose awaiter collects the
// return value or the error from this promise.
struct final_awaiter {
    static constexpr bool await_ready() noexcept { return false; }
    template <class P>
    void await_suspend(std::coroutine_handle<P> h) const noexcept {
        node &n = h.promise();
        n.st = generator_state::closed;
        if (node *p = n.parent) {
            node *r = n.root;
            p->child = nullptr;
            n.parent = nullptr;
            n.delegated = false;
            n.root = &n;
            n.leaf = &n;
            r->leaf = p;
            r->transfer = p->handle;
        }
    }
    static constexpr void await_resume() noexcept {}
};

} // namespace detail
} // namespace twoway
