// Port of asyncio/43_tulip_scheduler.py — Rules: K3, K7, K11, K16 (the "Tulip pattern": a hand-written
// scheduler drives coroutines with send/throw). No asyncio. A MiniFuture's __await__ yields the future
// itself out of the whole await chain; the scheduler registers a callback on it and, when the future
// completes, send()s the result back in (or throw()s the exception in). This is the model that asyncio's
// Task is built on (compare J3: asyncio's Task resumes with send(None) and lets Future.__await__ fetch
// the result itself).
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "trace_support.hpp"

namespace {

using twoway::coroutine;
using twoway::object;

PY_EXCEPTION(LookupError);

// Python's repr() of an exception: LookupError('no stock data').
std::string exception_repr(const std::exception_ptr &e) {
    return trace::python_name(e) + "(" + trace::repr(trace::message_of(e)) + ")";
}

struct MiniFuture {
    explicit MiniFuture(std::string n) : name(std::move(n)) {}
    MiniFuture(const MiniFuture &) = delete; // the scheduler and the callbacks refer to it
    virtual ~MiniFuture() = default;

    std::string name;
    bool done = false;
    object result;
    std::exception_ptr exception;
    std::vector<std::function<void(MiniFuture &)>> callbacks;

    void set_result(object value) {
        done = true;
        result = std::move(value);
        for (auto &cb : callbacks) cb(*this);
    }
    void set_exception(std::exception_ptr exc) {
        done = true;
        exception = std::move(exc);
        for (auto &cb : callbacks) cb(*this);
    }
    // Python's __await__.
    twoway::generator<object, object, object> await_iter() {
        if (!done) {
            object value = co_yield object(this); // out through every await, to the scheduler
            co_return value;                      // the scheduler sent the result back
        }
        if (exception) std::rethrow_exception(exception);
        co_return result;
    }
};

struct Scheduler;

struct MiniTask : MiniFuture {
    MiniTask(Scheduler &sched, coroutine<object> c, std::string name);
    coroutine<object> coro;
};

struct Scheduler {
    struct entry {
        MiniTask *task;
        object value;
        std::exception_ptr exc;
    };
    std::deque<entry> ready;

    void schedule(MiniTask &task, object value, std::exception_ptr exc) {
        ready.push_back(entry{&task, std::move(value), std::move(exc)});
    }
    void run() {
        while (!ready.empty()) {
            entry next = std::move(ready.front());
            ready.pop_front();
            MiniTask *task = next.task;
            const object &value = next.value;
            const std::exception_ptr &exc = next.exc;
            object waited_on;
            try {
                if (exc) {
                    std::cout << "  (scheduler: throw " << exception_repr(exc) << " into " << task->name << ")\n";
                    waited_on = task->coro.throw_exception(exc);
                } else {
                    std::cout << "  (scheduler: send " << value.repr() << " into " << task->name << ")\n";
                    waited_on = task->coro.send(value);
                }
            } catch (const twoway::stop_iteration<object> &e) {
                object returned(e.value);
                std::cout << "  (scheduler: " << task->name << " returned " << returned.repr() << ")\n";
                task->set_result(returned);
                continue;
            } catch (const std::exception &) {
                auto e = std::current_exception();
                std::cout << "  (scheduler: " << task->name << " raised " << exception_repr(e) << ")\n";
                task->set_exception(e);
                continue;
            }
            MiniFuture *fut = waited_on.as<MiniFuture *>();
            std::cout << "  (scheduler: " << task->name << " waits on " << fut->name << ")\n";
            fut->callbacks.push_back([this, task](MiniFuture &f) { schedule(*task, f.result, f.exception); });
        }
    }
};

MiniTask::MiniTask(Scheduler &sched, coroutine<object> c, std::string name)
    : MiniFuture(std::move(name)), coro(std::move(c)) {
    sched.schedule(*this, object(), nullptr);
}

coroutine<object> fetch(MiniFuture &fut) {
    std::cout << "  [fetch " << fut.name << "] awaiting\n";
    object v = co_await fut;
    std::cout << "  [fetch " << fut.name << "] got " << v.repr() << "\n";
    co_return v;
}

coroutine<object> shop(MiniFuture &price, MiniFuture &stock) {
    std::cout << "  [shop] start\n";
    object p = co_await fetch(price);
    object s;
    try {
        s = co_await fetch(stock);
    } catch (const LookupError &e) {
        std::cout << "  [shop] stock lookup failed: " << e.what() << "; assuming 0\n";
        s = 0;
    }
    // f"{s} items at {p}": str() of an int and a float is their repr.
    co_return object(s.repr() + " items at " + p.repr());
}

// Python's clerk reads the globals price and buyer; here they are parameters.
coroutine<object> clerk(MiniFuture &price, MiniFuture &buyer) {
    std::cout << "  [clerk] start\n";
    object r = co_await fetch(price); // a second waiter on the same future
    std::cout << "  [clerk] sees price " << r.repr() << "\n";
    object price_task_result = co_await buyer; // awaiting another task: it is just a future too
    std::cout << "  [clerk] buyer said " << price_task_result.repr() << "\n";
    co_return object("clerk done");
}

} // namespace

int main() {
    Scheduler sched;
    MiniFuture price("price");
    MiniFuture stock("stock");

    std::cout << "== both tasks start and suspend\n";
    MiniTask buyer(sched, shop(price, stock), "buyer");
    MiniTask helper(sched, clerk(price, buyer), "clerk");
    sched.run();
    std::cout << "== price arrives: both waiters are resumed, in registration order\n";
    price.set_result(9.5);
    sched.run();
    std::cout << "== stock fails: the exception is thrown in at the await\n";
    stock.set_exception(std::make_exception_ptr(LookupError("no stock data")));
    sched.run();
    std::cout << "buyer: " << trace::repr(buyer.done) << " " << buyer.result.repr() << " | clerk: "
              << trace::repr(helper.done) << " " << helper.result.repr() << "\n";
}
