"""The CPython side of the async differential test (docs/plans/async-difftest.md).

Reads cases from stdin, one per line, compiles each case's scripts to real Python `async def` functions,
runs script 0 as asyncio.run() would (a fresh loop, main's task, then the shutdown: cancel the remaining
tasks and run them to their end, shut down async generators and the default executor, close) on an event
loop whose clock is virtual, and prints the trace followed by a line "=END=". This side is the ground
truth: the scripts run as ordinary Python code on asyncio's own loop, tasks, futures, timeouts, task groups
and synchronization primitives, so CPython 3.13 decides everything.

    async_pyside.py              serve cases from stdin (the difftest driver's pipe)
    async_pyside.py --selftest   print the traces of the hand-written cases at the bottom of this file

Run it with CPython 3.13.
"""
import asyncio
import gc
import heapq
import selectors
import sys
import warnings
import weakref
from asyncio import events

sys.setrecursionlimit(10000)

TIME_LIMIT = 1000  # the clock may not reach this: a watchdog timer, the loop's first, at TIME_LIMIT
RECORD_LIMIT = 10000  # records a case may make


class E1(Exception):
    pass


class E2(Exception):
    pass


class B1(BaseException):
    pass


class Abort(SystemExit):
    """Stops a runaway case. A SystemExit, so that asyncio lets it through everything: Handle._run and
    Task.__step re-raise SystemExit, so it leaves run_until_complete() at once. Scripts cannot swallow it:
    every handler and finally block begins with a record, and once a case is aborted every record raises
    Abort again."""


EXC = {"E1": E1, "E2": E2, "B1": B1, "VE": ValueError, "CE": asyncio.CancelledError, "TE": TimeoutError}
KINDS = {"E1": "E1", "E2": "E2", "B1": "B1", "VE": "ValueError", "CE": "CancelledError", "TE": "TimeoutError",
         "EG": "ExceptionGroup", "Exception": "Exception", "BaseException": "BaseException"}


def describe(e):
    msg = str(e)
    # A message that embeds a repr (`Task cannot await on itself: <Task pending name='Task-7' coro=...>`:
    # a process-wide task number, the generated code's line numbers) is cut before the first ": <".
    cut = msg.find(": <")
    if cut >= 0:
        msg = msg[:cut]
    return f"{type(e).__name__}: {msg}"


def show(v):
    """A value: repr(), or `Type: msg` for an exception (gather's return_exceptions slots)."""
    if isinstance(v, BaseException):
        return describe(v)
    return repr(v)


def show_list(vs):
    return "[" + ", ".join(show(v) for v in vs) + "]"


# ---- parsing ---------------------------------------------------------------------------------------------

