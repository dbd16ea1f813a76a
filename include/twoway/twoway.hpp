// twoway/twoway.hpp — everything that needs the standard library only (the asyncio layer, which needs
// Asio, is twoway/asyncio.hpp).
#pragma once

#include "twoway/aclosing.hpp"
#include "twoway/async_generator.hpp"
#include "twoway/async_with.hpp"
#include "twoway/asynccontextmanager.hpp"
#include "twoway/closing.hpp"
#include "twoway/contextmanager.hpp"
#include "twoway/coroutine.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/generator.hpp"
#include "twoway/none.hpp"
#include "twoway/object.hpp"
#include "twoway/primed.hpp"
#include "twoway/shared_generator.hpp"
#include "twoway/stop_iteration.hpp"
#include "twoway/unraisable.hpp"
#include "twoway/warnings.hpp"
#include "twoway/yield_from.hpp"
