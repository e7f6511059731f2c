// /connections: a row per TCP connection, at its end (ClusterModel::connection_ended).
// Created empty unless the scenario's outputs.connections is true.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

struct Row {
  std::int64_t opened_ps;
  std::int64_t established_ps;  // 0: never
  std::int64_t ended_ps;
  std::uint32_t local;  // endpoint id
  bool passive;
  std::uint32_t local_address;
  std::uint16_t local_port;
  std::uint32_t remote_address;
  std::uint16_t remote_port;
  net::TcpEnd end;
  std::uint64_t retransmissions;
  std::uint64_t timeouts;
  std::uint64_t bytes_sent;
  std::uint64_t bytes_received;
};

trace::h5::Schema<Row> schema() {
  return trace::h5::Schema<Row>()
      .column("opened_ps", &Row::opened_ps)
      .column("established_ps", &Row::established_ps)
      .column("ended_ps", &Row::ended_ps)
      .column("local", &Row::local)
      .column("passive", &Row::passive)
      .column("local_address", &Row::local_address)
      .column("local_port", &Row::local_port)
      .column("remote_address", &Row::remote_address)
      .column("remote_port", &Row::remote_port)
      .column(
          "end", &Row::end,
          trace::enum_names(net::TcpEnd::aborted, [](net::TcpEnd e) { return net::to_string(e); }))
      .column("retransmissions", &Row::retransmissions)
      .column("timeouts", &Row::timeouts)
      .column("bytes_sent", &Row::bytes_sent)
      .column("bytes_received", &Row::bytes_received);
}

class ConnectionsTable final : public TraceTable {
 public:
  explicit ConnectionsTable(const TraceContext& c)
      : model_(c.model),
        table_(c.file.create_table("/connections", schema(), trace::kStreamStorage)) {
    if (model_.scenario().trace_connections)
      model_.connection_ended.connect(&ConnectionsTable::on_ended, this);
  }
  ~ConnectionsTable() override { model_.connection_ended.disconnect(this); }

  void finish(const ClusterRunResult&) override { table_.flush(); }

 private:
  static void on_ended(void* self, std::uint32_t local, const net::TcpConnection& c) {
    auto& t = *static_cast<ConnectionsTable*>(self);
    const net::FlowKey& f = c.flow();
    Row row{};
    row.opened_ps = c.opened_at().ps();
    row.established_ps = c.established_at().ps();
    row.ended_ps = t.model_.simulator().now().ps();
    row.local = local;
    row.passive = c.passive();
    row.local_address = f.src;
    row.local_port = f.src_port;
    row.remote_address = f.dst;
    row.remote_port = f.dst_port;
    row.end = c.end();
    row.retransmissions = c.counters().retransmissions;
    row.timeouts = c.counters().timeouts;
    row.bytes_sent = c.counters().bytes_sent;
    row.bytes_received = c.counters().bytes_received;
    t.table_.append(row);
  }

  ClusterModel& model_;
  trace::h5::Table<Row> table_;
};

}  // namespace

extern const TraceTableEntry connections_table{"/connections", &open_table<ConnectionsTable>};

}  // namespace podwire::builder
