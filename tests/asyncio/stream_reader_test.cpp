// Tests of twoway/asyncio/stream_reader.hpp: asyncio.StreamReader fed by hand (feed_data / feed_eof), as
// CPython's own tests do: the reading rules of ASYNCIO.md group I (I4-I7, I9-I14) without sockets. Every
// expectation is what CPython 3.13.0 does ("probe:" quotes the Python that settled it).
#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <vector>

#include "twoway/asyncio.hpp"
#include "twoway/asyncio/stream_reader.hpp"

using twoway::coroutine;
using twoway::stream_reader;
using strings = std::vector<std::string>;

namespace {

std::string describe(const std::exception_ptr &e) { return twoway::format_exception(e); }

// "-> b'...'" or "!! Type: message", as the traces print an attempt.
template <class A>
coroutine<std::string> outcome(A aw) {
    std::exception_ptr e;
    std::string r;
    try {
        r = co_await std::move(aw);
    } catch (...) {
        e = std::current_exception();
    }
    co_return e ? "!! " + describe(e) : "-> " + twoway::bytes_repr(r);
}

template <class F>
void run(F body) {
    twoway::run(body());
}

} // namespace

// I4: readline up to and including b'\n'; at EOF the partial line, then b''.
TEST(StreamReader, I4Readline) {
    run([]() -> coroutine<void> {
        stream_reader r;
        r.feed_data("one\ntw");
        r.feed_data("o\nthree");
        r.feed_eof();
        EXPECT_EQ(co_await r.readline(), "one\n");
        EXPECT_EQ(co_await r.readline(), "two\n");
        EXPECT_EQ(co_await r.readline(), "three");
        EXPECT_EQ(co_await r.readline(), "");
    });
}

// I5: readexactly(n), readexactly(0); readuntil(sep) includes the separator; 3.13's tuple: the match
// that ends first wins (probe: readuntil((b'two', b'one')) on b'line one\nline two' -> b'line one').
TEST(StreamReader, I5ReadexactlyAndReaduntil) {
    run([]() -> coroutine<void> {
        stream_reader r;
        r.feed_data("line one\nline two\n12345ABCDE|tail");
        EXPECT_EQ(co_await r.readexactly(0), "");
        EXPECT_EQ(co_await r.readuntil("two", "one"), "line one");
        coroutine<std::string> either = r.readuntil({"ABCDE|", "12"}); // (a braced list outside the co_await: GCC 12)
        EXPECT_EQ(co_await std::move(either), "\nline two\n12");
        EXPECT_EQ(co_await r.readexactly(3), "345");
        EXPECT_EQ(co_await r.readuntil("|"), "ABCDE|");
        EXPECT_EQ(r.buffered(), 4u);
    });
}

// I5: a separator split across two arrivals is found; equal-length separators: the earliest end.
TEST(StreamReader, I5ASeparatorSplitAcrossArrivals) {
    run([]() -> coroutine<void> {
        stream_reader r;
        twoway::task<std::string> t = twoway::create_task(r.readuntil("\r\n"));
        co_await twoway::sleep(0);
        r.feed_data("abc\r");
        co_await twoway::sleep(0);
        EXPECT_FALSE(t.done());
        r.feed_data("\ndef");
        EXPECT_EQ(co_await t, "abc\r\n");
        r.feed_data("xyz");
        EXPECT_EQ(co_await r.readuntil("fx", "ef"), "def");
    });
}

// I6: read(0) is b''; read(n) returns what is buffered, up to n, waiting only when empty; read() reads to
// EOF; every read at EOF is b''.
TEST(StreamReader, I6Read) {
    run([]() -> coroutine<void> {
        stream_reader r;
        EXPECT_EQ(co_await r.read(0), "");
        r.feed_data("abcdef");
        EXPECT_EQ(co_await r.read(4), "abcd");
        EXPECT_EQ(co_await r.read(100), "ef");
        twoway::task<std::string> waiting = twoway::create_task(r.read(10));
        co_await twoway::sleep(0);
        EXPECT_FALSE(waiting.done());
        r.feed_data("gh");
        EXPECT_EQ(co_await waiting, "gh");
        r.feed_data("ij");
        r.feed_data("kl");
        r.feed_eof();
        EXPECT_EQ(co_await r.read(), "ijkl");
        EXPECT_EQ(co_await r.read(), "");
        EXPECT_EQ(co_await r.read(5), "");
        EXPECT_EQ(co_await r.read(-1), "");
    });
}

