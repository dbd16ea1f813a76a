// TCP echo load generator: N connections, each a closed loop of "send `size` bytes, read exactly `size` bytes
// back, check them byte for byte". Single-threaded raw epoll so that the client costs as little CPU per
// request as we can make it (the servers run on the other core); its own CPU share is reported so that a
// saturated client is visible rather than silently capping the numbers.
//
// Build: g++ -std=c++20 -O2 -Wall -Wextra -Wpedantic bench/echo/echo_client.cpp -o build/echo/echo_client
// (no Asio: -DASIO_STANDALONE -pthread are accepted but not needed)
// Usage: echo_client --port P [--host 127.0.0.1] [--connections 10] [--size 1024] [--seconds 5] [--warmup 1]
//                    [--stall-seconds 5] [--server-pid PID] [--server-core N]
// Prints one JSON line on success; on any failure prints "echo_client: ..." to stderr and exits with 1.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

[[noreturn]] void fail(const char* fmt, ...) {
    std::va_list ap;
    va_start(ap, fmt);
    std::fputs("echo_client: ", stderr);
    std::vfprintf(stderr, fmt, ap);
    std::fputc('\n', stderr);
    va_end(ap);
    std::exit(1);
}

struct options {
    std::string host = "127.0.0.1";
    int port = 0;
    int connections = 10;
    std::size_t size = 1024;
    double seconds = 5;
    double warmup = 1;
    double stall_seconds = 5; // an echo that makes no progress this long is reported as short
    int server_pid = 0;       // if given, the server's CPU share over the same window is reported too
    int server_core = -1;     // if given, how busy that core was (whoever ran on it) is reported too
};

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (i + 1 >= argc)
            fail("option %s needs a value", argv[i]);
        const char* v = argv[++i];
        char* end = nullptr;
        if (a == "--host")
            o.host = v;
        else if (a == "--port")
            o.port = static_cast<int>(std::strtol(v, &end, 10));
        else if (a == "--connections")
            o.connections = static_cast<int>(std::strtol(v, &end, 10));
        else if (a == "--size")
            o.size = static_cast<std::size_t>(std::strtoull(v, &end, 10));
        else if (a == "--seconds")
            o.seconds = std::strtod(v, &end);
        else if (a == "--warmup")
            o.warmup = std::strtod(v, &end);
        else if (a == "--stall-seconds")
            o.stall_seconds = std::strtod(v, &end);
        else if (a == "--server-pid")
            o.server_pid = static_cast<int>(std::strtol(v, &end, 10));
        else if (a == "--server-core")
            o.server_core = static_cast<int>(std::strtol(v, &end, 10));
        else
            fail("unknown option %s", argv[i - 1]);
        if (end != nullptr && *end != '\0')
            fail("bad value '%s' for %s", v, argv[i - 1]);
    }
    if (o.port <= 0 || o.port > 65535)
        fail("--port P (1..65535) is required");
    if (o.connections < 1 || o.size < 1 || o.seconds <= 0 || o.warmup < 0 || o.stall_seconds <= 0)
        fail("need --connections >= 1, --size >= 1, --seconds > 0, --warmup >= 0");
    return o;
}

// The bytes sent come from one pseudo-random pool; request r of connection c sends the window starting at a
// hash of (c, r). Every request therefore carries different, deterministic content (a stale, reordered or
// cross-connection echo mismatches), yet no per-request generation cost lands in the measured loop.
constexpr std::size_t pool_span = std::size_t{1} << 22;