class Parser:
    def __init__(self, tokens):
        self.t = tokens
        self.i = 0

    def next(self):
        tok = self.t[self.i]
        self.i += 1
        return tok

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else None

    def num(self):
        return int(self.next())

    def value(self):
        v = self.next()
        return None if v == "N" else int(v)

    def expect(self, tok):
        got = self.next()
        if got != tok:
            raise ValueError(f"expected {tok!r}, got {got!r} at token {self.i - 1}")

    def block(self):
        self.expect("[")
        stmts = []
        while self.peek() != "]":
            stmts.append(self.stmt())
        self.next()
        return stmts

    def numbers(self):
        self.expect("[")
        ns = []
        while self.peek() != "]":
            ns.append(self.num())
        self.next()
        return ns

    def stmt(self):
        op = self.next()
        if op in ("P", "S", "K", "AT", "AW", "CS", "FW", "SH", "AG", "AN", "AC", "AF"):
            return (op, self.num())
        if op in ("QP", "Y"):
            return (op, self.value())
        if op == "AS":
            return (op, self.num(), self.num())
        if op == "AX":
            i = self.num()
            k = self.next()
            if k not in EXC:
                raise ValueError(f"unknown exception kind {k!r}")
            return (op, i, k, self.num())
        if op in ("U", "N", "RR", "QG"):
            return (op,)
        if op in ("C", "W"):
            return (op, self.num(), self.num())
        if op == "FR":
            return (op, self.num(), self.value())
        if op == "FX":
            i = self.num()
            k = self.next()
            if k not in EXC:
                raise ValueError(f"unknown exception kind {k!r}")
            return (op, i, k)
        if op == "R":
            return (op, self.value())
        if op == "X":
            k = self.next()
            if k not in EXC:
                raise ValueError(f"unknown exception kind {k!r}")
            return (op, k, self.num())
        if op == "EV":
            what = self.next()
            if what not in ("s", "w", "c"):
                raise ValueError(f"EV {what!r}")
            return (op, what)
        if op == "G":
            return (op, self.num(), self.numbers())
        if op == "TO":
            return (op, self.num(), self.block())
        if op == "TG":
            return (op, self.numbers(), self.block())
        if op == "LK":
            return (op, self.block())
        if op == "T":
            body = self.block()
            handlers = []
            fin = None
            while self.peek() == "H":
                self.next()
                kinds = self.next().split(",")
                for k in kinds:
                    if k not in KINDS:
                        raise ValueError(f"unknown handler kind {k!r}")
                handlers.append((kinds, self.block()))
            if self.peek() == "F":
                self.next()
                fin = self.block()
            self.expect(";")
            if not handlers and fin is None:
                raise ValueError("T without H or F")
            return ("T", body, handlers, fin)
        raise ValueError(f"unknown statement {op!r}")


def parse_case(line):
    p = Parser(line.split())
    scripts = []
    while True:
        scripts.append(p.block())
        if p.peek() is None:
            break
        p.expect("#")
    return scripts


def called_scripts(block, agen=False):
    """The coroutine scripts a block starts or awaits (for the index check), or with agen=True the async
    generator scripts it makes (AG)."""
    for s in block:
        op = s[0]
        if op in ("K", "AW", "SH", "W"):
            if not agen:
                yield s[1]
        elif op == "AG":
            if agen:
                yield s[1]
        elif op == "G":
            if not agen:
                yield from s[2]
        elif op == "TG":
            if not agen:
                yield from s[1]
            yield from called_scripts(s[2], agen)
        elif op in ("TO",):
            yield from called_scripts(s[2], agen)
        elif op == "LK":
            yield from called_scripts(s[1], agen)
        elif op == "T":
            yield from called_scripts(s[1], agen)
            for _, h in s[2]:
                yield from called_scripts(h, agen)
            if s[3] is not None:
                yield from called_scripts(s[3], agen)


def has_yield(block, in_with_only=False, in_with=False):
    """Whether a block has a Y (an async generator's script); with in_with_only, a Y inside a
    with-statement's body (which the language forbids: the C++ side runs such a body as a nested coroutine)."""
    for s in block:
        op = s[0]
        if op == "Y" and (in_with or not in_with_only):
            return True
        if op == "TO" and has_yield(s[2], in_with_only, True):
            return True
        if op == "TG" and has_yield(s[2], in_with_only, True):
            return True
        if op == "LK" and has_yield(s[1], in_with_only, True):
            return True
        if op == "T":
            if has_yield(s[1], in_with_only, in_with) or any(has_yield(h, in_with_only, in_with) for _, h in s[2]):
                return True
            if s[3] is not None and has_yield(s[3], in_with_only, in_with):
                return True
    return False


# ---- compiling -------------------------------------------------------------------------------------------

