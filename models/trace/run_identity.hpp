// RunIdentity: what a trace's /meta says about the run that wrote it, and the
// version of the trace layout (docs/trace-format.md).
#pragma once

#include <cstdint>
#include <string>

namespace podwire::trace {

inline constexpr int kTraceSchemaVersion = 1;

struct RunIdentity {
  std::string podwire_version;
  std::uint64_t seed = 0;
  std::string scenario_file;
  std::string scenario_text;  // resolved: the run can be repeated from the trace alone
};

}  // namespace podwire::trace
