// twoway/asyncio/stream_reader.hpp — asyncio.StreamReader (Lib/asyncio/streams.py, 3.13), with its errors.
//
//   std::string line = co_await reader.readline();           // b'...\n', the partial last line, then b''
//   std::string head = co_await reader.readexactly(4);        // incomplete_read_error at EOF
//   std::string rest = co_await reader.readuntil({"\r\n", "\n"});
//   while (auto l = co_await twoway::anext(reader, twoway::none)) use(*l);   // async for line in reader
//
// Bytes are std::string (any byte values). A reader is a handle: copies share one state, and a read in
// progress holds it. The algorithms are CPython's, transliterated: one reader waits at a time (the
// others get CPython's RuntimeError), a cancelled read leaves everything that arrived in the buffer, and
// the buffer beyond twice the limit pauses the transport. A reader made by hand (feed_data/feed_eof)
// binds to the running loop the first time it waits.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <exception>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/locks.hpp"
#include "twoway/bytes.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/none.hpp"

namespace twoway {

// Python: EOFError.
class eof_error : public std::exception, public python_named {
public:
    eof_error() = default;
    explicit eof_error(std::string message) : message_(std::move(message)) {}
    [[nodiscard]] const char *what() const noexcept override { return message_.c_str(); }
    [[nodiscard]] const char *python_type() const noexcept override { return "EOFError"; }
    [[nodiscard]] std::string python_str() const override { return message_; }

private:
    std::string message_;
};

// Python: asyncio.IncompleteReadError(partial, expected): EOF came before the read was satisfied.
// `expected` is None for readuntil().
class incomplete_read_error : public eof_error {
public:
    incomplete_read_error(std::string partial, std::optional<std::size_t> expected)
        : eof_error(message(partial.size(), expected)), partial_(std::move(partial)), expected_(expected) {}
    [[nodiscard]] const std::string &partial() const noexcept { return partial_; }
    [[nodiscard]] std::optional<std::size_t> expected() const noexcept { return expected_; }
    [[nodiscard]] const char *python_type() const noexcept override { return "IncompleteReadError"; }

private:
    static std::string message(std::size_t got, std::optional<std::size_t> expected) {
        return std::to_string(got) + " bytes read on a total of " + (expected ? std::to_string(*expected) : "undefined") +
               " expected bytes";
    }
    std::string partial_;
    std::optional<std::size_t> expected_;
};

// Python: asyncio.LimitOverrunError(message, consumed): the buffer reached the limit before a separator.
// The data stays in the buffer; `consumed` is how much of it readuntil() looked at.
class limit_overrun_error : public std::exception, public python_named {
public:
    limit_overrun_error(std::string message, std::size_t consumed) : message_(std::move(message)), consumed_(consumed) {}
    [[nodiscard]] const char *what() const noexcept override { return message_.c_str(); }
    [[nodiscard]] std::size_t consumed() const noexcept { return consumed_; }
    [[nodiscard]] const char *python_type() const noexcept override { return "LimitOverrunError"; }
    [[nodiscard]] std::string python_str() const override { return message_; }

private:
    std::string message_;
    std::size_t consumed_;
};

// Python: asyncio.streams._DEFAULT_LIMIT (64 KiB).
inline constexpr long long default_stream_limit = 1 << 16;

class stream_reader;

namespace detail {

// Python's bytearray buffer of a StreamReader: appended at the back, consumed at the front without
// moving the rest each time.
class byte_buffer {
public:
    [[nodiscard]] std::size_t size() const noexcept { return data_.size() - head_; }
    [[nodiscard]] bool empty() const noexcept { return head_ == data_.size(); }
    [[nodiscard]] std::string_view view() const noexcept { return {data_.data() + head_, size()}; }
    void append(std::string_view v) {
        if (empty()) {
            data_.clear();
            head_ = 0;
        } else if (head_ >= 4096 && head_ * 2 >= data_.size()) {
            data_.erase(0, head_);
            head_ = 0;
        }
        data_.append(v);
    }
    // The first n bytes (n <= size()), taken out: without a copy when that is the whole buffer, and
    // otherwise copying the smaller part (most of a large chunk leaves with the storage it arrived in).
    std::string take(std::size_t n) {
        if (head_ == 0 && n == data_.size()) {
            std::string all = std::move(data_);
            data_ = std::string();
            return all;
        }
        if (head_ == 0 && n >= data_.size() - n) {
            std::string rest(data_.data() + n, data_.size() - n);
            std::string out = std::move(data_);
            out.resize(n);
            data_ = std::move(rest);
            return out;
        }
        std::string out(data_.data() + head_, n);
        consume(n);
        return out;
    }
    void consume(std::size_t n) noexcept {
        head_ += n;
        if (head_ == data_.size()) clear();
    }
    void clear() noexcept {
        data_.clear();
        head_ = 0;
    }

private:
    std::string data_;
    std::size_t head_ = 0;
};

// What a reader pauses and resumes: the transport reading into it.
struct reading_control {
    virtual void pause_reading() = 0;
    virtual void resume_reading() = 0;
    [[nodiscard]] virtual std::string transport_repr() const = 0;

protected:
    ~reading_control() = default;
};

class stream_reader_state final : public box_base {
public:
    explicit stream_reader_state(long long limit) : limit(limit) {
        if (limit <= 0) throw value_error("Limit cannot be <= 0");
    }
    const std::type_info &type() const noexcept override { return typeid(*this); }
    std::string type_name() const override { return "StreamReader"; }
    void *value() noexcept override { return this; }
    std::string repr() const override {
        std::string info = "<StreamReader";
        if (!buffer.empty()) info += " " + std::to_string(buffer.size()) + " bytes";
        if (eof) info += " eof";
        if (limit != default_stream_limit) info += " limit=" + std::to_string(limit);
        if (waiter) info += " waiter=" + waiter->repr();
        if (exception) info += " exception=" + exception_text();
        if (transport) info += " transport=" + transport->transport_repr();
        if (paused) info += " paused";
        return info + ">";
    }

