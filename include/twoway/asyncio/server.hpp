// twoway/asyncio/server.hpp — asyncio.Server (Lib/asyncio/base_events.py, 3.13): listening sockets that
// accept connections for a callback, made by start_server() (streams.hpp).
//
//   twoway::server srv = co_await twoway::start_server(handle_client, "127.0.0.1", 8888);
//   co_await srv.serve_forever();              // until cancelled: then closed, and waited for
//
// close() stops listening at once; wait_closed() waits until the server is closed and every connection
// it accepted is gone (3.12.1+); close_clients() / abort_clients() (3.13) close those connections. A
// server is a handle; its connections hold it.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include <asio/ip/tcp.hpp>

#include "twoway/asyncio/detail/loop_state.hpp"
#include "twoway/asyncio/detail/socket_transport.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/locks.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exceptions.hpp"

namespace twoway {

class server;

// Python: asyncio.trsock.TransportSocket, what server.sockets lists.
struct transport_socket {
    int fd = -1;
    int family = 2; // AF_INET, or AF_INET6 (10)
    socket_address laddr;
    [[nodiscard]] socket_address getsockname() const { return laddr; }
    [[nodiscard]] std::string repr() const {
        return "<asyncio.TransportSocket fd=" + std::to_string(fd) + ", family=" + std::to_string(family) +
               ", type=1, proto=6, laddr=" + laddr.repr() + ">";
    }
};

namespace detail {

// Python: base_events.Server.
class server_state final : public box_base, public io_resource, public connection_owner {
public:
    using tcp = asio::ip::tcp;

    explicit server_state(loop_state &l) : loop(&l) { loop->add_io_resource(this); }
    ~server_state() override {
        if (!released) loop->remove_io_resource(this);
    }
    const std::type_info &type() const noexcept override { return typeid(*this); }
    std::string type_name() const override { return "Server"; }
    void *value() noexcept override { return this; }
    std::string repr() const override {
        std::string r = "<Server sockets=(";
        const std::vector<transport_socket> s = sockets();
        for (const auto &t : s) r += t.repr() + ",";
        if (s.size() > 1) r.pop_back();
        return r + ")>";
    }

    [[nodiscard]] std::vector<transport_socket> sockets() const {
        std::vector<transport_socket> out;
        if (closed_) return out;
        for (const auto &a : acceptors) {
            std::error_code ec;
            const tcp::endpoint e = a->local_endpoint(ec);
            out.push_back({static_cast<int>(a->native_handle()), e.address().is_v6() ? 10 : 2, socket_address::from(e)});
        }
        return out;
    }

    // Python: Server._start_serving: listen, and accept from each socket.
    void start_serving() {
        if (serving) return;
        serving = true;
        for (auto &a : acceptors) {
            std::error_code ec;
            (void)a->listen(backlog, ec);
            if (ec) throw std::system_error(ec);
            accept_next(*a);
        }
    }
    void accept_next(tcp::acceptor &a) {
        ref<box_base> self(this);
        a.async_accept([this, self = std::move(self), &a](const std::error_code &ec, tcp::socket s) {
            if (released || closed_ || ec == asio::error::operation_aborted) return;
            if (!ec) {
                accepted(std::move(s));
            } else if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                       ec == asio::error::no_memory || ec.value() == ENFILE) {
                // Python: 'socket.accept() out of system resource', and a pause of a second before accepting again.
                exception_context_data ctx;
                ctx.message = "socket.accept() out of system resource";
                ctx.exception = socket_error(ec);
                loop->call_exception_handler(ctx);
                ref<box_base> keep(this);
                loop->call_at(loop->time() + 1.0, [this, &a] {
                    if (!closed_ && !released) accept_next(a);
                }, static_text{"Server._start_serving"}, keep);
                return;
            }
            accept_next(a); // an aborted handshake (ECONNABORTED) is skipped, as Python's accept loop does
        });
    }
    void accepted(tcp::socket s) {
        ref<stream_reader_state> reader(new stream_reader_state(limit));
        ref<socket_transport> t(new socket_transport(*loop, std::move(s), reader, this));
        ref<server_state> self(this);
        t->on_connection_made = [self](socket_transport &tr) { self->connected(tr); };
        t->start(nullptr);
    }

    // Python: Server.close.
    void close() {
        if (closed_) return;
        closed_ = true;
        close_acceptors();
        serving = false;
        if (serving_forever_fut && !serving_forever_fut->done()) {
            serving_forever_fut->cancel(std::nullopt);
            serving_forever_fut = nullptr;
        }
        if (clients.empty()) wakeup();
    }
    void close_clients() {
        for (socket_transport *t : std::vector<socket_transport *>(clients)) t->close();
    }
    void abort_clients() {
        for (socket_transport *t : std::vector<socket_transport *>(clients)) t->abort();
    }
    void wakeup() {
        if (!waiters) return;
        std::vector<ref<future_state<void>>> ws = std::move(*waiters);
        waiters.reset(); // None: wait_closed() returns at once from now on
        for (auto &w : ws)
            if (!w->done()) w->set_result_value();
    }
    void attach(socket_transport *t) override {
        clients.push_back(t);
        add_ref(); // a connection holds its server (Python's transport._server)
    }
    void detach(socket_transport *t) noexcept override {
        std::erase(clients, t);
        if (clients.empty() && closed_) {
            try {
                wakeup();
            } catch (...) {
            }
        }
        release();
    }
    void release_io() noexcept override {
        released = true;
        closed_ = true;
        serving = false;
        close_acceptors();
    }
    [[nodiscard]] bool is_closed() const noexcept { return closed_; }

