// twoway/detail/small_object_pool.hpp — recycles the asyncio layer's small objects (futures, tasks,
// handles, the one-callback vectors of awaited futures) through per-thread free lists.
//
// A future is made and dropped for every await of a fresh future, and a task for every create_task; a
// freed block goes to the freeing thread's list of its 16-byte size class, and the next object of that
// class takes it without calling operator new. The same scheme as the frame allocator
// (detail/frame_allocator.hpp), with its switches: off under AddressSanitizer and with
// TWOWAY_NO_FRAME_RECYCLING.
#pragma once

#include <cstddef>
#include <new>

#include "twoway/detail/frame_allocator.hpp"

namespace twoway::detail {

#if TWOWAY_FRAME_RECYCLING

struct small_object_lists {
    static constexpr std::size_t granule = 16;
    static constexpr std::size_t classes = 16; // blocks up to 256 bytes are recycled
    static constexpr unsigned kept_per_class = 64;
    enum guard_state : unsigned char { unguarded, guarded, finished };
    struct block {
        block *next;
    };
    block *heads[classes];
    unsigned counts[classes];
    guard_state guard;

    static constexpr std::size_t class_of(std::size_t n) noexcept { return (n + granule - 1) / granule - 1; }
    void release_all() noexcept {
        for (std::size_t c = 0; c < classes; ++c) {
            while (block *b = heads[c]) {
                heads[c] = b->next;
                ::operator delete(b);
            }
            counts[c] = 0;
        }
    }
};

// Trivially destructible (a plain thread-local access); emptied at thread exit by a guard.
inline thread_local small_object_lists this_thread_small_objects{};

struct small_object_lists_guard {
    ~small_object_lists_guard() {
        this_thread_small_objects.release_all();
        this_thread_small_objects.guard = small_object_lists::finished;
    }
};

inline void *allocate_small(std::size_t n) {
    small_object_lists &l = this_thread_small_objects;
    const std::size_t c = small_object_lists::class_of(n ? n : 1);
    if (c < small_object_lists::classes) {
        if (small_object_lists::block *b = l.heads[c]) {
            l.heads[c] = b->next;
            --l.counts[c];
            return b;
        }
        return ::operator new((c + 1) * small_object_lists::granule); // the whole class
    }
    return ::operator new(n);
}

inline void deallocate_small(void *p, std::size_t n) noexcept {
    small_object_lists &l = this_thread_small_objects;
    const std::size_t c = small_object_lists::class_of(n ? n : 1);
    if (c < small_object_lists::classes && l.counts[c] < small_object_lists::kept_per_class) {
        if (l.guard != small_object_lists::guarded) [[unlikely]] {
            if (l.guard == small_object_lists::finished) {
                ::operator delete(p);
                return;
            }
            thread_local small_object_lists_guard guard;
            (void)guard;
            l.guard = small_object_lists::guarded;
        }
        l.heads[c] = new (p) small_object_lists::block{l.heads[c]};
        ++l.counts[c];
        return;
    }
    ::operator delete(p);
}

#else

inline void *allocate_small(std::size_t n) { return ::operator new(n); }
inline void deallocate_small(void *p, std::size_t) noexcept { ::operator delete(p); }

#endif

// A standard allocator over the pool (for the vectors of done callbacks).
template <class T>
struct small_object_allocator {
    using value_type = T;
    small_object_allocator() noexcept = default;
    template <class U>
    small_object_allocator(const small_object_allocator<U> &) noexcept {}
    T *allocate(std::size_t n) { return static_cast<T *>(allocate_small(n * sizeof(T))); }
    void deallocate(T *p, std::size_t n) noexcept { deallocate_small(p, n * sizeof(T)); }
    template <class U>
    friend bool operator==(const small_object_allocator &, const small_object_allocator<U> &) noexcept {
        return true;
    }
};

} // namespace twoway::detail
