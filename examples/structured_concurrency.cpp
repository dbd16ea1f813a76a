// Structured concurrency with twoway's asyncio layer: gather, a timeout, a pool of workers fed by a queue
// inside a task group, and a task group whose child fails. examples/structured_concurrency.py is the
// Python program; a test checks that this one prints what CPython 3.13 prints for it.
//
// It runs on the loop's virtual clock: the sleeps take no time, and the order of events is the one their
// deadlines give, on any machine.
#include <iostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "twoway/asyncio.hpp"

using twoway::coroutine;

coroutine<std::string> fetch(std::string url, double delay) {
    co_await twoway::sleep(delay);
    if (url.find("bad") != std::string::npos) throw twoway::value_error("cannot fetch " + url);
    co_return "<" + url + ">";
}

using job = std::pair<std::string, double>;
using outcome = std::tuple<std::string, std::string>;

coroutine<void> worker(std::string name, twoway::queue<job> queue, std::vector<outcome> &results) {
    for (;;) {
        auto [url, delay] = co_await queue.get();
        try {
            std::string page = co_await fetch(url, delay);
            results.emplace_back(name, page);
        } catch (const twoway::value_error &e) {
            results.emplace_back(name, std::string("error: ") + e.what());
        }
        queue.task_done();
    }
}

// str(e)
std::string message_of(const std::exception_ptr &e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception &x) {
        return x.what();
    }
}

coroutine<void> main_() {
    // gather of a range gives a vector (of fixed operands, a tuple); results come in argument order.
    std::vector<coroutine<std::string>> fetches;
    fetches.push_back(fetch("a", 0.03));
    fetches.push_back(fetch("b", 0.01));
    fetches.push_back(fetch("c", 0.02));
    std::vector<std::string> pages = co_await twoway::gather(fetches);
    std::cout << "gather -> " << twoway::repr(pages) << "\n";

    try {
        co_await twoway::async_with(twoway::timeout(0.05), [&]() -> coroutine<void> { co_await fetch("slow", 10); });
    } catch (const twoway::timeout_error &) {
        std::cout << "timeout -> TimeoutError\n";
    }

    twoway::queue<job> queue;
    std::vector<outcome> results;
    const char *urls[] = {"u1", "bad-u2", "u3", "u4"};
    for (int i = 0; i < 4; ++i) queue.put_nowait(job(urls[i], 0.01 * (i + 1)));
    co_await twoway::async_with(twoway::task_group(), [&](twoway::task_group tg) -> coroutine<void> {
        std::vector<twoway::task<void>> workers;
        for (int i = 0; i < 2; ++i) workers.push_back(tg.create_task(worker("w" + std::to_string(i), queue, results)));
        co_await queue.join();
        for (auto &w : workers) w.cancel();
    });
    std::cout << "workers -> " << twoway::repr(results) << "\n";

    try {
        co_await twoway::async_with(twoway::task_group(), [&](twoway::task_group tg) -> coroutine<void> {
            tg.create_task(fetch("ok", 0.01));
            tg.create_task(fetch("bad", 0.02));
            co_return;
        });
    } catch (...) {
        twoway::except_star(std::current_exception())
            .on<twoway::value_error>([](const twoway::base_exception_group &eg) {
                std::vector<std::string> messages;
                for (const std::exception_ptr &e : eg.exceptions()) messages.push_back(message_of(e));
                std::cout << "task group -> " << twoway::repr(messages) << "\n";
            })
            .rethrow_rest();
    }
}

int main() {
    twoway::run(main_(), {twoway::virtual_clock});
    return 0;
}
