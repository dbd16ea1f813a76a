// twoway/exceptions.hpp — the Python exceptions of the generator protocol, as C++ types.
//
// Python's hierarchy is BaseException > {GeneratorExit, Exception > {TypeError, ...}}.
// Here every "Exception" derives from std::exception, so catch (const std::exception&) plays
// Python's `except Exception:`. generator_exit deliberately does not (rule C9): only
// catch (const twoway::generator_exit&) or catch (...) sees a close().
// stop_iteration lives in twoway/stop_iteration.hpp because it carries a return value.
#pragma once

#include <stdexcept>
#include <string>

namespace twoway {

// Python: GeneratorExit. Raised at the suspension point by close(). Not a std::exception.
class generator_exit {
public:
    generator_exit() = default;
    explicit generator_exit(std::string message) : message_(std::move(message)) {}
    virtual ~generator_exit() = default;
    [[nodiscard]] virtual const char *what() const noexcept { return message_.c_str(); }

private:
    std::string message_;
};

// Python: TypeError (e.g. "can't send non-None value to a just-started generator").
class type_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
    type_error() : std::logic_error("") {} // Python's TypeError(): an empty message
};

// Reading the value of a twoway::maybe that is None. Python raises TypeError when None is used as
// a number or string, so this is a type_error.
class none_error : public type_error {
public:
    using type_error::type_error;
    none_error() = default;
};

// Python: ValueError (e.g. "generator already executing").
class value_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
    value_error() : std::logic_error("") {} // Python's ValueError(): an empty message
};

// Python: RuntimeError (e.g. "generator ignored GeneratorExit", "generator raised StopIteration").
class runtime_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    runtime_error() : std::runtime_error("") {} // Python's RuntimeError(): an empty message
};

// Python: AttributeError (e.g. a yield-from operand without send()).
class attribute_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
    attribute_error() : std::logic_error("") {} // Python's AttributeError(): an empty message
};

// Python: StopAsyncIteration. A sync generator lets it through unchanged (rule P6).
class stop_async_iteration : public std::exception {
public:
    stop_async_iteration() = default;
    explicit stop_async_iteration(std::string message) : message_(std::move(message)) {}
    [[nodiscard]] const char *what() const noexcept override { return message_.c_str(); }

private:
    std::string message_;
};

// Python: asyncio.CancelledError, a BaseException since 3.8: like generator_exit, not a std::exception,
// so catch (const std::exception&) does not swallow a cancellation. Its args are (message,) or ().
class cancelled_error {
public:
    cancelled_error() = default;
    explicit cancelled_error(std::string message) : message_(std::move(message)), has_message_(true) {}
    virtual ~cancelled_error() = default;
    [[nodiscard]] virtual const char *what() const noexcept { return message_.c_str(); }
    [[nodiscard]] bool has_message() const noexcept { return has_message_; }

private:
    std::string message_;
    bool has_message_ = false;
};

// Python: asyncio.InvalidStateError (e.g. "Result is not set.").
class invalid_state_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
    invalid_state_error() : std::logic_error("") {}
};

// Python: TimeoutError.
class timeout_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    timeout_error() : std::runtime_error("") {}
};

// What an exception type of the library outside the fixed list of format_exception() (unraisable.hpp)
// derives from to print under its Python name: str(e), and whether it has args (repr "Type()" if not).
// A mixin, so that it works for the BaseExceptions (not std::exception) as well as the Exceptions.
class python_named {
public:
    virtual ~python_named() = default;
    [[nodiscard]] virtual const char *python_type() const noexcept = 0;
    [[nodiscard]] virtual std::string python_str() const = 0;
    [[nodiscard]] virtual bool python_has_args() const noexcept { return true; }
    // repr(e) when it is not "Type('str')" (an exception group's); empty for the default.
    [[nodiscard]] virtual std::string python_repr() const { return {}; }
};

// Python: SystemExit(code), a BaseException: not a std::exception. str() is the code ("3"); a code of
// None (SystemExit()) prints as an empty message.
class system_exit : public python_named {
public:
    system_exit() = default;
    explicit system_exit(int code) : code_(std::to_string(code)), has_code_(true), numeric_(true) {}
    explicit system_exit(std::string message) : code_(std::move(message)), has_code_(true) {}
    [[nodiscard]] const char *what() const noexcept { return code_.c_str(); }
    [[nodiscard]] const char *python_type() const noexcept override { return "SystemExit"; }
    [[nodiscard]] std::string python_str() const override { return code_; }
    [[nodiscard]] bool python_has_args() const noexcept override { return has_code_; }
    [[nodiscard]] std::string python_repr() const override {
        if (!has_code_) return "SystemExit()";
        if (numeric_) return "SystemExit(" + code_ + ")";
        return {};
    }
    // The exit status asked for: the number, or 1 for a message (Python prints it and exits with 1).
    [[nodiscard]] int code() const noexcept { return numeric_ ? std::stoi(code_) : (has_code_ ? 1 : 0); }

private:
    std::string code_;
    bool has_code_ = false;
    bool numeric_ = false;
};

// Python: KeyboardInterrupt, a BaseException: not a std::exception.
class keyboard_interrupt : public python_named {
public:
    keyboard_interrupt() = default;
    explicit keyboard_interrupt(std::string message) : message_(std::move(message)), has_message_(true) {}
    [[nodiscard]] const char *what() const noexcept { return message_.c_str(); }
    [[nodiscard]] const char *python_type() const noexcept override { return "KeyboardInterrupt"; }
    [[nodiscard]] std::string python_str() const override { return message_; }
    [[nodiscard]] bool python_has_args() const noexcept override { return has_message_; }

private:
    std::string message_;
    bool has_message_ = false;
};

// CPython's messages, in one place so that tests and the library cannot drift apart.
namespace messages {
inline constexpr const char *just_started = "can't send non-None value to a just-started generator";
inline constexpr const char *already_executing = "generator already executing";
inline constexpr const char *ignored_exit = "generator ignored GeneratorExit";
inline constexpr const char *raised_stop_iteration = "generator raised StopIteration";
inline constexpr const char *coroutine_just_started = "can't send non-None value to a just-started coroutine";
inline constexpr const char *coroutine_already_executing = "coroutine already executing";
inline constexpr const char *coroutine_ignored_exit = "coroutine ignored GeneratorExit";
inline constexpr const char *coroutine_raised_stop_iteration = "coroutine raised StopIteration";
inline constexpr const char *coroutine_reused = "cannot reuse already awaited coroutine";
inline constexpr const char *coroutine_awaited_already = "coroutine is being awaited already";
inline constexpr const char *empty_coroutine = "coroutine object is empty (moved-from or default-constructed)";
inline constexpr const char *empty_generator = "generator object is empty (moved-from or default-constructed)";
} // namespace messages

} // namespace twoway
