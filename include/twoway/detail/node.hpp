// twoway/detail/node.hpp — the type-erased part of every generator's promise: its state, its place in
// a delegation chain, and (on the outermost generator, "the root") the channel through which values and
// exceptions travel. Every state transition of the library is one of the named operations below.
//
// A chain root -> ... -> leaf is a doubly linked list of nodes. The root caches the leaf's frame, so
// every send/next/throw resumes the innermost generator in O(1); the leaf's yield writes straight into
// the root's channel. Control moves down (a delegation starts) and up (a subgenerator finishes) through
// a trampoline in the root's driver loop: the frame that finished or delegated records where control
// goes and suspends, and the driver resumes it. So neither direction grows the C++ stack with depth, at
// any optimisation level and under sanitizers (GCC turns a symmetric-transfer return into a tail call
// only at -O2 and not under ASan, which overflows the stack for deep chains).
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <typeinfo>
#include <utility>

#include "twoway/exceptions.hpp"
#include "twoway/generator_state.hpp"
#include "twoway/stop_iteration.hpp"
#include "twoway/subiterator.hpp"

// Out-of-line paths. Only the ones that raise are `cold`: GCC treats whatever follows a call to a cold
// function as unlikely, and a generator's first step always takes the out-of-line path.
#if defined(__GNUC__)
#define TWOWAY_COLD __attribute__((noinline, cold))
#define TWOWAY_NOINLINE __attribute__((noinline))
#define TWOWAY_HOT_INLINE __attribute__((always_inline)) /* the hot path: clang would call it */
#else
#define TWOWAY_HOT_INLINE
#define TWOWAY_COLD
#define TWOWAY_NOINLINE
#endif

namespace twoway::detail {

struct node;

// A delegation to something that is not a twoway generator (an iterator object or a C++ range). Its
// awaiter lives in the delegator's frame and is driven by the root without resuming the delegator, for
// as long as the subiterator produces values.
struct foreign_delegation {
    // One forwarded next/send/throw, read from the root's channel. true: a value was produced (the root's
    // `yielded` points at it) and the delegation goes on; false: it is over and the delegator must be
    // resumed to receive the result or the exception.
    virtual bool step(node &root) noexcept = 0;
    // Y11/Y12: ends the delegation by closing the subiterator; returns what its close() raised.
    virtual std::exception_ptr close() noexcept = 0;
    virtual subiterator describe() const noexcept = 0;

protected:
    ~foreign_delegation() = default;
};

// Rethrows e as it must look once it has left a generator frame: PEP 479 turns a StopIteration into
// RuntimeError("generator raised StopIteration") with the original as its cause (P1-P4).
// A coroutine's frame says "coroutine raised StopIteration" (K10).
[[noreturn]] inline void raise_from_frame(std::exception_ptr e, bool coroutine = false) {
    try {
        std::rethrow_exception(std::move(e));
    } catch (const stop_iteration<> &) {
        std::throw_with_nested(runtime_error(coroutine ? messages::coroutine_raised_stop_iteration
                                                       : messages::raised_stop_iteration));
    }
}

inline bool is_generator_exit(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const generator_exit &) {
        return true;
    } catch (...) {
        return false;
    }
}

// An exception_ptr with a trivial destructor, destroyed explicitly (node::release_slots) before its frame.
// A promise whose destructor is trivial leaves the generator body's destroy path without calls, so the
// body's hot path saves no registers for it.
class exception_slot {
public:
    exception_slot() noexcept { ::new (static_cast<void *>(buf_)) std::exception_ptr(); }
    exception_slot(const exception_slot &) = delete;
    exception_slot &operator=(const exception_slot &) = delete;
    exception_slot &operator=(std::exception_ptr e) noexcept {
        ptr() = std::move(e);
        return *this;
    }
    exception_slot &operator=(std::nullptr_t) noexcept {
        ptr() = nullptr;
        return *this;
    }
    explicit operator bool() const noexcept { return static_cast<bool>(ptr()); }
    friend bool operator==(const exception_slot &s, const std::exception_ptr &e) noexcept { return s.ptr() == e; }
    std::exception_ptr take() noexcept { return std::exchange(ptr(), nullptr); }
    void destroy() noexcept { ptr().~exception_ptr(); }

private:
    std::exception_ptr &ptr() noexcept { return *std::launder(reinterpret_cast<std::exception_ptr *>(buf_)); }
    const std::exception_ptr &ptr() const noexcept { return *std::launder(reinterpret_cast<const std::exception_ptr *>(buf_)); }
    alignas(std::exception_ptr) unsigned char buf_[sizeof(std::exception_ptr)];
};

