// /programming/records: with churn, a row per (node, endpoint change)
// programmed, written at the end; only when the scenario's
// outputs.programming_records is true.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

struct Row {
  std::uint32_t node;    // index in /programming/nodes
  std::uint64_t change;  // id in /programming/changes
  double latency_s;      // the change's trigger to the rules in place on that node
};

class ProgrammingRecordsTable final : public TraceTable {
 public:
  explicit ProgrammingRecordsTable(const TraceContext& c) : c_(c) {}

  void finish(const ClusterRunResult& run) override {
    if (!run.churn.present) return;
    auto t = c_.file.create_table("/programming/records",
                                  trace::h5::Schema<Row>()
                                      .column("node", &Row::node)
                                      .column("change", &Row::change)
                                      .column("latency_s", &Row::latency_s),
                                  trace::kStreamStorage);
    for (const ClusterModel::ProgrammingSample& p : c_.model.programming_samples()) {
      t.append(Row{p.node, p.change, p.latency_s});
    }
    t.flush();
  }

 private:
  TraceContext c_;
};

std::unique_ptr<TraceTable> open(const TraceContext& c) {
  if (!c.model.scenario().trace_programming_records) return nullptr;
  return std::make_unique<ProgrammingRecordsTable>(c);
}

}  // namespace

extern const TraceTableEntry programming_records_table{"/programming/records", &open};

}  // namespace podwire::builder