    // ---- the protocol side (StreamReaderProtocol calls these) ----
    void feed_data(std::string_view data) {
        if (data.empty()) return;
        buffer.append(data);
        wakeup_waiter();
        if (transport && !paused && buffer.size() > 2 * static_cast<std::size_t>(limit)) {
            paused = true;
            transport->pause_reading();
        }
    }
    void feed_eof() {
        eof = true;
        wakeup_waiter();
    }
    void set_exception(std::exception_ptr e) {
        exception = std::move(e);
        if (waiter) {
            ref<future_state<void>> w = std::move(waiter);
            if (!w->cancelled()) w->set_exception_ptr(exception);
        }
    }
    void set_transport(reading_control *t, loop_state &l) {
        transport = t;
        if (!binding.loop) binding.loop = ref<loop_state>(&l);
    }
    void forget_transport() noexcept {
        transport = nullptr;
        paused = false;
    }

    [[nodiscard]] bool at_eof() const noexcept { return eof && buffer.empty(); }

    void wakeup_waiter() {
        if (waiter) {
            ref<future_state<void>> w = std::move(waiter);
            if (!w->cancelled()) w->set_result_value();
        }
    }
    void maybe_resume_transport() {
        if (paused && buffer.size() <= static_cast<std::size_t>(limit)) {
            paused = false;
            if (transport) transport->resume_reading();
        }
    }
    void raise_if_failed() const {
        if (exception) std::rethrow_exception(exception);
    }
    // _wait_for_data's first half: the checks, the resume, the waiter. The caller awaits the future and
    // clears `waiter` however the await ends (Python's finally).
    future<void> begin_wait(const char *func_name) {
        if (waiter) {
            throw runtime_error(std::string(func_name) +
                                "() called while another coroutine is already waiting for incoming data");
        }
        if (paused) { // waiting while paused would deadlock (readexactly(n) with n > limit)
            paused = false;
            if (transport) transport->resume_reading();
        }
        loop_state &l = binding.get(*this);
        waiter = ref<future_state<void>>(new future_state<void>(ref<loop_state>(&l)));
        return future<void>::adopt(waiter);
    }

