#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

#include "models/builder/cluster_estimate.hpp"
#include "models/builder/cluster_model.hpp"

namespace podwire::builder {

using engine::Time;

void ClusterModel::collect_churn() {
  ChurnFigures& c = result_.churn;
  if (!c.present) return;
  c.lifecycle = lifecycle_->counters();
  c.propagation = propagation_->counters();
  // Nearest-rank percentiles of the histograms, within 0.39% of the samples'.
  const auto seconds = [](const auto& h, double p) { return h.percentile_time(p).seconds(); };
  const engine::CompactLatencyHistogram none;
  const auto of = [&](const std::vector<engine::CompactLatencyHistogram>& v,
                      std::size_t i) -> const engine::CompactLatencyHistogram& {
    return i < v.size() ? v[i] : none;
  };
  c.programmed = programming_all_.count();
  c.programming_max_s = Time::ps(programming_all_.max()).seconds();
  c.programming_p50_s = seconds(programming_all_, 50);
  c.programming_p90_s = seconds(programming_all_, 90);
  c.programming_p99_s = seconds(programming_all_, 99);
  c.nodes.clear();
  for (std::size_t n = 0; n < syncs_.size(); ++n) {
    NodeProgramming np;
    np.node = fabric_.nodes[n].name;
    const engine::CompactLatencyHistogram& h = of(programming_by_node_, n);
    np.changes = h.count();
    np.max_s = Time::ps(h.max()).seconds();
    np.p50_s = seconds(h, 50);
    np.p99_s = seconds(h, 99);
    const proxy::SyncCounters& sc = syncs_[n].counters();
    np.syncs = sc.syncs;
    np.full_syncs = sc.full_syncs;
    np.sync_busy_s = sc.busy.seconds();
    c.udp_entries_cleared += sc.udp_entries_cleared;
    c.nodes.push_back(std::move(np));
  }
  c.changes.clear();
  for (const churn::EndpointChange& e : propagation_->changes()) {
    ChangeProgramming cp;
    cp.id = e.id;
    cp.service = cluster_->services()[static_cast<std::size_t>(e.service)].key;
    cp.at = e.at;
    const engine::CompactLatencyHistogram& h = of(programming_by_change_, e.id);
    cp.nodes = h.count();
    cp.max_s = Time::ps(h.max()).seconds();
    cp.p50_s = seconds(h, 50);
    cp.p99_s = seconds(h, 99);
    c.changes.push_back(std::move(cp));
  }
}

namespace {

// A handler's service time at a pod: its work on the cores, then its service
// time. The variance is known for the exponential and the constant; other
// shapes are estimated as exponential (scv 1).
HandlerLoad handler_load(const AppSpec& a, std::size_t h) {
  const engine::Distribution& d = h == 0 ? a.service_time : a.routes[h - 1].service_time;
  const Time cpu = h == 0 ? a.cpu_per_request : a.routes[h - 1].cpu_per_request;
  const double m = d.mean();
  HandlerLoad l;
  l.mean_service_s = m + cpu.seconds();
  l.variance_s2 = d.kind() == engine::Distribution::Kind::constant ? 0 : m * m;
  return l;
}

}  // namespace

std::vector<std::size_t> ClusterModel::served_by(int service) const {
  std::vector<std::size_t> out;
  for (std::size_t ai : apps_serving(service)) {
    if (ai < app_plans_.size() && app_plans_[ai].ok) out.push_back(ai);
  }
  return out;
}

void ClusterModel::describe_targets() {
  // What the estimate needs for each target that is a Service some app serves
  // (the first app's top-level handler; a mix is described by the estimate).
  for (std::size_t t = 0; t < targets_.size(); ++t) {
    const std::vector<std::size_t> apps = served_by(targets_[t].service);
    if (apps.empty()) continue;
    ServiceFigures& f = result_.services[t];
    f.pods = 0;
    for (std::size_t ai : apps) f.pods += static_cast<int>(pods_serving(ai));
    const AppSpec& a = scenario_.apps[apps[0]];
    f.concurrency = a.concurrency;
    const HandlerLoad l = handler_load(a, 0);
    f.mean_service_s = l.mean_service_s;
    f.service_scv =
        f.mean_service_s > 0 ? l.variance_s2 / (f.mean_service_s * f.mean_service_s) : 0;
  }
}

std::size_t ClusterModel::pods_serving(std::size_t ai) const {
  const AppSpec& a = scenario_.apps[ai];
  return cluster_->pods_of(a.namespace_, a.workload).size();
}

void ClusterModel::estimate() {
  // Classes of requests: (target, route); (t, no route) is class t.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> classes;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> index;
  for (std::uint32_t t = 0; t < targets_.size(); ++t) classes.emplace_back(t, 0);
  const auto class_of = [&](std::uint32_t t, std::uint32_t route) -> std::size_t {
    if (route == 0) return t;
    const auto [it, fresh] = index.emplace(std::make_pair(t, route), classes.size());
    if (fresh) classes.emplace_back(t, route);
    return it->second;
  };
  std::vector<double> external(targets_.size(), 0.0);
  bool closed_loop = false;
  for (std::size_t i = 0; i < scenario_.traffic.size(); ++i) {
    const TrafficSpec& t = scenario_.traffic[i];
    if (!t.open_loop) closed_loop = true;
    for (const app::HttpClient& c : clients_) {
      if (c.config().source != i || !t.open_loop) continue;
      const double rate = 1.0 / c.config().interarrival.mean();
      const auto& mix = c.config().mix;
      if (mix.empty()) {
        external[c.config().target] += rate;
        continue;
      }
      double before = 0;
      for (const auto& [route, upto] : mix) {
        const std::size_t k = class_of(c.config().target, route);
        external.resize(classes.size(), 0.0);
        external[k] += rate * ((upto - before) / mix.back().second);
        before = upto;
      }
    }
  }
  // Each class's calls: the apps behind its Service share it by their pods.
  std::vector<CallRate> calls;
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const auto [t, route] = classes[i];
    const std::vector<std::size_t> apps = served_by(targets_[t].service);
    double pods = 0;
    for (std::size_t ai : apps) pods += static_cast<double>(pods_serving(ai));
    for (std::size_t ai : apps) {
      const AppSpec& a = scenario_.apps[ai];
      const double share = static_cast<double>(pods_serving(ai)) / pods;
      const std::size_t h = handler_of(ai, route_names_[route]);
      const std::vector<scenario::CallGroupSpec>& groups = h == 0 ? a.calls : a.routes[h - 1].calls;
      const HandlerPlan& plan = app_plans_[ai].handlers[h];
      for (std::size_t g = 0; g < groups.size(); ++g) {
        for (std::size_t c = 0; c < groups[g].calls.size(); ++c) {
          const CallSpec& call = groups[g].calls[c];
          const double mean = call.count.drawn() ? call.count.mean() : call.count.a;
          const std::size_t to = class_of(plan.call_targets[g][c], route_id(call.route));
          calls.push_back(CallRate{i, to, share * (mean * call.probability), call.max_depth});
        }
      }
    }
  }
  external.resize(classes.size(), 0.0);
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> lambda;
  try {
    if (!closed_loop) lambda = solve_traffic(classes.size(), calls, external);
  } catch (const std::invalid_argument& err) {
    notices_.push_back(std::string("no analytic estimate: ") + err.what());
  }
  for (ServiceFigures& f : result_.services) {
    f.estimate_arrival_per_s = nan;
    f.estimate_utilisation = nan;
    f.estimate_server_time_s = nan;
  }
  if (lambda.empty()) return;
  // Each app's pods as one station: the handlers' loads over every class it serves.
  struct Share {
    std::size_t app, handler;
    double rate;
  };
  std::vector<std::vector<Share>> shares(classes.size());
  std::vector<std::vector<HandlerLoad>> loads(scenario_.apps.size());
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const std::vector<std::size_t> apps = served_by(targets_[classes[i].first].service);
    double pods = 0;
    for (std::size_t ai : apps) pods += static_cast<double>(pods_serving(ai));
    for (std::size_t ai : apps) {
      const AppSpec& a = scenario_.apps[ai];
      if (loads[ai].empty()) {
        for (std::size_t h = 0; h <= a.routes.size(); ++h) loads[ai].push_back(handler_load(a, h));
        for (HandlerLoad& l : loads[ai]) l.arrival_per_s = 0;
      }
      const std::size_t h = handler_of(ai, route_names_[classes[i].second]);
      const double rate = lambda[i] * (static_cast<double>(pods_serving(ai)) / pods);
      loads[ai][h].arrival_per_s += rate;
      shares[i].push_back(Share{ai, h, rate});
    }
  }
  std::vector<StationEstimate> stations(scenario_.apps.size());
  for (std::size_t ai = 0; ai < scenario_.apps.size(); ++ai) {
    if (!loads[ai].empty())
      stations[ai] = estimate_station(static_cast<int>(pods_serving(ai)),
                                      std::max(1, scenario_.apps[ai].concurrency), loads[ai]);
  }
  // Each Service row: its classes' rates, and their time at the pods behind it.
  for (std::size_t t = 0; t < result_.services.size(); ++t) {
    ServiceFigures& f = result_.services[t];
    double rate = 0;
    std::size_t pairs = 0;
    for (std::size_t i = 0; i < classes.size(); ++i) {
      if (classes[i].first != t) continue;
      rate += lambda[i];
      pairs += shares[i].size();
    }
    f.estimate_arrival_per_s = rate;
    if (rate <= 0 || pairs == 0) continue;
    double utilisation = 0, server = 0, mean = 0, second = 0;
    for (std::size_t i = 0; i < classes.size(); ++i) {
      if (classes[i].first != t) continue;
      for (const Share& s : shares[i]) {
        const StationEstimate& st = stations[s.app];
        const HandlerLoad& l = loads[s.app][s.handler];
        const double w = s.rate / rate;
        utilisation += w * st.utilisation;
        server += w * (st.saturated ? std::numeric_limits<double>::infinity()
                                    : st.wait_s + l.mean_service_s);
        mean += w * l.mean_service_s;
        second += w * (l.variance_s2 + l.mean_service_s * l.mean_service_s);
      }
    }
    f.estimate_utilisation = utilisation;
    f.estimate_server_time_s = server;
    if (pairs > 1) {
      f.mean_service_s = mean;
      f.service_scv = mean > 0 ? (second - mean * mean) / (mean * mean) : 0;
    }
  }
}

