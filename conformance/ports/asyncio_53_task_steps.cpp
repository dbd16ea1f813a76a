// Port of asyncio/53_task_steps.py — Rules: J1, J2, J4-J8, K13 (create_task, steps, sleep(0), waking on a
// future, completion, current_task/all_tasks, names).
// "-- tick N" lines come from a callback that re-schedules itself with call_soon: one per loop iteration.
#include <algorithm>
#include <cctype>

#include "asyncio_support.hpp"

namespace {

// Python's KeyError: str() is the repr of the key, repr() is KeyError('k') (KeyError() without a key).
struct KeyError : std::exception, trace::named {
    KeyError() = default;
    explicit KeyError(const std::string &k) : text(trace::repr(k)) {}
    const char *what() const noexcept override { return text.c_str(); }
    const char *python_type() const noexcept override { return "KeyError"; }
    std::string text;
};

// repr() of an exception object (None for a null one).
trace::object exc_repr(const std::exception_ptr &e) {
    if (!e) return {"None"};
    try {
        std::rethrow_exception(e);
    } catch (const KeyError &k) {
        return {"KeyError(" + k.text + ")"};
    } catch (...) {
        return {twoway::exception_repr(e)};
    }
}

std::vector<std::string> sorted_names(const std::vector<twoway::task_ref> &tasks) {
    std::vector<std::string> names;
    for (const twoway::task_ref &t : tasks) names.push_back(t.get_name());
    std::sort(names.begin(), names.end());
    return names;
}

struct ticker {
    twoway::event_loop loop;
    int last;
    void operator()(int i) const {
        std::cout << "-- tick " << i << "\n";
        if (i < last) loop.call_soon(*this, i + 1);
    }
};
void start_ticker(const twoway::event_loop &loop, int last) { loop.call_soon(ticker{loop, last}, 0); }

twoway::coroutine<std::string> worker(std::string name, int steps) {
    std::cout << "  [" << name << "] first step\n";
    for (int i = 0; i < steps; ++i) {
        co_await twoway::sleep(0);
        std::cout << "  [" << name << "] after sleep(0) #" << i + 1 << "\n";
    }
    std::string upper = name;
    for (char &ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    co_return upper;
}

twoway::coroutine<std::string> waiter(twoway::future<std::string> fut) {
    std::cout << "  [waiter] awaiting the future\n";
    std::string v = co_await fut;
    std::cout << "  [waiter] got " << trace::repr(v) << "\n";
    co_return v;
}

twoway::coroutine<void> setter(twoway::future<std::string> fut) {
    co_await twoway::sleep(0);
    std::cout << "  [setter] set_result\n";
    fut.set_result("value");
    std::cout << "  [setter] returning (the waiter has not resumed yet)\n";
}

twoway::coroutine<std::string> quick() {
    std::cout << "  [quick] runs\n";
    co_return "quick result";
}

twoway::coroutine<void> failing() {
    throw KeyError("task failed");
    co_return;
}

twoway::coroutine<void> main_coro() {
    twoway::event_loop loop = twoway::get_running_loop();
    twoway::task_ref me = twoway::current_task();
    std::cout << "current_task(): " << me.get_name() << " | all_tasks(): " << trace::repr(sorted_names(twoway::all_tasks()))
              << "\n";

    std::cout << "== create_task only schedules the first step (call_soon order)\n";
    start_ticker(loop, 3);
    auto ta = twoway::create_task(worker("a", 2));
    loop.call_soon([] { std::cout << "  [call_soon between the two create_task calls]\n"; });
    auto tb = twoway::create_task(worker("b", 1));
    std::cout << "created: " << ta.get_name() << " " << tb.get_name() << " | done: " << trace::repr(ta.done()) << " "
              << trace::repr(tb.done()) << "\n";
    std::cout << "all_tasks(): " << trace::repr(sorted_names(twoway::all_tasks())) << "\n";
    std::string ra = co_await ta;
    std::cout << "a: " << ra << "\n";
    const bool b_done = tb.done();
    std::string rb = co_await tb;
    std::cout << "b was already done: " << trace::repr(b_done) << " | b: " << rb << "\n";
    std::cout << "all_tasks(): " << trace::repr(sorted_names(twoway::all_tasks())) << "\n";

    std::cout << "== a future wakes its task one iteration after it completes\n";
    start_ticker(loop, 3);
    auto fut = loop.create_future<std::string>();
    auto tw = twoway::create_task(waiter(fut));
    auto ts = twoway::create_task(setter(fut));
    std::string rw = co_await tw;
    std::cout << "main got: " << rw << "\n";

    std::cout << "== awaiting a done future or a coroutine does not suspend; awaiting a task does\n";
    start_ticker(loop, 1);
    auto done = loop.create_future<std::string>();
    done.set_result("already");
    std::string rd = co_await done;
    std::cout << "await done future: " << rd << "\n";
    std::string rq = co_await quick();
    std::cout << "await quick(): " << rq << "\n";
    std::string rt = co_await twoway::create_task(quick());
    std::cout << "await create_task(quick()): " << rt << "\n";

    std::cout << "== results and exceptions of finished tasks\n";
    auto tf = twoway::create_task(failing());
    try {
        co_await tf;
    } catch (const KeyError &e) {
        std::cout << "await tf !! KeyError: " << e.what() << "\n";
    }
    trace::attempt("tf.result()", [&] { tf.result(); });
    trace::attempt("tf.exception()", [&] { return exc_repr(tf.exception()); });
    trace::attempt("ta.result()", [&] { return ta.result(); });
    // Python sets the int 1; a task<std::string> takes a string. Either way the task refuses it first.
    trace::attempt("ta.set_result(1)", [&] { ta.set_result(std::string("1")); });
    trace::attempt("ta.set_exception(KeyError())", [&] { ta.set_exception(KeyError()); });

    std::cout << "== names\n";
    auto tn = twoway::create_task(quick(), "named");
    auto td = twoway::create_task(quick());
    std::cout << "explicit: " << tn.get_name() << " | default: " << td.get_name() << "\n";
    tn.set_name(42);
    std::cout << "set_name(42) -> " << trace::repr(tn.get_name()) << "\n";
    co_await tn;
    co_await td;

    std::cout << "== create_task needs a coroutine (3.12+: a types.coroutine generator is refused too)\n";
    // create_task takes a coroutine<T>: an int or a generator (@types.coroutine) does not compile.
    trace::skip_line("create_task(42): not a coroutine (compile-time error)");
    trace::skip_line("create_task(legacy()): a generator is not a coroutine (compile-time error)");
}

twoway::coroutine<void> never_started() { co_return; }

} // namespace

int main() {
    twoway::run(main_coro());

    std::cout << "== create_task needs a running loop\n";
    auto c = never_started();
    trace::attempt("asyncio.create_task(c)", [&] { return trace::object{twoway::create_task(std::move(c)).repr()}; });
    c.close();
    trace::attempt("asyncio.current_task()", [] { return trace::object{twoway::current_task().repr()}; });
    trace::attempt("asyncio.all_tasks()", [] { return trace::object{trace::repr(sorted_names(twoway::all_tasks()))}; });
}