// What a generator type is, for introspection and for the send-type check of a delegation.
struct generator_info {
    const std::type_info *generator_type;
    const std::type_info *send_type; // null when S is void: the generator never reads a sent value
    bool coroutine = false;          // a twoway::coroutine: Python's messages say "coroutine"
    bool async_generator = false;    // a twoway::async_generator
    // An async generator: what closing it as a member of a chain raises in its delegator follows the
    // awaitable's rules (detail/async_generator.hpp), not the generator's. Null for the others.
    std::exception_ptr (*close_outcome)(node &, const std::exception_ptr &exit) noexcept = nullptr;
};

// The root's `sent` holds this while an exception waits in `inject`. Null (None) and this are the only
// values below 2, so the yield awaiter tells a value from both with one compare of the pointer it has
// to load anyway.
inline void *const raise_pending = reinterpret_cast<void *>(std::uintptr_t{1});

// How a resumption of a chain ended, as CPython's gen_send_ex2 reports it.
enum class outcome : unsigned char {
    yielded,   // the root's `yielded` points at the value
    returned,  // the root finished normally; its return value is in its return slot
    raised,    // the root finished with an exception, in its `error`
    exhausted, // the generator was already closed: nothing ran (N7, R4)
};

// The state diagram (one byte per node, `bits`):
//
//          first resume (start)              final suspend (finish: co_return or an escaping error)
//   CREATED ───────────────────> SUSPENDED ───────────────────────────────────────────────────> CLOSED
//      └──────────── close() or throw() before the first resume (close_unstarted: C2, T8) ────────┘
//
// RUNNING is not a state of its own node: a generator is RUNNING while its root's running bit is set
// (begin_call / end_call), so every generator of a running chain reports RUNNING (S3, Y17). A SUSPENDED
// generator can also be DELEGATED (link / unlink, detach): a delegator drives it, and calls on it are
// refused. On a root, two more bits tell the driver that control moved: `transfer_bit` (resume
// `resume_point` again: a delegation began or a subgenerator finished, hand_over) and `foreign_bit` (the
// leaf is suspended in a delegation to a non-generator: step it in place, enter_foreign/leave_foreign).
//
// SUSPENDED is 0 and the flags are bits of the same byte, so "suspended, idle, a root, nothing pending"
// is one compare with zero on entry, and "yielded normally" one compare after the resume.
struct node {
    enum : unsigned char {
        own_suspended = 0,
        own_created = 1,
        own_closed = 2,
        own_mask = 3,
        running_bit = 4,   // root: a call is executing the chain
        delegated_bit = 8, // a generator is delegating to this one (parent is set)
        foreign_bit = 16,  // root: the chain's leaf is suspended in a foreign delegation
        transfer_bit = 32, // root: the driver must resume resume_point again
        value_bit = 64,    // an async generator driven as a root yielded a value (yield_out), not an await
    };
    enum : unsigned char {
        no_exit_handlers_option = 1, // the body declared it has no GeneratorExit handlers
        orphaned_option = 2,         // its generator object is gone; the delegation to it owns the frame
        inline_option = 4,           // not a Python frame (an `async with` and its block): what escapes it
                                     // is delivered unchanged, without PEP 479's rewrite
    };

    unsigned char bits = own_created;
    unsigned char options = 0;
    // The channel (root only): pointers into the frames and stacks that own the values, so nothing is
    // copied or allocated on the way through.
    void *sent = nullptr; // nullptr is Python's None; raise_pending: raise `inject`
    void *yielded = nullptr;
    std::coroutine_handle<> resume_point; // root: the leaf's frame
    node *root = this;                    // outermost generator of the chain this one is in (itself when free)
    node *parent = nullptr;               // the generator delegating to this one
    node *child = nullptr;                // the generator this one delegates to
    node *leaf = this;                    // root: innermost generator of the chain
    foreign_delegation *foreign = nullptr; // set while this generator is suspended in a foreign delegation
    const generator_info *info;
    std::coroutine_handle<> handle;
    exception_slot inject; // root: to be raised at the leaf's suspension point
    exception_slot error;  // what escaped this frame

    node(std::coroutine_handle<> h, const generator_info &i) noexcept : resume_point(h), info(&i), handle(h) {}
    node(const node &) = delete;
    node &operator=(const node &) = delete;
    // Before the frame is destroyed: the exception slots are not destroyed by the (trivial) destructor.
    void release_slots() noexcept {
        inject.destroy();
        error.destroy();
    }

