// ClusterTraceHookup: the one place where a cluster model's signals meet the
// HDF5 trace. It opens the trace file and every table of trace_tables()
// (trace_tables/), which connect to the model's signals themselves; at the
// end each table writes what it writes once, and the file closes. The tables
// disconnect when it goes.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engine/run_progress.hpp"
#include "models/builder/cluster_model.hpp"
#include "models/trace/cluster_trace.hpp"

namespace podwire::builder {

class TraceTable;

class ClusterTraceHookup {
 public:
  ClusterTraceHookup(ClusterModel& model, const std::string& path);
  ~ClusterTraceHookup();
  ClusterTraceHookup(const ClusterTraceHookup&) = delete;
  ClusterTraceHookup& operator=(const ClusterTraceHookup&) = delete;

  // Every table's finish (the run's figures into /summary, /churn, the name
  // tables), the tables closed, then the file, complete unless the run was stopped.
  void finish(const ClusterRunResult& r);
  // The file made readable as it is now (ClusterTrace::checkpoint).
  void checkpoint(std::uint64_t events, engine::Time simulated);
  // Leaves the file as its last checkpoint wrote it; returns what is kept.
  std::string abandon() { return out_.abandon(); }

 private:
  trace::ClusterTrace out_;
  std::vector<std::unique_ptr<TraceTable>> tables_;  // after out_: they go first
};

// Runs the model to its duration; with a trace path, streams the run into
// that HDF5 file (docs/trace-format.md), which a stop or an error closes with
// complete = false. `progress`, when given, is updated after each slice. An
// allocation that fails during the run (std::bad_alloc: RLIMIT_AS, a full
// machine without overcommit) ends it with std::runtime_error saying when,
// after the trace takes a last checkpoint and is left as that checkpoint wrote
// it (readable, complete = false, as a killed run's).
ClusterRunResult run_cluster(ClusterModel& model, const std::string& trace_path = {},
                             const std::atomic<bool>* stop_flag = nullptr,
                             engine::RunProgress* progress = nullptr);

// Builds a scenario and runs it (the command line's `podwire run`).
ClusterRunResult run_cluster_scenario(const ClusterScenario& scenario,
                                      const std::atomic<bool>* stop_flag = nullptr,
                                      const std::string& trace_path = {});

}  // namespace podwire::builder
