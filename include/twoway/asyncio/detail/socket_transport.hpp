// twoway/asyncio/detail/socket_transport.hpp — one TCP connection: asyncio's _SelectorSocketTransport and
// its StreamReaderProtocol (with FlowControlMixin) in one object, on an Asio socket.
//
// The algorithms are CPython's (Lib/asyncio/selector_events.py, streams.py, 3.13): write() sends at once
// and buffers what the kernel did not take; the buffer above the high-water mark pauses the writer's
// drain() until it is below the low-water mark; close() flushes the buffer first; EOF from the peer
// keeps the connection open for writing (half-close); an OSError closes it without a report. Readiness
// comes from Asio: a completed read or write wait puts the transport's step on the loop's ready queue,
// where asyncio's selector puts _read_ready and _write_ready.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>
#include <utility>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/ip/tcp.hpp>

#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/stream_reader.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/os_error.hpp"
#include "twoway/warnings.hpp"

namespace twoway {

// Python's socket address tuple: ('127.0.0.1', 8888), or ('::1', 8888, 0, 0) for IPv6.
struct socket_address {
    std::string host;
    std::uint16_t port = 0;
    bool v6 = false;
    [[nodiscard]] std::string repr() const {
        std::string r = "('" + host + "', " + std::to_string(port);
        return r + (v6 ? ", 0, 0)" : ")");
    }
    static socket_address from(const asio::ip::tcp::endpoint &e) {
        return {e.address().to_string(), e.port(), e.address().is_v6()};
    }
    friend bool operator==(const socket_address &, const socket_address &) = default;
};

namespace detail {

class socket_transport;

// Python's OSError for a failed socket call: Asio reports errno values in its own system category.
inline std::exception_ptr socket_error(const std::error_code &ec) {
    if (ec.category() == asio::error::get_system_category()) return make_os_error(ec.value(), std::strerror(ec.value()));
    return make_os_error(ec);
}

// What accepted a connection (the server): told when it starts and when it is gone.
struct connection_owner {
    virtual void attach(socket_transport *t) = 0;
    virtual void detach(socket_transport *t) noexcept = 0;

protected:
    ~connection_owner() = default;
};

// Python: asyncio.transports' write-buffer limits (64 KiB high, a quarter of it low).
inline constexpr std::size_t default_high_water = 64 * 1024;
// Python: _SelectorTransport.max_size, the most one read takes.
inline constexpr std::size_t transport_max_read = 256 * 1024;

class socket_transport final : public box_base, public reading_control, public io_resource {
public:
    using tcp = asio::ip::tcp;

    socket_transport(loop_state &l, tcp::socket s, ref<stream_reader_state> r, connection_owner *srv);
    ~socket_transport() override;
    const std::type_info &type() const noexcept override { return typeid(socket_transport); }
    std::string type_name() const override { return "_SelectorSocketTransport"; }
    void *value() noexcept override { return this; }
    std::string repr() const override { return transport_repr(); }
    [[nodiscard]] std::string transport_repr() const override {
        std::string info = "<_SelectorSocketTransport";
        if (!sock) info += " closed";
        else if (closing) info += " closing";
        info += " fd=" + std::to_string(fd);
        if (sock) {
            info += std::string(" read=") + (read_waiting ? "polling" : "idle");
            info += std::string(" write=<") + (write_waiting ? "polling" : "idle") + ", bufsize=" +
                    std::to_string(write_size) + ">";
        }
        return info + ">";
    }

    // ---- what the loop runs (connection_made, then reading) ----
    // The server's callback, when there is one: run by connection_made with the reader and writer.
    std::function<void(socket_transport &)> on_connection_made;
    void start(ref<future_state<void>> waiter);

    // ---- reading (reading_control) ----
    void pause_reading() override {
        if (closing || paused) return;
        paused = true; // a read already waiting completes into the buffer; none is started after it
    }
    void resume_reading() override {
        if (closing || !paused) return;
        paused = false;
        add_reader();
    }
    [[nodiscard]] bool is_reading() const noexcept { return !closing && !paused; }

