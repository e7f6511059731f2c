#include "models/builder/trace_hookup.hpp"

#include "models/trace/cluster_trace.hpp"

namespace podwire::builder {

ClusterTraceHookup::ClusterTraceHookup(ClusterModel& model, const std::string& trace_path) : model_(model) {
  const ClusterScenario& s = model.scenario();
    out_ = std::make_unique<trace::ClusterTrace>(
        trace_path, trace::RunIdentity{PODWIRE_VERSION, s.run.seed, s.file, s.resolved_text},
        s.run.warmup);
    if (s.trace_requests) out_->attach(model_.requests());
    out_->set_node_of([&model](std::uint32_t id) -> std::uint32_t {
      if (id < ClusterModel::kPodIdBase) return id;  // a host is its own node
      const std::size_t pod = id - ClusterModel::kPodIdBase;
      if (pod >= model.cluster().pods().size() || model.cluster().pods()[pod].node < 0) return 0;
      return static_cast<std::uint32_t>(model.fabric().nodes[static_cast<std::size_t>(model.cluster().pods()[pod].node)].host->node());
    });
    model_.sampler().node_sampled.connect(
        [](void* trace, const NodeSample& n) {
          static_cast<trace::ClusterTrace*>(trace)->append_node_sample(n.at, n.node, n.kernel_busy, n.softirq_busy,
                                                                      n.system_busy, n.application_busy,
                                                                      n.conntrack_entries, n.conntrack_drops);
        },
        out_.get());
    model_.sampler().link_sampled.connect(
        [](void* trace, const LinkSample& l) {
          static_cast<trace::ClusterTrace*>(trace)->append_link_sample(l.at, l.link, l.utilisation, l.queued_packets,
                                                                      l.drops);
        },
        out_.get());
    if (s.trace_packets_every > 0) model_.pool().set_tracer(out_->packet_tracer(model_.simulator()), s.trace_packets_every);
    if (s.trace_connections) model_.connection_ended.connect(&ClusterTraceHookup::on_connection_ended, this);
  if (s.trace_requests) {
      model_.dns_looked_up.connect(
          [](void* trace, const app::DnsLookupRecord& d) {
            static_cast<trace::ClusterTrace*>(trace)->append_dns_lookup(d.started, d.client, d.name, d.queries,
                                                                       d.timeouts, d.ok, d.address,
                                                                       d.finished - d.started);
          },
          out_.get());
    }
    std::vector<std::string> link_names;
    for (const net::Link& l : model_.network().links()) link_names.push_back(l.name());
    out_->write_links(link_names);
}

ClusterTraceHookup::~ClusterTraceHookup() {
  model_.requests().finished.disconnect(out_.get());
  model_.sampler().node_sampled.disconnect(out_.get());
  model_.sampler().link_sampled.disconnect(out_.get());
  model_.dns_looked_up.disconnect(out_.get());
  model_.connection_ended.disconnect(this);
  model_.pool().set_tracer(nullptr, 1);
}

void ClusterTraceHookup::on_connection_ended(void* self, std::uint32_t endpoint, const net::TcpConnection& c) {
  auto* h = static_cast<ClusterTraceHookup*>(self);
  if (h->open_) h->out_->append_connection(endpoint, c, h->model_.simulator().now());
}

void ClusterTraceHookup::finish(const ClusterRunResult& r) {
    std::vector<trace::TrafficSummaryRow> ts;
    for (const TrafficFigures& t : r.traffic) {
      const auto pct = [&](double p) { return t.total.empty() ? 0.0 : t.total.percentile_time(p).seconds(); };
      const auto count = [&](app::RequestStatus st) { return t.by_status[static_cast<int>(st)]; };
      ts.push_back(trace::TrafficSummaryRow{t.name, t.sent, t.ok, t.failed, t.total_s.mean(), pct(50), pct(90),
                                            pct(99), t.dns_s.mean(), t.connect_s.mean(), t.network_s.mean(),
                                            t.at_server_s.mean(), count(app::RequestStatus::refused),
                                            count(app::RequestStatus::reset), count(app::RequestStatus::timeout),
                                            count(app::RequestStatus::dns_failure)});
    }
    std::vector<trace::ServiceSummaryRow> ss;
    for (const ServiceFigures& s : r.services) {
      const auto pct = [&](double p) { return s.latency.empty() ? 0.0 : s.latency.percentile_time(p).seconds(); };
      ss.push_back(trace::ServiceSummaryRow{s.name, s.requests, s.server_time_s.mean(), s.queueing_s.mean(),
                                            s.service_s.mean(), s.estimate_server_time_s, s.estimate_utilisation,
                                            pct(50), pct(90), pct(99)});
    }
    const std::vector<std::pair<std::uint32_t, std::string>> endpoints = model_.endpoint_names();
  if (r.churn.present) {
      std::vector<trace::ChurnEventRow> events;
      events.reserve(r.churn.events.size());
      for (const churn::ChurnEvent& e : r.churn.events) {
        trace::ChurnEventRow row;
        row.at = e.at;
        row.kind = churn::to_string(e.kind);
        if (e.pod >= 0) {
          const kube::PodState& p = model_.cluster().pods()[static_cast<std::size_t>(e.pod)];
          row.pod = p.namespace_ + "/" + p.name;
        }
        if (e.node >= 0) row.node = model_.fabric().nodes[static_cast<std::size_t>(e.node)].name;
        if (e.owner >= 0) {
          const kube::OwnerState& o = model_.cluster().owners()[static_cast<std::size_t>(e.owner)];
          row.owner = std::string(o.kind) + " " + o.namespace_ + "/" + o.name;
        }
        events.push_back(std::move(row));
      }
      std::vector<trace::ProgrammingNodeRow> nodes;
      for (const NodeProgramming& n : r.churn.nodes) {
        nodes.push_back(trace::ProgrammingNodeRow{n.node, n.changes, n.p50_s, n.p99_s, n.max_s, n.syncs, n.full_syncs,
                                                  n.sync_busy_s});
      }
      std::vector<trace::ProgrammingChangeRow> changes;
      for (const ChangeProgramming& c : r.churn.changes) {
        changes.push_back(trace::ProgrammingChangeRow{c.id, c.service, c.at, c.nodes, c.p50_s, c.p99_s, c.max_s});
      }
      const ChurnFigures& c = r.churn;
      std::uint64_t syncs = 0, full = 0;
      double busy = 0;
      for (const NodeProgramming& n : c.nodes) {
        syncs += n.syncs;
        full += n.full_syncs;
        busy += n.sync_busy_s;
      }
      const auto d = [](std::uint64_t v) { return static_cast<double>(v); };
      if (model_.scenario().trace_programming_records) {
        std::vector<trace::ProgrammingRecordRow> rows;
        rows.reserve(model_.programming_samples().size());
        for (const ClusterModel::ProgrammingSample& p : model_.programming_samples()) rows.push_back({p.node, p.change, p.latency_s});
        out_->write_programming_records(rows);
      }
      out_->write_churn(events, nodes, changes,
                       {{"pods_created", d(c.lifecycle.pods_created)},
                        {"pods_deleted", d(c.lifecycle.pods_deleted)},
                        {"killed_at_grace", d(c.lifecycle.killed_at_grace)},
                        {"crashes", d(c.lifecycle.crashes)},
                        {"evictions", d(c.lifecycle.evictions)},
                        {"unschedulable", d(c.lifecycle.unschedulable)},
                        {"rollouts_done", d(c.lifecycle.rollouts_done)},
                        {"changes", d(c.propagation.changes)},
                        {"slice_syncs", d(c.propagation.slice_syncs)},
                        {"slice_writes", d(c.propagation.slice_writes)},
                        {"watch_events", d(c.propagation.watch_events)},
                        {"programmed", d(c.programmed)},
                        {"programming_p50_s", c.programming_p50_s},
                        {"programming_p90_s", c.programming_p90_s},
                        {"programming_p99_s", c.programming_p99_s},
                        {"programming_max_s", c.programming_max_s},
                        {"udp_entries_cleared", d(c.udp_entries_cleared)},
                        {"syncs", d(syncs)},
                        {"full_syncs", d(full)},
                        {"sync_busy_s", busy}});
    }
    model_.pool().set_tracer(nullptr, 1);
    out_->finish(model_.target_names(), model_.traffic_names(), endpoints, ts, ss, r.events, r.simulated, !r.stopped);
    open_ = false;
}

ClusterRunResult run_cluster(ClusterModel& model, const std::string& trace_path, const std::atomic<bool>* stop_flag,
                             engine::RunProgress* progress) {
  if (trace_path.empty()) return model.run(stop_flag, progress);
  ClusterTraceHookup trace(model, trace_path);
  ClusterRunResult r = model.run(stop_flag, progress);
  trace.finish(r);
  return r;
}

ClusterRunResult run_cluster_scenario(const ClusterScenario& scenario, const std::atomic<bool>* stop_flag,
                                      const std::string& trace_path) {
  ClusterModel model(scenario);
  return run_cluster(model, trace_path, stop_flag);
}

}  // namespace podwire::builder