// I6: read() to EOF gathers many arrivals, in chunks of the limit.
TEST(StreamReader, I6ReadToEofAcrossManyArrivals) {
    run([]() -> coroutine<void> {
        stream_reader r(4);
        twoway::task<std::string> all = twoway::create_task(r.read());
        for (int i = 0; i < 5; ++i) {
            co_await twoway::sleep(0);
            r.feed_data("0123456789");
        }
        r.feed_eof();
        EXPECT_EQ(co_await all, "01234567890123456789012345678901234567890123456789");
    });
}

// I7: at_eof() only when EOF came and the buffer is empty.
TEST(StreamReader, I7AtEof) {
    run([]() -> coroutine<void> {
        stream_reader r;
        EXPECT_FALSE(r.at_eof());
        r.feed_data("x");
        r.feed_eof();
        EXPECT_FALSE(r.at_eof());
        EXPECT_EQ(co_await r.read(1), "x");
        EXPECT_TRUE(r.at_eof());
    });
}

// I9: async for yields lines until readline() returns b''; anext() alone raises StopAsyncIteration.
TEST(StreamReader, I9AsyncIteration) {
    run([]() -> coroutine<void> {
        stream_reader r;
        r.feed_data("a\nb\nc");
        r.feed_eof();
        strings lines;
        while (auto line = co_await twoway::anext(r, twoway::none)) lines.push_back(*line);
        EXPECT_EQ(lines, (strings{"a\n", "b\n", "c"}));
        EXPECT_EQ(co_await outcome(twoway::anext(r)), "!! StopAsyncIteration");
    });
}

// I10: IncompleteReadError(partial, expected), an EOFError; readexactly's expected is n, readuntil's None
// ("undefined" in the message); both empty the buffer.
TEST(StreamReader, I10IncompleteRead) {
    run([]() -> coroutine<void> {
        stream_reader r;
        r.feed_data("abcd");
        r.feed_eof();
        std::string partial;
        std::optional<std::size_t> expected;
        bool eof_error = false;
        try {
            co_await r.readexactly(10);
        } catch (const twoway::incomplete_read_error &e) {
            partial = e.partial();
            expected = e.expected();
            eof_error = std::is_base_of_v<twoway::eof_error, twoway::incomplete_read_error>;
            EXPECT_STREQ(e.what(), "4 bytes read on a total of 10 expected bytes");
        }
        EXPECT_EQ(partial, "abcd");
        EXPECT_EQ(expected, 10u);
        EXPECT_TRUE(eof_error);
        EXPECT_TRUE(r.at_eof());

        stream_reader u;
        u.feed_data("abcd");
        u.feed_eof();
        EXPECT_EQ(co_await outcome(u.readuntil("!")), "!! IncompleteReadError: 4 bytes read on a total of undefined expected bytes");
        EXPECT_TRUE(u.at_eof());
    });
}

// I11: LimitOverrunError with `consumed`; the data stays buffered.
TEST(StreamReader, I11LimitOverrun) {
    run([]() -> coroutine<void> {
        stream_reader r(8);
        r.feed_data("0123456789abcdefghij");
        std::size_t consumed = 0;
        try {
            co_await r.readuntil("\n");
        } catch (const twoway::limit_overrun_error &e) {
            consumed = e.consumed();
            EXPECT_STREQ(e.what(), "Separator is not found, and chunk exceed the limit");
        }
        EXPECT_EQ(consumed, 20u);
        EXPECT_EQ(r.buffered(), 20u);

        stream_reader s(8);
        s.feed_data("0123456789abc\nrest\n");
        try {
            co_await s.readuntil("\n");
        } catch (const twoway::limit_overrun_error &e) {
            consumed = e.consumed();
            EXPECT_STREQ(e.what(), "Separator is found, but chunk is longer than limit");
        }
        EXPECT_EQ(consumed, 13u);
        EXPECT_EQ(co_await s.readexactly(14), "0123456789abc\n");
        EXPECT_EQ(co_await s.readuntil("\n"), "rest\n");
    });
}