def gen_code(index, block):
    agen = has_yield(block)
    lines = [f"async def c{index}():"]
    counter = [0]

    def fresh(prefix):
        counter[0] += 1
        return f"{prefix}{counter[0]}"

    def emit(stmts, depth):
        pad = "    " * depth
        if not stmts:
            lines.append(pad + "pass")
        for s in stmts:
            op = s[0]
            R = f"{pad}rec({index}, "
            if op == "P":
                lines.append(f"{R}'P {s[1]}')")
            elif op == "S":
                lines.append(f"{pad}await asyncio.sleep({s[1]})")
            elif op == "K":
                lines.append(f"{pad}tasks.append(asyncio.create_task(c{s[1]}()))")
                lines.append(f"{R}'K %d' % (len(tasks) - 1))")
            elif op == "AT":
                lines.append(f"{pad}if {s[1]} < len(tasks):")
                lines.append(f"{pad}    _r = await tasks[{s[1]}]")
                lines.append(f"{pad}    rec({index}, 'AT {s[1]} -> %r' % (_r,))")
                lines.append(f"{pad}else:")
                lines.append(f"{pad}    rec({index}, 'P 999')")
            elif op == "AW":
                lines.append(f"{pad}_r = await c{s[1]}()")
                lines.append(f"{R}'AW {s[1]} -> %r' % (_r,))")
            elif op == "C":
                lines.append(f"{pad}if {s[1]} < len(tasks):")
                lines.append(f"{pad}    _r = tasks[{s[1]}].cancel('m{s[2]}')")
                lines.append(f"{pad}    rec({index}, 'C {s[1]} -> %r' % (_r,))")
                lines.append(f"{pad}else:")
                lines.append(f"{pad}    rec({index}, 'P 999')")
            elif op == "CS":
                lines.append(f"{pad}_r = asyncio.current_task().cancel('m{s[1]}')")
                lines.append(f"{R}'CS -> %r' % (_r,))")
            elif op == "U":
                lines.append(f"{pad}_r = asyncio.current_task().uncancel()")
                lines.append(f"{R}'U -> %r' % (_r,))")
            elif op == "N":
                lines.append(f"{pad}_r = asyncio.current_task().cancelling()")
                lines.append(f"{R}'N -> %r' % (_r,))")
            elif op in ("FR", "FX"):
                i = s[1]
                lines.append(f"{pad}if f{i}.done():")
                lines.append(f"{pad}    rec({index}, '{op} {i} done')")
                lines.append(f"{pad}else:")
                if op == "FR":
                    lines.append(f"{pad}    f{i}.set_result({s[2]!r})")
                else:
                    lines.append(f"{pad}    f{i}.set_exception({s[2]}('m0'))")
                lines.append(f"{pad}    rec({index}, '{op} {i} set')")
            elif op == "FW":
                lines.append(f"{pad}_r = await f{s[1]}")
                lines.append(f"{R}'FW {s[1]} -> %r' % (_r,))")
            elif op == "R":
                lines.append(f"{pad}return" if agen else f"{pad}return {s[1]!r}")
            elif op == "Y":
                lines.append(f"{pad}_s = yield {s[1]!r}")
                lines.append(f"{R}'Y -> %r' % (_s,))")
            elif op == "AG":
                lines.append(f"{pad}gens.append(c{s[1]}())")
                lines.append(f"{R}'AG %d' % (len(gens) - 1))")
            elif op in ("AN", "AS", "AX", "AC", "AF"):
                k = s[1]
                lines.append(f"{pad}if {k} < len(gens):")
                if op == "AN":
                    lines.append(f"{pad}    _r = await gens[{k}].__anext__()")
                elif op == "AS":
                    lines.append(f"{pad}    _r = await gens[{k}].asend({s[2]!r})")
                elif op == "AX":
                    lines.append(f"{pad}    _r = await gens[{k}].athrow({s[2]}('m{s[3]}'))")
                elif op == "AC":
                    lines.append(f"{pad}    _r = await gens[{k}].aclose()")
                if op == "AF":
                    lines.append(f"{pad}    async for _x in gens[{k}]:")
                    lines.append(f"{pad}        rec({index}, 'AF {k} -> %r' % (_x,))")
                else:
                    lines.append(f"{pad}    rec({index}, '{op} {k} -> %r' % (_r,))")
                lines.append(f"{pad}else:")
                lines.append(f"{pad}    rec({index}, 'P 999')")
            elif op == "X":
                lines.append(f"{pad}raise {s[1]}('m{s[2]}')")
            elif op == "RR":
                lines.append(f"{pad}raise")
            elif op == "T":
                lines.append(f"{pad}try:")
                emit(s[1], depth + 1)
                for kinds, body in s[2]:
                    names = ", ".join(KINDS[k] for k in kinds)
                    lines.append(f"{pad}except ({names},) as _e:")
                    lines.append(f"{pad}    rec({index}, 'H ' + describe(_e))")
                    emit(body, depth + 1)
                if s[3] is not None:
                    lines.append(f"{pad}finally:")
                    lines.append(f"{pad}    rec({index}, 'F')")
                    emit(s[3], depth + 1)
            elif op == "G":
                args = "".join(f"c{j}(), " for j in s[2])
                lines.append(f"{pad}_r = await asyncio.gather({args}return_exceptions={bool(s[1])})")
                lines.append(f"{R}'G -> ' + show_list(_r))")
            elif op == "W":
                lines.append(f"{pad}_r = await asyncio.wait_for(c{s[1]}(), {s[2]})")
                lines.append(f"{R}'W -> %r' % (_r,))")
            elif op == "TO":
                cm = fresh("_cm")
                lines.append(f"{pad}async with asyncio.timeout({s[1]}) as {cm}:")
                emit(s[2], depth + 1)
                lines.append(f"{R}'TO expired=%r' % ({cm}.expired(),))")
            elif op == "SH":
                lines.append(f"{pad}_r = await asyncio.shield(c{s[1]}())")
                lines.append(f"{R}'SH -> %r' % (_r,))")
            elif op == "TG":
                tg = fresh("_tg")
                lines.append(f"{pad}async with TaskGroup() as {tg}:")
                for j in s[1]:
                    lines.append(f"{pad}    {tg}.create_task(c{j}())")
                emit(s[2], depth + 1)
                lines.append(f"{R}'TG done')")
            elif op == "EV":
                if s[1] == "s":
                    lines.append(f"{pad}e0.set()")
                elif s[1] == "c":
                    lines.append(f"{pad}e0.clear()")
                else:
                    lines.append(f"{pad}_r = await e0.wait()")
                    lines.append(f"{R}'EV w -> %r' % (_r,))")
            elif op == "LK":
                lines.append(f"{pad}async with l0:")
                emit(s[1], depth + 1)
            elif op == "QP":
                lines.append(f"{pad}await q0.put({s[1]!r})")
            elif op == "QG":
                lines.append(f"{pad}_r = await q0.get()")
                lines.append(f"{R}'QG -> %r' % (_r,))")
            else:
                raise ValueError(op)

    emit(block, 1)
    return "\n".join(lines)


