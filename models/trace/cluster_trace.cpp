#include "models/trace/cluster_trace.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <unordered_map>

#include "models/trace/hdf5/file.hpp"
#include "models/trace/hdf5/table.hpp"

namespace podwire::trace {

namespace {

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

struct NameRow {
  std::uint32_t id;
  char name[128];
};

struct TrafficRow {
  char name[64];
  std::uint64_t sent, ok, failed;
  double mean_s, p50_s, p90_s, p99_s, dns_s, connect_s, network_s, at_server_s;
  std::uint64_t refused, reset, timeout, dns_failure;
};

struct ServiceRow {
  char name[128];
  std::uint64_t requests;
  double server_time_s, queueing_s, service_s, estimate_server_time_s, estimate_utilisation;
  double p50_s, p90_s, p99_s;
};

struct ChurnEventTableRow {
  std::int64_t at_ps;
  char kind[16];
  char pod[128];
  char node[64];
  char owner[128];
};

struct ProgrammingNodeTableRow {
  char node[64];
  std::uint64_t changes;
  double p50_s, p99_s, max_s;
  std::uint64_t syncs, full_syncs;
  double sync_busy_s;
};

struct ProgrammingChangeTableRow {
  std::uint64_t id;
  char service[128];
  std::int64_t at_ps;
  std::uint64_t nodes;
  double p50_s, p99_s, max_s;
};

template <std::size_t N>
void copy_name(char (&to)[N], const std::string& from) {
  std::memset(to, 0, N);
  std::memcpy(to, from.data(), std::min(from.size(), N - 1));
}

std::string wall_clock_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

const h5::StorageOptions kRequestStorage{128 * 1024, 1, true};

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

struct ClusterTrace::Impl final : net::PacketTracer {
  h5::File file;
  h5::Group meta;
  h5::Table<RequestRow> requests;
  h5::Table<NodeSampleRow> nodes;
  h5::Table<LinkSampleRow> links;
  h5::Table<DnsRow> dns;
  h5::Table<ConnectionRow> connections;
  std::unordered_map<std::string, std::uint32_t> dns_names;
  std::optional<h5::Table<PacketHopRow>> packets;  // created when packet tracing is on
  std::unordered_map<std::string, std::uint32_t> places;
  const engine::Simulator* sim = nullptr;
  engine::Time warmup;
  std::function<std::uint32_t(std::uint32_t)> node_of;

  Impl(const std::string& path, engine::Time warmup_)
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