std::vector<unsigned char> make_pool(std::size_t size) {
    std::vector<unsigned char> pool(pool_span + size);
    std::uint64_t s = 0x9e3779b97f4a7c15u;
    for (std::size_t i = 0; i < pool.size(); i += 8) {
        // splitmix64
        std::uint64_t z = (s += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        std::memcpy(pool.data() + i, &z, std::min<std::size_t>(8, pool.size() - i));
    }
    return pool;
}

std::size_t window(std::uint64_t conn, std::uint64_t req) {
    std::uint64_t z = conn * 0x9e3779b97f4a7c15u + req * 0xc2b2ae3d27d4eb4fu + 1;
    z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdu;
    z ^= z >> 33;
    return static_cast<std::size_t>(z % pool_span);
}

struct connection {
    int fd = -1;
    int index = 0;
    std::uint64_t request = 0;     // number of the request in flight
    const unsigned char* expected = nullptr; // its bytes (a window of the pool)
    std::size_t sent = 0;
    std::size_t received = 0;
    bool want_out = false; // EPOLLOUT registered (the send did not fit the socket buffer)
    bool done = false;     // drained after the window: its last request is checked, no new one starts
    clock_type::time_point started;
    clock_type::time_point last_progress;
};

int connect_to(const options& o, int index) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        fail("socket: %s", std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
    if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1)
        fail("--host must be an IPv4 address, not '%s'", o.host.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        fail("connection %d: connect to %s:%d: %s", index, o.host.c_str(), o.port, std::strerror(errno));
    // A request goes out in one send; without NODELAY (Nagle) a tail segment could wait for the ACK of the
    // segment before it, which the server may delay.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int flags = ::fcntl(fd, F_GETFL, 0);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        fail("fcntl: %s", std::strerror(errno));
    return fd;
}

struct core_ticks {
    unsigned long long busy = 0, total = 0; // total = busy + idle + iowait
};

struct cpu_sample {
    double self = 0;         // this process's user+sys seconds
    long preempted = 0;      // its involuntary context switches (another runnable task took the core)
    double server = -1;      // the server's user+sys seconds (all its threads), -1 if unknown
    core_ticks client_core;  // the client's core and the server's, from /proc/stat
    core_ticks server_core;
};

// A core's busy and total ticks from /proc/stat. Busy includes softirq time, which is where much of
// loopback TCP's work is done and which the kernel may charge to no process (so rusage misses it), and
// whatever else runs on that core (on a shared machine, other people's work).
core_ticks read_core(int core) {
    core_ticks t;
    if (core < 0)
        return t;
    std::FILE* f = std::fopen("/proc/stat", "r");
    if (f == nullptr)
        return t;
    char name[16];
    std::snprintf(name, sizeof name, "cpu%d ", core);
    char line[512];
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::strncmp(line, name, std::strlen(name)) != 0)
            continue;
        unsigned long long v[8] = {}; // user nice system idle iowait irq softirq steal
        if (std::sscanf(line + std::strlen(name), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                        &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
            for (auto x : v)
                t.total += x;
            t.busy = t.total - v[3] - v[4];
        }
        break;
    }
    std::fclose(f);
    return t;
}

