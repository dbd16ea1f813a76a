// twoway/exception_group.hpp — PEP 654: ExceptionGroup, BaseExceptionGroup, split/subgroup and except*.
//
//   try { ... }                                                  // try: ...
//   catch (...) {
//       twoway::except_star(std::current_exception())
//           .on<twoway::value_error>([&](const twoway::base_exception_group &eg) { ... })   // except* ValueError as eg:
//           .on<key_error, twoway::type_error>([] {})            // except* (KeyError, TypeError): pass
//           .rethrow_rest();                                     // what PEP 654 says propagates, if anything
//   }
//
// "An Exception" is what derives from std::exception (the library's rule: Python's Exception is
// std::exception, a BaseException such as cancelled_error is not), so an exception_group is a
// std::exception and a base_exception_group is not. "Matches E" is "catchable as const E &", which, as
// isinstance, includes subclasses. A group's members and split()'s parts are std::exception_ptr: only
// the pointer carries the identity that split and except* keep (a whole match returns the same pointer,
// and the leaves of every part are the original objects).
//
// Python's __cause__/__context__ is the object's one std::nested_exception link (docs/differences.md).
// split() copies it to both parts, as CPython copies __cause__ and __context__: a part made by the
// library's own derive() gets the same nested exception (the same object). A part returned by a
// subclass's own derive() is kept as it is, without the link: the library cannot add a base class to
// an object of a type it does not know. There are no tracebacks and no __notes__ to copy.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "twoway/exceptions.hpp"
#include "twoway/unraisable.hpp"

namespace twoway {

// CPython's texts (Objects/exceptions.c, Python/ceval.c).
namespace messages {
inline constexpr const char *empty_exception_group = "second argument (exceptions) must be a non-empty sequence";
inline constexpr const char *nested_base_exception = "Cannot nest BaseExceptions in an ExceptionGroup";
inline constexpr const char *derive_not_a_group = "derive must return an instance of BaseExceptionGroup";
} // namespace messages

class base_exception_group;

// BaseExceptionGroup.__new__: an exception_group when every item is a std::exception (an Exception),
// else a base_exception_group.
inline std::exception_ptr make_exception_group(std::string message, std::vector<std::exception_ptr> exceptions);

namespace detail {

// Selects the constructor that prints its exceptions as a tuple, as the group does that ceval wraps a
// naked exception in (ExceptionGroup('', (exc,))); every other group is built from a list.
struct tuple_form_t {
    explicit tuple_form_t() = default;
};
inline constexpr tuple_form_t tuple_form{};

inline bool is_std_exception(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception &) {
        return true;
    } catch (...) {
        return false;
    }
}

// Python's repr() of a str: single quotes unless the text has a ' and no ", backslash escapes.
inline std::string python_string_repr(const std::string &s) {
    const bool double_quoted = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char quote = double_quoted ? '"' : '\'';
    std::string out(1, quote);
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == quote || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (ch == '\n') {
            out += "\\n";
        } else if (ch == '\r') {
            out += "\\r";
        } else if (ch == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(c));
            out += hex;
        } else {
            out += ch; // UTF-8 bytes of printable characters, which Python shows as they are
        }
    }
    out += quote;
    return out;
}

} // namespace detail

// Python: BaseExceptionGroup. Not a std::exception (like cancelled_error), so catch (const std::exception &)
// does not catch a group that holds a BaseException. The constructor always builds a BaseExceptionGroup,
// as a Python subclass of BaseExceptionGroup does; make_exception_group() is the call BaseExceptionGroup(...),
// which picks ExceptionGroup when it can.
class base_exception_group : public python_named {
public:
    base_exception_group(std::string message, std::vector<std::exception_ptr> exceptions)
        : base_exception_group(std::move(message), std::move(exceptions), false) {}
    base_exception_group(detail::tuple_form_t, std::string message, std::vector<std::exception_ptr> exceptions)
        : base_exception_group(std::move(message), std::move(exceptions), true) {}