    // ---- writing ----
    void write(std::string_view data) { write_impl(data, nullptr); }
    void write(std::string &&data) { write_impl(data, &data); }
    template <class Range>
    void writelines(const Range &chunks) {
        if (eof) throw runtime_error("Cannot call writelines() after write_eof()");
        bool any = false;
        for (const auto &c : chunks) {
            const std::string_view v(c);
            if (v.empty()) continue;
            write_buffer.emplace_back(v);
            write_size += v.size();
            any = true;
        }
        if (!any) return;
        write_ready();
        if (write_size) add_writer();
    }
    void write_eof() {
        if (closing || eof) return;
        eof = true;
        if (!write_size) shutdown_send();
    }
    [[nodiscard]] std::size_t get_write_buffer_size() const noexcept { return write_size; }
    void set_write_buffer_limits(std::optional<std::size_t> high, std::optional<std::size_t> low) {
        std::size_t h = high ? *high : (low ? 4 * *low : default_high_water);
        std::size_t lw = low ? *low : h / 4;
        if (lw > h) throw value_error("high (" + std::to_string(h) + ") must be >= low (" + std::to_string(lw) + ") must be >= 0");
        high_water = h;
        low_water = lw;
        maybe_pause_protocol();
    }
    [[nodiscard]] std::pair<std::size_t, std::size_t> get_write_buffer_limits() const noexcept { return {low_water, high_water}; }

    // ---- closing ----
    void close() {
        if (closing) return;
        closing = true;
        read_waiting_discard = true; // remove_reader: what a waiting read brings is not delivered
        if (!write_size) {
            ++conn_lost;
            schedule_connection_lost(nullptr);
        }
    }
    void abort() { force_close(nullptr); }

    // ---- the protocol's flow control (FlowControlMixin) and close waiter ----
    bool protocol_paused = false;
    bool connection_lost_flag = false;
    std::vector<ref<future_state<void>>> drain_waiters;
    ref<future_state<void>> closed; // StreamReaderProtocol._closed

    // ---- state ----
    ref<loop_state> loop;
    std::optional<tcp::socket> sock;
    int fd = -1;
    ref<stream_reader_state> reader;
    connection_owner *server = nullptr;
    std::optional<socket_address> peername, sockname;
    bool closing = false;
    bool eof = false;
    bool paused = false;
    int conn_lost = 0;
    std::size_t write_size = 0;
    std::size_t high_water = default_high_water;
    std::size_t low_water = default_high_water / 4;

    void release_io() noexcept override;

private:
    void write_impl(std::string_view data, std::string *owned);
    void add_reader();
    void add_writer();
    static void read_ready_entry(box_base *self, box_base *) noexcept;
    static void write_ready_entry(box_base *self, box_base *) noexcept;
    void read_ready(std::size_t n, const std::error_code &ec);
    void write_ready();
    void on_eof();
    void shutdown_send() {
        std::error_code ignored;
        if (sock) (void)sock->shutdown(tcp::socket::shutdown_send, ignored);
    }
    void maybe_pause_protocol() {
        if (write_size <= high_water) return;
        if (!protocol_paused) protocol_paused = true; // pause_writing(): drain() waits from now on
    }
    void maybe_resume_protocol() {
        if (protocol_paused && write_size <= low_water) {
            protocol_paused = false; // resume_writing(): the drain() waiters go on
            for (auto &w : drain_waiters)
                if (!w->done()) w->set_result_value();
        }
    }
    void fatal_error(std::exception_ptr e, const char *message);
    void force_close(std::exception_ptr e);
    void schedule_connection_lost(std::exception_ptr e);
    void call_connection_lost(std::exception_ptr e) noexcept;
    void connection_lost(const std::exception_ptr &e) noexcept;
    void close_socket() noexcept;

