// /summary/datagrams: a row per Service (or host) that was sent datagrams
// without a reply (udp://): how many were sent, taken into a receiver's
// socket, dropped at a full receive queue, and lost; written at the end, and
// only when some were sent.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

struct Row {
  char name[128];
  std::uint64_t sent, received, receive_drops, lost;
};

trace::h5::Schema<Row> schema() {
  return trace::h5::Schema<Row>()
      .column("name", &Row::name)
      .column("sent", &Row::sent)
      .column("received", &Row::received)
      .column("receive_drops", &Row::receive_drops)
      .column("lost", &Row::lost);
}

class DatagramSummaryTable final : public TraceTable {
 public:
  explicit DatagramSummaryTable(const TraceContext& c) : c_(c) {}

  void finish(const ClusterRunResult& run) override {
    bool any = false;
    for (const ServiceFigures& s : run.services) any |= s.datagrams_sent > 0;
    if (!any) return;
    auto t = c_.file.create_table("/summary/datagrams", schema());
    for (const ServiceFigures& s : run.services) {
      if (s.datagrams_sent == 0 && s.datagrams_received == 0) continue;
      Row row{};
      trace::copy_name(row.name, s.name);
      row.sent = s.datagrams_sent;
      row.received = s.datagrams_received;
      row.receive_drops = s.receive_drops;
      row.lost = s.datagrams_lost();
      t.append(row);
    }
    t.flush();
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry datagram_summary_table{"/summary/datagrams",
                                                    &open_table<DatagramSummaryTable>};

}  // namespace podwire::builder