// utime + stime of a process from /proc/PID/stat (fields 14 and 15, counted after the ")" that ends the
// command name, which may itself contain spaces), in seconds; -1 if it cannot be read.
double process_cpu_seconds(int pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    std::FILE* f = std::fopen(path, "r");
    if (f == nullptr)
        return -1;
    char line[1024];
    std::size_t n = std::fread(line, 1, sizeof line - 1, f);
    std::fclose(f);
    line[n] = '\0';
    const char* p = std::strrchr(line, ')');
    unsigned long long utime = 0, stime = 0;
    // state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    constexpr const char* format = " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu";
    if (p == nullptr || std::sscanf(p + 1, format, &utime, &stime) != 2)
        return -1;
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

cpu_sample cpu_now(const options& o, int client_core) {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
    cpu_sample s;
    s.self = tv(ru.ru_utime) + tv(ru.ru_stime);
    s.preempted = ru.ru_nivcsw;
    if (o.server_pid > 0)
        s.server = process_cpu_seconds(o.server_pid);
    s.client_core = read_core(client_core);
    s.server_core = read_core(o.server_core);
    return s;
}

clock_type::duration seconds(double s) {
    return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
}

double seconds_between(clock_type::time_point a, clock_type::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

class client {
public:
    explicit client(const options& o)
        : o_(o), pool_(make_pool(o.size)), scratch_(std::max<std::size_t>(o.size, 65536)) {
        ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (ep_ < 0)
            fail("epoll_create1: %s", std::strerror(errno));
        conns_.resize(static_cast<std::size_t>(o.connections));
        for (int i = 0; i < o.connections; ++i) {
            connection& c = conns_[static_cast<std::size_t>(i)];
            c.index = i;
            c.fd = connect_to(o, i);
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLRDHUP;
            ev.data.ptr = &c;
            if (::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) != 0)
                fail("epoll_ctl: %s", std::strerror(errno));
        }
    }

    void run() {
        const auto start = clock_type::now();
        measure_from_ = start + seconds(o_.warmup);
        measure_to_ = measure_from_ + seconds(o_.seconds);
        for (connection& c : conns_)
            begin_request(c, start);
        // Room for the expected number of samples up front, so the vector rarely grows inside the window.
        latencies_ns_.reserve(1 << 20);

        bool measuring = o_.warmup == 0;
        if (measuring)
            cpu_from_ = cpu_now(o_, core_);
        auto next_stall_check = start + std::chrono::milliseconds(100);
        epoll_event events[64];
        // After the window, the requests in flight are still read to the end and checked (so a short echo
        // near the end is caught too), but no new ones start; the loop ends when none is left.
        std::size_t in_flight = conns_.size();
        while (in_flight > 0) {
            int n = ::epoll_wait(ep_, events, 64, 100);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                fail("epoll_wait: %s", std::strerror(errno));
            }
            auto now = clock_type::now();
            if (!measuring && now >= measure_from_) {
                measuring = true;
                cpu_from_ = cpu_now(o_, core_);
                measure_from_ = now; // the window starts when we first notice it, so the CPU window matches
                measure_to_ = now + seconds(o_.seconds);
            }
            if (measuring && !draining_ && now >= measure_to_) {
                draining_ = true;
                cpu_to_ = cpu_now(o_, core_);
                measured_to_ = now;
            }
            for (int i = 0; i < n; ++i) {
                auto& c = *static_cast<connection*>(events[i].data.ptr);
                if (c.done)
                    continue;
                if (events[i].events & EPOLLOUT)
                    send_some(c);
                if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                    receive(c, measuring);
                    if (c.done)
                        --in_flight;
                }
            }
            if (now >= next_stall_check) {
                next_stall_check = now + std::chrono::milliseconds(100);
                for (const connection& c : conns_)
                    if (!c.done && seconds_between(c.last_progress, now) > o_.stall_seconds)
                        fail("connection %d, request %" PRIu64 ": short echo: %zu of %zu bytes back after %.1f s "
                             "without progress (%zu of %zu sent)",
                             c.index, c.request, c.received, o_.size, o_.stall_seconds, c.sent, o_.size);
            }
        }
        for (connection& c : conns_) {
            // Every echo is complete, so nothing more may arrive (this catches a surplus at the very end).
            unsigned char extra;
            if (::recv(c.fd, &extra, 1, MSG_DONTWAIT) > 0)
                fail("connection %d: the server sent more bytes than it was sent", c.index);
            ::close(c.fd);
        }
    }

    void report() {
        const double wall = seconds_between(measure_from_, measured_to_);
        const std::size_t n = latencies_ns_.size();
        if (n == 0)
            fail("no request completed in the measured window");
        std::sort(latencies_ns_.begin(), latencies_ns_.end());
        auto pct = [&](double p) {
            std::size_t k = static_cast<std::size_t>(p * static_cast<double>(n - 1) + 0.5);
            return static_cast<double>(latencies_ns_[std::min(k, n - 1)]) / 1e3;
        };
        double sum = 0;
        for (auto v : latencies_ns_)
            sum += static_cast<double>(v);
        const double rps = static_cast<double>(n) / wall;
        char server_cpu[32] = "null", client_core_busy[32] = "null", server_core_busy[32] = "null";
        if (cpu_from_.server >= 0 && cpu_to_.server >= 0)
            std::snprintf(server_cpu, sizeof server_cpu, "%.4f", (cpu_to_.server - cpu_from_.server) / wall);
        auto busy = [](char* out, std::size_t cap, const core_ticks& a, const core_ticks& b) {
            if (b.total > a.total)
                std::snprintf(out, cap, "%.4f",
                              static_cast<double>(b.busy - a.busy) / static_cast<double>(b.total - a.total));
        };
        busy(client_core_busy, sizeof client_core_busy, cpu_from_.client_core, cpu_to_.client_core);
        busy(server_core_busy, sizeof server_core_busy, cpu_from_.server_core, cpu_to_.server_core);
        std::printf("{\"host\": \"%s\", \"port\": %d, \"connections\": %d, \"size\": %zu, \"warmup_s\": %g, "
                    "\"seconds\": %.4f, \"requests\": %zu, \"requests_per_s\": %.1f, "
                    "\"mib_per_s_one_direction\": %.3f, \"p50_us\": %.2f, \"p99_us\": %.2f, \"p999_us\": %.2f, "
                    "\"mean_us\": %.2f, \"max_us\": %.2f, \"client_cpu\": %.4f, \"client_preempted_per_s\": %.1f, "
                    "\"server_cpu\": %s, \"client_core\": %d, \"client_core_busy\": %s, \"server_core\": %d, "
                    "\"server_core_busy\": %s}\n",
                    o_.host.c_str(), o_.port, o_.connections, o_.size, o_.warmup, wall, n, rps,
                    rps * static_cast<double>(o_.size) / (1024.0 * 1024.0), pct(0.50), pct(0.99), pct(0.999),
                    sum / static_cast<double>(n) / 1e3, static_cast<double>(latencies_ns_.back()) / 1e3,
                    (cpu_to_.self - cpu_from_.self) / wall,
                    static_cast<double>(cpu_to_.preempted - cpu_from_.preempted) / wall, server_cpu, core_,
                    client_core_busy, o_.server_core, server_core_busy);
    }

