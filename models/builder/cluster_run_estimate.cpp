// ClusterModel::estimate_run: run_estimate.hpp. Each figure per item below
// was measured with `podwire run ... --no-trace` under /usr/bin/time, as the
// growth of the peak resident memory between two durations of one scenario
// divided by the growth of what it counts.
#include <algorithm>
#include <cmath>

#include "models/builder/cluster_model.hpp"
#include "models/churn/churn_action.hpp"

namespace podwire::builder {

namespace {

// scenarios/seed-web.yaml at 400/s for 20 s: 522,764 events for 7,927 requests
// with a connection each (keep_alive false), 170,733 over kept-alive ones.
constexpr double kEventsPerRequest = 66;
constexpr double kEventsPerKeptAliveRequest = 22;
// scenarios/seed-web.yaml at 10,000,000/s, 0.1 s and 0.3 s: 2.0 M more
// requests unfinished, 460 MB more: 235 B each, waiting for their turn before
// a connection. One that waits at a saturated Service holds a connection:
// 3.2 kB (12,000/s with keep-alive, 1 s and 3 s). The lower figure is taken,
// so that a run is refused only when it cannot fit.
constexpr double kBytesPerWaitingRequest = 235;
// scenarios/seed-web.yaml at 400/s without keep-alive, 2 s and 20 s: 7,118
// more connections in TIME_WAIT, 5.8 MB more (the sockets, both nodes'
// conntrack entries): 830 B each.
constexpr double kBytesPerTimeWait = 830;
// scenarios/churn/programming-5000-nodes.yaml (5,000 nodes, a rollout of
// 1,000 replicas at 5 s: 3,000 endpoint changes, 15,000,000 (node, change)
// samples): 89 MB run for 4 s, 240 MB for its 90 s, 10 B per sample (11.7 B
// with 2,000 nodes); 1.87 M events (the proxies' syncs batch the changes).
// The samples themselves are kept only as histograms (per node, per change);
// what this counts is the rollout's changes in flight on every node at once
// (the records and endpoint lists its syncs have yet to program), which is
// given back once they land: the peak stays flat after the rollout.
constexpr double kBytesPerProgrammingSample = 10;
constexpr double kEventsPerProgrammingSample = 0.125;
// Endpoint changes per pod a churn action replaces: the new pod ready, the
// old one terminating, then gone.
constexpr double kChangesPerReplacedPod = 3;

double seconds(engine::Time t) { return t.seconds(); }

}  // namespace

RunEstimate ClusterModel::estimate_run() const {
  RunEstimate e;
  const double duration = seconds(scenario_.run.duration);
  const net::TcpConfig tcp{};
  const double ports = tcp.ephemeral_last - tcp.ephemeral_first + 1;
  double served_events = 0, client_waiting = 0;
  for (std::size_t i = 0; i < scenario_.traffic.size(); ++i) {
    const TrafficSpec& t = scenario_.traffic[i];
    const double start = seconds(t.start);
    const double stop = t.stop ? std::min(seconds(*t.stop), duration) : duration;
    const double active = std::max(0.0, stop - start);
    double clients = 0;
    for (const app::HttpClient& c : clients_) clients += c.config().source == i ? 1 : 0;
    if (clients == 0) continue;
    double rate = 0;  // over all its client pods
    if (t.open_loop) {
      rate = t.rate_per_s;
    } else {
      // Closed loop: each user waits for its answer, then thinks (1 ms at least).
      rate = clients * t.users / std::max(t.think_time.mean(), 1e-3);
    }
    const double requests = rate * active;
    e.requests += requests;
    // What the load generator threads can send: threads / cpu_per_request each.
    const double cpu = std::max(seconds(t.cpu_per_request), 1e-9);
    const double can_send = clients * std::max(1, t.threads) / cpu * active;
    if (t.open_loop) client_waiting += std::max(0.0, requests - can_send);
    served_events += std::min(requests, can_send) *
                     (t.keep_alive ? kEventsPerKeptAliveRequest : kEventsPerRequest);
    if (!t.keep_alive && !t.target.udp) {
      // One port per connection toward the Service per client pod, for 60 s.
      e.time_wait +=
          std::min(rate * std::min(active, seconds(tcp.time_wait_ports)), clients * ports);
    }
  }
  // Saturated Services: what arrives beyond what their pods serve waits.
  double service_waiting = 0;
  for (const ServiceFigures& f : result_.services) {
    if (!std::isfinite(f.estimate_arrival_per_s)) continue;
    e.service_requests += f.estimate_arrival_per_s * duration;
    const double u = f.estimate_utilisation;
    if (std::isfinite(u) && u > 1)
      service_waiting += f.estimate_arrival_per_s * (1 - 1 / u) * duration;
  }
  // A request waits at one stage: the larger count stands for both.
  e.waiting = std::min(e.requests, std::max(client_waiting, service_waiting));
  // Downstream calls take as many events as the requests that make them.
  const double fan_out = e.requests > 0 ? std::max(1.0, e.service_requests / e.requests) : 1.0;
  e.events = std::max(0.0, served_events * fan_out - e.waiting * kEventsPerRequest) + e.waiting;

  // Churn: endpoint changes, each programmed by every node.
  const kube::Cluster& c = *cluster_;
  const double nodes = static_cast<double>(c.nodes().size());
  const double pods_per_node = nodes > 0 ? static_cast<double>(c.pods().size()) / nodes : 0;
  const auto replicas_of = [&](const churn::ChurnTarget& target) -> double {
    if (const auto owner = c.owner_index(target.namespace_, target.name)) {
      const int r = c.owners()[*owner].replicas;
      return r < 0 ? nodes : r;  // a DaemonSet: a pod per node
    }
    return 0;
  };
  const auto changes_of = [&](const churn::ChurnAction* action, const churn::ChurnTarget& target,
                              int replicas) -> double {
    if (action == nullptr) return 0;
    switch (action->acts) {
      case churn::ChurnAction::Acts::workload:
        return action->takes_replicas ? std::abs(replicas - replicas_of(target)) * 2
                                      : replicas_of(target) * kChangesPerReplacedPod;
      case churn::ChurnAction::Acts::pod:
        return kChangesPerReplacedPod;
      case churn::ChurnAction::Acts::node:
        return pods_per_node * kChangesPerReplacedPod;
    }
    return 0;
  };
  for (const churn::ChurnActionSpec& a : scenario_.churn.events)
    e.endpoint_changes += changes_of(a.action, a.target, a.replicas);
  for (const churn::ChurnProcessSpec& p : scenario_.churn.random) {
    const double stop = p.stop ? std::min(seconds(*p.stop), duration) : duration;
    const double times = p.rate_per_s * std::max(0.0, stop - seconds(p.start)) *
                         (p.target.kind == "nodes" ? nodes : 1.0);
    e.endpoint_changes += times * changes_of(p.action, p.target, 0);
  }
  e.programming_samples = e.endpoint_changes * nodes;
  e.events += e.programming_samples * kEventsPerProgrammingSample;

  e.waiting_each_bytes = kBytesPerWaitingRequest;
  e.time_wait_each_bytes = kBytesPerTimeWait;
  e.programming_each_bytes = kBytesPerProgrammingSample;
  e.waiting_bytes = e.waiting * kBytesPerWaitingRequest;
  e.time_wait_bytes = e.time_wait * kBytesPerTimeWait;
  e.programming_bytes = e.programming_samples * kBytesPerProgrammingSample;
  return e;
}

}  // namespace podwire::builder