    [[nodiscard]] const std::string &message() const noexcept { return message_; }
    // Python's eg.exceptions (a tuple): the members themselves, never copies.
    [[nodiscard]] const std::vector<std::exception_ptr> &exceptions() const noexcept { return exceptions_; }
    // str(eg): "msg (1 sub-exception)", "msg (3 sub-exceptions)".
    [[nodiscard]] virtual const char *what() const noexcept { return text_.c_str(); }

    // A group like this one holding excs: what split(), subgroup() and except* build their parts with.
    // Python's default is BaseExceptionGroup(self.message, excs), which re-chooses the class, so a subclass
    // that does not override derive() splits into plain groups.
    [[nodiscard]] virtual std::exception_ptr derive(std::vector<std::exception_ptr> excs) const {
        return make_exception_group(message_, std::move(excs));
    }

    [[nodiscard]] const char *python_type() const noexcept override { return "BaseExceptionGroup"; }
    [[nodiscard]] std::string python_str() const override { return text_; }
    // repr(eg): "ExceptionGroup('msg', [ValueError('a'), ExceptionGroup('inner', [KeyError('k')])])".
    [[nodiscard]] std::string python_repr() const override {
        std::string out = python_type();
        out += '(';
        out += detail::python_string_repr(message_);
        out += ", ";
        out += tuple_form_ ? '(' : '[';
        for (std::size_t i = 0; i < exceptions_.size(); ++i) {
            if (i) out += ", ";
            out += exception_repr(exceptions_[i]);
        }
        if (tuple_form_ && exceptions_.size() == 1) out += ',';
        out += tuple_form_ ? ')' : ']';
        out += ')';
        return out;
    }

private:
    base_exception_group(std::string message, std::vector<std::exception_ptr> exceptions, bool tuple_form)
        : message_(std::move(message)), exceptions_(std::move(exceptions)), tuple_form_(tuple_form) {
        if (exceptions_.empty()) throw value_error(messages::empty_exception_group);
        for (std::size_t i = 0; i < exceptions_.size(); ++i)
            if (!exceptions_[i])
                throw value_error("Item " + std::to_string(i) + " of second argument (exceptions) is not an exception");
        text_ = message_ + " (" + std::to_string(exceptions_.size()) + " sub-exception" +
                (exceptions_.size() > 1 ? "s)" : ")");
    }

    std::string message_;
    std::vector<std::exception_ptr> exceptions_;
    std::string text_; // str(eg), kept for what()
    bool tuple_form_;
};

// Python: ExceptionGroup(BaseExceptionGroup, Exception). catch (const std::exception &) catches it.
class exception_group : public base_exception_group, public std::exception {
public:
    exception_group(std::string message, std::vector<std::exception_ptr> exceptions)
        : base_exception_group(std::move(message), std::move(exceptions)) {
        check_members();
    }
    exception_group(detail::tuple_form_t tuple, std::string message, std::vector<std::exception_ptr> exceptions)
        : base_exception_group(tuple, std::move(message), std::move(exceptions)) {
        check_members();
    }

    [[nodiscard]] const char *what() const noexcept override { return base_exception_group::what(); }
    [[nodiscard]] const char *python_type() const noexcept override { return "ExceptionGroup"; }

private:
    // After the base's checks, as CPython checks every item before it looks for a BaseException.
    void check_members() const {
        for (const std::exception_ptr &e : exceptions())
            if (!detail::is_std_exception(e)) throw type_error(messages::nested_base_exception);
    }
};

namespace detail {

inline std::exception_ptr new_exception_group(std::string message, std::vector<std::exception_ptr> exceptions,
                                              bool tuple_form) {
    if (exceptions.empty()) throw value_error(messages::empty_exception_group);
    const bool all_exceptions = std::all_of(exceptions.begin(), exceptions.end(), [](const std::exception_ptr &e) {
        return !e || is_std_exception(e); // a null item is reported by the constructor
    });
    if (all_exceptions) {
        if (tuple_form)
            return std::make_exception_ptr(exception_group(tuple_form_t{}, std::move(message), std::move(exceptions)));
        return std::make_exception_ptr(exception_group(std::move(message), std::move(exceptions)));
    }
    if (tuple_form)
        return std::make_exception_ptr(base_exception_group(tuple_form_t{}, std::move(message), std::move(exceptions)));
    return std::make_exception_ptr(base_exception_group(std::move(message), std::move(exceptions)));
}

} // namespace detail