    long long limit;
    byte_buffer buffer;
    bool eof = false;
    bool paused = false;
    std::exception_ptr exception;
    ref<future_state<void>> waiter;
    reading_control *transport = nullptr; // the transport clears it when it goes
    loop_binding binding;

private:
    [[nodiscard]] std::string exception_text() const;
};

inline std::string stream_reader_state::exception_text() const {
    try {
        std::rethrow_exception(exception);
    } catch (const std::exception &e) {
        return e.what();
    } catch (...) {
        return "<exception>";
    }
}

// The wait of every read: `co_await` it; the waiter is cleared however it ends.
#define TWOWAY_STREAM_WAIT(state, name)                                                                     \
    do {                                                                                                     \
        ::twoway::future<void> twoway_wait_ = (state)->begin_wait(name);                                    \
        try {                                                                                                \
            co_await twoway_wait_;                                                                           \
        } catch (...) {                                                                                      \
            (state)->waiter = nullptr;                                                                       \
            throw;                                                                                           \
        }                                                                                                    \
        (state)->waiter = nullptr;                                                                           \
    } while (false)

inline coroutine<std::string> stream_read(ref<stream_reader_state> s, long long n) {
    s->raise_if_failed();
    if (n == 0) co_return std::string();
    if (n < 0) { // until EOF, in chunks of the limit (CPython's loop of read(limit))
        std::string all;
        for (;;) {
            s->raise_if_failed();
            if (s->buffer.empty() && !s->eof) TWOWAY_STREAM_WAIT(s, "read");
            const std::size_t k = std::min(s->buffer.size(), static_cast<std::size_t>(s->limit));
            if (k == 0) break;
            if (all.empty())
                all = s->buffer.take(k);
            else
                all += s->buffer.take(k);
            s->maybe_resume_transport();
        }
        co_return all;
    }
    if (s->buffer.empty() && !s->eof) TWOWAY_STREAM_WAIT(s, "read");
    std::string data = s->buffer.take(std::min(s->buffer.size(), static_cast<std::size_t>(n)));
    s->maybe_resume_transport();
    co_return data;
}

inline coroutine<std::string> stream_readexactly(ref<stream_reader_state> s, long long n) {
    if (n < 0) throw value_error("readexactly size can not be less than zero");
    s->raise_if_failed();
    if (n == 0) co_return std::string();
    const auto want = static_cast<std::size_t>(n);
    while (s->buffer.size() < want) {
        if (s->eof) {
            std::string partial = s->buffer.take(s->buffer.size());
            throw incomplete_read_error(std::move(partial), want);
        }
        TWOWAY_STREAM_WAIT(s, "readexactly");
    }
    std::string data = s->buffer.take(want);
    s->maybe_resume_transport();
    co_return data;
}

// readuntil with the separators sorted by length (3.13: a tuple; the match that ends first wins).
inline coroutine<std::string> stream_readuntil(ref<stream_reader_state> s, std::vector<std::string> separators) {
    if (separators.empty()) throw value_error("Separator should contain at least one element");
    std::stable_sort(separators.begin(), separators.end(),
                     [](const std::string &a, const std::string &b) { return a.size() < b.size(); });
    const std::size_t min_seplen = separators.front().size();
    const std::size_t max_seplen = separators.back().size();
    if (min_seplen == 0) throw value_error("Separator should be at least one-byte string");
    s->raise_if_failed();
    std::size_t offset = 0;
    std::size_t match_start = 0, match_end = 0;
    for (;;) {
        const std::size_t buflen = s->buffer.size();
        if (buflen >= offset + min_seplen) {
            bool found = false;
            const std::string_view buf = s->buffer.view();
            for (const std::string &sep : separators) {
                const std::size_t isep = buf.find(sep, offset);
                if (isep != std::string_view::npos) {
                    const std::size_t end = isep + sep.size();
                    if (!found || end < match_end) {
                        found = true;
                        match_end = end;
                        match_start = isep;
                    }
                }
            }
            if (found) break;
            offset = buflen + 1 > max_seplen ? buflen + 1 - max_seplen : 0;
            if (offset > static_cast<std::size_t>(s->limit))
                throw limit_overrun_error("Separator is not found, and chunk exceed the limit", offset);
        }
        if (s->eof) {
            std::string chunk = s->buffer.take(s->buffer.size());
            throw incomplete_read_error(std::move(chunk), std::nullopt);
        }
        TWOWAY_STREAM_WAIT(s, "readuntil");
    }
    if (match_start > static_cast<std::size_t>(s->limit))
        throw limit_overrun_error("Separator is found, but chunk is longer than limit", match_start);
    std::string chunk = s->buffer.take(match_end);
    s->maybe_resume_transport();
    co_return chunk;
}

inline coroutine<std::string> stream_readline(ref<stream_reader_state> s) {
    // GCC 12: no co_await in a handler, so the handlers record what to do and the work follows them.
    std::string line;
    std::optional<std::string> partial;
    std::optional<limit_overrun_error> overrun;
    std::vector<std::string> newline(1, "\n"); // (GCC 12: no braced list inside a co_await operand)
    try {
        line = co_await stream_readuntil(s, std::move(newline));
    } catch (incomplete_read_error &e) {
        partial = e.partial();
    } catch (limit_overrun_error &e) {
        overrun = e;
    }
    if (partial) co_return std::move(*partial);
    if (overrun) {
        const std::string_view buf = s->buffer.view();
        if (buf.substr(std::min(overrun->consumed(), buf.size())).starts_with("\n"))
            s->buffer.consume(overrun->consumed() + 1);
        else
            s->buffer.clear();
        s->maybe_resume_transport();
        throw value_error(overrun->what());
    }
    co_return line;
}

inline coroutine<maybe<std::string>> stream_anext_or_none(ref<stream_reader_state> s) {
    std::string line = co_await stream_readline(s);
    if (line.empty()) co_return none;
    co_return line;
}

inline coroutine<std::string> stream_anext(ref<stream_reader_state> s) {
    std::string line = co_await stream_readline(s);
    if (line.empty()) throw stop_async_iteration();
    co_return line;
}

#undef TWOWAY_STREAM_WAIT

} // namespace detail

// Python: asyncio.StreamReader(limit=2**16). A handle.
class stream_reader {
public:
    // value_error("Limit cannot be <= 0").
    explicit stream_reader(long long limit = default_stream_limit) : s_(new detail::stream_reader_state(limit)) {}
    explicit stream_reader(detail::ref<detail::stream_reader_state> s) noexcept : s_(std::move(s)) {}

