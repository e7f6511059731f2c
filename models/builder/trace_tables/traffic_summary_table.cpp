// /summary/traffic: a row per traffic entry: requests sent after the warm-up,
// answered, failed (by status) and unfinished, those sent during the warm-up,
// latency percentiles and the means of its parts; written at the end from the
// run's figures.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

struct Row {
  char name[64];
  std::uint64_t sent, ok, failed;
  double mean_s, p50_s, p90_s, p99_s, dns_s, connect_s, network_s,
      at_server_s;  // the last five means of the parts
  std::uint64_t refused, reset, timeout, dns_failure, addr_unavailable;  // the failed, by status
  std::uint64_t unfinished, warmup_sent;
  double first_addr_unavailable_s;  // 0: ports never ran out
};

trace::h5::Schema<Row> schema() {
  return trace::h5::Schema<Row>()
      .column("name", &Row::name)
      .column("sent", &Row::sent)
      .column("ok", &Row::ok)
      .column("failed", &Row::failed)
      .column("mean_s", &Row::mean_s)
      .column("p50_s", &Row::p50_s)
      .column("p90_s", &Row::p90_s)
      .column("p99_s", &Row::p99_s)
      .column("dns_s", &Row::dns_s)
      .column("connect_s", &Row::connect_s)
      .column("network_s", &Row::network_s)
      .column("at_server_s", &Row::at_server_s)
      .column("refused", &Row::refused)
      .column("reset", &Row::reset)
      .column("timeout", &Row::timeout)
      .column("dns_failure", &Row::dns_failure)
      .column("addr_unavailable", &Row::addr_unavailable)
      .column("unfinished", &Row::unfinished)
      .column("warmup_sent", &Row::warmup_sent)
      .column("first_addr_unavailable_s", &Row::first_addr_unavailable_s);
}

class TrafficSummaryTable final : public TraceTable {
 public:
  explicit TrafficSummaryTable(const TraceContext& c) : c_(c) {}

  void finish(const ClusterRunResult& run) override {
    auto t = c_.file.create_table("/summary/traffic", schema());
    for (const TrafficFigures& f : run.traffic) {
      const auto pct = [&](double p) {
        return f.total.empty() ? 0.0 : f.total.percentile_time(p).seconds();
      };
      const auto count = [&](app::RequestStatus s) { return f.by_status[static_cast<int>(s)]; };
      Row row{};
      trace::copy_name(row.name, f.name);
      row.sent = f.sent;
      row.ok = f.ok;
      row.failed = f.failed;
      row.mean_s = f.total_s.mean();
      row.p50_s = pct(50);
      row.p90_s = pct(90);
      row.p99_s = pct(99);
      row.dns_s = f.dns_s.mean();
      row.connect_s = f.connect_s.mean();
      row.network_s = f.network_s.mean();
      row.at_server_s = f.at_server_s.mean();
      row.refused = count(app::RequestStatus::refused);
      row.reset = count(app::RequestStatus::reset);
      row.timeout = count(app::RequestStatus::timeout);
      row.dns_failure = count(app::RequestStatus::dns_failure);
      row.addr_unavailable = count(app::RequestStatus::addr_unavailable);
      row.unfinished = f.unfinished;
      row.warmup_sent = f.warmup_sent;
      row.first_addr_unavailable_s =
          f.first_addr_unavailable ? f.first_addr_unavailable->seconds() : 0.0;
      t.append(row);
    }
    t.flush();
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry traffic_summary_table{"/summary/traffic",
                                                   &open_table<TrafficSummaryTable>};

}  // namespace podwire::builder
