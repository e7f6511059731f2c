// ClusterTraceHookup: the one place where a cluster model's signals meet the
// HDF5 trace. It opens the trace, connects the trace's writers to the
// model's requests, samples, connections, DNS lookups and packets, and at the
// end writes the summary tables; disconnected again when it goes.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "engine/run_progress.hpp"
#include "models/builder/cluster_model.hpp"

namespace podwire::trace {
class ClusterTrace;
}

namespace podwire::builder {

class ClusterTraceHookup {
 public:
  ClusterTraceHookup(ClusterModel& model, const std::string& path);
  ~ClusterTraceHookup();
  ClusterTraceHookup(const ClusterTraceHookup&) = delete;
  ClusterTraceHookup& operator=(const ClusterTraceHookup&) = delete;

  // The run's figures into /summary (and /churn), then the file closed,
  // complete unless the run was stopped.
  void finish(const ClusterRunResult& r);

 private:
  static void on_connection_ended(void* self, std::uint32_t endpoint, const net::TcpConnection& c);

  ClusterModel& model_;
  std::unique_ptr<trace::ClusterTrace> out_;
  bool open_ = true;
};

// Runs the model to its duration; with a trace path, streams the run into
// that HDF5 file (docs/trace-format.md), which a stop or an error closes with
// complete = false. `progress`, when given, is updated after each slice.
ClusterRunResult run_cluster(ClusterModel& model, const std::string& trace_path = {},
                             const std::atomic<bool>* stop_flag = nullptr, engine::RunProgress* progress = nullptr);

// Builds a scenario and runs it (the command line's `podwire run`).
ClusterRunResult run_cluster_scenario(const ClusterScenario& scenario, const std::atomic<bool>* stop_flag = nullptr,
                                      const std::string& trace_path = {});

}  // namespace podwire::builder
