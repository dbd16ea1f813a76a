// twoway/asyncio/stream_writer.hpp — asyncio.StreamWriter (Lib/asyncio/streams.py, 3.13).
//
//   writer.write("hello\n");                 // sent at once, or buffered: never blocks
//   co_await writer.drain();                 // waits while the buffer is above the high-water mark
//   writer.write_eof();                      // half-close: the peer reads EOF, we can still read
//   writer.close(); co_await writer.wait_closed();
//
// A writer is a handle: copies share one StreamWriter. When the last copy goes while the transport is
// still open, the transport is closed with CPython's ResourceWarning ("unclosed <StreamWriter ...>"), as
// Python's StreamWriter.__del__ does when the object is collected: a connection handler that returns
// without close() closes its connection.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>

#include "twoway/asyncio/detail/socket_transport.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/sleep.hpp"
#include "twoway/asyncio/stream_reader.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/os_error.hpp"
#include "twoway/warnings.hpp"

namespace twoway {

class stream_writer;

namespace detail {

class stream_writer_state final : public box_base {
public:
    explicit stream_writer_state(ref<socket_transport> t) : transport(std::move(t)) {}
    ~stream_writer_state() override {
        if (transport->closing) return;
        if (transport->loop->closed) {
            warn({"ResourceWarning", "loop is closed", this});
            return;
        }
        transport->close();
        warn({"ResourceWarning", "unclosed " + repr(), this});
    }
    const std::type_info &type() const noexcept override { return typeid(*this); }
    std::string type_name() const override { return "StreamWriter"; }
    void *value() noexcept override { return this; }
    std::string repr() const override {
        std::string r = "<StreamWriter transport=" + transport->transport_repr();
        if (transport->reader) r += " reader=" + transport->reader->repr();
        return r + ">";
    }
    ref<socket_transport> transport;
};

// Python: StreamWriter.drain with FlowControlMixin._drain_helper.
inline coroutine<void> stream_drain(ref<socket_transport> t) {
    if (t->reader && t->reader->exception) std::rethrow_exception(t->reader->exception);
    if (t->closing) co_await twoway::sleep(0); // lets connection_lost run first
    if (t->connection_lost_flag) throw connection_reset_error("Connection lost");
    if (!t->protocol_paused) co_return;
    ref<future_state<void>> waiter(new future_state<void>(t->loop));
    t->drain_waiters.push_back(waiter);
    try {
        co_await future<void>::adopt(waiter);
    } catch (...) {
        std::erase(t->drain_waiters, waiter);
        throw;
    }
    std::erase(t->drain_waiters, waiter);
}

inline coroutine<void> stream_wait_closed(ref<socket_transport> t) { co_await future<void>::adopt(t->closed); }

} // namespace detail

// Python: asyncio.StreamWriter. A handle.
class stream_writer {
public:
    explicit stream_writer(detail::ref<detail::stream_writer_state> s) noexcept : s_(std::move(s)) {}

    // Python: writer.write(data): sends what the socket takes now, buffers the rest. runtime_error after
    // write_eof(); nothing once the connection is lost.
    void write(std::string_view data) const { t().write(data); }
    void write(std::string &&data) const { t().write(std::move(data)); }
    void write(const char *data) const { t().write(std::string_view(data)); }
    // Python: writer.writelines(chunks).
    template <class Range>
    void writelines(const Range &chunks) const {
        t().writelines(chunks);
    }
    void writelines(std::initializer_list<std::string_view> chunks) const { t().writelines(chunks); }
    // Python: await writer.drain(): until the buffer is below the low-water mark (at once if it never went
    // above the high one); the reader's error, or ConnectionResetError('Connection lost') once it is lost.
    [[nodiscard]] coroutine<void> drain() const { return detail::named(detail::stream_drain(s_->transport), "StreamWriter.drain"); }
    // Python: writer.write_eof(): half-close once the buffer is flushed.
    void write_eof() const { t().write_eof(); }
    [[nodiscard]] bool can_write_eof() const noexcept { return true; }
    // Python: writer.close() / is_closing() / await writer.wait_closed().
    void close() const { t().close(); }
    [[nodiscard]] bool is_closing() const noexcept { return t().closing; }
    [[nodiscard]] coroutine<void> wait_closed() const {
        return detail::named(detail::stream_wait_closed(s_->transport), "StreamWriter.wait_closed");
    }
    // Python: writer.transport.abort(): closes at once, dropping the buffer.
    void abort() const { t().abort(); }
    // Python: writer.get_extra_info('peername') / ('sockname'); None for other names.
    [[nodiscard]] std::optional<socket_address> get_extra_info(std::string_view name) const {
        if (name == "peername") return t().peername;
        if (name == "sockname") return t().sockname;
        return std::nullopt;
    }
    // Python: get_extra_info('socket'): the Asio socket, while the connection is open (nullptr after).
    [[nodiscard]] asio::ip::tcp::socket *socket() const noexcept { return t().sock ? &*t().sock : nullptr; }
    // Python: writer.transport.get_write_buffer_size() / set_write_buffer_limits(high, low) / its limits.
    [[nodiscard]] std::size_t get_write_buffer_size() const noexcept { return t().get_write_buffer_size(); }
    void set_write_buffer_limits(std::optional<std::size_t> high = std::nullopt, std::optional<std::size_t> low = std::nullopt) const {
        t().set_write_buffer_limits(high, low);
    }
    [[nodiscard]] std::pair<std::size_t, std::size_t> get_write_buffer_limits() const noexcept { return t().get_write_buffer_limits(); }

    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const stream_writer &a, const stream_writer &b) noexcept { return a.s_ == b.s_; }

private:
    [[nodiscard]] detail::socket_transport &t() const noexcept { return *s_->transport; }
    detail::ref<detail::stream_writer_state> s_;
};

} // namespace twoway
