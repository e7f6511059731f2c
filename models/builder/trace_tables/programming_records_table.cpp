// /programming/records: with churn, a row per (node, endpoint change) as it
// is programmed (ClusterModel::programmed), streamed; only when the
// scenario's outputs.programming_records is true.
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
  explicit ProgrammingRecordsTable(const TraceContext& c)
      : model_(c.model),
        table_(c.file.create_table("/programming/records",
                                   trace::h5::Schema<Row>()
                                       .column("node", &Row::node)
                                       .column("change", &Row::change)
                                       .column("latency_s", &Row::latency_s),
                                   trace::kStreamStorage)) {
    model_.programmed.connect(&ProgrammingRecordsTable::on_programmed, this);
  }
  ~ProgrammingRecordsTable() override { model_.programmed.disconnect(this); }

  void finish(const ClusterRunResult&) override { table_.flush(); }

 private:
  static void on_programmed(void* self, const ClusterModel::ProgrammingSample& p) {
    static_cast<ProgrammingRecordsTable*>(self)->table_.append(Row{p.node, p.change, p.latency_s});
  }

  ClusterModel& model_;
  trace::h5::Table<Row> table_;
};

std::unique_ptr<TraceTable> open(const TraceContext& c) {
  if (!c.model.scenario().trace_programming_records || !c.model.has_churn()) return nullptr;
  return std::make_unique<ProgrammingRecordsTable>(c);
}

}  // namespace

extern const TraceTableEntry programming_records_table{"/programming/records", &open};

}  // namespace podwire::builder
