// twoway/asyncio/streams.hpp — asyncio's TCP streams: open_connection() and start_server().
//
//   auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", 8888);
//   writer.write("ping\n");
//   std::string reply = co_await reader.readline();
//
//   twoway::coroutine<void> handle(twoway::stream_reader r, twoway::stream_writer w) { ... }
//   twoway::server srv = co_await twoway::start_server(handle, "127.0.0.1", 8888);
//
// Hosts are IPv4 or IPv6 literals or names (resolved by Asio's resolver, off the loop's thread). Errors
// are Python's: a refused connection is connection_refused_error("[Errno 111] Connect call failed
// ('127.0.0.1', 8888)"), a failed bind os_error("[Errno 98] error while attempting to bind on address
// ('127.0.0.1', 8888): address already in use").
#pragma once

#include <cctype>
#include <cstring>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <netdb.h>
#include <sys/socket.h>

#include "twoway/asyncio/detail/socket_transport.hpp"
#include "twoway/asyncio/event_loop.hpp"
#include "twoway/asyncio/server.hpp"
#include "twoway/asyncio/stream_reader.hpp"
#include "twoway/asyncio/stream_writer.hpp"
#include "twoway/asyncio/task.hpp"
#include "twoway/asyncio/use_awaitable.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/os_error.hpp"