void ClusterModel::on_request_finished(void* ctx, const app::RequestRecord& r) {
  auto* self = static_cast<ClusterModel*>(ctx);
  ClusterRunResult& run = self->result_;
  const bool client_request = r.parent == 0 && r.source < run.traffic.size();
  const bool no_port = r.status == app::RequestStatus::addr_unavailable;
  const bool unfinished = r.status == app::RequestStatus::unfinished;
  if (no_port && !run.first_addr_unavailable) run.first_addr_unavailable = r.started;
  if (client_request) {
    TrafficFigures& t = run.traffic[r.source];
    if (no_port && !t.first_addr_unavailable) t.first_addr_unavailable = r.started;
    const auto second =
        static_cast<std::size_t>(std::max<std::int64_t>(0, r.started.ps() / Time::s(1).ps()));
    if (t.seconds.size() <= second) t.seconds.resize(second + 1);
    TrafficBin& bin = t.seconds[second];
    if (r.status == app::RequestStatus::ok) {
      ++bin.ok;
      bin.latency_sum_s += r.total().seconds();
      bin.latency_max_s = std::max(bin.latency_max_s, r.total().seconds());
    } else if (!unfinished) {
      ++bin.failed;
    }
  }
  if (r.started < self->scenario_.run.warmup) {
    if (client_request) ++run.traffic[r.source].warmup_sent;
    return;
  }
  if (no_port) ++run.addr_unavailable;
  if (unfinished) ++run.unfinished;
  if (client_request) {
    TrafficFigures& t = run.traffic[r.source];
    ++t.sent;
    t.retries += r.retries;
    ++t.by_status[static_cast<int>(r.status)];
    if (r.status == app::RequestStatus::ok) {
      ++t.ok;
      t.total.record(r.total());
      t.total_s.add(r.total().seconds());
      t.dns_s.add(r.dns().seconds());
      t.connect_s.add(r.connect().seconds());
      t.network_s.add(r.network().seconds());
      t.at_server_s.add(r.at_server().seconds());
    } else if (unfinished) {
      ++t.unfinished;
    } else {
      ++t.failed;
    }
  }
  if (r.oneway && r.status == app::RequestStatus::ok) {
    // Its server times come when its receiver is done with it (on_datagram).
    if (r.target < run.services.size()) ++run.services[r.target].datagrams_sent;
    return;
  }
  if (r.status == app::RequestStatus::ok && r.target < self->result_.services.size()) {
    ServiceFigures& s = self->result_.services[r.target];
    ++s.requests;
    s.server_time_s.add((r.service_done - r.server_arrived).seconds());
    s.latency.record(r.total());
    s.queueing_s.add(r.queueing().seconds());
    s.service_s.add(r.service().seconds());
  }
}

}  // namespace podwire::builder

namespace podwire::builder {

void ClusterModel::on_datagram(void* ctx, const app::RequestRecord& r,
                               app::RequestTable::Datagram what) {
  auto* self = static_cast<ClusterModel*>(ctx);
  if (r.started < self->scenario_.run.warmup || r.target >= self->result_.services.size()) return;
  ServiceFigures& s = self->result_.services[r.target];
  switch (what) {
    case app::RequestTable::Datagram::received:
      ++s.datagrams_received;
      return;
    case app::RequestTable::Datagram::dropped:
      ++s.receive_drops;
      return;
    case app::RequestTable::Datagram::consumed:
      // Sent to consumed: the way there, the receive queue and the handler.
      ++s.requests;
      s.server_time_s.add((r.service_done - r.server_arrived).seconds());
      s.latency.record(r.calls_done - r.started);
      s.queueing_s.add(r.queueing().seconds());
      s.service_s.add(r.service().seconds());
      return;
  }
}

}  // namespace podwire::builder
