// twoway/asyncio.hpp — the asyncio layer: coroutines driven by tasks on an event loop (needs Asio).
#pragma once

#include "twoway/asyncio/event_loop.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/run.hpp"
#include "twoway/asyncio/sleep.hpp"
#include "twoway/asyncio/task.hpp"
#include "twoway/asyncio/use_awaitable.hpp"
#include "twoway/coroutine.hpp"
