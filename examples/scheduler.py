# A small cooperative scheduler, after David Beazley's pyos ("A Curious Course on Coroutines and
# Concurrency", PyCon 2009). Tasks are generators; they yield system calls (GetTid, NewTask, WaitTask,
# KillTask) and are sent back each call's result. examples/scheduler.cpp is the same program in C++;
# its output is compared with this program's under CPython 3.13 (examples/scheduler.out).
from collections import deque


class Task:
    taskid = 0

    def __init__(self, target):
        Task.taskid += 1
        self.tid = Task.taskid  # task ID
        self.target = target    # the generator
        self.sendval = None     # what the next step sends: None (next()) until a system call answers

    def run(self):
        sendval, self.sendval = self.sendval, None
        return self.target.send(sendval)


class SystemCall:
    def handle(self, sched, task):
        pass


class GetTid(SystemCall):
    def handle(self, sched, task):
        task.sendval = task.tid
        sched.schedule(task)


class NewTask(SystemCall):
    def __init__(self, target):
        self.target = target

    def handle(self, sched, task):
        task.sendval = sched.new(self.target)
        sched.schedule(task)


class KillTask(SystemCall):
    def __init__(self, tid):
        self.tid = tid

    def handle(self, sched, task):
        victim = sched.taskmap.get(self.tid)
        if victim:
            victim.target.close()  # it ends the next time the scheduler runs it
        task.sendval = victim is not None
        sched.schedule(task)


class WaitTask(SystemCall):
    def __init__(self, tid):
        self.tid = tid

    def handle(self, sched, task):
        waiting = sched.wait_for_exit(task, self.tid)
        task.sendval = waiting
        if not waiting:  # no such task: do not wait
            sched.schedule(task)


class Scheduler:
    def __init__(self):
        self.ready = deque()
        self.taskmap = {}
        self.exit_waiting = {}

    def new(self, target):
        task = Task(target)
        self.taskmap[task.tid] = task
        self.schedule(task)
        return task.tid

    def schedule(self, task):
        self.ready.append(task)

    def exit(self, task):
        print(f"Task {task.tid} terminated")
        del self.taskmap[task.tid]
        for waiter in self.exit_waiting.pop(task.tid, []):
            self.schedule(waiter)

    def wait_for_exit(self, task, waittid):
        if waittid not in self.taskmap:
            return False
        self.exit_waiting.setdefault(waittid, []).append(task)
        return True

    def mainloop(self):
        while self.taskmap:
            task = self.ready.popleft()
            try:
                result = task.run()
            except StopIteration:
                self.exit(task)
                continue
            if isinstance(result, SystemCall):
                result.handle(self, task)
            else:
                self.schedule(task)


# ---- the tasks ----

def foo():
    mytid = yield GetTid()
    try:
        while True:
            print(f"I'm foo {mytid}")
            yield
    finally:
        print(f"foo {mytid} closed")


def bar(n):
    mytid = yield GetTid()
    for i in range(n):
        print(f"I'm bar {mytid}, step {i}")
        yield


def main():
    mytid = yield GetTid()
    print(f"main {mytid} starting")
    child = yield NewTask(foo())
    print(f"main: foo is task {child}")
    worker = yield NewTask(bar(2))
    print(f"main: bar is task {worker}")
    yield
    killed = yield KillTask(child)
    print(f"main: killed task {child}: {killed}")
    waited = yield WaitTask(worker)
    print(f"main: waited for task {worker}: {waited}")
    waited = yield WaitTask(worker)
    print(f"main: waited for task {worker} again: {waited}")
    killed = yield KillTask(child)
    print(f"main: killed task {child} again: {killed}")


sched = Scheduler()
sched.new(main())
sched.mainloop()