# ---- the virtual-clock loop ------------------------------------------------------------------------------

class VirtualSelector(selectors.SelectSelector):
    """Registers file objects like any selector, but never waits: select(timeout) moves the virtual clock
    on by timeout and reports no events. The loop asks for timeout = (next deadline - now) when nothing
    is ready, so time jumps to the next timer."""

    def __init__(self):
        super().__init__()
        self.now = 0.0

    def select(self, timeout=None):
        if timeout is None:
            # Nothing ready and no timer: nothing can ever happen again. Cannot happen while the
            # watchdog timer is scheduled; if it does, the case is stuck for good.
            raise Abort("deadlock")
        if timeout > 0:
            self.now += timeout
        return []


class SeqTimerHandle(events.TimerHandle):
    """A TimerHandle ordered by (deadline, order of scheduling): timers with equal deadlines fire in the
    order they were scheduled (see the spec: heapq alone gives no order to ties, which on a real clock
    almost never occur)."""

    __slots__ = ("_seq",)

    def __lt__(self, other):
        return (self._when, self._seq) < (other._when, other._seq)

    def __gt__(self, other):
        return (self._when, self._seq) > (other._when, other._seq)


class OrderedSet:
    """The part of set that TaskGroup uses for its _tasks, iterating in insertion order."""

    def __init__(self):
        self._d = {}

    def add(self, x):
        self._d[x] = None

    def discard(self, x):
        self._d.pop(x, None)

    def __iter__(self):
        return iter(list(self._d))

    def __len__(self):
        return len(self._d)

    def __bool__(self):
        return bool(self._d)

    def __contains__(self, x):
        return x in self._d