    // ---- reading the state ---------------------------------------------------------------------------
    [[nodiscard]] unsigned char own() const noexcept { return bits & own_mask; }
    [[nodiscard]] bool closed() const noexcept { return own() == own_closed; }
    [[nodiscard]] bool delegated() const noexcept { return bits & delegated_bit; }
    [[nodiscard]] bool chain_running() const noexcept { return root->bits & running_bit; }
    [[nodiscard]] generator_state state() const noexcept {
        if (chain_running()) return generator_state::running;
        switch (own()) {
        case own_created: return generator_state::created;
        case own_closed: return generator_state::closed;
        default: return generator_state::suspended;
        }
    }
    // The fast path's test: a root, suspended at a yield, idle, with nothing pending.
    [[nodiscard]] bool ready() const noexcept { return bits == own_suspended; }

    // What gi_yieldfrom shows of this generator.
    [[nodiscard]] subiterator describe() const noexcept {
        const subiterator::kind k = info->async_generator ? subiterator::kind::async_generator
                                    : info->coroutine     ? subiterator::kind::coroutine
                                                          : subiterator::kind::generator;
        return {k, info->generator_type, handle.address()};
    }

    // ---- transitions -----------------------------------------------------------------------------------
    void start() noexcept { set_own(own_suspended); } // CREATED -> SUSPENDED
    void close_unstarted() noexcept { set_own(own_closed); }
    void begin_call() noexcept { bits |= running_bit; }
    void end_call() noexcept { bits = static_cast<unsigned char>(bits & ~running_bit); }
    // Control moved along the chain: the driver resumes h next (a root's operation).
    void hand_over(std::coroutine_handle<> h) noexcept {
        resume_point = h;
        bits |= transfer_bit;
    }
    void enter_foreign(foreign_delegation *f) noexcept { // this node is the leaf
        foreign = f;
        root->bits |= foreign_bit;
    }
    void leave_foreign() noexcept { // root: its leaf's foreign delegation is over
        leaf->foreign = nullptr;
        bits = static_cast<unsigned char>(bits & ~foreign_bit);
    }
    // Makes l (a node of this root's chain) its innermost generator.
    void set_leaf(node *l) noexcept {
        leaf = l;
        resume_point = l->handle;
        bits = static_cast<unsigned char>(l->foreign ? bits | foreign_bit : bits & ~foreign_bit);
    }

    // At final suspension: CLOSED, and if a generator was delegating to this one, control goes back to it
    // (its delegation awaiter collects the return value or the error from this promise).
    void finish() noexcept {
        if (node *p = parent) {
            node *r = root;
            unlink(p);
            bits = own_closed;
            r->set_leaf(p);
            r->hand_over(p->handle);
        } else {
            set_own(own_closed);
        }
    }

    // An async generator's co_yield: its value goes to whoever awaits the asend, one level up, while its
    // awaits go to the chain's root. Linked under a consumer, control returns to the consumer and the
    // generator becomes a root again, SUSPENDED at the yield; driven by hand (a root), value_bit tells
    // the awaitable that this run ended with a value. O(1) either way.
    void yield_out() noexcept {
        if (node *p = parent) {
            node *r = root;
            unlink(p);
            r->set_leaf(p);
            r->hand_over(p->handle);
        } else {
            bits |= value_bit;
        }
    }

    // This (a SUSPENDED delegator, the leaf of its chain) starts delegating to c, a root: c's chain joins
    // this one, and its first step is next() (Y2).
    void link(node &c) noexcept {
        node *r = root;
        child = &c;
        c.parent = this;
        c.bits = static_cast<unsigned char>((c.bits & ~own_mask & ~foreign_bit & ~transfer_bit & ~value_bit) | delegated_bit);
        r->set_leaf(c.adopt_subtree(r));
        r->sent = nullptr;
        r->hand_over(r->resume_point);
    }

