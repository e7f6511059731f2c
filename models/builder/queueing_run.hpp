// Running a queueing scenario: the server farm on the engine, streamed into
// an HDF5 trace when asked, with the closed-form figures beside what it
// measured.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/run_progress.hpp"
#include "engine/time.hpp"
#include "models/builder/run_estimate.hpp"
#include "models/queueing/server_farm.hpp"
#include "models/scenario/queueing_scenario.hpp"

namespace podwire::builder {

using scenario::QueueingScenario;

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
QueueingResult run_queueing_scenario(const QueueingScenario& scenario,
                                     const std::atomic<bool>* stop_flag = nullptr,
                                     const std::string& trace_path = {},
                                     engine::RunProgress* progress = nullptr);

// What the run will hold at its end, before it runs: jobs arriving faster
// than the servers finish them (utilisation above 1) wait in the queue to
// the end, (arrival rate - servers / mean service time) x duration of them;
// events are an arrival and a departure per job. Only `requests`, `events`,
// `waiting` and `waiting_bytes` are set.
RunEstimate estimate_queueing_run(const QueueingScenario& scenario);

// Closed-form figures for the scenario where theory has them: exact M/M/c for
// exponential service, Pollaczek-Khinchine mean for any service with one server.
QueueingTheory queueing_theory_for(const QueueingScenario& scenario);

}  // namespace podwire::builder
