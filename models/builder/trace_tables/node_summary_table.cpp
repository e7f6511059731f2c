// /summary/nodes: a row per node: its cores and the CPU it spent over the
// whole run (user, softirq and system time; the work at the pace alone and
// the CPUs' capacity for it, the part of that work the proxy's syncs did),
// its conntrack table at the end and the flows that table dropped; written at
// the end from the run's figures.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

struct Row {
  char name[64];
  std::int64_t cores;
  double application_cpu_s, kernel_cpu_s, softirq_cpu_s, system_cpu_s;  // busy core-seconds
  double cpu_work_s, capacity, background_work_s;
  std::uint64_t conntrack_entries, conntrack_drops;
};

trace::h5::Schema<Row> schema() {
  return trace::h5::Schema<Row>()
      .column("name", &Row::name)
      .column("cores", &Row::cores)
      .column("application_cpu_s", &Row::application_cpu_s)
      .column("kernel_cpu_s", &Row::kernel_cpu_s)
      .column("softirq_cpu_s", &Row::softirq_cpu_s)
      .column("system_cpu_s", &Row::system_cpu_s)
      .column("cpu_work_s", &Row::cpu_work_s)
      .column("capacity", &Row::capacity)
      .column("background_work_s", &Row::background_work_s)
      .column("conntrack_entries", &Row::conntrack_entries)
      .column("conntrack_drops", &Row::conntrack_drops);
}

class NodeSummaryTable final : public TraceTable {
 public:
  explicit NodeSummaryTable(const TraceContext& c) : c_(c) {}

  void finish(const ClusterRunResult& run) override {
    auto t = c_.file.create_table("/summary/nodes", schema());
    for (const NodeFigures& n : run.nodes) {
      Row row{};
      trace::copy_name(row.name, n.name);
      row.cores = n.cores;
      row.application_cpu_s = n.application_cpu_s;
      row.kernel_cpu_s = n.kernel_cpu_s;
      row.softirq_cpu_s = n.softirq_cpu_s;
      row.system_cpu_s = n.system_cpu_s;
      row.cpu_work_s = n.cpu_work_s;
      row.capacity = n.capacity;
      row.background_work_s = n.background_work_s;
      row.conntrack_entries = n.conntrack_entries;
      row.conntrack_drops = n.conntrack_drops;
      t.append(row);
    }
    t.flush();
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry node_summary_table{"/summary/nodes", &open_table<NodeSummaryTable>};

}  // namespace podwire::builder
