#include "models/trace/cluster_trace.hpp"

#include "models/trace/wall_clock.hpp"

namespace podwire::trace {

ClusterTrace::ClusterTrace(const std::string& path, const RunIdentity& id, engine::Time warmup)
    : file_(h5::File::create(path)), meta_(file_.create_group("/meta")) {
  meta_.set_attribute("podwire_version", id.podwire_version);
  meta_.set_attribute("schema_version", std::int64_t{kTraceSchemaVersion});
  meta_.set_attribute("seed", id.seed);
  meta_.set_attribute("scenario_file", id.scenario_file);
  meta_.set_attribute("scenario_text", id.scenario_text);
  meta_.set_attribute("model", "cluster");
  meta_.set_attribute("warmup_ps", warmup.ps());
  meta_.set_attribute("start_wall_clock", wall_clock_now());
  meta_.set_attribute("complete", false);
  // Present from the start, so that a checkpoint only rewrites them in place.
  meta_.set_attribute("simulated_ps", std::int64_t{0});
  meta_.set_attribute("events", std::uint64_t{0});
}

void ClusterTrace::checkpoint(std::uint64_t events, engine::Time simulated) {
  meta_.set_attribute("simulated_ps", simulated.ps());
  meta_.set_attribute("events", events);
  file_.checkpoint();
}

void ClusterTrace::finish(std::uint64_t events, engine::Time simulated, bool complete) {
  meta_.set_attribute("end_wall_clock", wall_clock_now());
  meta_.set_attribute("simulated_ps", simulated.ps());
  meta_.set_attribute("events", events);
  meta_.set_attribute("complete", complete);
  file_.close();
}

}  // namespace podwire::trace