    ref<loop_state> loop;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::vector<socket_transport *> clients; // weak, as Python's WeakSet
    std::optional<std::vector<ref<future_state<void>>>> waiters{std::in_place};
    bool serving = false;
    ref<future_state<void>> serving_forever_fut;
    int backlog = 100;
    long long limit = default_stream_limit;
    std::function<void(socket_transport &)> connected; // StreamReaderProtocol.connection_made for a server

private:
    void close_acceptors() noexcept {
        for (auto &a : acceptors) {
            std::error_code ignored;
            (void)a->close(ignored); // the accept in flight completes as aborted
        }
    }
    bool closed_ = false;
    bool released = false;
};

inline coroutine<void> server_wait_closed(ref<server_state> s) {
    if (!s->waiters) co_return;
    ref<future_state<void>> waiter(new future_state<void>(s->loop));
    s->waiters->push_back(waiter);
    co_await future<void>::adopt(waiter);
}

// Python: Server.serve_forever. A cancellation closes the server and waits for it, then propagates.
inline coroutine<void> server_serve_forever(ref<server_state> s) {
    if (s->serving_forever_fut) throw runtime_error("server " + s->repr() + " is already being awaited on serve_forever()");
    if (s->is_closed()) throw runtime_error("server " + s->repr() + " is closed");
    s->start_serving();
    s->serving_forever_fut = ref<future_state<void>>(new future_state<void>(s->loop));
    std::exception_ptr cancelled;
    try {
        co_await future<void>::adopt(s->serving_forever_fut);
    } catch (const cancelled_error &) {
        cancelled = std::current_exception();
    } catch (...) {
        s->serving_forever_fut = nullptr;
        throw;
    }
    if (cancelled) {
        try { // `finally: raise`: whatever close or wait_closed raise, the CancelledError propagates
            s->close();
            co_await server_wait_closed(s);
        } catch (...) {
        }
        s->serving_forever_fut = nullptr;
        std::rethrow_exception(cancelled);
    }
    s->serving_forever_fut = nullptr;
}

inline coroutine<void> server_start_serving(ref<server_state> s) {
    s->start_serving();
    co_await twoway::sleep(0);
}

inline coroutine<void> server_aexit(ref<server_state> s) {
    s->close();
    co_await server_wait_closed(s);
}

} // namespace detail

// Python: asyncio.Server. A handle.
class server {
public:
    explicit server(detail::ref<detail::server_state> s) noexcept : s_(std::move(s)) {}

    // Python: server.sockets: the listening sockets, () once closed.
    [[nodiscard]] std::vector<transport_socket> sockets() const { return s_->sockets(); }
    [[nodiscard]] bool is_serving() const noexcept { return s_->serving; }
    // Python: server.close(): stops listening; the connections stay.
    void close() const { s_->close(); }
    // Python 3.13: server.close_clients() / abort_clients().
    void close_clients() const { s_->close_clients(); }
    void abort_clients() const { s_->abort_clients(); }
    // Python: await server.wait_closed(): until closed and every connection gone.
    [[nodiscard]] coroutine<void> wait_closed() const { return detail::named(detail::server_wait_closed(s_), "Server.wait_closed"); }
    // Python: await server.serve_forever().
    [[nodiscard]] coroutine<void> serve_forever() const { return detail::named(detail::server_serve_forever(s_), "Server.serve_forever"); }
    // Python: await server.start_serving() (start_server(..., start_serving=False) leaves it to this).
    [[nodiscard]] coroutine<void> start_serving() const { return detail::named(detail::server_start_serving(s_), "Server.start_serving"); }
    // Python: async with server: (close and wait_closed on exit).
    [[nodiscard]] coroutine<server> aenter() const;
    [[nodiscard]] coroutine<void> aexit(std::exception_ptr) const { return detail::server_aexit(s_); }
    // The connections open now (Python: len(server._clients)).
    [[nodiscard]] std::size_t connection_count() const noexcept { return s_->clients.size(); }

    [[nodiscard]] std::string repr() const { return s_->repr(); }
    [[nodiscard]] const void *identity() const noexcept { return s_.get(); }
    friend bool operator==(const server &a, const server &b) noexcept { return a.s_ == b.s_; }

private:
    detail::ref<detail::server_state> s_;
};

namespace detail {
inline coroutine<server> server_aenter(ref<server_state> s) { co_return server(std::move(s)); }
} // namespace detail

inline coroutine<server> server::aenter() const { return detail::server_aenter(s_); }

} // namespace twoway
