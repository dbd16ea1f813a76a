// twoway/detail/frame_allocator.hpp — recycles generator frames through per-thread free lists.
//
// Creating a generator costs one frame allocation; most programs create many generators of the same few
// sizes. Freed frames go to a small free list of the freeing thread, per 64-byte size class, and the next
// frame of that class is taken from it without calling operator new. A frame freed on another thread than
// it was made on simply joins that thread's list. Off under AddressSanitizer (it must see every
// use-after-free) and when TWOWAY_NO_FRAME_RECYCLING is defined.
//
// Every frame is aligned to frame_alignment: GCC and clang lay a frame out as if it were aligned for its
// most-aligned local (an alignas(64) or AVX local), but call the promise's operator new without an
// alignment. Only unsized forms of operator delete are used, so that nothing needs -fsized-deallocation
// (off by default in clang).
#pragma once

#include <cstddef>
#include <cstdint>
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

// Locals aligned beyond this are not supported (docs/differences.md).
inline constexpr std::size_t frame_alignment = 64;

#if TWOWAY_FRAME_RECYCLING

// A frame is obtained from operator new once and then recycled, so the aligned form's cost (glibc's
// memalign: 38 ns against 8.5 ns for a plain allocation, measured here) is paid rarely.
inline void *new_frame(std::size_t n) { return ::operator new(n, std::align_val_t{frame_alignment}); }
inline void delete_frame(void *p) noexcept { ::operator delete(p, std::align_val_t{frame_alignment}); }

// Trivially destructible, so that reaching it is a plain thread-local access; the lists are emptied at
// thread exit by a guard that is created the first time the thread keeps a frame.
struct frame_lists {
    static constexpr std::size_t granule = frame_alignment; // so that every class keeps the alignment
    static constexpr std::size_t classes = 16;              // frames up to 1 KiB are recycled
    static constexpr unsigned kept_per_class = 32;

    // finished: the guard has been destroyed (thread exit, or later thread_locals and statics being
    // destroyed): a frame kept now would never be freed, so frames are freed at once.
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
                delete_frame(b);
            }
            counts[c] = 0;
        }
    }
};

inline thread_local frame_lists this_thread_frames{};

struct frame_lists_guard {
    ~frame_lists_guard() {
        this_thread_frames.release_all();
        this_thread_frames.guard = frame_lists::finished;
    }
};

// No check of the guard here: once it is finished the lists stay empty, so allocation falls through to
// operator new by itself.
inline void *allocate_frame(std::size_t n) {
    frame_lists &f = this_thread_frames;
    const std::size_t c = frame_lists::class_of(n);
    if (c < frame_lists::classes) {
        if (frame_lists::block *b = f.heads[c]) {
            f.heads[c] = b->next;
            --f.counts[c];
            return b;
        }
        return new_frame((c + 1) * frame_lists::granule); // the whole class, so any frame of it fits
    }
    return new_frame(n);
}

inline void deallocate_frame(void *p, std::size_t n) noexcept {
    frame_lists &f = this_thread_frames;
    const std::size_t c = frame_lists::class_of(n);
    if (c < frame_lists::classes && f.counts[c] < frame_lists::kept_per_class) {
        if (f.guard != frame_lists::guarded) [[unlikely]] {
            if (f.guard == frame_lists::finished) {
                delete_frame(p);
                return;
            }
            thread_local frame_lists_guard guard;
            (void)guard;
            f.guard = frame_lists::guarded;
        }
        f.heads[c] = new (p) frame_lists::block{f.heads[c]};
        ++f.counts[c];
        return;
    }
    delete_frame(p);
}

#else

// Every frame comes from operator new: a plain allocation aligned by hand (its shift kept in the byte
// before the frame) costs 64 bytes more but a quarter of the time of the aligned form.
inline void *allocate_frame(std::size_t n) {
    auto *raw = static_cast<unsigned char *>(::operator new(n + frame_alignment));
    const std::size_t shift = frame_alignment - reinterpret_cast<std::uintptr_t>(raw) % frame_alignment; // 1..64
    unsigned char *frame = raw + shift;
    frame[-1] = static_cast<unsigned char>(shift);
    return frame;
}
inline void deallocate_frame(void *p, std::size_t) noexcept {
    auto *frame = static_cast<unsigned char *>(p);
    ::operator delete(frame - frame[-1]);
}

#endif

} // namespace twoway::detail