class TaskGroup(asyncio.TaskGroup):
    """asyncio.TaskGroup whose children are cancelled in creation order (_abort iterates _tasks, a set
    ordered by hash in CPython)."""

    def __init__(self):
        super().__init__()
        self._tasks = OrderedSet()


class OrderedWeakSet:
    """The part of WeakSet that the loop uses for its _asyncgens, iterating in insertion order
    (shutdown_asyncgens closes the generators in that order; a WeakSet's order follows addresses)."""

    def __init__(self):
        self._d = {}

    def add(self, x):
        key = id(x)
        if key not in self._d:
            self._d[key] = weakref.ref(x, lambda _, key=key: self._d.pop(key, None))

    def discard(self, x):
        r = self._d.get(id(x))
        if r is not None and r() is x:
            del self._d[id(x)]

    def clear(self):
        self._d.clear()

    def __iter__(self):
        return iter([x for x in (r() for r in list(self._d.values())) if x is not None])

    def __len__(self):
        return len(self._d)


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        super().__init__(VirtualSelector())
        self._timer_seq = 0
        self._asyncgens = OrderedWeakSet()

    def time(self):
        return self._selector.now

    def call_at(self, when, callback, *args, context=None):
        # BaseEventLoop.call_at, with a handle that breaks deadline ties by scheduling order.
        if when is None:
            raise TypeError("when cannot be None")
        self._check_closed()
        timer = SeqTimerHandle(when, callback, args, self, context)
        timer._seq = self._timer_seq
        self._timer_seq += 1
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer


# ---- running a case --------------------------------------------------------------------------------------

class Ctx:
    def __init__(self, loop):
        self.loop = loop
        self.records = []
        self.handler_calls = []
        self.aborted = False
        self.finished = False  # the trace is complete: records raise, handler calls are not recorded

    def rec(self, j, text):
        if self.aborted or self.finished:
            raise Abort()
        t = self.loop.time()
        if t >= TIME_LIMIT or len(self.records) >= RECORD_LIMIT:
            self.aborted = True
            raise Abort()
        self.records.append(f"t={t:g} c{j} {text}")

    def watchdog(self):
        self.aborted = True
        raise Abort()

    def handler(self, loop, context):
        # Recorded until everything of the case is released, and compared as a sorted list: CPython reports a
        # never-retrieved exception when the object is collected (often by the collector, after the run),
        # twoway when the last reference goes; whether it is reported is compared, not when. A pending task
        # destroyed is not recorded (docs/asyncio.md: twoway reports it when close() releases it, CPython
        # when the collector breaks its cycle, if ever).
        if self.aborted or context.get("message") == "Task was destroyed but it is pending!":
            return
        exc = context.get("exception")
        message = str(context.get("message"))
        cut = message.find(" <")  # an embedded repr (`... asynchronous generator <async_generator object c1 at 0x…>`)
        if cut >= 0:
            message = message[:cut]
        self.handler_calls.append(f"HANDLER {message} | "
                                  + ("None" if exc is None else describe(exc)))


def task_order(t):
    # Tasks are named Task-<n> by a process-wide counter at their creation (none is named here).
    return int(t.get_name().rsplit("-", 1)[1])