    // Cuts this node (with what it delegates to) out of its parent's chain; it becomes a root again.
    void detach() noexcept {
        node *p = parent;
        node *r = root;
        unlink(p);
        set_leaf(adopt_subtree(this));
        r->set_leaf(p);
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

    // Values sent to a root reach whichever generator of its chain is the leaf, through generators that
    // read none (S = void). So when c's chain joins this one, every generator of it that reads a value
    // must read the root's send type; returns the first that does not (null: none). O(c's chain), like
    // the adoption that follows.
    [[nodiscard]] const node *send_type_mismatch(const node &c) const noexcept {
        const std::type_info *sent_type = root->info->send_type;
        if (!sent_type) return nullptr; // the root sends only None
        for (const node *x = &c; x; x = x->child)
            if (x->info->send_type && *x->info->send_type != *sent_type) return x;
        return nullptr;
    }

    // The hot path (ready() held): resumes the leaf; true if it came back from a plain yield, false if
    // anything else happened (end_resumption then finishes the call).
    TWOWAY_HOT_INLINE bool resume_ready(void *value) noexcept {
        sent = value;
        bits = running_bit;
        resume_point.resume();
        if (bits == running_bit) [[likely]] {
            bits = own_suspended;
            return true;
        }
        return false;
    }

    // ---- driving -----------------------------------------------------------------------------------------
    // The trampoline (root, running): performs the control transfers the chain asked for, stepping a
    // foreign delegation in place, until the chain yields or the root finishes.
    // A foreign delegation that has just begun already holds its first value: it is stepped only when a
    // transfer is due.
    void settle() noexcept {
        while (bits & transfer_bit) {
            bits = static_cast<unsigned char>(bits & ~transfer_bit);
            if (bits & foreign_bit) {
                if (leaf->foreign->step(*this)) return;
                leave_foreign(); // the delegator resumes to receive the result or the error
            }
            resume_point.resume();
        }
    }

    // Resumes this root's chain with what is in the channel, however it stands; says how it ended.
    outcome run() noexcept {
        begin_call();
        bits |= transfer_bit; // resume the leaf (or step its foreign delegation)
        return end_resumption();
    }

    // Finishes a call: after run()'s first transfer, or a resumption of the fast path that did not come back
    // with a plain yield.
    TWOWAY_NOINLINE outcome end_resumption() noexcept {
        settle();
        end_call();
        return result();
    }

    // How the last resumption ended (after end_call).
    [[nodiscard]] outcome result() const noexcept {
        if (!closed()) return outcome::yielded;
        return error ? outcome::raised : outcome::returned;
    }

    // ---- closing -------------------------------------------------------------------------------------------
    // Closes everything this root delegates to, innermost first (Y11, Y14): each subgenerator is closed as
    // a generator of its own, its return value discarded, and an error it raises is raised in its
    // delegator instead of GeneratorExit. Returns what must be raised in this generator: null for a
    // GeneratorExit, or a subgenerator's (or subiterator's) close error.
    std::exception_ptr close_delegations() noexcept {
        begin_call();
        node *x = leaf;
        std::exception_ptr pending;
        if (x->foreign) {
            pending = x->foreign->close();
            leave_foreign();
        }
        while (x != this) {
            node *p = x->parent;
            x->detach();
            const bool fresh_exit = !pending;
            std::exception_ptr raised = fresh_exit ? std::make_exception_ptr(generator_exit()) : std::move(pending);
            x->raise_in_leaf(raised);
            pending = close_outcome(*x, fresh_exit ? raised : nullptr);
            x = p;
        }
        end_call();
        return pending;
    }

    // Closes the chain under this root, then raises `exit` in this generator (or a subgenerator's close
    // error instead). Leaves this root finished or suspended for the typed caller to interpret; returns
    // what was raised in it.
    std::exception_ptr close_chain(std::exception_ptr exit) noexcept {
        std::exception_ptr pending = close_delegations();
        std::exception_ptr raised = pending ? std::move(pending) : std::move(exit);
        raise_in_leaf(raised);
        return raised;
    }

    // The exception a resumed generator must raise now (its channel then reads None).
    std::exception_ptr take_pending_raise() noexcept {
        sent = nullptr;
        return inject.take();
    }

    // Raises e at this root's leaf suspension point and runs the chain.
    outcome raise_in_leaf(std::exception_ptr e) noexcept {
        inject = std::move(e);
        sent = raise_pending;
        return run();
    }

    // What closing node x raises in its delegator: nothing if GeneratorExit came out or it returned,
    // RuntimeError if it yielded (it stays suspended), otherwise its own error. `exit` is the GeneratorExit
    // that was thrown into x, if it was one: when that very object comes back, no rethrow is needed to
    // classify it (a C++ throw is the dominant cost of closing).
    static std::exception_ptr close_outcome(node &x, const std::exception_ptr &exit) noexcept {
        if (x.info->close_outcome) return x.info->close_outcome(x, exit);
        if (!x.closed())
            return std::make_exception_ptr(
                runtime_error(x.info->coroutine ? messages::coroutine_ignored_exit : messages::ignored_exit));
        if (!x.error) return nullptr;
        if (exit && x.error == exit) {
            x.error = nullptr;
            return nullptr;
        }
        try {
            raise_from_frame(x.error.take(), x.info->coroutine);
        } catch (const generator_exit &) {
            return nullptr;
        } catch (...) {
            return std::current_exception();
        }
    }

private:
    void set_own(unsigned char s) noexcept { bits = static_cast<unsigned char>((bits & ~own_mask) | s); }
    void unlink(node *p) noexcept {
        p->child = nullptr;
        parent = nullptr;
        root = this;
        bits = static_cast<unsigned char>(bits & ~delegated_bit);
    }
};

} // namespace twoway::detail
