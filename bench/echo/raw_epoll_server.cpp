// Minimal level-triggered epoll echo server on 127.0.0.1: the calibration row of the echo benchmark (about
// the least work per request a server can do, so about the most the client can measure).
//
// Build: g++ -std=c++20 -O2 -Wall -Wextra -Wpedantic bench/echo/raw_epoll_server.cpp -o build/echo/raw_epoll_server
// Usage: raw_epoll_server PORT

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace {

void die(const char* what) {
    std::fprintf(stderr, "raw_epoll_server: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

struct conn {
    int fd;
    std::vector<char> buf = std::vector<char>(65536);
    std::size_t pending = 0; // bytes of buf not yet written back
    std::size_t offset = 0;
};

void set_events(int ep, conn* c, bool writing) {
    epoll_event ev{};
    // While a write is pending we stop reading: the peer cannot outrun us by more than one buffer.
    ev.events = writing ? EPOLLOUT : EPOLLIN;
    ev.data.ptr = c;
    if (::epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        die("epoll_ctl");
}

void close_conn(conn* c) {
    ::close(c->fd); // also removes it from the epoll set
    delete c;
}

// Returns false once the connection is closed.
bool flush(int ep, conn* c) {
    while (c->pending > 0) {
        ssize_t k = ::send(c->fd, c->buf.data() + c->offset, c->pending, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                set_events(ep, c, true);
                return true;
            }
            close_conn(c);
            return false;
        }
        c->offset += static_cast<std::size_t>(k);
        c->pending -= static_cast<std::size_t>(k);
    }
    return true;
}

void on_readable(int ep, conn* c) {
    for (;;) {
        ssize_t k = ::recv(c->fd, c->buf.data(), c->buf.size(), 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && errno == EAGAIN)
            return;
        if (k <= 0) {
            close_conn(c);
            return;
        }
        c->offset = 0;
        c->pending = static_cast<std::size_t>(k);
        if (!flush(ep, c) || c->pending > 0)
            return;
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: raw_epoll_server PORT\n");
        return 2;
    }
    int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0)
        die("socket");
    int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        die("bind");
    if (::listen(lfd, SOMAXCONN) != 0)
        die("listen");
    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.ptr = nullptr; // nullptr marks the listening socket
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) != 0)
        die("epoll_ctl");

    epoll_event events[64];
    for (;;) {
        int n = ::epoll_wait(ep, events, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; ++i) {
            auto* c = static_cast<conn*>(events[i].data.ptr);
            if (c == nullptr) {
                for (;;) {
                    int fd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0)
                        break; // EAGAIN (or a connection reset before we got to it)
                    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    auto* nc = new conn{fd};
                    epoll_event ev{};
                    ev.events = EPOLLIN;
                    ev.data.ptr = nc;
                    if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
                        die("epoll_ctl");
                }
            } else if (events[i].events & EPOLLOUT) {
                if (flush(ep, c) && c->pending == 0)
                    set_events(ep, c, false);
            } else {
                on_readable(ep, c);
            }
        }
    }
}
