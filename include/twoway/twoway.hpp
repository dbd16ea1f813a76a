// twoway/twoway.hpp — everything.
#pragma once

#include "twoway/closing.hpp"
#include "twoway/contextmanager.hpp"
#include "twoway/exceptions.hpp"
#include "twoway/generator.hpp"
#include "twoway/none.hpp"
#include "twoway/primed.hpp"
#include "twoway/shared_generator.hpp"
#include "twoway/stop_iteration.hpp"
#include "twoway/unraisable.hpp"
#include "twoway/yield_from.hpp"