inline std::exception_ptr make_exception_group(std::string message, std::vector<std::exception_ptr> exceptions) {
    return detail::new_exception_group(std::move(message), std::move(exceptions), false);
}

// raise BaseExceptionGroup(message, exceptions).
[[noreturn]] inline void raise_exception_group(std::string message, std::vector<std::exception_ptr> exceptions) {
    std::rethrow_exception(make_exception_group(std::move(message), std::move(exceptions)));
}

// eg.split(condition): (match, rest), a null pointer for None.
struct split_result {
    std::exception_ptr match;
    std::exception_ptr rest;
};

namespace detail {

inline bool is_exception_group(const std::exception_ptr &e) {
    if (!e) return false;
    try {
        std::rethrow_exception(e);
    } catch (const base_exception_group &) {
        return true;
    } catch (...) {
        return false;
    }
}

template <class E>
bool catches(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const E &) {
        return true;
    } catch (...) {
        return false;
    }
}

// Python's isinstance(e, (E...)).
template <class... E>
bool matches_any(const std::exception_ptr &e) {
    return (catches<E>(e) || ...);
}

// A copy of `group` (one of the library's two classes) whose std::nested_exception is `link`.
template <class Group>
std::exception_ptr linked_copy(const Group &group, const std::exception_ptr &link) {
    try {
        std::rethrow_exception(link);
    } catch (...) {
        try {
            std::throw_with_nested(Group(group)); // the nested_exception captures `link`, being handled
        } catch (...) {
            return std::current_exception();
        }
    }
}

// The part given `link`, CPython's copy of __cause__/__context__, when the part is the library's own
// group class; a subclass's derive() result is kept as it is (see the top of this file).
inline std::exception_ptr with_link(const std::exception_ptr &part, const std::exception_ptr &link) {
    try {
        std::rethrow_exception(part);
    } catch (const base_exception_group &group) {
        if (dynamic_cast<const std::nested_exception *>(&group)) return part;
        if (typeid(group) == typeid(exception_group))
            return linked_copy(static_cast<const exception_group &>(group), link);
        if (typeid(group) == typeid(base_exception_group)) return linked_copy(group, link);
    }
    return part;
}

// CPython's exceptiongroup_subset: the group's derive() of the kept members, with the group's link; null
// (None) when nothing is kept.
inline std::exception_ptr derive_part(const base_exception_group &group, std::vector<std::exception_ptr> kept) {
    if (kept.empty()) return nullptr;
    std::exception_ptr part = group.derive(std::move(kept));
    if (!is_exception_group(part)) throw type_error(messages::derive_not_a_group);
    if (const auto *link = dynamic_cast<const std::nested_exception *>(&group); link && link->nested_ptr())
        part = with_link(part, link->nested_ptr());
    return part;
}

// CPython's exceptiongroup_split_recursive. The condition is asked about e before its members (pre-order);
// a match is e itself; a group that matches only in part is re-derived, even when every leaf matches.
template <class Match>
split_result split_recursive(const std::exception_ptr &e, Match &match, bool construct_rest) {
    if (match(e)) return {e, nullptr};
    try {
        std::rethrow_exception(e);
    } catch (const base_exception_group &group) {
        std::vector<std::exception_ptr> matched, rest;
        for (const std::exception_ptr &member : group.exceptions()) {
            split_result r = split_recursive(member, match, construct_rest);
            if (r.match) matched.push_back(std::move(r.match));
            if (r.rest) rest.push_back(std::move(r.rest));
        }
        split_result out;
        out.match = derive_part(group, std::move(matched));
        if (construct_rest) out.rest = derive_part(group, std::move(rest));
        return out;
    } catch (...) {
    }
    return {nullptr, construct_rest ? e : nullptr}; // a leaf that does not match
}