def cancel_all_tasks(loop):
    """asyncio.runners._cancel_all_tasks, with the tasks in creation order (all_tasks() is a set)."""
    to_cancel = sorted(asyncio.all_tasks(loop), key=task_order)
    if not to_cancel:
        return
    for task in to_cancel:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*to_cancel, return_exceptions=True))
    for task in to_cancel:
        if task.cancelled():
            continue
        if task.exception() is not None:
            loop.call_exception_handler({
                'message': 'unhandled exception during asyncio.run() shutdown',
                'exception': task.exception(),
                'task': task,
            })


def run_case_until_end(line):
    scripts = parse_case(line)
    for i, b in enumerate(scripts):
        if has_yield(b, in_with_only=True):
            raise ValueError(f"Y inside a with-statement in script {i}")
        for agen in (False, True):
            for j in called_scripts(b, agen):
                if not i < j < len(scripts):
                    raise ValueError(f"script {i} calls script {j}")
                if has_yield(scripts[j]) != agen:
                    raise ValueError(f"script {j} is{' not' if agen else ''} an async generator")
    if has_yield(scripts[0]):
        raise ValueError("script 0 is an async generator")
    loop = VirtualLoop()
    ctx = Ctx(loop)
    loop.set_exception_handler(ctx.handler)
    ns = {"asyncio": asyncio, "TaskGroup": TaskGroup, "E1": E1, "E2": E2, "B1": B1, "ValueError": ValueError,
          "CancelledError": asyncio.CancelledError, "TimeoutError": TimeoutError,
          "describe": describe, "show_list": show_list, "rec": ctx.rec, "VE": ValueError, "CE": asyncio.CancelledError, "TE": TimeoutError}
    ns["f0"] = loop.create_future()
    ns["f1"] = loop.create_future()
    ns["e0"] = asyncio.Event()
    ns["l0"] = asyncio.Lock()
    ns["q0"] = asyncio.Queue(1)
    tasks = ns["tasks"] = []
    ns["gens"] = []
    for i, b in enumerate(scripts):
        exec(compile(gen_code(i, b), f"<c{i}>", "exec"), ns)
    loop.call_at(TIME_LIMIT, ctx.watchdog)  # the loop's first timer: first of any tie at TIME_LIMIT
    main_task = loop.create_task(ns["c0"]())
    end = []
    try:
        try:
            # asyncio.Runner.run and Runner.close
            try:
                r = loop.run_until_complete(main_task)
                end.append(f"END main -> {r!r}")
            except Abort:
                raise
            except BaseException as e:
                end.append(f"END main !! {describe(e)}")
            try:
                cancel_all_tasks(loop)
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            except Abort:
                raise
            except BaseException as e:  # an error of Runner.close() replaces main's outcome
                end[0] = f"END main !! {describe(e)}"
        finally:
            loop.close()
    except Abort:
        ctx.aborted = True
    if ctx.aborted:
        out = ctx.records + ["ABORT"]
    else:
        for i, t in enumerate(tasks):
            if not t.done():
                end.append(f"END {i} pending")
            elif t.cancelled():
                end.append(f"END {i} cancelled")
            elif t.exception() is not None:
                end.append(f"END {i} exception {describe(t.exception())}")
            else:
                end.append(f"END {i} done {t.result()!r}")
        out = ctx.records + end
    ctx.finished = True
    return out, ctx


def run_case(line):
    out, ctx = run_case_until_end(line)
    # Everything of the case went with run_case_until_end's frame; script records have stopped (a pending
    # coroutine's finally blocks), handler calls go on until the collector has run (the never-retrieved
    # reports of objects in cycles).
    gc.collect()
    if not ctx.aborted:
        out += sorted(ctx.handler_calls)
    return out


def serve(stream, out):
    for line in stream:
        line = line.strip()
        if not line:
            continue
        try:
            events_ = run_case(line)
        except Exception as e:  # a bug of this harness (or a malformed case), not a divergence
            events_ = [f"HARNESS ERROR {type(e).__name__}: {e}"]
        out.write("\n".join(events_) + "\n=END=\n")
        out.flush()


