#include <algorithm>

#include "models/builder/cluster_model.hpp"

namespace podwire::builder {

using engine::Time;

ClusterRunResult ClusterModel::run(const std::atomic<bool>* stop_flag,
                                   engine::RunProgress* progress,
                                   const std::function<void()>* between_slices) {
  for (auto& c : clients_) c.start();
  sampler_.start();
  const Time duration = scenario_.run.duration;
  const Time slice = std::max(Time::ms(1), duration / 1000);
  if (progress != nullptr) progress->duration_ps.store(duration.ps());
  while (sim_.now() < duration) {
    if (stop_flag != nullptr && stop_flag->load(std::memory_order_relaxed)) {
      result_.stopped = true;
      break;
    }
    sim_.run_until(std::min(duration, sim_.now() + slice));
    if (progress != nullptr) {
      progress->simulated_ps.store(sim_.now().ps(), std::memory_order_relaxed);
      progress->events.store(sim_.events_executed(), std::memory_order_relaxed);
    }
    if (between_slices != nullptr) (*between_slices)();
  }
  ClusterRunResult& r = result_;
  // What is still in flight is counted (and traced) as unfinished; `sent` and
  // `warmup_sent` then hold every request the clients sent.
  requests_.finish_pending(sim_.now());
  for (const node::Node& n : nodes_) r.datapath += n.datapath().counters();
  for (const node::Node& n : nodes_) r.conntrack_entries += n.conntrack().size();
  for (const app::CoreDns& d : coredns_) {
    r.dns.queries += d.counters().queries;
    r.dns.answered_a += d.counters().answered_a;
    r.dns.nxdomain += d.counters().nxdomain;
    r.dns.forwarded += d.counters().forwarded;
    r.dns.cache_hits += d.counters().cache_hits;
  }
  for (const auto& kinds : pod_resolvers_) {
    for (const auto& res : kinds) {
      if (!res) continue;
      r.dns_lookups += res->counters().lookups;
      r.dns_queries += res->counters().queries_sent;
      r.dns_timeouts += res->counters().timeouts;
      r.dns_client_cache_hits += res->counters().cache_hits;
    }
  }
  r.nodes.clear();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const node::NodeCpu& c = nodes_[i].cpu();
    r.node_cpu_application_s += c.busy_application().seconds();
    r.node_cpu_kernel_s += c.busy_kernel().seconds();
    const node::CpuUsage u = c.usage();
    NodeFigures f;
    f.name = fabric_.nodes[i].name;
    f.application_cpu_s = u.application.seconds();
    f.kernel_cpu_s = u.kernel.seconds();
    f.softirq_cpu_s = u.softirq().seconds();
    f.system_cpu_s = u.system.seconds();
    f.cores = c.cores();
    f.cpu_work_s = u.work.seconds();
    f.capacity = c.capacity();
    // Every sync runs on the node's CPUs; one still running at the end has
    // done part of its work.
    f.background_work_s = std::min(f.cpu_work_s, syncs_[i].counters().busy.seconds() / c.speed());
    f.conntrack_entries = nodes_[i].conntrack().size();
    f.conntrack_drops = nodes_[i].datapath().counters().conntrack_drops;
    r.nodes.push_back(std::move(f));
  }
  collect_churn();
  r.events = sim_.events_executed();
  r.simulated = sim_.now();
  r.warmup = scenario_.run.warmup;
  return r;
}

}  // namespace podwire::builder