// split() and subgroup() are methods of groups: Python's AttributeError for anything else.
inline void require_group(const std::exception_ptr &e, const char *method) {
    if (is_exception_group(e)) return;
    const std::string type = e ? describe_exception(e).type : std::string("NoneType");
    throw attribute_error("'" + type + "' object has no attribute '" + method + "'");
}

} // namespace detail

// eg.split(E) / eg.split((E1, E2)): the members that are catchable as one of E..., and the others.
template <class... E>
split_result split(const std::exception_ptr &eg) {
    static_assert(sizeof...(E) > 0, "split<E...>() needs at least one exception type");
    detail::require_group(eg, "split");
    auto match = [](const std::exception_ptr &e) { return detail::matches_any<E...>(e); };
    return detail::split_recursive(eg, match, true);
}

// eg.split(predicate): the predicate is asked about the group, then each member, recursively (pre-order).
template <class Predicate>
    requires std::predicate<Predicate &, const std::exception_ptr &>
split_result split(const std::exception_ptr &eg, Predicate predicate) {
    detail::require_group(eg, "split");
    auto match = [&predicate](const std::exception_ptr &e) { return static_cast<bool>(std::invoke(predicate, e)); };
    return detail::split_recursive(eg, match, true);
}

// eg.subgroup(condition): split()'s match, without building the rest.
template <class... E>
std::exception_ptr subgroup(const std::exception_ptr &eg) {
    static_assert(sizeof...(E) > 0, "subgroup<E...>() needs at least one exception type");
    detail::require_group(eg, "subgroup");
    auto match = [](const std::exception_ptr &e) { return detail::matches_any<E...>(e); };
    return detail::split_recursive(eg, match, false).match;
}

template <class Predicate>
    requires std::predicate<Predicate &, const std::exception_ptr &>
std::exception_ptr subgroup(const std::exception_ptr &eg, Predicate predicate) {
    detail::require_group(eg, "subgroup");
    auto match = [&predicate](const std::exception_ptr &e) { return static_cast<bool>(std::invoke(predicate, e)); };
    return detail::split_recursive(eg, match, false).match;
}

// Python's try/except* statement, clause by clause, as ceval runs it:
//   - a clause sees what the earlier clauses left (None once everything matched); an exception that
//     matches as a whole is bound as itself when it is a group, and wrapped in ExceptionGroup('', (exc,))
//     (a BaseExceptionGroup for a BaseException) when it is naked; a group that matches in part is split;
//   - the handler runs inside a catch of what it is bound to, so a bare `throw;` re-raises it (Python's
//     bare `raise`) and std::throw_with_nested nests it (Python's implicit __context__);
//   - whatever the handler throws is collected, and the next clause runs;
//   - outcome() is _PyExc_PrepReraiseStar: what propagates, null when the statement completes.
// Handlers are plain callables taking the bound group (const base_exception_group &), its pointer
// (const std::exception_ptr &) or nothing; nothing awaits inside them (no co_await in a catch block).
// A re-raise is recognised by identity, where CPython compares the traceback, context, cause and notes
// with the original's: rethrowing the bound pointer is therefore a re-raise here, while Python's
// `raise eg` (which extends eg's traceback) is a new raise; its twoway spelling is throwing a copy,
// `throw twoway::exception_group(eg.message(), eg.exceptions());`.
// Nothing propagates until rethrow_rest(): a statement without it swallows the rest.
class except_star {
public:
    explicit except_star(std::exception_ptr raised) : raised_(raised), unhandled_(std::move(raised)) {}

