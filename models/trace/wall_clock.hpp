// The wall clock now, UTC, as 2024-01-31T12:00:00Z: /meta's start and end of a run.
#pragma once

#include <string>

namespace podwire::trace {

std::string wall_clock_now();

}  // namespace podwire::trace
