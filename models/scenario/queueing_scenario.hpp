// QueueingScenario: a scenario whose model is a server farm on the engine
// (section `queueing:`), with its run settings. Loading reports every problem
// at once; running returns what the farm measured beside queueing theory.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/run_progress.hpp"
#include "engine/time.hpp"
#include "models/queueing/server_farm.hpp"
#include "models/scenario/diagnostic.hpp"

namespace podwire::scenario {

struct RunSettings {
  std::uint64_t seed = 1;
  engine::Time duration = engine::Time::s(60);
  engine::Time warmup = engine::Time::zero();
};

struct QueueingScenario {
  std::string file;
  std::string resolved_text;  // the document after --set overrides, as YAML
  Diagnostics diagnostics;    // warnings and notices found while loading
  RunSettings run;
  std::string name = "farm";
  queueing::ServerFarmConfig farm;
  double arrival_rate = 0;  // per second; the arrivals are Poisson at this rate
  std::string service_text;  // the service time as written, e.g. "{distribution: exponential, mean: 1ms}"
};

// Parses a scenario document. Throws ScenarioError with every error found
// (file:line:column and field path); warnings are kept in the result.
QueueingScenario parse_queueing_scenario(const std::string& text, const std::string& file,
                                         const std::vector<std::string>& overrides = {});

// Reads and parses a file; an unreadable file is a ScenarioError too.
QueueingScenario load_queueing_scenario(const std::string& path,
                                        const std::vector<std::string>& overrides = {});

struct QueueingTheory {
  std::string model;  // "M/M/4", "M/G/1", ...
  double utilisation = 0;
  std::optional<double> p_wait;
  std::optional<double> mean_wait_s;
  std::optional<double> mean_sojourn_s;
  std::optional<double> mean_in_system;
  std::optional<double> p50_s, p90_s, p99_s;  // time in system
};

struct QueueingResult {
  queueing::ServerFarmStats stats;
  QueueingTheory theory;
  std::uint64_t events = 0;
  engine::Time simulated;
  bool stopped = false;  // ended early by request_stop
};

// Runs the scenario to its duration. `stop_flag`, when given, is polled between
// slices of simulated time; setting it ends the run early with stopped = true.
// With a trace path, the run is streamed to that HDF5 file (docs/trace-format.md),
// which is closed with complete = false when the run stops early or fails.
QueueingResult run_queueing_scenario(const QueueingScenario& scenario, const std::atomic<bool>* stop_flag = nullptr,
                                     const std::string& trace_path = {}, engine::RunProgress* progress = nullptr);

// Closed-form figures for the scenario where theory has them: exact M/M/c for
// exponential service, Pollaczek-Khinchine mean for any service with one server.
QueueingTheory queueing_theory_for(const QueueingScenario& scenario);

}  // namespace podwire::scenario