    // Python: await reader.read(n=-1): at most n bytes as soon as any are buffered; n < 0: until EOF;
    // b'' at EOF.
    [[nodiscard]] coroutine<std::string> read(long long n = -1) const {
        return detail::named(detail::stream_read(s_, n), "StreamReader.read");
    }
    // Python: await reader.readline(): up to and including b'\n'; the partial last line at EOF; a line
    // over the limit is discarded and raises value_error.
    [[nodiscard]] coroutine<std::string> readline() const {
        return detail::named(detail::stream_readline(s_), "StreamReader.readline");
    }
    // Python: await reader.readexactly(n): incomplete_read_error at EOF first.
    [[nodiscard]] coroutine<std::string> readexactly(long long n) const {
        return detail::named(detail::stream_readexactly(s_, n), "StreamReader.readexactly");
    }
    // Python: await reader.readuntil(separator=b'\n'); with several separators (3.13's tuple) the match
    // that ends first wins. incomplete_read_error at EOF, limit_overrun_error over the limit (the data
    // stays buffered).
    [[nodiscard]] coroutine<std::string> readuntil(std::string_view separator = "\n") const {
        return detail::named(detail::stream_readuntil(s_, {std::string(separator)}), "StreamReader.readuntil");
    }
    // readuntil(("a", "b")): readuntil("a", "b") (usable inside a co_await operand, where GCC 12 rejects a
    // braced list) or readuntil({"a", "b"}).
    template <class... More>
        requires(std::convertible_to<const More &, std::string_view> && ...)
    [[nodiscard]] coroutine<std::string> readuntil(std::string_view first, std::string_view second, const More &...more) const {
        std::vector<std::string> separators{std::string(first), std::string(second)};
        (separators.emplace_back(std::string_view(more)), ...);
        return readuntil(std::move(separators));
    }
    [[nodiscard]] coroutine<std::string> readuntil(std::initializer_list<std::string_view> separators) const {
        return readuntil(std::vector<std::string>(separators.begin(), separators.end()));
    }
    [[nodiscard]] coroutine<std::string> readuntil(std::vector<std::string> separators) const {
        return detail::named(detail::stream_readuntil(s_, std::move(separators)), "StreamReader.readuntil");
    }

    // Python: reader.at_eof(): EOF received and the buffer empty.
    [[nodiscard]] bool at_eof() const noexcept { return s_->at_eof(); }
    // Python: reader.exception() / set_exception(e): what every later read raises.
    [[nodiscard]] std::exception_ptr exception() const noexcept { return s_->exception; }
    void set_exception(std::exception_ptr e) const { s_->set_exception(std::move(e)); }
    // Python: reader.feed_data(data) / feed_eof(): what a protocol (or a test) delivers.
    void feed_data(std::string_view data) const { s_->feed_data(data); }
    void feed_eof() const { s_->feed_eof(); }
    // The bytes buffered and not yet read (Python: len(reader._buffer)).
    [[nodiscard]] std::size_t buffered() const noexcept { return s_->buffer.size(); }
    [[nodiscard]] long long limit() const noexcept { return s_->limit; }

    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    [[nodiscard]] const detail::ref<detail::stream_reader_state> &state() const noexcept { return s_; }
    friend bool operator==(const stream_reader &a, const stream_reader &b) noexcept { return a.s_ == b.s_; }

private:
    detail::ref<detail::stream_reader_state> s_;
};

// Python: await reader.__anext__() (async for): the next line; stop_async_iteration at EOF.
inline coroutine<std::string> anext(const stream_reader &reader) { return detail::stream_anext(reader.state()); }
// The loop form of async for: `while (auto line = co_await twoway::anext(reader, twoway::none))`.
inline coroutine<maybe<std::string>> anext(const stream_reader &reader, none_t) {
    return detail::stream_anext_or_none(reader.state());
}

} // namespace twoway
