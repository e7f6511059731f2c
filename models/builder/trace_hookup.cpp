#include "models/builder/trace_hookup.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>

#include "models/builder/trace_tables/trace_table.hpp"

namespace podwire::builder {

namespace {

trace::RunIdentity identity(const ClusterScenario& s) {
  return trace::RunIdentity{PODWIRE_VERSION, s.run.seed, s.file, s.resolved_text};
}

}  // namespace

ClusterTraceHookup::ClusterTraceHookup(ClusterModel& model, const std::string& trace_path)
    : out_(trace_path, identity(model.scenario()), model.scenario().run.warmup) {
  const TraceContext context{model, out_.file()};
  for (const TraceTableEntry* e : trace_tables()) {
    if (std::unique_ptr<TraceTable> t = e->open(context)) tables_.push_back(std::move(t));
  }
}

ClusterTraceHookup::~ClusterTraceHookup() = default;

void ClusterTraceHookup::checkpoint(std::uint64_t events, engine::Time simulated) {
  out_.checkpoint(events, simulated);
}

void ClusterTraceHookup::finish(const ClusterRunResult& r) {
  for (const std::unique_ptr<TraceTable>& t : tables_) t->finish(r);
  tables_.clear();
  out_.finish(r.events, r.simulated, !r.stopped);
}

namespace {

// Room for closing the trace and saying why, given back when memory runs out.
constexpr std::size_t kReserveBytes = std::size_t{32} << 20;

std::string out_of_memory(ClusterModel& model) {
  char when[64];
  std::snprintf(when, sizeof when, "%.6g", model.simulator().now().seconds());
  return "out of memory (std::bad_alloc) at " + std::string(when) + " s of simulated time, after " +
         std::to_string(model.simulator().events_executed()) + " events";
}

}  // namespace

ClusterRunResult run_cluster(ClusterModel& model, const std::string& trace_path,
                             const std::atomic<bool>* stop_flag, engine::RunProgress* progress) {
  std::unique_ptr<char[]> reserve(new char[kReserveBytes]);
  if (trace_path.empty()) {
    try {
      return model.run(stop_flag, progress);
    } catch (const std::bad_alloc&) {
      reserve.reset();
      throw std::runtime_error(out_of_memory(model) + "; no trace was being written");
    }
  }
  ClusterTraceHookup trace(model, trace_path);
  const engine::Time interval = model.scenario().flush_interval;
  using Clock = std::chrono::steady_clock;
  const auto every = std::chrono::nanoseconds(interval.ps() / 1000);
  Clock::time_point last = Clock::now();
  // The file written up to the start (every table created, no rows yet).
  trace.checkpoint(0, engine::Time::zero());
  const std::function<void()> flush_when_due = [&] {
    if (Clock::now() - last < every) return;
    trace.checkpoint(model.simulator().events_executed(), model.simulator().now());
    last = Clock::now();
  };
  ClusterRunResult r;
  try {
    r = model.run(stop_flag, progress, interval > engine::Time::zero() ? &flush_when_due : nullptr);
  } catch (const std::bad_alloc&) {
    reserve.reset();
    const std::string why = out_of_memory(model);
    try {
      // The rows up to the event that failed; its own may be half made.
      trace.checkpoint(model.simulator().events_executed(), model.simulator().now());
    } catch (const std::exception&) {  // the previous checkpoint stands
    }
    throw std::runtime_error(why + "; " + trace.abandon());
  }
  trace.finish(r);
  return r;
}

ClusterRunResult run_cluster_scenario(const ClusterScenario& scenario,
                                      const std::atomic<bool>* stop_flag,
                                      const std::string& trace_path) {
  ClusterModel model(scenario);
  return run_cluster(model, trace_path, stop_flag);
}

}  // namespace podwire::builder
