// twoway/closing.hpp — contextlib.closing for generators: close() the generator when the block ends.
//
//   twoway::with(twoway::closing(gen), [](auto &g) { for (auto &x : g) if (done(x)) break; });
//
// Python's closing(thing) returns thing from __enter__ and calls thing.close() from __exit__, whatever
// happened in the block; close()'s own errors propagate. The same object is also a scope guard: if it
// is destroyed before exit() ran (no with()), its destructor closes the generator and, since a
// destructor must not throw, reports close()'s errors to the unraisable hook.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "twoway/generator.hpp"
#include "twoway/unraisable.hpp"

namespace twoway {

template <class G>
class closing {
    static_assert(detail::is_generator<std::remove_cvref_t<G>>::value, "twoway::closing closes a twoway::generator");

public:
    using generator_type = std::remove_cvref_t<G>;

    explicit closing(G &&g) : gen_(std::forward<G>(g)) {}
    closing(const closing &) = delete;
    closing &operator=(const closing &) = delete;
    ~closing() {
        if (done_) return;
        try {
            (void)gen_.close();
        } catch (...) {
            report_unraisable({std::current_exception(), "Exception ignored in: <twoway::closing>", gen_.address()});
        }
    }

    generator_type &enter() noexcept { return gen_; }
    // Closes the generator; never suppresses the block's exception.
    bool exit(std::exception_ptr = nullptr) {
        done_ = true;
        (void)gen_.close();
        return false;
    }

    generator_type &get() noexcept { return gen_; }

private:
    G gen_; // a generator (owned) or a generator& (borrowed)
    bool done_ = false;
};

template <class G>
closing(G &&) -> closing<G>;

} // namespace twoway