    // except* (E...): handler.
    template <class... E, class Handler>
    except_star &on(Handler &&handler) {
        static_assert(sizeof...(E) > 0, "except_star::on<E...>() needs at least one exception type");
        static_assert((!std::is_base_of_v<base_exception_group, std::remove_cvref_t<E>> && ...),
                      "catching ExceptionGroup with except* is not allowed. Use except instead.");
        static_assert(std::is_invocable_v<Handler &, const base_exception_group &> ||
                          std::is_invocable_v<Handler &, const std::exception_ptr &> || std::is_invocable_v<Handler &>,
                      "an except* handler takes (const twoway::base_exception_group &), (const std::exception_ptr &) "
                      "or nothing");
        const std::exception_ptr bound = match_clause<E...>();
        if (!bound) return *this;
        try {
            try {
                std::rethrow_exception(bound);
            } catch (const base_exception_group &group) {
                if constexpr (std::is_invocable_v<Handler &, const base_exception_group &>)
                    std::invoke(handler, group);
                else if constexpr (std::is_invocable_v<Handler &, const std::exception_ptr &>)
                    std::invoke(handler, bound);
                else
                    std::invoke(handler);
            }
        } catch (...) {
            // Rethrowing the bound group (throw;, or its exception_ptr) re-raises it; anything else is new.
            std::exception_ptr thrown = std::current_exception();
            const bool reraise = thrown == bound;
            from_handlers_.push_back({std::move(thrown), reraise});
        }
        return *this;
    }

    // _PyExc_PrepReraiseStar(orig, [raised in the handlers..., rest]). For a naked original only one
    // clause can have matched: what its handler threw, else the original when nothing matched, else null.
    // For a group: the re-raised leaves (the rest and the re-raised matches) projected out of the original
    // as a derived copy, never the original itself; new exceptions come first, and several things make
    // ExceptionGroup('', [new..., projection]).
    [[nodiscard]] std::exception_ptr outcome() const {
        if (!detail::is_exception_group(raised_)) {
            if (!from_handlers_.empty()) return from_handlers_.front().exception;
            return unhandled_;
        }
        std::vector<std::exception_ptr> raised, reraised;
        for (const thrown_by_handler &t : from_handlers_) (t.reraise ? reraised : raised).push_back(t.exception);
        if (unhandled_) reraised.push_back(unhandled_); // the rest carries the original's metadata
        std::exception_ptr projection = project(reraised);
        if (raised.empty()) return projection;
        if (projection) raised.push_back(std::move(projection));
        if (raised.size() > 1) return make_exception_group("", std::move(raised));
        return raised.front();
    }

    // The end of the statement: raises outcome(), or returns when nothing propagates.
    void rethrow_rest() const {
        if (std::exception_ptr e = outcome()) std::rethrow_exception(e);
    }

private:
    struct thrown_by_handler {
        std::exception_ptr exception;
        bool reraise;
    };

    // CPython's _PyEval_ExceptionGroupMatch: the clause's match (null: the clause does not run), and what
    // the next clause sees.
    template <class... E>
    std::exception_ptr match_clause() {
        if (!unhandled_) return nullptr;
        const bool is_group = detail::is_exception_group(unhandled_);
        if (detail::matches_any<E...>(unhandled_)) {
            std::exception_ptr whole = std::exchange(unhandled_, nullptr);
            if (is_group) return whole;
            return detail::new_exception_group("", {std::move(whole)}, true);
        }
        if (!is_group) return nullptr;
        split_result parts = split<E...>(unhandled_);
        unhandled_ = std::move(parts.rest);
        return std::move(parts.match);
    }

    // CPython's exception_group_projection: the original with only the leaves of `keep` (by identity).
    std::exception_ptr project(const std::vector<std::exception_ptr> &keep) const {
        std::vector<std::exception_ptr> leaves;
        for (const std::exception_ptr &e : keep) collect_leaves(e, leaves);
        auto is_kept_leaf = [&leaves](const std::exception_ptr &e) {
            return std::find(leaves.begin(), leaves.end(), e) != leaves.end();
        };
        return detail::split_recursive(raised_, is_kept_leaf, false).match;
    }

    static void collect_leaves(const std::exception_ptr &e, std::vector<std::exception_ptr> &leaves) {
        try {
            std::rethrow_exception(e);
        } catch (const base_exception_group &group) {
            for (const std::exception_ptr &member : group.exceptions()) collect_leaves(member, leaves);
            return;
        } catch (...) {
        }
        leaves.push_back(e);
    }

    std::exception_ptr raised_;    // what the try block raised (CPython's orig)
    std::exception_ptr unhandled_; // what the next clause sees: the rest so far
    std::vector<thrown_by_handler> from_handlers_;
};

} // namespace twoway
