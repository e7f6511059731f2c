// RunProgress: how far a run has got, readable from another thread while it
// goes (a progress bar polls it). The run writes it between slices of
// simulated time; readers see a consistent-enough snapshot of each field.
#pragma once

#include <atomic>
#include <cstdint>

namespace podwire::engine {

struct RunProgress {
  std::atomic<std::int64_t> simulated_ps{0};  // simulated time reached
  std::atomic<std::int64_t> duration_ps{0};   // where the run will stop
  std::atomic<std::uint64_t> events{0};       // events executed so far
};

}  // namespace podwire::engine
