// twoway/detail/hook_slot.hpp — a process-wide hook (the unraisable hook, the warning hook, the asyncio
// log hook): set from any thread, read by whoever reports.
#pragma once

#include <mutex>
#include <new>
#include <utility>

namespace twoway::detail {

template <class Hook>
class hook_slot {
public:
    // Never destroyed: a generator or coroutine that is a static or a thread_local can be destroyed, and
    // report, after any static destructor has run, including that of a slot made on first use after it.
    static hook_slot &global() {
        alignas(hook_slot) static unsigned char storage[sizeof(hook_slot)];
        static hook_slot *const s = new (storage) hook_slot;
        return *s;
    }
    // Installs a hook (an empty one restores the default); returns the previous one.
    Hook exchange(Hook h) {
        std::lock_guard lock(mutex_);
        return std::exchange(hook_, std::move(h));
    }
    // A copy, so that the hook runs without the lock held (it may install another hook).
    Hook get() {
        std::lock_guard lock(mutex_);
        return hook_;
    }

private:
    std::mutex mutex_;
    Hook hook_;
};

} // namespace twoway::detail
