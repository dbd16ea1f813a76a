# Rules: N1, N2, C5, F1, F5 (a broadcast relaying what it received; one printer shared by three filters)
# After David Beazley, "A Curious Course on Coroutines and Concurrency" (PyCon 2009), part 2: grep
# filters behind a broadcast, all feeding the same printer. The printer lives as long as one filter does.
import inspect

def attempt(label, fn):
    try:
        r = fn()
    except StopIteration as e:
        print(f"{label} !! StopIteration value={e.value!r}")
    except BaseException as e:
        print(f"{label} !! {type(e).__name__}: {e}")
    else:
        print(f"{label} -> {r!r}")

def coroutine(func):
    def start(*args, **kwargs):
        cr = func(*args, **kwargs)
        next(cr)
        return cr
    return start

def printer_body(name):
    count = 0
    try:
        while True:
            line = yield
            if line is None:
                print(f"  [{name}] None")
            else:
                count += 1
                print(f"  [{name}] {line}")
    except GeneratorExit:
        print(f"  [{name}] closed after {count} lines")
        return count
    finally:
        print(f"  [{name}] finalized")

printer = coroutine(printer_body)

@coroutine
def grep(pattern, target):
    try:
        while True:
            line = yield
            if line is None or pattern in line:
                target.send(line)  # relayed as it came: a None is next() for the target
    finally:
        print(f"  [grep {pattern!r}] finalized")

@coroutine
def broadcast(targets):
    try:
        while True:
            item = yield
            for target in targets:
                target.send(item)
    finally:
        print(f"  [broadcast] finalized")

print("== one printer, three filters")
p = printer("printer")
filters = [grep("python", p), grep("ply", p), grep("swig", p)]
b = broadcast(filters)
del p  # the filters still hold the printer
for line in ["python generators", "ply is a parser", "perl", "python ply swig"]:
    attempt(f"b.send({line!r})", lambda: b.send(line))

print("== a None is relayed as next()")
attempt("b.send(None)", lambda: b.send(None))
attempt("next(b)", lambda: next(b))

print("== the priming rule holds for a relayed value")
late = printer_body("late")  # not primed
b2 = broadcast([late])
attempt("b2.send('too early')", lambda: b2.send("too early"))
print("b2:", inspect.getgeneratorstate(b2))
print("late:", inspect.getgeneratorstate(late))
b3 = broadcast([late])
attempt("b3.send(None)", lambda: b3.send(None))
print("late:", inspect.getgeneratorstate(late))
attempt("b3.send('on time')", lambda: b3.send("on time"))
del b2
del b3
print("after del b3")
attempt("late.close()", lambda: late.close())

print("== the last filter to go finalizes the printer")
attempt("b.close()", lambda: b.close())
del b
while filters:
    print(f"dropping filter {len(filters)}")
    filters.pop()
print("done")
