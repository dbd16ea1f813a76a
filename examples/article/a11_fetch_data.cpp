// Article: "The async/await Lineage" — the pre-async/await coroutine pattern, run for real on the event
// loop: fetch_data is a generator that yields a future, and a small scheduler send()s the result back in
// when it is done. Then the same function as a coroutine (async def / await), run as a task.
#include <iostream>
#include <string>

#include "twoway/asyncio.hpp"
#include "twoway/generator.hpp"

using twoway::future;

future<std::string> http_request(const std::string &url) {
    auto loop = twoway::get_running_loop();
    auto fut = loop.create_future<std::string>();
    loop.call_later(0.01, [fut, url] { fut.set_result("<html>" + url + "</html>"); }); // the "network" answers later
    std::cout << "  http_request(" << twoway::repr(url) << "): a pending Future\n";
    return fut;
}

future<std::string> parse_response(const std::string &response) {
    auto loop = twoway::get_running_loop();
    auto fut = loop.create_future<std::string>();
    std::string body = response.substr(6, response.size() - 6 - 7); // without <html> and </html>
    for (auto &c : body) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    loop.call_soon([fut, body] { fut.set_result(body); });
    std::cout << "  parse_response(" << twoway::repr(response) << "): a pending Future\n";
    return fut;
}

// [example]
// Pre-async/await coroutine pattern (the article's fetch_data): a generator that yields a future and
// receives its result through send().
twoway::generator<future<std::string>, std::string, std::string> fetch_data(std::string url) {
    auto response = co_yield http_request(url); // yield a Future, get result via send()
    auto data = co_yield parse_response(*response); // same pattern
    co_return *data;
}

// The scheduler of the pattern: each future's result is sent back into the generator.
using fetcher = twoway::generator<future<std::string>, std::string, std::string>;
void step(fetcher *gen, future<std::string> done, twoway::maybe<std::string> value) {
    auto r = value.is_none() ? gen->step() : gen->step(*value);
    if (r.is_returned()) {
        std::cout << "  (scheduler: the generator returned " << twoway::repr(*r.returned()) << ")\n";
        done.set_result(*r.returned());
        return;
    }
    std::cout << "  (scheduler: waiting on the Future it yielded)\n";
    r.yielded().add_done_callback([gen, done](future<std::string> f) { step(gen, done, f.result()); });
}
future<std::string> run_with_send(fetcher *gen) {
    auto done = twoway::get_running_loop().create_future<std::string>();
    step(gen, done, twoway::none);
    return done;
}

// PEP 492: the same coroutine with async def / await; the task does the send() now.
twoway::coroutine<std::string> fetch_data_native(std::string url) {
    std::string response = co_await http_request(url);
    std::string data = co_await parse_response(response);
    co_return data;
}
// [example]

twoway::coroutine<void> async_main() {
    std::cout << "== generator-based coroutine, driven with send()\n";
    auto gen = fetch_data("example.com");
    std::string result = co_await run_with_send(&gen);
    std::cout << "fetch_data -> " << twoway::repr(result) << "\n";
    std::cout << "== async def, driven by an asyncio Task\n";
    std::string native = co_await twoway::create_task(fetch_data_native("python.org"));
    std::cout << "fetch_data_native -> " << twoway::repr(native) << "\n";
}

int main() { twoway::run(async_main()); }
