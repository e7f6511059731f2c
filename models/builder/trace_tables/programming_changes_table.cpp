// /programming/changes: with churn, a row per endpoint change: its Service,
// when it happened, the nodes that programmed it and their latency
// percentiles; written at the end.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

struct Row {
  std::uint64_t id;
  char service[128];
  std::int64_t at_ps;
  std::uint64_t nodes;
  double p50_s, p99_s, max_s;
};

class ProgrammingChangesTable final : public TraceTable {
 public:
  explicit ProgrammingChangesTable(const TraceContext& c) : c_(c) {}

  void finish(const ClusterRunResult& run) override {
    if (!run.churn.present) return;
    auto t = c_.file.create_table("/programming/changes", trace::h5::Schema<Row>()
                                                              .column("id", &Row::id)
                                                              .column("service", &Row::service)
                                                              .column("at_ps", &Row::at_ps)
                                                              .column("nodes", &Row::nodes)
                                                              .column("p50_s", &Row::p50_s)
                                                              .column("p99_s", &Row::p99_s)
                                                              .column("max_s", &Row::max_s));
    for (const ChangeProgramming& c : run.churn.changes) {
      Row row{};
      row.id = c.id;
      trace::copy_name(row.service, c.service);
      row.at_ps = c.at.ps();
      row.nodes = c.nodes;
      row.p50_s = c.p50_s;
      row.p99_s = c.p99_s;
      row.max_s = c.max_s;
      t.append(row);
    }
    t.flush();
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry programming_changes_table{"/programming/changes",
                                                       &open_table<ProgrammingChangesTable>};

}  // namespace podwire::builder
