// /summary/services: a row per Service (or host) that requests went to: the
// simulated means at the server beside the Jackson / M/M/c estimate, and the
// whole requests' percentiles as their senders saw them; written at the end.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

struct Row {
  char name[128];
  std::uint64_t requests;
  double server_time_s, queueing_s, service_s;          // simulated means
  double estimate_server_time_s, estimate_utilisation;  // NaN when none
  double p50_s, p90_s, p99_s;
};

trace::h5::Schema<Row> schema() {
  return trace::h5::Schema<Row>()
      .column("name", &Row::name)
      .column("requests", &Row::requests)
      .column("server_time_s", &Row::server_time_s)
      .column("queueing_s", &Row::queueing_s)
      .column("service_s", &Row::service_s)
      .column("estimate_server_time_s", &Row::estimate_server_time_s)
      .column("estimate_utilisation", &Row::estimate_utilisation)
      .column("p50_s", &Row::p50_s)
      .column("p90_s", &Row::p90_s)
      .column("p99_s", &Row::p99_s);
}

class ServiceSummaryTable final : public TraceTable {
 public:
  explicit ServiceSummaryTable(const TraceContext& c) : c_(c) {}

  void finish(const ClusterRunResult& run) override {
    auto t = c_.file.create_table("/summary/services", schema());
    for (const ServiceFigures& s : run.services) {
      const auto pct = [&](double p) {
        return s.latency.empty() ? 0.0 : s.latency.percentile_time(p).seconds();
      };
      Row row{};
      trace::copy_name(row.name, s.name);
      row.requests = s.requests;
      row.server_time_s = s.server_time_s.mean();
      row.queueing_s = s.queueing_s.mean();
      row.service_s = s.service_s.mean();
      row.estimate_server_time_s = s.estimate_server_time_s;
      row.estimate_utilisation = s.estimate_utilisation;
      row.p50_s = pct(50);
      row.p90_s = pct(90);
      row.p99_s = pct(99);
      t.append(row);
    }
    t.flush();
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry service_summary_table{"/summary/services",
                                                   &open_table<ServiceSummaryTable>};

}  // namespace podwire::builder
