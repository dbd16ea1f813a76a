// A small cooperative scheduler, after David Beazley's pyos ("A Curious Course on Coroutines and
// Concurrency", PyCon 2009); examples/scheduler.py is the Python program, and a test checks that this
// one prints what CPython 3.13 prints for it (examples/scheduler.out).
//
// Tasks are generators. A task makes a system call by yielding it (co_yield GetTid{}), and the
// scheduler sends the call's result back: the value of that co_yield. Python needs no types for that;
// here one type, Value, carries both directions: a system call out, a result in (an int or a bool),
// or None for a bare `yield`.
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "twoway/generator.hpp"

// ---- what tasks and the scheduler exchange -------------------------------------------------------

struct Value;                                      // defined below, after the system calls
using Coroutine = twoway::generator<Value, Value>; // a task's code: yields Values, is sent Values

struct GetTid {};             // answers the task's id (an int)
struct KillTask { int tid; }; // closes a task; answers whether there was one (a bool)
struct WaitTask { int tid; }; // waits until a task ends; answers whether there was one (a bool)
struct NewTask {              // starts a task; answers its id (an int)
    // A constructor, not an aggregate: GCC 12 destroys an aggregate temporary that owns something twice
    // when it is built in a co_yield, as in `co_yield NewTask{foo()}` (docs/differences.md).
    explicit NewTask(Coroutine t) : target(std::move(t)) {}
    Coroutine target;
};

// A struct rather than a `using`, so that it can be declared before NewTask, which holds a Coroutine.
struct Value : std::variant<twoway::none_t, GetTid, NewTask, KillTask, WaitTask, int, bool> {
    using variant::variant;
};

// What a system call answered, as the type it answers with: `auto reply = co_yield GetTid{};` then
// `answer<int>(reply)`. Checked: a None or another type throws instead of being undefined behaviour.
template <class T>
T answer(const twoway::maybe<Value> &reply) {
    return std::get<T>(*reply);
}

// Python prints booleans as True and False.
const char *py(bool b) { return b ? "True" : "False"; }

// ---- the scheduler -------------------------------------------------------------------------------

struct Task {
    int tid;
    Coroutine target;
    twoway::maybe<Value> sendval; // what the next step sends: None (next()) until a system call answers
};

class Scheduler {
public:
    int new_task(Coroutine target) {
        auto task = std::make_shared<Task>(Task{++last_tid_, std::move(target), twoway::none});
        taskmap_[task->tid] = task;
        schedule(task);
        return task->tid;
    }

    void mainloop() {
        while (!taskmap_.empty()) {
            std::shared_ptr<Task> task = ready_.front();
            ready_.pop_front();
            // step(maybe): a None is next(), which also starts a new task; a value is send(value).
            auto result = task->target.step(std::exchange(task->sendval, twoway::none));
            if (result.is_returned()) { // Python: except StopIteration
                exit(*task);
                continue;
            }
            handle(task, std::move(result.yielded()));
        }
    }

private:
    void schedule(std::shared_ptr<Task> task) { ready_.push_back(std::move(task)); }

    // The system calls. Anything else a task yields (a bare co_yield) just lets the others run.
    void handle(const std::shared_ptr<Task> &task, Value call) {
        if (std::get_if<GetTid>(&call)) {
            task->sendval = task->tid;
        } else if (auto *c = std::get_if<NewTask>(&call)) {
            task->sendval = new_task(std::move(c->target));
        } else if (auto *c = std::get_if<KillTask>(&call)) {
            auto victim = taskmap_.find(c->tid);
            if (victim != taskmap_.end()) victim->second->target.close(); // it ends the next time it runs
            task->sendval = victim != taskmap_.end();
        } else if (auto *c = std::get_if<WaitTask>(&call)) {
            const bool waiting = taskmap_.contains(c->tid);
            task->sendval = waiting;
            if (waiting) {
                exit_waiting_[c->tid].push_back(task);
                return; // rescheduled when that task ends
            }
        }
        schedule(task);
    }

    void exit(const Task &task) {
        std::cout << "Task " << task.tid << " terminated\n";
        const int tid = task.tid;
        taskmap_.erase(tid); // may destroy `task`
        if (auto waiting = exit_waiting_.extract(tid))
            for (auto &waiter : waiting.mapped()) schedule(waiter);
    }

    int last_tid_ = 0;
    std::deque<std::shared_ptr<Task>> ready_;
    std::map<int, std::shared_ptr<Task>> taskmap_;
    std::map<int, std::vector<std::shared_ptr<Task>>> exit_waiting_;
};

// ---- the tasks -----------------------------------------------------------------------------------

Coroutine foo() {
    auto reply = co_yield GetTid{};
    const int mytid = answer<int>(reply);
    try {
        for (;;) {
            std::cout << "I'm foo " << mytid << "\n";
            co_yield twoway::none;
        }
    } catch (...) { // Python: finally (here only close() ends foo)
        std::cout << "foo " << mytid << " closed\n";
        throw;
    }
}

Coroutine bar(int n) {
    auto reply = co_yield GetTid{};
    const int mytid = answer<int>(reply);
    for (int i = 0; i < n; ++i) {
        std::cout << "I'm bar " << mytid << ", step " << i << "\n";
        co_yield twoway::none;
    }
}

Coroutine main_task() {
    auto reply = co_yield GetTid{};
    const int mytid = answer<int>(reply);
    std::cout << "main " << mytid << " starting\n";
    reply = co_yield NewTask{foo()};
    const int child = answer<int>(reply);
    std::cout << "main: foo is task " << child << "\n";
    reply = co_yield NewTask{bar(2)};
    const int worker = answer<int>(reply);
    std::cout << "main: bar is task " << worker << "\n";
    co_yield twoway::none;
    reply = co_yield KillTask{child};
    std::cout << "main: killed task " << child << ": " << py(answer<bool>(reply)) << "\n";
    reply = co_yield WaitTask{worker};
    std::cout << "main: waited for task " << worker << ": " << py(answer<bool>(reply)) << "\n";
    reply = co_yield WaitTask{worker};
    std::cout << "main: waited for task " << worker << " again: " << py(answer<bool>(reply)) << "\n";
    reply = co_yield KillTask{child};
    std::cout << "main: killed task " << child << " again: " << py(answer<bool>(reply)) << "\n";
}

int main() {
    Scheduler sched;
    sched.new_task(main_task());
    sched.mainloop();
}
