// Event: the fixed-size record every event queue stores. A plain function
// pointer and a context instead of std::function, so scheduling never allocates.
#pragma once

#include <cstdint>

#include "engine/time.hpp"

namespace podwire::engine {

using EventFn = void (*)(void* context, std::uint64_t arg);

struct Event {
  Time time;
  std::uint64_t seq = 0;  // scheduling order; breaks ties between equal times
  EventFn fn = nullptr;
  void* context = nullptr;
  std::uint64_t arg = 0;

  // The total order every queue must reproduce: by time, then by scheduling order.
  friend bool operator<(const Event& a, const Event& b) {
    return a.time != b.time ? a.time < b.time : a.seq < b.seq;
  }
};

}  // namespace podwire::engine
