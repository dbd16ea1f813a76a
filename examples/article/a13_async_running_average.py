# Article: "The async/await Lineage" — its last link: PEP 525 (Python 3.6) asynchronous generators, "which
# support an asend() method — the async equivalent of send()". Pattern 1's running average as an async
# generator: `value = yield average` receives what asend(v) sends, and the body can await between yields.
import asyncio


async def running_average():
    total = 0.0
    count = 0
    average = None
    try:
        while True:
            value = yield average
            await asyncio.sleep(0)  # stands for recording the value somewhere asynchronous
            total += value
            count += 1
            average = total / count
    finally:
        print(f"running_average: finally, after {count} values")


async def countdown(n):
    while n > 0:
        yield n
        await asyncio.sleep(0)
        n -= 1


async def main():
    print("== asend() into an async generator")
    avg = running_average()
    print(await avg.asend(None))  # None: primes it (the async next(), or send(None))
    print(await avg.asend(10))    # 10.0
    print(await avg.asend(20))    # 15.0
    print(await avg.asend(30))    # 20.0
    print(await avg.asend(5))     # 16.25
    await avg.aclose()            # GeneratorExit at the yield: the finally runs
    print("== async for: each step is anext(), that is asend(None)")
    async for n in countdown(3):
        print(n)


asyncio.run(main())