// I12: readline() turns the overrun into ValueError: the found line is dropped, else the whole buffer.
TEST(StreamReader, I12ReadlineDiscardsTheOverlongLine) {
    run([]() -> coroutine<void> {
        stream_reader r(8);
        r.feed_data("0123456789abc\nrest\n");
        EXPECT_EQ(co_await outcome(r.readline()), "!! ValueError: Separator is found, but chunk is longer than limit");
        EXPECT_EQ(co_await r.readline(), "rest\n");
        stream_reader s(8);
        s.feed_data("0123456789abcdefghij");
        EXPECT_EQ(co_await outcome(s.readline()), "!! ValueError: Separator is not found, and chunk exceed the limit");
        EXPECT_EQ(s.buffered(), 0u);
    });
}

// I13: the argument errors, with CPython's messages.
TEST(StreamReader, I13ArgumentErrors) {
    run([]() -> coroutine<void> {
        stream_reader r;
        EXPECT_EQ(co_await outcome(r.readexactly(-1)), "!! ValueError: readexactly size can not be less than zero");
        EXPECT_EQ(co_await outcome(r.readuntil("")), "!! ValueError: Separator should be at least one-byte string");
        std::vector<std::string> none_given;
        EXPECT_EQ(co_await outcome(r.readuntil(none_given)), "!! ValueError: Separator should contain at least one element");
    });
    std::string error;
    try {
        stream_reader bad(0);
    } catch (...) {
        error = describe(std::current_exception());
    }
    EXPECT_EQ(error, "ValueError: Limit cannot be <= 0");
}

// I14: one reader waits at a time; the others get CPython's RuntimeError with their own name (readline
// says readuntil); a cancelled read leaves the reader usable and its bytes buffered.
TEST(StreamReader, I14OneWaiterAtATime) {
    run([]() -> coroutine<void> {
        stream_reader r;
        twoway::task<std::string> first = twoway::create_task(r.read(100));
        co_await twoway::sleep(0);
        const std::string tail = " called while another coroutine is already waiting for incoming data";
        EXPECT_EQ(co_await outcome(r.readline()), "!! RuntimeError: readuntil()" + tail);
        EXPECT_EQ(co_await outcome(r.readexactly(1)), "!! RuntimeError: readexactly()" + tail);
        EXPECT_EQ(co_await outcome(r.read()), "!! RuntimeError: read()" + tail);
        first.cancel();
        EXPECT_EQ(co_await outcome(first), "!! CancelledError");
        r.feed_data("kept");
        EXPECT_EQ(co_await r.readexactly(4), "kept");
    });
}

// I14: bytes that arrive for a read that is then cancelled stay for the next read.
TEST(StreamReader, I14ACancelledReadexactlyKeepsWhatArrived) {
    run([]() -> coroutine<void> {
        stream_reader r;
        twoway::task<std::string> t = twoway::create_task(r.readexactly(6));
        co_await twoway::sleep(0);
        r.feed_data("abc");
        co_await twoway::sleep(0);
        t.cancel();
        EXPECT_EQ(co_await outcome(t), "!! CancelledError");
        r.feed_data("def");
        EXPECT_EQ(co_await r.readexactly(6), "abcdef");
    });
}

// set_exception(): the waiting read and every later read raise it.
TEST(StreamReader, SetExceptionFailsTheWaiterAndLaterReads) {
    run([]() -> coroutine<void> {
        stream_reader r;
        twoway::task<std::string> t = twoway::create_task(r.readline());
        co_await twoway::sleep(0);
        r.set_exception(std::make_exception_ptr(twoway::connection_reset_error(104, "Connection reset by peer")));
        EXPECT_EQ(co_await outcome(t), "!! ConnectionResetError: [Errno 104] Connection reset by peer");
        EXPECT_EQ(co_await outcome(r.read(1)), "!! ConnectionResetError: [Errno 104] Connection reset by peer");
        EXPECT_NE(r.exception(), nullptr);
    });
}

// probe: repr(StreamReader()) with data, EOF and a limit.
TEST(StreamReader, Repr) {
    stream_reader r(10);
    EXPECT_EQ(r.repr(), "<StreamReader limit=10>");
    r.feed_data("abc");
    r.feed_eof();
    EXPECT_EQ(r.repr(), "<StreamReader 3 bytes eof limit=10>");
}
