// /packets: a row per hop of every Nth packet entering a node's kernel (the
// pool's PacketTracer), and /packet_places, the places its where column
// numbers. Only when the scenario's outputs.packets is set.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"
#include "models/trace/name_table.hpp"

namespace podwire::builder {
namespace {

struct Row {
  std::uint64_t packet;  // the pool's packet id
  std::int64_t at_ps;
  net::HopKind kind;
  std::uint32_t where;  // id in /packet_places
  std::uint32_t src, dst;
  std::uint16_t src_port, dst_port;
  std::uint8_t protocol;  // IANA number: 6 TCP, 17 UDP
  std::uint8_t tcp_flags;
  std::uint32_t wire_bytes;
  std::uint64_t request;
};

trace::h5::Schema<Row> schema() {
  return trace::h5::Schema<Row>()
      .column("packet", &Row::packet)
      .column("at_ps", &Row::at_ps)
      .column("kind", &Row::kind,
              trace::enum_names(net::HopKind::dropped,
                                [](net::HopKind k) { return net::to_string(k); }))
      .column("where", &Row::where)
      .column("src", &Row::src)
      .column("dst", &Row::dst)
      .column("src_port", &Row::src_port)
      .column("dst_port", &Row::dst_port)
      .column("protocol", &Row::protocol)
      .column("tcp_flags", &Row::tcp_flags)
      .column("wire_bytes", &Row::wire_bytes)
      .column("request", &Row::request);
}

class PacketsTable final : public TraceTable, net::PacketTracer {
 public:
  explicit PacketsTable(const TraceContext& c)
      : model_(c.model),
        file_(c.file),
        table_(c.file.create_table("/packets", schema(), trace::kStreamStorage)) {
    model_.pool().set_tracer(this, model_.scenario().trace_packets_every);
  }
  ~PacketsTable() override { model_.pool().set_tracer(nullptr, 1); }

  void finish(const ClusterRunResult&) override {
    model_.pool().set_tracer(nullptr, 1);
    places_.write(file_, "/packet_places");
    table_.flush();
  }

 private:
  void hop(const net::Packet& p, net::HopKind kind, std::string_view where) override {
    Row row{};
    row.packet = p.id;
    row.at_ps = model_.simulator().now().ps();
    row.kind = kind;
    row.where = places_.id(where);
    row.src = p.flow.src;
    row.dst = p.flow.dst;
    row.src_port = p.flow.src_port;
    row.dst_port = p.flow.dst_port;
    row.protocol = static_cast<std::uint8_t>(p.flow.protocol);
    row.tcp_flags = p.tcp_flags;
    row.wire_bytes = p.wire_bytes;
    row.request = p.request_id & ~net::kLastMessage;  // the request, not its "Connection: close"
    table_.append(row);
  }

  ClusterModel& model_;
  trace::h5::File& file_;
  trace::h5::Table<Row> table_;
  trace::NameTable places_;
};

std::unique_ptr<TraceTable> open(const TraceContext& c) {
  if (c.model.scenario().trace_packets_every == 0) return nullptr;
  return std::make_unique<PacketsTable>(c);
}

}  // namespace

extern const TraceTableEntry packets_table{"/packets", &open};

}  // namespace podwire::builder
