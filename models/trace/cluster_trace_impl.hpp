// ClusterTrace::Impl: the open trace file and the tables a cluster run streams
// rows into, with the row layouts and helpers the cluster_trace*.cpp files
// share. Private to models/trace: no public header includes it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "models/trace/cluster_trace.hpp"
#include "models/trace/hdf5/file.hpp"
#include "models/trace/hdf5/table.hpp"

namespace podwire::trace {

namespace cluster_trace_detail {

// A row of /requests. Times in picoseconds: `started_ps` since the start of the
// run, the parts as durations.
struct RequestRow {
  std::uint64_t id;
  std::uint64_t parent;
  std::uint32_t source;
  std::uint32_t target;
  std::uint32_t client;
  std::uint32_t server;
  std::uint32_t client_node;
  std::uint32_t server_node;
  app::RequestStatus status;
  bool reused_connection;
  std::uint8_t retries;
  bool warmup;
  std::uint64_t request_bytes;
  std::uint64_t response_bytes;
  std::int64_t started_ps;
  std::int64_t total_ps;
  std::int64_t dns_ps;
  std::int64_t connect_ps;
  std::int64_t queueing_ps;
  std::int64_t service_ps;
  std::int64_t calls_ps;
  std::int64_t network_ps;
};

struct NodeSampleRow {
  std::int64_t at_ps;
  std::uint32_t node;
  double kernel_busy;
  double softirq_busy;
  double system_busy;
  double application_busy;
  std::uint64_t conntrack_entries;
  std::uint64_t conntrack_drops;
};

struct ConnectionRow {
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

struct PacketHopRow {
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

struct DnsRow {
  std::int64_t started_ps;
  std::uint32_t client;
  std::uint32_t name;  // id in /dns_names
  std::uint32_t queries;
  std::uint32_t timeouts;
  bool ok;
  std::uint32_t address;
  std::int64_t duration_ps;
};

struct LinkSampleRow {
  std::int64_t at_ps;
  std::uint32_t link;
  double utilisation;
  std::uint64_t queued_packets;
  std::uint64_t drops;
};

inline const h5::StorageOptions kRequestStorage{128 * 1024, 1, true};

// The wall clock now, UTC, as 2024-01-31T12:00:00Z: /meta's start and end.
std::string wall_clock_now();

}  // namespace cluster_trace_detail

struct ClusterTrace::Impl final : net::PacketTracer {
  h5::File file;
  h5::Group meta;
  h5::Table<cluster_trace_detail::RequestRow> requests;
  h5::Table<cluster_trace_detail::NodeSampleRow> nodes;
  h5::Table<cluster_trace_detail::LinkSampleRow> links;
  h5::Table<cluster_trace_detail::DnsRow> dns;
  h5::Table<cluster_trace_detail::ConnectionRow> connections;
  std::unordered_map<std::string, std::uint32_t> dns_names;
  std::optional<h5::Table<cluster_trace_detail::PacketHopRow>> packets;  // created when packet tracing is on
  std::unordered_map<std::string, std::uint32_t> places;
  const engine::Simulator* sim = nullptr;
  engine::Time warmup;
  std::function<std::uint32_t(std::uint32_t)> node_of;

  Impl(const std::string& path, engine::Time warmup_);

  void hop(const net::Packet& p, net::HopKind kind, std::string_view where) override;
  static void on_request(void* ctx, const app::RequestRecord& r);
};

}  // namespace podwire::trace