namespace twoway {

// Python: open_connection(host, port, *, limit=2**16).
struct connection_options {
    long long limit = default_stream_limit;
};

// Python: start_server(cb, host, port, *, limit=2**16, backlog=100, reuse_address=True, reuse_port=False,
// start_serving=True).
struct server_options {
    long long limit = default_stream_limit;
    int backlog = 100;
    bool reuse_address = true;
    bool reuse_port = false;
    bool start_serving = true;
};

namespace detail {

// Python's socket.gaierror for a failed resolution: Asio reports getaddrinfo's EAI_* codes as its own.
inline std::exception_ptr resolver_error(const std::error_code &ec) {
    int eai = 0;
    if (ec == asio::error::host_not_found) eai = EAI_NONAME;
    else if (ec == asio::error::host_not_found_try_again) eai = EAI_AGAIN;
    else if (ec == asio::error::no_recovery) eai = EAI_FAIL;
    else if (ec == asio::error::service_not_found) eai = EAI_SERVICE;
    else if (ec == asio::error::socket_type_not_supported) eai = EAI_SOCKTYPE;
    else if (ec == asio::error::no_data) eai = EAI_NODATA;
    if (eai == 0) return socket_error(ec);
    return std::make_exception_ptr(gaierror(eai, ::gai_strerror(eai)));
}

// getaddrinfo's answer for (host, port): a literal at once, a name through Asio's resolver.
inline coroutine<std::vector<asio::ip::tcp::endpoint>> resolve_host(std::string host, std::uint16_t port, bool passive) {
    using tcp = asio::ip::tcp;
    std::vector<tcp::endpoint> out;
    if (host.empty() && passive) { // Python's host=None for a server: every interface, IPv4 and IPv6
        out.emplace_back(tcp::v4(), port);
        out.emplace_back(tcp::v6(), port);
        co_return out;
    }
    std::error_code ec;
    const asio::ip::address a = asio::ip::make_address(host, ec);
    if (!ec) {
        out.emplace_back(a, port);
        co_return out;
    }
    tcp::resolver resolver(require_running_loop().io->get_executor());
    std::exception_ptr failed;
    try {
        auto results = co_await resolver.async_resolve(host, std::to_string(port),
                                                       passive ? tcp::resolver::passive : tcp::resolver::flags(),
                                                       use_awaitable);
        for (const auto &r : results) out.push_back(r.endpoint());
    } catch (const std::system_error &e) {
        failed = resolver_error(e.code());
    }
    if (failed) std::rethrow_exception(failed);
    if (out.empty()) throw os_error("getaddrinfo() returned empty list");
    co_return out;
}

// Python's create_connection: each address in turn; the errors, or the first socket that connects.
inline coroutine<asio::ip::tcp::socket> connect_any(std::string host, std::uint16_t port) {
    using tcp = asio::ip::tcp;
    std::vector<tcp::endpoint> endpoints = co_await resolve_host(host, port, false);
    loop_state &l = require_running_loop();
    std::vector<std::exception_ptr> errors;
    std::vector<std::string> texts;
    for (const tcp::endpoint &e : endpoints) {
        tcp::socket sock(*l.io);
        std::error_code ec;
        (void)sock.open(e.protocol(), ec);
        if (ec) {
            errors.push_back(socket_error(ec));
            continue;
        }
        std::error_code failed;
        try {
            co_await sock.async_connect(e, use_awaitable);
        } catch (const std::system_error &x) {
            failed = x.code();
        }
        if (!failed) co_return sock;
        const int n = failed.value();
        errors.push_back(make_os_error(n, "Connect call failed " + socket_address::from(e).repr()));
    }
    if (errors.size() == 1) std::rethrow_exception(errors.front());
    auto text = [](const std::exception_ptr &p) -> std::string {
        try {
            std::rethrow_exception(p);
        } catch (const std::exception &x) {
            return x.what();
        }
    };
    const std::string model = text(errors.front());
    std::string all;
    bool same = true;
    for (const auto &p : errors) {
        const std::string t = text(p);
        same = same && t == model;
        all += (all.empty() ? "" : ", ") + t;
    }
    if (same) std::rethrow_exception(errors.front());
    throw os_error("Multiple exceptions: " + all);
}

inline coroutine<std::tuple<stream_reader, stream_writer>> open_connection(std::string host, std::uint16_t port,
                                                                            connection_options options) {
    ref<stream_reader_state> reader(new stream_reader_state(options.limit));
    asio::ip::tcp::socket sock = co_await connect_any(std::move(host), port);
    loop_state &l = require_running_loop();
    ref<socket_transport> t(new socket_transport(l, std::move(sock), reader, nullptr));
    ref<future_state<void>> waiter(new future_state<void>(ref<loop_state>(&l)));
    t->start(waiter);
    try {
        co_await future<void>::adopt(waiter);
    } catch (...) {
        t->close();
        throw;
    }
    stream_writer writer(ref<stream_writer_state>(new stream_writer_state(t)));
    co_return std::tuple<stream_reader, stream_writer>(stream_reader(reader), std::move(writer));
}

// Python's create_server: a listening socket per address (IPV6_V6ONLY on IPv6, SO_REUSEADDR).
inline coroutine<server> make_server(std::function<void(socket_transport &)> connected, std::string host,
                                     std::uint16_t port, server_options options) {
    using tcp = asio::ip::tcp;
    std::vector<tcp::endpoint> endpoints = co_await resolve_host(host, port, true);
    loop_state &l = require_running_loop();
    ref<server_state> s(new server_state(l));
    s->backlog = options.backlog;
    s->limit = options.limit;
    s->connected = std::move(connected);
    for (const tcp::endpoint &e : endpoints) {
        auto a = std::make_unique<tcp::acceptor>(*l.io);
        std::error_code ec;
        (void)a->open(e.protocol(), ec);
        if (ec) {
            if (host.empty() && e.address().is_v6()) continue; // no IPv6 here: Python skips the family too
            throw std::system_error(ec);
        }
        if (options.reuse_address) (void)a->set_option(tcp::acceptor::reuse_address(true), ec);
        if (options.reuse_port) {
            const int one = 1;
            ::setsockopt(a->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        }
        if (e.address().is_v6()) (void)a->set_option(asio::ip::v6_only(true), ec);
        (void)a->bind(e, ec);
        if (ec) { // Python: '... on address %r: %s' % (sa, str(err).lower())
            std::string reason = "[Errno " + std::to_string(ec.value()) + "] " + std::strerror(ec.value());
            for (char &c : reason) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::rethrow_exception(make_os_error(ec.value(), "error while attempting to bind on address " +
                                                                 socket_address::from(e).repr() + ": " + reason));
        }
        s->acceptors.push_back(std::move(a));
    }
    if (options.start_serving) {
        s->start_serving();
        co_await twoway::sleep(0); // Python: "Skip one loop iteration so that all 'loop.add_reader' go through."
    }
    co_return server(std::move(s));
}

} // namespace detail

// Python: await asyncio.open_connection(host, port, limit=...): (reader, writer).
inline coroutine<std::tuple<stream_reader, stream_writer>> open_connection(std::string host, std::uint16_t port,
                                                                            connection_options options = {}) {
    return detail::named(detail::open_connection(std::move(host), port, options), "open_connection");
}

// Python: await asyncio.start_server(client_connected_cb, host, port, ...). The callback takes
// (stream_reader, stream_writer) and returns a coroutine (run as a task; an exception it raises goes to
// the loop's exception handler as 'Unhandled exception in client_connected_cb' and closes the
// connection) or nothing. host "" listens on every interface.
template <class F>
    requires std::invocable<F &, stream_reader, stream_writer>
coroutine<server> start_server(F client_connected_cb, std::string host, std::uint16_t port, server_options options = {}) {
    using R = std::invoke_result_t<F &, stream_reader, stream_writer>;
    auto cb = std::make_shared<F>(std::move(client_connected_cb));
    std::function<void(detail::socket_transport &)> connected = [cb](detail::socket_transport &t) {
        stream_reader reader(t.reader);
        stream_writer writer(detail::ref<detail::stream_writer_state>(new detail::stream_writer_state(detail::ref<detail::socket_transport>(&t))));
        if constexpr (detail::is_coroutine<R>::value) {
            auto task = event_loop(t.loop).create_task((*cb)(std::move(reader), std::move(writer)));
            detail::ref<detail::socket_transport> tr(&t);
            task.add_done_callback([tr](auto f) {
                if (f.cancelled()) {
                    tr->close();
                    return;
                }
                if (std::exception_ptr e = f.exception()) {
                    detail::exception_context_data ctx;
                    ctx.message = "Unhandled exception in client_connected_cb";
                    ctx.exception = e;
                    tr->loop->call_exception_handler(ctx);
                    tr->close();
                }
            });
        } else {
            (*cb)(std::move(reader), std::move(writer));
        }
    };
    return detail::named(detail::make_server(std::move(connected), std::move(host), port, options), "start_server");
}

} // namespace twoway
