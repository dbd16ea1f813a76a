// twoway/exception_chain.hpp — Python's exception chaining (__cause__, __context__) on the one
// std::nested_exception link that twoway gives an exception (docs/differences.md).
//
//   try { ... } catch (const twoway::cancelled_error &) {
//       twoway::raise_from(twoway::timeout_error(), std::current_exception());   // raise TimeoutError from exc
//   }
//   twoway::nested_of(e)   // e.__cause__ (or e.__context__): the linked object itself, or null
//
// A Python exception has two links; twoway has one, which is __cause__ when the exception was raised
// from something and __context__ when it was raised while something was handled (std::throw_with_nested
// in the handler). `raise X from None` is an exception without a link.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "twoway/exception_group.hpp"
#include "twoway/exceptions.hpp"

namespace twoway {

// e's link: the exception it was raised from, or while handling; null for None (no link, or no e).
inline std::exception_ptr nested_of(const std::exception_ptr &e) {
    if (!e) return nullptr;
    try {
        std::rethrow_exception(e);
    } catch (const std::nested_exception &link) {
        return link.nested_ptr();
    } catch (...) {
        return nullptr;
    }
}

// Python: raise exc from cause. The thrown object is exc's class with a std::nested_exception that holds
// `cause` itself (the same object); a null cause (`from None`) throws exc without a link.
template <class E>
[[noreturn]] void raise_from(E exc, const std::exception_ptr &cause) {
    static_assert(!std::is_same_v<E, std::exception_ptr>,
                  "raise_from takes the exception object: an exception_ptr's object cannot be given a link");
    static_assert(std::is_class_v<E> && !std::is_final_v<E>,
                  "raise_from needs a class that is not final: the link is a base class added to it");
    if (!cause) throw exc;
    try {
        std::rethrow_exception(cause);
    } catch (...) {
        if constexpr (std::is_base_of_v<std::nested_exception, E>) {
            // The class has its own link (captured when exc was made): point it at the cause.
            static_cast<std::nested_exception &>(exc) = std::nested_exception();
            throw exc;
        } else {
            std::throw_with_nested(std::move(exc));
        }
    }
}

namespace detail {

// raise_from's exception, as a pointer instead of thrown.
template <class E>
std::exception_ptr raised_from(E exc, const std::exception_ptr &cause) {
    try {
        raise_from(std::move(exc), cause);
    } catch (...) {
        return std::current_exception();
    }
}

// A std::nested_exception whose nested exception is e, to assign over an existing link.
inline std::nested_exception link_to(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (...) {
        return std::nested_exception();
    }
}

// CPython 3.13's asyncio.timeouts.Timeout._insert_timeout_error: follow the links from e; at the first
// object whose link is a CancelledError (or a subclass), link that object to a new TimeoutError raised from
// the CancelledError instead, so that the chain reads ... -> TimeoutError -> CancelledError. The link is
// rewritten in place: e and every object on its chain stay the same objects (rethrow_exception throws the
// stored object itself in libstdc++ and libc++, so the caught std::nested_exception & is the object the
// user catches). An exception without links, or a chain without a CancelledError, is left alone.
inline void insert_timeout_error(const std::exception_ptr &e) {
    std::exception_ptr current = e;
    while (current) {
        std::exception_ptr next;
        try {
            std::rethrow_exception(current);
        } catch (std::nested_exception &link) {
            next = link.nested_ptr();
            if (next) {
                try {
                    std::rethrow_exception(next);
                } catch (const cancelled_error &) {
                    link = link_to(raised_from(timeout_error(), next));
                    return;
                } catch (...) {
                }
            }
        } catch (...) {
        }
        current = next;
    }
}

// What Timeout.__aexit__ does with an expired timeout's non-cancellation exception: the splice on the
// exception, then, when it is an ExceptionGroup (not a BaseExceptionGroup), on each direct sub-exception.
inline void insert_timeout_error_and_into_members(const std::exception_ptr &e) {
    insert_timeout_error(e);
    try {
        std::rethrow_exception(e);
    } catch (const exception_group &group) {
        for (const std::exception_ptr &member : group.exceptions()) insert_timeout_error(member);
    } catch (...) {
    }
}

} // namespace detail

} // namespace twoway
