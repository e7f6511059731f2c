// /timeseries/nodes: a row per node per sampling interval (ClusterSampler::node_sampled).
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

// Each busy figure a fraction of the node's cores (kernel = softirq + system;
// application is user time).
struct Row {
  std::int64_t at_ps;
  std::uint32_t node;
  double kernel_busy;
  double softirq_busy;
  double system_busy;
  double application_busy;
  std::uint64_t conntrack_entries;
  std::uint64_t conntrack_drops;
};

class NodeSamplesTable final : public TraceTable {
 public:
  explicit NodeSamplesTable(const TraceContext& c)
      : model_(c.model),
        table_(c.file.create_table("/timeseries/nodes",
                                   trace::h5::Schema<Row>()
                                       .column("at_ps", &Row::at_ps)
                                       .column("node", &Row::node)
                                       .column("kernel_busy", &Row::kernel_busy)
                                       .column("softirq_busy", &Row::softirq_busy)
                                       .column("system_busy", &Row::system_busy)
                                       .column("application_busy", &Row::application_busy)
                                       .column("conntrack_entries", &Row::conntrack_entries)
                                       .column("conntrack_drops", &Row::conntrack_drops),
                                   trace::kStreamStorage)) {
    model_.sampler().node_sampled.connect(&NodeSamplesTable::on_sample, this);
  }
  ~NodeSamplesTable() override { model_.sampler().node_sampled.disconnect(this); }

  void finish(const ClusterRunResult&) override { table_.flush(); }

 private:
  static void on_sample(void* self, const NodeSample& n) {
    static_cast<NodeSamplesTable*>(self)->table_.append(
        Row{n.at.ps(), n.node, n.kernel_busy, n.softirq_busy, n.system_busy, n.application_busy,
            n.conntrack_entries, n.conntrack_drops});
  }

  ClusterModel& model_;
  trace::h5::Table<Row> table_;
};

}  // namespace

extern const TraceTableEntry node_samples_table{"/timeseries/nodes", &open_table<NodeSamplesTable>};

}  // namespace podwire::builder