  void hop(const net::Packet& p, net::HopKind kind, std::string_view where) override {
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

  static void on_request(void* ctx, const app::RequestRecord& r) {
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
};

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

void ClusterTrace::append_node_sample(engine::Time at, std::uint32_t node, double kernel_busy, double application_busy,
                                      std::uint64_t conntrack_entries, std::uint64_t conntrack_drops) {
  impl_->nodes.append(NodeSampleRow{at.ps(), node, kernel_busy, application_busy, conntrack_entries, conntrack_drops});
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

void ClusterTrace::write_programming_records(const std::vector<ProgrammingRecordRow>& rows) {
  struct Row {
    std::uint32_t node;
    std::uint64_t change;
    double latency_s;
  };
  auto t = impl_->file.create_table("/programming/records", h5::Schema<Row>()
                                                                .column("node", &Row::node)
                                                                .column("change", &Row::change)
                                                                .column("latency_s", &Row::latency_s),
                                    kRequestStorage);
  for (const ProgrammingRecordRow& r : rows) t.append(Row{r.node, r.change, r.latency_s});
  t.flush();
}

void ClusterTrace::write_links(const std::vector<std::string>& names) {
  auto t = impl_->file.create_table("/links", h5::Schema<NameRow>().column("id", &NameRow::id).column("name", &NameRow::name));
  for (std::uint32_t i = 0; i < names.size(); ++i) {
    NameRow row{};
    row.id = i;
    copy_name(row.name, names[i]);
    t.append(row);
  }
  t.flush();
}

std::uint64_t ClusterTrace::requests_written() const { return impl_->requests.rows(); }

void ClusterTrace::write_churn(const std::vector<ChurnEventRow>& events,
                               const std::vector<ProgrammingNodeRow>& nodes,
                               const std::vector<ProgrammingChangeRow>& changes,
                               const std::vector<std::pair<std::string, double>>& figures) {
  h5::File& f = impl_->file;
  auto ev = f.create_table("/churn/events", h5::Schema<ChurnEventTableRow>()
                                                .column("at_ps", &ChurnEventTableRow::at_ps)
                                                .column("kind", &ChurnEventTableRow::kind)
                                                .column("pod", &ChurnEventTableRow::pod)
                                                .column("node", &ChurnEventTableRow::node)
                                                .column("owner", &ChurnEventTableRow::owner));
  for (const ChurnEventRow& e : events) {
    ChurnEventTableRow row{};
    row.at_ps = e.at.ps();
    copy_name(row.kind, e.kind);
    copy_name(row.pod, e.pod);
    copy_name(row.node, e.node);
    copy_name(row.owner, e.owner);
    ev.append(row);
  }
  ev.flush();
  for (const auto& [name, value] : figures) ev.set_attribute(name, value);
  auto pn = f.create_table("/programming/nodes", h5::Schema<ProgrammingNodeTableRow>()
                                                     .column("node", &ProgrammingNodeTableRow::node)
                                                     .column("changes", &ProgrammingNodeTableRow::changes)
                                                     .column("p50_s", &ProgrammingNodeTableRow::p50_s)
                                                     .column("p99_s", &ProgrammingNodeTableRow::p99_s)
                                                     .column("max_s", &ProgrammingNodeTableRow::max_s)
                                                     .column("syncs", &ProgrammingNodeTableRow::syncs)
                                                     .column("full_syncs", &ProgrammingNodeTableRow::full_syncs)
                                                     .column("sync_busy_s", &ProgrammingNodeTableRow::sync_busy_s));
  for (const ProgrammingNodeRow& n : nodes) {
    ProgrammingNodeTableRow row{};
    copy_name(row.node, n.node);
    row.changes = n.changes;
    row.p50_s = n.p50_s;
    row.p99_s = n.p99_s;
    row.max_s = n.max_s;
    row.syncs = n.syncs;
    row.full_syncs = n.full_syncs;
    row.sync_busy_s = n.sync_busy_s;
    pn.append(row);
  }
  pn.flush();
  auto pc = f.create_table("/programming/changes", h5::Schema<ProgrammingChangeTableRow>()
                                                       .column("id", &ProgrammingChangeTableRow::id)
                                                       .column("service", &ProgrammingChangeTableRow::service)
                                                       .column("at_ps", &ProgrammingChangeTableRow::at_ps)
                                                       .column("nodes", &ProgrammingChangeTableRow::nodes)
                                                       .column("p50_s", &ProgrammingChangeTableRow::p50_s)
                                                       .column("p99_s", &ProgrammingChangeTableRow::p99_s)
                                                       .column("max_s", &ProgrammingChangeTableRow::max_s));
  for (const ProgrammingChangeRow& c : changes) {
    ProgrammingChangeTableRow row{};
    row.id = c.id;
    copy_name(row.service, c.service);
    row.at_ps = c.at.ps();
    row.nodes = c.nodes;
    row.p50_s = c.p50_s;
    row.p99_s = c.p99_s;
    row.max_s = c.max_s;
    pc.append(row);
  }
  pc.flush();
}

void ClusterTrace::finish(const std::vector<std::string>& targets, const std::vector<std::string>& traffic,
                          const std::vector<std::pair<std::uint32_t, std::string>>& endpoints,
                          const std::vector<TrafficSummaryRow>& traffic_summary,
                          const std::vector<ServiceSummaryRow>& service_summary, std::uint64_t events,
                          engine::Time simulated, bool complete) {
  h5::File& f = impl_->file;
  const auto names = [&](const char* path, const auto& list) {
    auto t = f.create_table(path, h5::Schema<NameRow>().column("id", &NameRow::id).column("name", &NameRow::name));
    for (const auto& [id, name] : list) {
      NameRow row{};
      row.id = id;
      copy_name(row.name, name);
      t.append(row);
    }
    t.flush();
  };
  std::vector<std::pair<std::uint32_t, std::string>> numbered;
  for (std::uint32_t i = 0; i < targets.size(); ++i) numbered.emplace_back(i, targets[i]);
  names("/targets", numbered);
  numbered.clear();
  for (std::uint32_t i = 0; i < traffic.size(); ++i) numbered.emplace_back(i, traffic[i]);
  names("/traffic", numbered);
  names("/endpoints", endpoints);
  numbered.assign(impl_->dns_names.size(), {});
  for (const auto& [name, id] : impl_->dns_names) numbered[id] = {id, name};
  names("/dns_names", numbered);
  if (impl_->packets) {
    numbered.assign(impl_->places.size(), {});
    for (const auto& [name, id] : impl_->places) numbered[id] = {id, name};
    names("/packet_places", numbered);
    impl_->packets->flush();
  }

  auto ts = f.create_table("/summary/traffic", h5::Schema<TrafficRow>()
                                                   .column("name", &TrafficRow::name)
                                                   .column("sent", &TrafficRow::sent)
                                                   .column("ok", &TrafficRow::ok)
                                                   .column("failed", &TrafficRow::failed)
                                                   .column("mean_s", &TrafficRow::mean_s)
                                                   .column("p50_s", &TrafficRow::p50_s)
                                                   .column("p90_s", &TrafficRow::p90_s)
                                                   .column("p99_s", &TrafficRow::p99_s)
                                                   .column("dns_s", &TrafficRow::dns_s)
                                                   .column("connect_s", &TrafficRow::connect_s)
                                                   .column("network_s", &TrafficRow::network_s)
                                                   .column("at_server_s", &TrafficRow::at_server_s)
                                                   .column("refused", &TrafficRow::refused)
                                                   .column("reset", &TrafficRow::reset)
                                                   .column("timeout", &TrafficRow::timeout)
                                                   .column("dns_failure", &TrafficRow::dns_failure));
  for (const TrafficSummaryRow& t : traffic_summary) {
    TrafficRow row{};
    copy_name(row.name, t.name);
    row.sent = t.sent;
    row.ok = t.ok;
    row.failed = t.failed;
    row.mean_s = t.mean_s;
    row.p50_s = t.p50_s;
    row.p90_s = t.p90_s;
    row.p99_s = t.p99_s;
    row.dns_s = t.dns_s;
    row.connect_s = t.connect_s;
    row.network_s = t.network_s;
    row.at_server_s = t.at_server_s;
    row.refused = t.refused;
    row.reset = t.reset;
    row.timeout = t.timeout;
    row.dns_failure = t.dns_failure;
    ts.append(row);
  }
  ts.flush();
  auto ss = f.create_table("/summary/services", h5::Schema<ServiceRow>()
                                                    .column("name", &ServiceRow::name)
                                                    .column("requests", &ServiceRow::requests)
                                                    .column("server_time_s", &ServiceRow::server_time_s)
                                                    .column("queueing_s", &ServiceRow::queueing_s)
                                                    .column("service_s", &ServiceRow::service_s)
                                                    .column("estimate_server_time_s", &ServiceRow::estimate_server_time_s)
                                                    .column("estimate_utilisation", &ServiceRow::estimate_utilisation)
                                                    .column("p50_s", &ServiceRow::p50_s)
                                                    .column("p90_s", &ServiceRow::p90_s)
                                                    .column("p99_s", &ServiceRow::p99_s));
  for (const ServiceSummaryRow& s : service_summary) {
    ServiceRow row{};
    copy_name(row.name, s.name);
    row.requests = s.requests;
    row.server_time_s = s.server_time_s;
    row.queueing_s = s.queueing_s;
    row.service_s = s.service_s;
    row.estimate_server_time_s = s.estimate_server_time_s;
    row.estimate_utilisation = s.estimate_utilisation;
    row.p50_s = s.p50_s;
    row.p90_s = s.p90_s;
    row.p99_s = s.p99_s;
    ss.append(row);
  }
  ss.flush();

  h5::Group& m = impl_->meta;
  m.set_attribute("end_wall_clock", wall_clock_now());
  m.set_attribute("simulated_ps", simulated.ps());
  m.set_attribute("events", events);
  m.set_attribute("complete", complete);
  impl_->requests.flush();
  impl_->nodes.flush();
  f.close();
}

}  // namespace podwire::trace
