// twoway/asyncio.hpp — the asyncio layer: coroutines driven by tasks on an event loop (needs Asio).
#pragma once

#include "twoway/async_with.hpp"
#include "twoway/asyncio/event_loop.hpp"
#include "twoway/asyncio/future.hpp"
#include "twoway/asyncio/gather.hpp"
#include "twoway/asyncio/locks.hpp"
#include "twoway/asyncio/queue.hpp"
#include "twoway/asyncio/run.hpp"
#include "twoway/asyncio/sleep.hpp"
#include "twoway/asyncio/task.hpp"
#include "twoway/asyncio/task_group.hpp"
#include "twoway/asyncio/timeout.hpp"
#include "twoway/asyncio/use_awaitable.hpp"
#include "twoway/asyncio/wait_for.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exception_chain.hpp"
#include "twoway/exception_group.hpp"
