// The streams under load: N concurrent connections to an echo server on loopback, M messages in all, every
// byte echoed back and checked; the process's resident memory and open descriptors are sampled while it
// runs and must stay flat. Not a benchmark (bench/echo is): it fails on a wrong byte, a lost connection, a
// time bound exceeded, or growth.
//
//   echo_load [--connections 1000] [--messages 1000000] [--seconds 120] [--no-memory-check]
//
// Exit status 0 when everything held; the report on stdout either way.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::coroutine;

namespace {

long open_fds() {
    long n = 0;
    if (DIR *d = opendir("/proc/self/fd")) {
        while (readdir(d)) ++n;
        closedir(d);
    }
    return n;
}

long resident_kib() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

coroutine<void> echo(twoway::stream_reader reader, twoway::stream_writer writer) {
    for (;;) {
        std::string data = co_await reader.read(65536);
        if (data.empty()) break;
        writer.write(std::move(data));
        co_await writer.drain();
    }
    writer.close();
}

// A message of `size` bytes that differs by connection and by message (a wrong or shifted echo shows).
std::string message(int connection, long index, std::size_t size) {
    std::string m(size, '\0');
    std::uint32_t x = static_cast<std::uint32_t>(connection) * 2654435761u + static_cast<std::uint32_t>(index) * 40503u + 1;
    for (char &c : m) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return m;
}

struct totals {
    long messages = 0;
    long bytes = 0;
    long mismatches = 0;
    int open = 0; // connections open now
    std::string first_error;
};

coroutine<void> client(std::uint16_t port, int id, long count, totals &t) {
    auto [reader, writer] = co_await twoway::open_connection("127.0.0.1", port);
    ++t.open;
    for (long i = 0; i < count; ++i) {
        const std::size_t size = 1 + static_cast<std::size_t>((id * 131 + i * 17) % 2048);
        std::string out = message(id, i, size);
        writer.write(out);
        co_await writer.drain();
        std::string back = co_await reader.readexactly(static_cast<long long>(size));
        if (back != out) {
            if (t.mismatches++ == 0) t.first_error = "connection " + std::to_string(id) + " message " + std::to_string(i) + ": wrong echo";
        }
        ++t.messages;
        t.bytes += static_cast<long>(size);
    }
    --t.open;
    writer.close();
    co_await writer.wait_closed();
}

struct sample {
    long messages, fds, rss_kib;
    int open;
};

coroutine<void> sampler(const totals &t, std::vector<sample> &samples, const bool &done) {
    while (!done) {
        samples.push_back({t.messages, open_fds(), resident_kib(), t.open});
        co_await twoway::sleep(0.05);
    }
}

coroutine<int> load(int connections, long messages, double seconds, bool memory_check) {
    const long fds_before = open_fds();
    twoway::server srv = co_await twoway::start_server(echo, "127.0.0.1", 0, {.backlog = connections});
    const std::uint16_t port = srv.sockets()[0].getsockname().port;
    totals t;
    std::vector<sample> samples;
    bool done = false;
    twoway::task<void> watch = twoway::create_task(sampler(t, samples, done));
    std::vector<twoway::coroutine<void>> clients;
    for (int c = 0; c < connections; ++c)
        clients.push_back(client(port, c, messages / connections + (c < messages % connections ? 1 : 0), t));
    const auto start = std::chrono::steady_clock::now();
    std::string failure;
    try {
        co_await twoway::wait_for(twoway::gather(std::move(clients)), seconds);
    } catch (const twoway::timeout_error &) {
        failure = "not done within " + std::to_string(seconds) + " s";
    } catch (...) {
        failure = twoway::format_exception(std::current_exception());
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    done = true;
    co_await watch;
    srv.close();
    co_await srv.wait_closed();
    const long fds_after = open_fds();

    // Flat: while every connection is open and exchanging (from the first tenth of the messages), the
    // descriptors do not change and the resident memory grows by less than 10%.
    std::vector<sample> steady;
    for (const sample &s : samples)
        if (s.open == connections && s.messages >= messages / 10) steady.push_back(s);
    long fd_min = 0, fd_max = 0, rss_first = 0, rss_max = 0;
    if (!steady.empty()) {
        fd_min = fd_max = steady.front().fds;
        rss_first = rss_max = steady.front().rss_kib;
        for (const sample &s : steady) {
            fd_min = std::min(fd_min, s.fds);
            fd_max = std::max(fd_max, s.fds);
            rss_max = std::max(rss_max, s.rss_kib);
        }
    }
    std::printf("%d connections, %ld messages (%.1f MiB each way) in %.2f s: %.0f messages/s\n", connections, t.messages,
                static_cast<double>(t.bytes) / (1 << 20), elapsed, static_cast<double>(t.messages) / elapsed);
    std::printf("steady state (%zu samples): descriptors %ld..%ld, resident memory %ld..%ld KiB\n", steady.size(), fd_min,
                fd_max, rss_first, rss_max);
    std::printf("descriptors before %ld, after %ld\n", fds_before, fds_after);
    if (failure.empty() && t.mismatches) failure = std::to_string(t.mismatches) + " wrong echoes; first: " + t.first_error;
    if (failure.empty() && t.messages != messages) failure = "only " + std::to_string(t.messages) + " messages";
    if (failure.empty() && fds_after != fds_before) failure = "descriptors leaked";
    if (failure.empty() && steady.size() >= 2 && fd_max != fd_min) failure = "descriptors not flat";
    if (failure.empty() && memory_check && steady.size() >= 2 && rss_max > rss_first + rss_first / 10) failure = "memory grew";
    std::printf("%s\n", failure.empty() ? "OK" : ("FAILED: " + failure).c_str());
    co_return failure.empty() ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
    int connections = 1000;
    long messages = 1000000;
    double seconds = 120;
    bool memory_check = true;
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        if (std::strcmp(argv[i], "--no-memory-check") == 0) memory_check = false;
        else if (has_value && std::strcmp(argv[i], "--connections") == 0) connections = std::stoi(argv[++i]);
        else if (has_value && std::strcmp(argv[i], "--messages") == 0) messages = std::stol(argv[++i]);
        else if (has_value && std::strcmp(argv[i], "--seconds") == 0) seconds = std::stod(argv[++i]);
    }
    // Two descriptors a connection (both ends are in this process), and some room.
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    const rlim_t need = static_cast<rlim_t>(2 * connections + 64);
    if (lim.rlim_cur < need) {
        lim.rlim_cur = std::min(need, lim.rlim_max);
        setrlimit(RLIMIT_NOFILE, &lim);
    }
    return twoway::run(load(connections, messages, seconds, memory_check));
}