# ---- selftest --------------------------------------------------------------------------------------------

SELFTEST = [
    # A cancel caught (with the message), the cancelling count, re-raised: the awaiting task sees it.
    ("cancel caught and re-raised",
     "[ K 1 S 1 C 0 3 AT 0 ] # [ T [ S 5 ] H CE [ N RR ] F [ P 1 ] ; P 2 ]"),
    # A cancel caught, uncancelled and survived: the task goes on and returns.
    ("uncancel",
     "[ K 1 S 1 C 0 2 AT 0 ] # [ T [ S 5 ] H CE [ U N ] ; P 1 R 7 ]"),
    # A cancel of the current task, and a second cancel while the first is pending.
    ("cancel self",
     "[ CS 1 N CS 2 N T [ S 0 ] H CE [ N U U N ] ; P 3 R 1 ]"),
    # wait_for: one times out (the inner coroutine sees the cancel), one finishes in time, one with d=0.
    ("wait_for",
     "[ T [ W 1 2 ] H TE [ P 1 ] ; W 2 3 T [ W 2 0 ] H TE [ P 3 ] ; ] # [ T [ S 3 ] F [ P 2 ] ; ]"
     " # [ S 1 R 5 ]"),
    # timeout() expiring inside a try: the body sees CancelledError, the block raises TimeoutError.
    ("timeout expiring",
     "[ T [ TO 2 [ T [ S 3 P 9 ] H CE [ P 1 RR ] ; ] ] H TE [ P 2 ] ; TO 5 [ S 1 ] ]"),
    # timeout() whose body swallows the cancellation: a normal exit, expired=True.
    ("timeout swallowed",
     "[ TO 1 [ T [ S 2 ] H CE [ P 1 ] ; ] N R 4 ]"),
    # TaskGroup: one child fails, the other is cancelled (its finally runs), the group raises EG.
    ("taskgroup child fails",
     "[ T [ TG [ 1 2 ] [ S 5 P 9 ] ] H EG [ P 1 ] ; ] # [ S 1 X E1 4 ] # [ T [ S 3 ] F [ P 2 ] ; ]"),
    # TaskGroup: the children are cancelled in creation order when one fails.
    ("taskgroup cancel order",
     "[ T [ TG [ 1 2 3 4 ] [ S 5 ] ] H EG [ P 0 ] ; ] # [ T [ S 3 ] F [ P 1 ] ; ] # [ T [ S 3 ] F [ P 2 ] ; ]"
     " # [ T [ S 3 ] F [ P 3 ] ; ] # [ S 1 X E2 1 ]"),
    # TaskGroup that ends normally.
    ("taskgroup done",
     "[ TG [ 1 1 ] [ P 0 ] R 3 ] # [ S 1 P 1 R 2 ]"),
    # gather without return_exceptions: the first error propagates, the other child goes on.
    ("gather",
     "[ T [ G 0 [ 1 2 ] ] H E2 [ P 1 ] ; S 3 G 1 [ 1 2 3 ] G 0 [ ] ]"
     " # [ S 2 P 2 R 1 ] # [ S 1 X E2 5 ] # [ K 4 C 0 1 AT 0 ] # [ S 9 ]"),
    # shield: the outer task is cancelled, the shielded coroutine goes on in its own task.
    ("shield",
     "[ K 1 S 1 C 0 1 T [ AT 0 ] H CE [ P 0 ] ; S 3 ] # [ T [ SH 2 ] H CE [ P 1 RR ] ; ] # [ S 2 P 2 R 8 ]"),
    # Event, lock and queue hand-offs between tasks.
    ("event lock queue",
     "[ K 1 K 2 K 3 S 1 EV s QP 1 QP 2 LK [ P 0 S 1 ] AT 1 AT 2 ] # [ EV w EV c QG QG ]"
     " # [ LK [ P 2 S 2 P 3 ] ] # [ EV w P 4 ]"),
    # Shared futures: FR, FX, FW, a second set is "done", an awaiter's cancel cancels the future itself.
    ("futures",
     "[ K 1 K 2 S 1 FR 0 5 FR 0 6 FX 1 E1 AT 0 T [ AT 1 ] H E1 [ P 1 ] ; K 3 S 1 C 2 0 FX 0 VE ] # [ FW 0 ]"
     " # [ FW 1 ] # [ T [ FW 0 ] H CE [ P 2 RR ] ; ]"),
    # Cancelling a task that awaits a shared future cancels the future itself (with the message).
    ("awaiter cancelled",
     "[ K 1 S 1 C 0 4 FR 0 1 T [ FW 0 ] H CE [ P 1 ] ; N ] # [ FW 0 ]"),
    # A task created during the shutdown is still pending when the loop closes.
    ("task created in shutdown",
     "[ K 1 R 0 ] # [ T [ S 9 ] H CE [ K 2 P 1 ] ; ] # [ S 1 P 2 ]"),
    # A task's exception, a BaseException from main, awaiting oneself, a missing task.
    ("exceptions and end records",
     "[ K 1 K 2 K 3 S 1 AW 4 AT 9 C 9 0 X B1 1 ] # [ X E2 3 ] # [ S 2 R 4 ] # [ AT 2 ] # [ R N ]"),
    # Shutdown: a pending task is cancelled by run()'s shutdown; one fails during it (handler).
    ("shutdown",
     "[ K 1 K 2 S 0 R 1 ] # [ T [ S 9 ] F [ P 1 ] ; ] # [ T [ FW 0 ] H CE [ X E1 2 ] ; ]"),
    # FX with nobody awaiting: the future's exception is never retrieved (reported when it is released).
    ("never retrieved",
     "[ FX 1 E1 FR 0 1 ]"),
    # Runaway cases: a deadlock (ABORT at the watchdog), a long sleep chain.
    ("deadlock",
     "[ P 1 EV w P 2 ]"),
    # Time reaching 1000: each level awaits the next twice, the last sleeps 66 s (16 x 66 = 1056).
    ("time limit",
     "[ AW 1 AW 1 ] # [ AW 2 AW 2 ] # [ AW 3 AW 3 ] # [ AW 4 AW 4 ] # [ P 0 S 3 S 3 S 3 S 3 S 3 S 3 S 3 S 3 S 3 S 3"
     " S 3 S 3 S 3 S 3 S 3 S 3 S 3 S 3 S 3 S 3 S 3 S 3 ]"),
    # More than 10,000 records: 2^14 leaves each print.
    ("record limit",
     " # ".join(f"[ AW {i + 1} AW {i + 1} ]" for i in range(14)) + " # [ P 1 ]"),
]


def selftest():
    for name, case in SELFTEST:
        print(f"## {name}")
        print(case if len(case) < 200 else case[:200] + " ...")
        try:
            trace = run_case(case)
            if len(trace) > 24:  # the runaway cases: their head and tail
                trace = trace[:8] + [f"... {len(trace) - 16} more ..."] + trace[-8:]
            for r in trace:
                print("  " + r)
        except Exception as e:
            print(f"  HARNESS ERROR {type(e).__name__}: {e}")
        print()


def main():
    # The cycle collector runs only between cases, so nothing a case leaves in a cycle is finalized (or
    # reported to the exception handler) at a point set by allocation counts.
    gc.disable()
    warnings.simplefilter("ignore")  # "coroutine ... was never awaited" from a destroyed case
    sys.unraisablehook = lambda u: None  # a destroyed case's coroutines finalizing: not part of any trace
    if sys.argv[1:] == ["--selftest"]:
        selftest()
    else:
        serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
