// ClusterTrace's tables written once rather than streamed: /links, /churn and
// /programming, and at finish() the name tables the ids refer to, /summary and
// the closing /meta attributes.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "models/trace/cluster_trace_impl.hpp"

namespace podwire::trace {

namespace {

using cluster_trace_detail::kRequestStorage;
using cluster_trace_detail::wall_clock_now;

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

}  // namespace

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
