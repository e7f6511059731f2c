// RunSettings: what every scenario says about its run (section `run:`):
// the seed of its random streams, how long it runs, and the warm-up that
// its figures leave out.
#pragma once

#include <cstdint>

#include "engine/time.hpp"

namespace podwire::scenario {

struct RunSettings {
  std::uint64_t seed = 1;
  engine::Time duration = engine::Time::s(60);
  engine::Time warmup = engine::Time::zero();
};

}  // namespace podwire::scenario