    std::deque<std::string> write_buffer;
    std::size_t write_offset = 0; // bytes of write_buffer.front() already sent
    std::unique_ptr<char[]> read_buffer;
    std::size_t read_count = 0;
    std::error_code read_error;
    bool read_waiting = false;  // an async_read_some is in flight
    bool read_waiting_discard = false;
    bool write_waiting = false; // an async_wait(write) is in flight
    bool protocol_connected = false;
    bool lost_called = false;
    bool released = false;
};


inline socket_transport::socket_transport(loop_state &l, tcp::socket s, ref<stream_reader_state> r, connection_owner *srv)
    : loop(&l), sock(std::move(s)), reader(std::move(r)), server(srv) {
    closed = ref<future_state<void>>(new future_state<void>(loop));
    std::error_code ec;
    sock->non_blocking(true, ec);
    sock->set_option(tcp::no_delay(true), ec); // asyncio's _set_nodelay
    fd = static_cast<int>(sock->native_handle());
    if (auto p = sock->remote_endpoint(ec); !ec) peername = socket_address::from(p);
    if (auto p = sock->local_endpoint(ec); !ec) sockname = socket_address::from(p);
    if (reader) reader->set_transport(this, l);
    loop->add_io_resource(this);
    if (server) server->attach(this);
}

inline socket_transport::~socket_transport() {
    if (sock) warn({"ResourceWarning", "unclosed transport " + transport_repr(), this}); // Python's __del__
    close_socket();
    if (!released) loop->remove_io_resource(this);
    if (reader && reader->transport == this) reader->forget_transport();
}

// Python: call_soon(protocol.connection_made, transport); call_soon(_add_reader, fd, _read_ready); and for a
// client call_soon(_set_result_unless_cancelled, waiter, None).
inline void socket_transport::start(ref<future_state<void>> waiter) {
    ref<box_base> self(this);
    loop->call_soon([this] {
        protocol_connected = true;
        if (on_connection_made) std::exchange(on_connection_made, nullptr)(*this);
    }, static_text{"StreamReaderProtocol.connection_made"}, self);
    loop->call_soon([this] { add_reader(); }, static_text{"_SelectorSocketTransport._add_reader"}, self);
    if (waiter) {
        loop->call_soon([w = std::move(waiter)] {
            if (!w->cancelled()) w->set_result_value();
        }, static_text{"_set_result_unless_cancelled"}, self);
    }
}

inline void socket_transport::add_reader() {
    if (!is_reading() || read_waiting || !sock) return;
    if (!read_buffer) read_buffer.reset(new char[transport_max_read]);
    read_waiting = true;
    read_waiting_discard = false;
    ref<box_base> self(this);
    sock->async_read_some(asio::buffer(read_buffer.get(), transport_max_read),
                          [self = std::move(self)](const std::error_code &ec, std::size_t n) mutable {
                              auto *t = static_cast<socket_transport *>(self.get());
                              t->read_waiting = false;
                              if (t->released || ec == asio::error::operation_aborted) return;
                              t->read_count = n;
                              t->read_error = ec;
                              t->loop->push_ready(&socket_transport::read_ready_entry, std::move(self));
                          });
}

inline void socket_transport::read_ready_entry(box_base *self, box_base *) noexcept {
    auto *t = static_cast<socket_transport *>(self);
    t->read_ready(t->read_count, t->read_error);
}

// Python: _read_ready__data_received.
inline void socket_transport::read_ready(std::size_t n, const std::error_code &ec) {
    if (conn_lost || read_waiting_discard || released) return;
    if (ec == asio::error::eof) {
        on_eof();
        return;
    }
    if (ec) {
        fatal_error(socket_error(ec), "Fatal read error on socket transport");
        return;
    }
    try {
        if (reader) reader->feed_data(std::string_view(read_buffer.get(), n));
    } catch (...) {
        fatal_error(std::current_exception(), "Fatal error: protocol.data_received() call failed.");
        return;
    }
    add_reader();
}

// Python: _read_ready__on_eof with StreamReaderProtocol.eof_received, which keeps the connection open.
inline void socket_transport::on_eof() {
    if (reader) reader->feed_eof();
    // keep_open: the reader is removed (no more reads); writing goes on.
}

inline void socket_transport::write_impl(std::string_view data, std::string *owned) {
    if (eof) throw runtime_error("Cannot call write() after write_eof()");
    if (data.empty()) return;
    if (conn_lost || !sock) {
        ++conn_lost; // Python logs 'socket.send() raised exception.' from the fifth on (debug noise)
        return;
    }
    if (!write_size) {
        std::error_code ec;
        const std::size_t n = sock->write_some(asio::buffer(data.data(), data.size()), ec);
        if (ec && ec != asio::error::would_block && ec != asio::error::try_again && ec != asio::error::interrupted) {
            fatal_error(socket_error(ec), "Fatal write error on socket transport");
            return;
        }
        const std::size_t sent = ec ? 0 : n;
        if (sent == data.size()) return;
        if (owned && sent == 0) {
            write_buffer.emplace_back(std::move(*owned));
        } else {
            write_buffer.emplace_back(data.substr(sent));
        }
        write_size += data.size() - sent;
        add_writer();
        maybe_pause_protocol();
        return;
    }
    if (owned)
        write_buffer.emplace_back(std::move(*owned));
    else
        write_buffer.emplace_back(data);
    write_size += data.size();
    maybe_pause_protocol();
}

inline void socket_transport::add_writer() {
    if (write_waiting || !sock) return;
    write_waiting = true;
    ref<box_base> self(this);
    sock->async_wait(tcp::socket::wait_write, [self = std::move(self)](const std::error_code &ec) mutable {
        auto *t = static_cast<socket_transport *>(self.get());
        t->write_waiting = false;
        if (t->released || ec == asio::error::operation_aborted) return;
        t->loop->push_ready(&socket_transport::write_ready_entry, std::move(self));
    });
}

inline void socket_transport::write_ready_entry(box_base *self, box_base *) noexcept {
    auto *t = static_cast<socket_transport *>(self);
    if (t->released || !t->write_size) return;
    t->write_ready();
    if (t->write_size && !t->conn_lost) t->add_writer();
}

// Python: _write_sendmsg: as much of the buffer as the kernel takes, in one sendmsg.
inline void socket_transport::write_ready() {
    if (conn_lost || !sock) return;
    std::array<asio::const_buffer, 64> iov;
    std::size_t count = 0;
    for (auto it = write_buffer.begin(); it != write_buffer.end() && count < iov.size(); ++it, ++count) {
        const std::size_t skip = count == 0 ? write_offset : 0;
        iov[count] = asio::buffer(it->data() + skip, it->size() - skip);
    }
    std::error_code ec;
    std::size_t n = sock->write_some(std::span<const asio::const_buffer>(iov.data(), count), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again || ec == asio::error::interrupted) return;
    if (ec) {
        write_buffer.clear();
        write_offset = 0;
        write_size = 0;
        fatal_error(socket_error(ec), "Fatal write error on socket transport");
        return;
    }
    write_size -= n;
    while (n) {
        const std::size_t left = write_buffer.front().size() - write_offset;
        if (n < left) {
            write_offset += n;
            break;
        }
        n -= left;
        write_buffer.pop_front();
        write_offset = 0;
    }
    maybe_resume_protocol(); // may append to the buffer
    if (!write_size) {
        if (closing)
            call_connection_lost(nullptr);
        else if (eof)
            shutdown_send();
    }
}

// Python: _fatal_error: an OSError closes quietly; anything else goes to the exception handler too.
inline void socket_transport::fatal_error(std::exception_ptr e, const char *message) {
    bool os = false;
    try {
        std::rethrow_exception(e);
    } catch (const std::system_error &) {
        os = true;
    } catch (...) {
    }
    if (!os) {
        exception_context_data ctx;
        ctx.message = message;
        ctx.exception = e;
        loop->call_exception_handler(ctx);
    }
    force_close(std::move(e));
}

inline void socket_transport::force_close(std::exception_ptr e) {
    if (conn_lost) return;
    if (write_size) {
        write_buffer.clear();
        write_offset = 0;
        write_size = 0;
    }
    if (!closing) {
        closing = true;
        read_waiting_discard = true;
    }
    ++conn_lost;
    schedule_connection_lost(std::move(e));
}

inline void socket_transport::schedule_connection_lost(std::exception_ptr e) {
    ref<box_base> self(this);
    loop->call_soon([this, e = std::move(e)] { call_connection_lost(e); },
                    static_text{"_SelectorTransport._call_connection_lost"}, self);
}

// Python: _call_connection_lost: the protocol hears it, then the socket closes and the server forgets it.
inline void socket_transport::call_connection_lost(std::exception_ptr e) noexcept {
    if (lost_called) return;
    lost_called = true;
    if (protocol_connected) connection_lost(e);
    close_socket();
}

// The socket closes (a read or a write wait still in flight completes as aborted) and the server, if
// any, forgets the connection.
inline void socket_transport::close_socket() noexcept {
    if (sock) {
        std::error_code ignored;
        (void)sock->close(ignored);
        sock.reset();
    }
    if (server) std::exchange(server, nullptr)->detach(this);
}

// Python: StreamReaderProtocol.connection_lost, then FlowControlMixin.connection_lost.
inline void socket_transport::connection_lost(const std::exception_ptr &e) noexcept {
    try {
        if (reader) {
            if (!e)
                reader->feed_eof();
            else
                reader->set_exception(e);
        }
        if (!closed->done()) {
            if (!e)
                closed->set_result_value();
            else
                closed->set_exception_ptr(e);
        }
        connection_lost_flag = true;
        if (protocol_paused) {
            for (auto &w : drain_waiters) {
                if (w->done()) continue;
                if (!e)
                    w->set_result_value();
                else
                    w->set_exception_ptr(e);
            }
        }
    } catch (...) {
        exception_context_data ctx;
        ctx.message = "Exception in callback _SelectorTransport._call_connection_lost";
        ctx.exception = std::current_exception();
        loop->call_exception_handler(ctx);
    }
}

inline void socket_transport::release_io() noexcept {
    released = true;
    ++conn_lost; // writes from now on go nowhere, as after a lost connection
    close_socket();
}

} // namespace detail
} // namespace twoway
