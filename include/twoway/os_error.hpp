// twoway/os_error.hpp — Python's OSError and its connection subclasses, as std::system_error.
//
//   try { co_await twoway::open_connection("127.0.0.1", port); }
//   catch (const twoway::connection_refused_error &e) { e.errno_value(); twoway::errorcode(e.errno_value()); }
//
// str() is Python's: "[Errno 111] Connect call failed ('127.0.0.1', 8)", or the bare message when the
// error has no errno ("Connection lost"). A catch of std::system_error (or of its code()) still works.
// Standard library only.
#pragma once

#include <cerrno>
#include <cstring>
#include <exception>
#include <string>
#include <system_error>
#include <utility>

#include "twoway/exceptions.hpp"

namespace twoway {

// Python: OSError(errno, strerror[, filename]) or OSError(message).
class os_error : public std::system_error, public python_named {
public:
    // OSError(errno, message): str() is "[Errno <errno>] <message>".
    os_error(int errno_value, std::string message)
        : std::system_error(errno_value, std::generic_category()), has_errno_(true), message_(std::move(message)),
          text_("[Errno " + std::to_string(errno_value) + "] " + message_) {}
    // OSError(message): no errno; str() is the message.
    explicit os_error(std::string message)
        : std::system_error(0, std::generic_category()), message_(std::move(message)), text_(message_) {}

    [[nodiscard]] const char *what() const noexcept override { return text_.c_str(); }
    // e.errno (0 when the error has none: Python's None).
    [[nodiscard]] int errno_value() const noexcept { return has_errno_ ? code().value() : 0; }
    [[nodiscard]] bool has_errno() const noexcept { return has_errno_; }
    // e.strerror: the message given with the errno.
    [[nodiscard]] const std::string &strerror() const noexcept { return message_; }
    [[nodiscard]] const char *python_type() const noexcept override { return "OSError"; }
    [[nodiscard]] std::string python_str() const override { return text_; }

private:
    bool has_errno_ = false;
    std::string message_;
    std::string text_;
};

// Python: ConnectionError and its subclasses (what OSError(errno, ...) becomes for these errnos).
class connection_error : public os_error {
public:
    using os_error::os_error;
    [[nodiscard]] const char *python_type() const noexcept override { return "ConnectionError"; }
};
class broken_pipe_error : public connection_error {
public:
    using connection_error::connection_error;
    [[nodiscard]] const char *python_type() const noexcept override { return "BrokenPipeError"; }
};
class connection_aborted_error : public connection_error {
public:
    using connection_error::connection_error;
    [[nodiscard]] const char *python_type() const noexcept override { return "ConnectionAbortedError"; }
};
class connection_refused_error : public connection_error {
public:
    using connection_error::connection_error;
    [[nodiscard]] const char *python_type() const noexcept override { return "ConnectionRefusedError"; }
};
class connection_reset_error : public connection_error {
public:
    using connection_error::connection_error;
    [[nodiscard]] const char *python_type() const noexcept override { return "ConnectionResetError"; }
};

// Python: socket.gaierror, getaddrinfo's failure: its errno is the EAI_* code ("[Errno -2] Name or service
// not known").
class gaierror : public os_error {
public:
    using os_error::os_error;
    [[nodiscard]] const char *python_type() const noexcept override { return "gaierror"; }
};

// Python: errno.errorcode[n], for the errnos sockets report; "" for others.
inline const char *errorcode(int n) noexcept {
    switch (n) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EPIPE: return "EPIPE";
    case EAGAIN: return "EAGAIN";
    case EINPROGRESS: return "EINPROGRESS";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETUNREACH: return "ENETUNREACH";
    case ECONNABORTED: return "ECONNABORTED";
    case ECONNRESET: return "ECONNRESET";
    case ENOTCONN: return "ENOTCONN";
    case ESHUTDOWN: return "ESHUTDOWN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return "";
    }
}

// Python's OSError(errno, message) constructor, which picks the subclass from the errno (PEP 3151).
inline std::exception_ptr make_os_error(int errno_value, std::string message) {
    switch (errno_value) {
    case EPIPE:
    case ESHUTDOWN: return std::make_exception_ptr(broken_pipe_error(errno_value, std::move(message)));
    case ECONNABORTED: return std::make_exception_ptr(connection_aborted_error(errno_value, std::move(message)));
    case ECONNREFUSED: return std::make_exception_ptr(connection_refused_error(errno_value, std::move(message)));
    case ECONNRESET: return std::make_exception_ptr(connection_reset_error(errno_value, std::move(message)));
    default: return std::make_exception_ptr(os_error(errno_value, std::move(message)));
    }
}

// An OSError from a failed system call: Python's message is strerror(errno).
inline std::exception_ptr make_os_error(const std::error_code &ec) {
    const int n = ec.category() == std::generic_category() || ec.category() == std::system_category() ? ec.value() : 0;
    if (n == 0) return std::make_exception_ptr(os_error(ec.message()));
    return make_os_error(n, std::strerror(n));
}

} // namespace twoway
