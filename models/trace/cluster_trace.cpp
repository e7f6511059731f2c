// ClusterTrace's streamed tables: the file is created with /meta and with the
// tables that rows are appended to as the run goes (/requests, /connections,
// /dns, /packets, /timeseries/*). Tables written once: cluster_trace_summary.cpp.
#include <chrono>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "models/trace/cluster_trace_impl.hpp"

namespace podwire::trace {

namespace {

using cluster_trace_detail::ConnectionRow;
using cluster_trace_detail::DnsRow;
using cluster_trace_detail::kRequestStorage;
using cluster_trace_detail::LinkSampleRow;
using cluster_trace_detail::NodeSampleRow;
using cluster_trace_detail::PacketHopRow;
using cluster_trace_detail::RequestRow;
using cluster_trace_detail::wall_clock_now;

std::vector<std::string> status_names() {
  std::vector<std::string> names;
  for (int s = 0; s <= static_cast<int>(app::RequestStatus::dns_failure); ++s) {
    names.emplace_back(app::to_string(static_cast<app::RequestStatus>(s)));
  }
  return names;
}

std::vector<std::string> hop_names() {
  std::vector<std::string> names;
  for (int k = 0; k <= static_cast<int>(net::HopKind::dropped); ++k) {
    names.emplace_back(net::to_string(static_cast<net::HopKind>(k)));
  }
  return names;
}

std::vector<std::string> end_names() {
  std::vector<std::string> names;
  for (int e = 0; e <= static_cast<int>(net::TcpEnd::aborted); ++e) {
    names.emplace_back(net::to_string(static_cast<net::TcpEnd>(e)));
  }
  return names;
}

}  // namespace

namespace cluster_trace_detail {

std::string wall_clock_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

}  // namespace cluster_trace_detail

ClusterTrace::Impl::Impl(const std::string& path, engine::Time warmup_)
    : file(h5::File::create(path)),
      meta(file.create_group("/meta")),
      requests(file.create_table("/requests", h5::Schema<RequestRow>()
                                                  .column("id", &RequestRow::id)
                                                  .column("parent", &RequestRow::parent)
                                                  .column("source", &RequestRow::source)
                                                  .column("target", &RequestRow::target)
                                                  .column("client", &RequestRow::client)
                                                  .column("server", &RequestRow::server)
                                                  .column("client_node", &RequestRow::client_node)
                                                  .column("server_node", &RequestRow::server_node)
                                                  .column("status", &RequestRow::status, status_names())
                                                  .column("reused_connection", &RequestRow::reused_connection)
                                                  .column("retries", &RequestRow::retries)
                                                  .column("warmup", &RequestRow::warmup)
                                                  .column("request_bytes", &RequestRow::request_bytes)
                                                  .column("response_bytes", &RequestRow::response_bytes)
                                                  .column("started_ps", &RequestRow::started_ps)
                                                  .column("total_ps", &RequestRow::total_ps)
                                                  .column("dns_ps", &RequestRow::dns_ps)
                                                  .column("connect_ps", &RequestRow::connect_ps)
                                                  .column("queueing_ps", &RequestRow::queueing_ps)
                                                  .column("service_ps", &RequestRow::service_ps)
                                                  .column("calls_ps", &RequestRow::calls_ps)
                                                  .column("network_ps", &RequestRow::network_ps),
                                     kRequestStorage)),
      nodes(file.create_table("/timeseries/nodes", h5::Schema<NodeSampleRow>()
                                                       .column("at_ps", &NodeSampleRow::at_ps)
                                                       .column("node", &NodeSampleRow::node)
                                                       .column("kernel_busy", &NodeSampleRow::kernel_busy)
                                                       .column("softirq_busy", &NodeSampleRow::softirq_busy)
                                                       .column("system_busy", &NodeSampleRow::system_busy)
                                                       .column("application_busy", &NodeSampleRow::application_busy)
                                                       .column("conntrack_entries", &NodeSampleRow::conntrack_entries)
                                                       .column("conntrack_drops", &NodeSampleRow::conntrack_drops),
                              kRequestStorage)),
      links(file.create_table("/timeseries/links", h5::Schema<LinkSampleRow>()
                                                       .column("at_ps", &LinkSampleRow::at_ps)
                                                       .column("link", &LinkSampleRow::link)
                                                       .column("utilisation", &LinkSampleRow::utilisation)
                                                       .column("queued_packets", &LinkSampleRow::queued_packets)
                                                       .column("drops", &LinkSampleRow::drops),
                              kRequestStorage)),
      dns(file.create_table("/dns", h5::Schema<DnsRow>()
                                        .column("started_ps", &DnsRow::started_ps)
                                        .column("client", &DnsRow::client)
                                        .column("name", &DnsRow::name)
                                        .column("queries", &DnsRow::queries)
                                        .column("timeouts", &DnsRow::timeouts)
                                        .column("ok", &DnsRow::ok)
                                        .column("address", &DnsRow::address)
                                        .column("duration_ps", &DnsRow::duration_ps),
                            kRequestStorage)),
      connections(file.create_table("/connections", h5::Schema<ConnectionRow>()
                                                        .column("opened_ps", &ConnectionRow::opened_ps)
                                                        .column("established_ps", &ConnectionRow::established_ps)
                                                        .column("ended_ps", &ConnectionRow::ended_ps)
                                                        .column("local", &ConnectionRow::local)
                                                        .column("passive", &ConnectionRow::passive)
                                                        .column("local_address", &ConnectionRow::local_address)
                                                        .column("local_port", &ConnectionRow::local_port)
                                                        .column("remote_address", &ConnectionRow::remote_address)
                                                        .column("remote_port", &ConnectionRow::remote_port)
                                                        .column("end", &ConnectionRow::end, end_names())
                                                        .column("retransmissions", &ConnectionRow::retransmissions)
                                                        .column("timeouts", &ConnectionRow::timeouts)
                                                        .column("bytes_sent", &ConnectionRow::bytes_sent)
                                                        .column("bytes_received", &ConnectionRow::bytes_received),
                                    kRequestStorage)),
      warmup(warmup_) {}

void ClusterTrace::Impl::hop(const net::Packet& p, net::HopKind kind, std::string_view where) {
  const auto [it, fresh] = places.try_emplace(std::string(where), static_cast<std::uint32_t>(places.size()));
  PacketHopRow row{};
  row.packet = p.id;
  row.at_ps = sim->now().ps();
  row.kind = kind;
  row.where = it->second;
  row.src = p.flow.src;
  row.dst = p.flow.dst;
  row.src_port = p.flow.src_port;
  row.dst_port = p.flow.dst_port;
  row.protocol = static_cast<std::uint8_t>(p.flow.protocol);
  row.tcp_flags = p.tcp_flags;
  row.wire_bytes = p.wire_bytes;
  row.request = p.request_id;
  packets->append(row);
}

void ClusterTrace::Impl::on_request(void* ctx, const app::RequestRecord& r) {
  auto* self = static_cast<Impl*>(ctx);
  const bool ok = r.status == app::RequestStatus::ok;
  RequestRow row{};
  row.id = r.id;
  row.parent = r.parent;
  row.source = r.source;
  row.target = r.target;
  row.client = r.client;
  row.server = r.server;
  row.client_node = self->node_of ? self->node_of(r.client) : 0;
  row.server_node = r.server != 0 && self->node_of ? self->node_of(r.server) : 0;
  row.status = r.status;
  row.reused_connection = r.reused_connection;
  row.retries = r.retries;
  row.warmup = r.started < self->warmup;
  row.request_bytes = r.request_bytes;
  row.response_bytes = r.response_bytes;
  row.started_ps = r.started.ps();
  row.total_ps = r.total().ps();
  row.dns_ps = r.dns().ps();
  row.connect_ps = r.connect().ps();
  row.queueing_ps = ok ? r.queueing().ps() : 0;
  row.service_ps = ok ? r.service().ps() : 0;
  row.calls_ps = ok ? r.calls().ps() : 0;
  row.network_ps = ok ? r.network().ps() : 0;
  self->requests.append(row);
}

ClusterTrace::ClusterTrace(const std::string& path, const RunIdentity& id, engine::Time warmup)
    : impl_(std::make_unique<Impl>(path, warmup)) {
  h5::Group& m = impl_->meta;
  m.set_attribute("podwire_version", id.podwire_version);
  m.set_attribute("schema_version", std::int64_t{kTraceSchemaVersion});
  m.set_attribute("seed", id.seed);
  m.set_attribute("scenario_file", id.scenario_file);
  m.set_attribute("scenario_text", id.scenario_text);
  m.set_attribute("model", "cluster");
  m.set_attribute("warmup_ps", warmup.ps());
  m.set_attribute("start_wall_clock", wall_clock_now());
  m.set_attribute("complete", false);
}

ClusterTrace::~ClusterTrace() = default;

void ClusterTrace::set_node_of(std::function<std::uint32_t(std::uint32_t)> node_of) {
  impl_->node_of = std::move(node_of);
}

void ClusterTrace::attach(app::RequestTable& requests) { requests.finished.connect(&Impl::on_request, impl_.get()); }

void ClusterTrace::append_node_sample(engine::Time at, std::uint32_t node, double kernel_busy, double softirq_busy,
                                      double system_busy, double application_busy,
                                      std::uint64_t conntrack_entries, std::uint64_t conntrack_drops) {
  impl_->nodes.append(NodeSampleRow{at.ps(), node, kernel_busy, softirq_busy, system_busy, application_busy,
                                    conntrack_entries, conntrack_drops});
}

void ClusterTrace::append_link_sample(engine::Time at, std::uint32_t link, double utilisation,
                                      std::uint64_t queued_packets, std::uint64_t drops) {
  impl_->links.append(LinkSampleRow{at.ps(), link, utilisation, queued_packets, drops});
}

void ClusterTrace::append_dns_lookup(engine::Time started, std::uint32_t client, std::string_view name,
                                     std::uint32_t queries, std::uint32_t timeouts, bool ok, std::uint32_t address,
                                     engine::Time duration) {
  DnsRow row{};
  row.started_ps = started.ps();
  row.client = client;
  const auto [it, fresh] = impl_->dns_names.try_emplace(std::string(name), static_cast<std::uint32_t>(impl_->dns_names.size()));
  row.name = it->second;
  row.queries = queries;
  row.timeouts = timeouts;
  row.ok = ok;
  row.address = address;
  row.duration_ps = duration.ps();
  impl_->dns.append(row);
}

void ClusterTrace::append_connection(std::uint32_t local, const net::TcpConnection& c, engine::Time ended) {
  const net::FlowKey& f = c.flow();
  ConnectionRow row{};
  row.opened_ps = c.opened_at().ps();
  row.established_ps = c.established_at().ps();
  row.ended_ps = ended.ps();
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
  impl_->connections.append(row);
}

net::PacketTracer* ClusterTrace::packet_tracer(const engine::Simulator& sim) {
  if (!impl_->packets) {
    impl_->sim = &sim;
    impl_->packets.emplace(impl_->file.create_table("/packets", h5::Schema<PacketHopRow>()
                                                                   .column("packet", &PacketHopRow::packet)
                                                                   .column("at_ps", &PacketHopRow::at_ps)
                                                                   .column("kind", &PacketHopRow::kind, hop_names())
                                                                   .column("where", &PacketHopRow::where)
                                                                   .column("src", &PacketHopRow::src)
                                                                   .column("dst", &PacketHopRow::dst)
                                                                   .column("src_port", &PacketHopRow::src_port)
                                                                   .column("dst_port", &PacketHopRow::dst_port)
                                                                   .column("protocol", &PacketHopRow::protocol)
                                                                   .column("tcp_flags", &PacketHopRow::tcp_flags)
                                                                   .column("wire_bytes", &PacketHopRow::wire_bytes)
                                                                   .column("request", &PacketHopRow::request),
                                                       kRequestStorage));
  }
  return impl_.get();
}

std::uint64_t ClusterTrace::requests_written() const { return impl_->requests.rows(); }

}  // namespace podwire::trace