private:
    void begin_request(connection& c, clock_type::time_point now) {
        c.expected = pool_.data() + window(static_cast<std::uint64_t>(c.index), c.request);
        c.sent = 0;
        c.received = 0;
        c.started = now;
        c.last_progress = now;
        send_some(c);
    }

    void set_want_out(connection& c, bool want) {
        if (c.want_out == want)
            return;
        c.want_out = want;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0u);
        ev.data.ptr = &c;
        if (::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev) != 0)
            fail("epoll_ctl: %s", std::strerror(errno));
    }

    void send_some(connection& c) {
        while (c.sent < o_.size) {
            ssize_t k = ::send(c.fd, c.expected + c.sent, o_.size - c.sent, MSG_NOSIGNAL);
            if (k < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                fail("connection %d, request %" PRIu64 ": send: %s", c.index, c.request, std::strerror(errno));
            }
            c.sent += static_cast<std::size_t>(k);
        }
        // Large messages do not fit the socket buffer: finish them when it drains (reading meanwhile, since
        // the server echoes the first part while we still send the rest).
        set_want_out(c, c.sent < o_.size);
    }

    // Reads what is there of the current request's echo; when it is complete, records it and starts the
    // next, or marks the connection done once the window is over.
    void receive(connection& c, bool measuring) {
        for (;;) {
            // Never read past this request's bytes: anything extra the server sent stays in the socket and is
            // compared as the start of the next echo, where it mismatches.
            std::size_t want = std::min(o_.size - c.received, scratch_.size());
            ssize_t k = ::recv(c.fd, scratch_.data(), want, 0);
            if (k < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    return;
                fail("connection %d, request %" PRIu64 ": recv: %s", c.index, c.request, std::strerror(errno));
            }
            if (k == 0)
                fail("connection %d, request %" PRIu64 ": short read: the server closed the connection after %zu "
                     "of %zu echoed bytes",
                     c.index, c.request, c.received, o_.size);
            const auto got = static_cast<std::size_t>(k);
            if (got > c.sent - c.received)
                fail("connection %d, request %" PRIu64 ": the server sent %zu bytes more than it was sent",
                     c.index, c.request, got - (c.sent - c.received));
            if (std::memcmp(scratch_.data(), c.expected + c.received, got) != 0) {
                std::size_t at = 0;
                while (scratch_[at] == c.expected[c.received + at])
                    ++at;
                fail("connection %d, request %" PRIu64 ": echo mismatch at byte %zu of %zu: got 0x%02x, "
                     "expected 0x%02x",
                     c.index, c.request, c.received + at, o_.size, scratch_[at], c.expected[c.received + at]);
            }
            c.received += got;
            auto now = clock_type::now();
            c.last_progress = now;
            if (c.received == o_.size) {
                if (measuring && !draining_)
                    latencies_ns_.push_back(static_cast<std::uint64_t>(
                        std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.started).count()));
                if (draining_) {
                    c.done = true;
                    ::epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
                    return;
                }
                ++c.request;
                begin_request(c, now);
                return; // level-triggered: a reply already waiting is picked up on the next epoll_wait
            }
        }
    }

    options o_;
    std::vector<unsigned char> pool_;
    std::vector<unsigned char> scratch_;
    std::vector<connection> conns_;
    std::vector<std::uint64_t> latencies_ns_;
    int ep_ = -1;
    clock_type::time_point measure_from_, measure_to_, measured_to_;
    cpu_sample cpu_from_, cpu_to_;
    int core_ = ::sched_getcpu(); // the runner pins the client to one core, so this is that core
    bool draining_ = false; // the measured window is over
};

} // namespace

int main(int argc, char** argv) {
    options o = parse(argc, argv);
    client c(o);
    c.run();
    c.report();
    return 0;
}
