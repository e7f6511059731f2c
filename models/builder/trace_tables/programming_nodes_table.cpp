// /programming/nodes: with churn, a row per node: the endpoint changes it
// programmed, their latency percentiles, its proxy's syncs; written at the end.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

struct Row {
  char node[64];
  std::uint64_t changes;
  double p50_s, p99_s, max_s;
  std::uint64_t syncs, full_syncs;
  double sync_busy_s;
};

class ProgrammingNodesTable final : public TraceTable {
 public:
  explicit ProgrammingNodesTable(const TraceContext& c) : c_(c) {}

  void finish(const ClusterRunResult& run) override {
    if (!run.churn.present) return;
    auto t =
        c_.file.create_table("/programming/nodes", trace::h5::Schema<Row>()
                                                       .column("node", &Row::node)
                                                       .column("changes", &Row::changes)
                                                       .column("p50_s", &Row::p50_s)
                                                       .column("p99_s", &Row::p99_s)
                                                       .column("max_s", &Row::max_s)
                                                       .column("syncs", &Row::syncs)
                                                       .column("full_syncs", &Row::full_syncs)
                                                       .column("sync_busy_s", &Row::sync_busy_s));
    for (const NodeProgramming& n : run.churn.nodes) {
      Row row{};
      trace::copy_name(row.node, n.node);
      row.changes = n.changes;
      row.p50_s = n.p50_s;
      row.p99_s = n.p99_s;
      row.max_s = n.max_s;
      row.syncs = n.syncs;
      row.full_syncs = n.full_syncs;
      row.sync_busy_s = n.sync_busy_s;
      t.append(row);
    }
    t.flush();
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry programming_nodes_table{"/programming/nodes",
                                                     &open_table<ProgrammingNodesTable>};

}  // namespace podwire::builder
