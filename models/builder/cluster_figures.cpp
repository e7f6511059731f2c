#include <algorithm>
#include <limits>
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
  const auto quantile = [](std::vector<float>& v, double q) -> double {
    if (v.empty()) return 0;
    const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
  };
  std::vector<float> all;
  all.reserve(programmed_.size());
  std::vector<std::vector<float>> by_node(syncs_.size());
  std::vector<std::vector<float>> by_change(propagation_->changes().size() + 1);
  for (const ProgrammingSample& p : programmed_) {
    all.push_back(p.latency_s);
    by_node[p.node].push_back(p.latency_s);
    if (p.change < by_change.size()) by_change[p.change].push_back(p.latency_s);
  }
  c.programmed = all.size();
  c.programming_max_s = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  c.programming_p50_s = quantile(all, 0.50);
  c.programming_p90_s = quantile(all, 0.90);
  c.programming_p99_s = quantile(all, 0.99);
  c.nodes.clear();
  for (std::size_t n = 0; n < syncs_.size(); ++n) {
    NodeProgramming np;
    np.node = fabric_.nodes[n].name;
    std::vector<float>& v = by_node[n];
    np.changes = v.size();
    np.max_s = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    np.p50_s = quantile(v, 0.5);
    np.p99_s = quantile(v, 0.99);
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
    std::vector<float>& v = by_change[e.id];
    cp.nodes = v.size();
    cp.max_s = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    cp.p50_s = quantile(v, 0.5);
    cp.p99_s = quantile(v, 0.99);
    c.changes.push_back(std::move(cp));
  }
}

void ClusterModel::describe_targets() {
  app_of_target_.assign(targets_.size(), -1);
  app_calls_.resize(scenario_.apps.size());
  // Each app's pods, found once: the loop below looks at every app for every target.
  std::vector<std::vector<int>> app_pods(scenario_.apps.size());
  for (std::size_t ai = 0; ai < scenario_.apps.size(); ++ai)
    app_pods[ai] = cluster_->pods_of(scenario_.apps[ai].namespace_, scenario_.apps[ai].workload);
  // What the estimate needs for each target that is a Service some app serves.
  for (std::size_t t = 0; t < targets_.size(); ++t) {
    if (targets_[t].service < 0) continue;
    const kube::ServiceState& st =
        cluster_->services()[static_cast<std::size_t>(targets_[t].service)];
    if (!st.service->has_selector()) continue;
    for (std::size_t ai = 0; ai < scenario_.apps.size(); ++ai) {
      const AppSpec& a = scenario_.apps[ai];
      if (a.namespace_ != st.service->meta.namespace_) continue;
      const std::vector<int>& pods = app_pods[ai];
      if (pods.empty()) continue;
      const kube::PodState& first = cluster_->pods()[static_cast<std::size_t>(pods[0])];
      if (!kube::map_selector_matches(*st.service->selector, *first.labels)) continue;
      ServiceFigures& f = result_.services[t];
      app_of_target_[t] = static_cast<int>(ai);
      f.pods = static_cast<int>(pods.size());
      f.concurrency = a.concurrency;
      f.mean_service_s = a.service_time.mean() + a.cpu_per_request.seconds();
      // Variance of the service time: known for the exponential and the
      // constant; other shapes are estimated as exponential (scv 1).
      const double m = a.service_time.mean();
      double variance = m * m;
      if (a.service_time.kind() == engine::Distribution::Kind::constant) variance = 0;
      f.service_scv = f.mean_service_s > 0 ? variance / (f.mean_service_s * f.mean_service_s) : 0;
    }
  }
}

void ClusterModel::estimate() {
  std::vector<StationModel> stations;
  for (const ServiceFigures& f : result_.services) {
    stations.push_back(
        StationModel{f.name, f.pods, std::max(1, f.concurrency), f.mean_service_s, f.service_scv});
  }
  std::vector<CallRate> calls;
  for (std::size_t t = 0; t < targets_.size(); ++t) {
    if (app_of_target_[t] < 0) continue;
    for (const auto& [to, count] : app_calls_[static_cast<std::size_t>(app_of_target_[t])]) {
      calls.push_back(CallRate{t, to, static_cast<double>(count)});
    }
  }
  std::vector<double> external(targets_.size(), 0.0);
  bool closed_loop = false;
  for (std::size_t i = 0; i < scenario_.traffic.size(); ++i) {
    const TrafficSpec& t = scenario_.traffic[i];
    if (!t.open_loop) closed_loop = true;
    for (const app::HttpClient& c : clients_) {
      if (c.config().source == i && t.open_loop) {
        external[c.config().target] += 1.0 / c.config().interarrival.mean();
      }
    }
  }
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<StationEstimate> e;
  try {
    if (!closed_loop) e = estimate_stations(stations, calls, external);
  } catch (const std::invalid_argument& err) {
    notices_.push_back(std::string("no analytic estimate: ") + err.what());
  }
  for (std::size_t t = 0; t < result_.services.size(); ++t) {
    ServiceFigures& f = result_.services[t];
    f.estimate_arrival_per_s = e.empty() ? nan : e[t].arrival_per_s;
    f.estimate_utilisation = e.empty() ? nan : e[t].utilisation;
    f.estimate_server_time_s = e.empty() ? nan : e[t].server_time_s;
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
