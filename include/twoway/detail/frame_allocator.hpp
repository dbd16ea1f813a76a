// twoway/detail/frame_allocator.hpp — recycles generator frames through per-thread free lists.
//
// Creating a generator costs one frame allocation; most programs create many generators of the same few
// sizes. Freed frames go to a small free list of the freeing thread, per 64-byte size class, and the next
// frame of that class is taken from it without calling operator new. A frame freed on another thread than
// it was made on simply joins that thread's list. Off under AddressSanitizer (it must see every
// use-after-free) and when TWOWAY_NO_FRAME_RECYCLING is defined.
#pragma once

#include <cstddef>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define TWOWAY_FRAME_RECYCLING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TWOWAY_FRAME_RECYCLING 0
#endif
#endif
#if !defined(TWOWAY_FRAME_RECYCLING)
#if defined(TWOWAY_NO_FRAME_RECYCLING)
#define TWOWAY_FRAME_RECYCLING 0
#else
#define TWOWAY_FRAME_RECYCLING 1
#endif
#endif

namespace twoway::detail {

#if TWOWAY_FRAME_RECYCLING

// Trivially destructible, so that reaching it is a plain thread-local access; the lists are emptied at
// thread exit by a guard that is created the first time the thread keeps a frame.
struct frame_lists {
    static constexpr std::size_t granule = 64;
    static constexpr std::size_t classes = 16; // frames up to 1 KiB are recycled
    static constexpr unsigned kept_per_class = 32;

    struct block {
        block *next;
    };
    block *heads[classes];
    unsigned counts[classes];
    bool guarded;

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

inline thread_local frame_lists this_thread_frames{};

struct frame_lists_guard {
    ~frame_lists_guard() { this_thread_frames.release_all(); }
};

inline void *allocate_frame(std::size_t n) {
    frame_lists &f = this_thread_frames;
    const std::size_t c = frame_lists::class_of(n);
    if (c < frame_lists::classes) {
        if (frame_lists::block *b = f.heads[c]) {
            f.heads[c] = b->next;
            --f.counts[c];
            return b;
        }
        return ::operator new((c + 1) * frame_lists::granule); // the whole class, so any frame of it fits
    }
    return ::operator new(n);
}

inline void deallocate_frame(void *p, std::size_t n) noexcept {
    frame_lists &f = this_thread_frames;
    const std::size_t c = frame_lists::class_of(n);
    if (c < frame_lists::classes && f.counts[c] < frame_lists::kept_per_class) {
        if (!f.guarded) [[unlikely]] {
            thread_local frame_lists_guard guard;
            (void)guard;
            f.guarded = true;
        }
        f.heads[c] = new (p) frame_lists::block{f.heads[c]};
        ++f.counts[c];
        return;
    }
    ::operator delete(p);
}

#else

inline void *allocate_frame(std::size_t n) { return ::operator new(n); }
inline void deallocate_frame(void *p, std::size_t n) noexcept { ::operator delete(p, n); }

#endif

} // namespace twoway::detail
