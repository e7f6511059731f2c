// /churn/events: with churn, a row per pod, node and workload event, written
// at the end, and as its attributes the run's churn figures (the lifecycle
// and propagation counters, the programming percentiles, the sync totals).
#include <utility>

#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

struct Row {
  std::int64_t at_ps;
  char kind[16];  // churn::to_string(ChurnEventKind)
  char pod[128];  // "namespace/name", "" for node and workload events
  char node[64];
  char owner[128];  // "Kind namespace/name"
};

std::vector<std::pair<std::string, double>> figures(const ChurnFigures& c) {
  std::uint64_t syncs = 0, full = 0;
  double busy = 0;
  for (const NodeProgramming& n : c.nodes) {
    syncs += n.syncs;
    full += n.full_syncs;
    busy += n.sync_busy_s;
  }
  const auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  return {{"pods_created", d(c.lifecycle.pods_created)},
          {"pods_deleted", d(c.lifecycle.pods_deleted)},
          {"killed_at_grace", d(c.lifecycle.killed_at_grace)},
          {"crashes", d(c.lifecycle.crashes)},
          {"evictions", d(c.lifecycle.evictions)},
          {"unschedulable", d(c.lifecycle.unschedulable)},
          {"rollouts_done", d(c.lifecycle.rollouts_done)},
          {"changes", d(c.propagation.changes)},
          {"slice_syncs", d(c.propagation.slice_syncs)},
          {"slice_writes", d(c.propagation.slice_writes)},
          {"watch_events", d(c.propagation.watch_events)},
          {"programmed", d(c.programmed)},
          {"programming_p50_s", c.programming_p50_s},
          {"programming_p90_s", c.programming_p90_s},
          {"programming_p99_s", c.programming_p99_s},
          {"programming_max_s", c.programming_max_s},
          {"udp_entries_cleared", d(c.udp_entries_cleared)},
          {"syncs", d(syncs)},
          {"full_syncs", d(full)},
          {"sync_busy_s", busy}};
}

class ChurnEventsTable final : public TraceTable {
 public:
  explicit ChurnEventsTable(const TraceContext& c) : c_(c) {}

  void finish(const ClusterRunResult& run) override {
    if (!run.churn.present) return;
    auto t = c_.file.create_table("/churn/events", trace::h5::Schema<Row>()
                                                       .column("at_ps", &Row::at_ps)
                                                       .column("kind", &Row::kind)
                                                       .column("pod", &Row::pod)
                                                       .column("node", &Row::node)
                                                       .column("owner", &Row::owner));
    const kube::Cluster& cluster = c_.model.cluster();
    for (const churn::ChurnEvent& e : run.churn.events) {
      Row row{};
      row.at_ps = e.at.ps();
      trace::copy_name(row.kind, churn::to_string(e.kind));
      if (e.pod >= 0) {
        const kube::PodState& p = cluster.pods()[static_cast<std::size_t>(e.pod)];
        trace::copy_name(row.pod, p.namespace_ + "/" + p.name);
      }
      if (e.node >= 0)
        trace::copy_name(row.node, c_.model.fabric().nodes[static_cast<std::size_t>(e.node)].name);
      if (e.owner >= 0) {
        const kube::OwnerState& o = cluster.owners()[static_cast<std::size_t>(e.owner)];
        trace::copy_name(row.owner, std::string(o.kind) + " " + o.namespace_ + "/" + o.name);
      }
      t.append(row);
    }
    t.flush();
    for (const auto& [name, value] : figures(run.churn)) t.set_attribute(name, value);
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry churn_events_table{"/churn/events", &open_table<ChurnEventsTable>};

}  // namespace podwire::builder
