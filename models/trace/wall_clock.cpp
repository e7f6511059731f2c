#include "models/trace/wall_clock.hpp"

#include <chrono>
#include <ctime>

namespace podwire::trace {

std::string wall_clock_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

}  // namespace podwire::trace
