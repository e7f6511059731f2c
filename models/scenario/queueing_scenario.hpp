// QueueingScenario: a scenario whose model is a server farm on the engine
// (section `queueing:`), with its run settings. Loading reports every problem
// at once; models/builder/queueing_run.hpp runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/time.hpp"
#include "models/queueing/server_farm.hpp"
#include "models/scenario/run_settings.hpp"
#include "models/scenario/scenario_error.hpp"

namespace podwire::scenario {

struct QueueingScenario {
  std::string file;
  std::string resolved_text;  // the document after --set overrides, as YAML
  Diagnostics diagnostics;    // warnings and notices found while loading
  RunSettings run;
  std::string name = "farm";
  queueing::ServerFarmConfig farm;
  double arrival_rate = 0;  // per second; the arrivals are Poisson at this rate
  std::string
      service_text;  // the service time as written, e.g. "{distribution: exponential, mean: 1ms}"
};

// Parses a scenario document. Throws ScenarioError with every error found
// (file:line:column and field path); warnings are kept in the result.
// `strict`: an unknown field is an error, not a warning.
QueueingScenario parse_queueing_scenario(const std::string& text, const std::string& file,
                                         const std::vector<std::string>& overrides = {},
                                         bool strict = false);

// Reads and parses a file; an unreadable file is a ScenarioError too.
QueueingScenario load_queueing_scenario(const std::string& path,
                                        const std::vector<std::string>& overrides = {},
                                        bool strict = false);

}  // namespace podwire::scenario
