"""The CPython side of the differential test.

Reads cases from stdin, one per line (the format is documented in difftest/difftest.cpp), compiles each
case's generator scripts to real Python generator functions, drives the outermost one with the case's
operations, and prints the event trace followed by a line "=END=". This side is the ground truth: the
scripts run as ordinary Python code, so their try/except/finally, yield, return and yield from follow
CPython's own semantics.
"""
import gc
import sys

sys.setrecursionlimit(10000)


class E1(Exception):
    pass


class E2(Exception):
    pass


class B1(BaseException):
    pass


KINDS = {"E1": "E1", "E2": "E2", "B1": "B1", "GE": "GeneratorExit", "SI": "StopIteration",
         "Exception": "Exception", "BaseException": "BaseException", "VE": "ValueError", "RE": "RuntimeError"}


def kind(e):
    return type(e).__name__


def describe(e):
    if isinstance(e, StopIteration):
        return f"StopIteration {e.value!r}"
    return f"{kind(e)}: {e}"


def make_exc(k, arg):
    if k == "E1":
        return f"E1('m{arg}')"
    if k == "E2":
        return f"E2('m{arg}')"
    if k == "B1":
        return f"B1('m{arg}')"
    if k == "SI":
        return f"StopIteration({arg})"
    if k == "GE":
        return "GeneratorExit()"
    raise ValueError(k)


class Parser:
    def __init__(self, tokens):
        self.t = tokens
        self.i = 0

    def next(self):
        tok = self.t[self.i]
        self.i += 1
        return tok

    def peek(self):
        return self.t[self.i]

    def block(self):
        assert self.next() == "["
        stmts = []
        while self.peek() != "]":
            stmts.append(self.stmt())
        self.next()
        return stmts

    def stmt(self):
        op = self.next()
        if op in ("Y", "P", "D"):
            return (op, int(self.next()))
        if op == "R":
            v = self.next()
            return ("R", None if v == "N" else int(v))
        if op == "X":
            return ("X", self.next(), int(self.next()))
        if op == "RR":
            return ("RR",)
        if op in ("Z", "ZU"):
            return (op, self.next())
        if op == "L":
            n = int(self.next())
            return ("L", n, self.block())
        if op == "T":
            body = self.block()
            handlers = []
            fin = None
            while True:
                t = self.peek()
                if t == "H":
                    self.next()
                    kinds = self.next().split(",")
                    handlers.append((kinds, self.block()))
                elif t == "F":
                    self.next()
                    fin = self.block()
                elif t == ";":
                    self.next()
                    break
            return ("T", body, handlers, fin)
        raise ValueError(op)


def gen_code(index, block):
    lines = [f"def G{index}(ctx):", "    if False: yield", "    rec = ctx.rec"]

    def emit(stmts, depth):
        pad = "    " * depth
        if not stmts:
            lines.append(pad + "pass")
        for s in stmts:
            op = s[0]
            if op == "Y":
                lines.append(f"{pad}x = yield {s[1]}")
                lines.append(f"{pad}rec('recv G{index} %r' % (x,))")
            elif op == "P":
                lines.append(f"{pad}rec('print G{index} {s[1]}')")
            elif op == "R":
                lines.append(f"{pad}return {s[1]!r}")
            elif op == "X":
                lines.append(f"{pad}raise {make_exc(s[1], s[2])}")
            elif op == "RR":
                lines.append(f"{pad}raise")
            elif op == "D":
                lines.append(f"{pad}r = yield from G{s[1]}(ctx)")
                lines.append(f"{pad}rec('deleg G{s[1]} -> %r' % (r,))")
            elif op in ("Z", "ZU"):
                call = {"n": "next(ctx.g)", "s": "ctx.g.send(1)", "t": "ctx.g.throw(E1('mz'))", "c": "ctx.g.close()"}[s[1]]
                # While the outermost generator is being finalized nobody can reach it any more (CPython
                # clears the reference before closing it): both sides record that and call nothing.
                lines.append(f"{pad}if ctx.g is None:")
                lines.append(f"{pad}    rec('reenter {s[1]}: gone')")
                lines.append(f"{pad}else:")
                if op == "Z":
                    lines.append(f"{pad}    try:")
                    lines.append(f"{pad}        {call}")
                    lines.append(f"{pad}    except BaseException as _e:")
                    lines.append(f"{pad}        rec('reenter {s[1]} !! ' + describe(_e))")
                else:
                    lines.append(f"{pad}    {call}")
            elif op == "L":
                lines.append(f"{pad}for _ in range({s[1]}):")
                emit(s[2], depth + 1)
            elif op == "T":
                lines.append(f"{pad}try:")
                emit(s[1], depth + 1)
                for kinds, body in s[2]:
                    names = ", ".join(KINDS[k] for k in kinds)
                    lines.append(f"{pad}except ({names},) as _e:")
                    lines.append(f"{pad}    rec('caught G{index} ' + kind(_e))")
                    emit(body, depth + 1)
                if s[3] is not None:
                    lines.append(f"{pad}finally:")
                    lines.append(f"{pad}    rec('finally G{index}')")
                    emit(s[3], depth + 1)
    emit(block, 1)
    return "\n".join(lines)


class Ctx:
    def __init__(self):
        self.events = []
        self.g = None

    def rec(self, s):
        self.events.append(s)


def run_case(line):
    scripts_part, ops_part = line.split("|")
    scripts = []
    for text in scripts_part.split("#"):
        scripts.append(Parser(text.split()).block())
    namespace = {"E1": E1, "E2": E2, "B1": B1, "kind": kind, "describe": describe}
    for i, b in enumerate(scripts):
        exec(gen_code(i, b), namespace)
    ctx = Ctx()
    sys.unraisablehook = lambda u: ctx.rec("unraisable " + describe(u.exc_value))
    g = namespace["G0"](ctx)
    ctx.g = g
    alive = True
    for op in ops_part.split():
        if not alive:
            break
        parts = op.split(":")
        name = parts[0]
        try:
            if name == "n":
                r = next(g)
            elif name == "s":
                r = g.send(int(parts[1]))
            elif name == "t":
                r = g.throw(eval(make_exc(parts[1], int(parts[2])), namespace))
            elif name == "c":
                r = g.close()
            elif name == "d":
                ctx.g = None
                del g
                gc.collect(0)  # finalize it here, where the C++ destructor runs (see main)
                ctx.rec("op d")
                alive = False
                continue
            ctx.rec(f"op {op} -> {r!r}")
        except BaseException as e:
            ctx.rec(f"op {op} !! {describe(e)}")
        ctx.rec(f"state {state(g)}")
    if alive:
        ctx.g = None
        del g
        gc.collect(0)
        ctx.rec("end")
    return ctx.events


def state(g):
    import inspect
    return inspect.getgeneratorstate(g)


def main():
    # The cycle collector runs only where the C++ side destroys the generator: CPython itself needs it
    # there (a GeneratorExit pending in a finally block keeps the frame alive through its traceback), and
    # running it nowhere else keeps the finalization order deterministic. Everything a case creates is
    # still in generation 0 then, so collecting that generation is enough, and cheap.
    gc.disable()
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            events = run_case(line)
        except Exception as e:  # a bug of this harness, not a divergence
            events = [f"HARNESS ERROR {type(e).__name__}: {e}"]
        out.write("\n".join(events) + "\n=END=\n")
        out.flush()


if __name__ == "__main__":
    main()
