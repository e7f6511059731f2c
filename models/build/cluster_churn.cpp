#include "models/build/cluster_model.hpp"

#include <algorithm>

#include "models/build/located.hpp"
#include "models/kube/network_policy_engine.hpp"

namespace podwire::build {

using engine::Time;

namespace {

std::string_view owner_kind(const std::string& kind) {
  if (kind == "deployment") return "Deployment";
  if (kind == "statefulset") return "StatefulSet";
  if (kind == "replicaset") return "ReplicaSet";
  if (kind == "replicationcontroller") return "ReplicationController";
  if (kind == "daemonset") return "DaemonSet";
  if (kind == "pod") return "Pod";
  return "";
}

}  // namespace

void ClusterModel::build_churn(Diagnostics& diags) {
  const ChurnSpec& spec = scenario_.churn;
  if (!spec.present()) return;
  result_.churn.present = true;
  app_of_owner_.resize(cluster_->owners().size(), -1);
  dns_owner_.resize(cluster_->owners().size(), false);

  // What each event and process acts on, checked now.
  const auto resolve = [&](const ChurnTarget& t, ChurnActionSpec::Kind kind, const kube::SourceLocation& at,
                           const std::string& path, ResolvedAction& out) {
    out.kind = kind;
    if (t.kind == "nodes") return true;
    if (t.kind == "node") {
      const auto n = cluster_->node_index(t.name);
      if (!n) {
        diags.add(located(Severity::error, at, path, "no node named '" + t.name + "'"));
        return false;
      }
      out.node = *n;
      return true;
    }
    const std::string_view kind_name = owner_kind(t.kind);
    if (t.kind == "pod" && (kind == ChurnActionSpec::Kind::delete_pod || kind == ChurnActionSpec::Kind::crash)) {
      if (const auto pod = cluster_->pod_index(t.namespace_, t.name)) {
        out.pod = *pod;
        return true;
      }
    }
    const auto owner = cluster_->owner_index(t.namespace_, t.name, kind_name);
    if (!owner) {
      diags.add(located(Severity::error, at, path,
                        "no " + std::string(kind_name) + " named '" + t.name + "' in namespace '" + t.namespace_ + "'"));
      return false;
    }
    const std::string_view k = cluster_->owners()[*owner].kind;
    if (kind == ChurnActionSpec::Kind::rollout && k != "Deployment" && k != "StatefulSet") {
      diags.add(located(Severity::error, at, path, "only Deployments and StatefulSets roll out; " + t.text + " is a " +
                                                      std::string(k)));
      return false;
    }
    if (kind == ChurnActionSpec::Kind::scale && (k == "DaemonSet" || k == "Pod")) {
      diags.add(located(Severity::error, at, path, std::string(k) + " " + t.text + " has no replica count to scale"));
      return false;
    }
    out.owner = *owner;
    return true;
  };
  for (const ChurnActionSpec& a : spec.events) {
    ResolvedAction r;
    r.replicas = a.replicas;
    if (resolve(a.target, a.kind, a.source, a.path, r)) churn_actions_.push_back(r);
    else churn_actions_.push_back(ResolvedAction{a.kind, 0, -1, -2, 0});  // never runs: the build fails
  }
  for (const ChurnProcessSpec& p : spec.random) {
    const ChurnActionSpec::Kind kind = p.kind == ChurnProcessSpec::Kind::crash       ? ChurnActionSpec::Kind::crash
                                       : p.kind == ChurnProcessSpec::Kind::fail_node ? ChurnActionSpec::Kind::fail_node
                                                                                     : ChurnActionSpec::Kind::delete_pod;
    ResolvedAction r;
    if (!resolve(p.target, kind, p.source, p.path, r)) continue;
    if (p.target.kind == "pod") {
      diags.add(located(Severity::error, p.source, p.path, "a random process acts on a workload's pods or on nodes, "
                                                           "not on one pod"));
      continue;
    }
    churn_processes_.push_back(r);
  }
  if (diags.has_errors()) return;

  lifecycle_ = std::make_unique<churn::Lifecycle>(sim_, *cluster_, *this, spec.lifecycle, random_.stream("churn"));
  churn::EndpointPropagation::Mapping mapping;
  for (const FabricNode& n : fabric_.nodes) mapping.node_hosts.push_back(n.host->node());
  mapping.pod_id_base = kPodIdBase;
  propagation_ = std::make_unique<churn::EndpointPropagation>(sim_, *cluster_, spec.control_plane,
                                                              random_.stream("churn/watch"), std::move(mapping),
                                                              &ClusterModel::deliver, this);
  for (const ServiceFrontendRef& f : service_frontends_) propagation_->add_frontend(f.service, f.port_index, f.frontend);
  lifecycle_->endpoints_changed.connect<&churn::EndpointPropagation::changed>(propagation_.get());
  lifecycle_->event.connect(
      [](void* model, const churn::ChurnEvent& e) { static_cast<ClusterModel*>(model)->result_.churn.events.push_back(e); },
      this);

  build_proxy_syncs();
  for (std::size_t i = 0; i < churn_actions_.size(); ++i) {
    sim_.schedule_at<&ClusterModel::on_churn_action>(spec.events[i].at, this, i);
  }
  for (std::size_t i = 0; i < churn_processes_.size(); ++i) schedule_churn_process(i);
}

void ClusterModel::on_churn_action(std::uint64_t index) {
  const ResolvedAction& a = churn_actions_[index];
  switch (a.kind) {
    case ChurnActionSpec::Kind::rollout: lifecycle_->rollout(a.owner); break;
    case ChurnActionSpec::Kind::scale: lifecycle_->scale(a.owner, a.replicas); break;
    case ChurnActionSpec::Kind::delete_pod:
      lifecycle_->delete_pod(a.pod >= 0 ? a.pod : lifecycle_->random_pod(a.owner));
      break;
    case ChurnActionSpec::Kind::crash: {
      const int pod = a.pod >= 0 ? a.pod : lifecycle_->random_pod(a.owner);
      if (pod >= 0) lifecycle_->crash(pod);
      break;
    }
    case ChurnActionSpec::Kind::fail_node: lifecycle_->fail_node(a.node); break;
  }
}

void ClusterModel::schedule_churn_process(std::size_t index) {
  const ChurnProcessSpec& p = scenario_.churn.random[index];
  double rate = p.rate_per_s;
  if (p.kind == ChurnProcessSpec::Kind::fail_node && p.target.kind == "nodes") {
    rate *= static_cast<double>(cluster_->nodes().size());  // each node fails at its own rate
  }
  const Time from = std::max(sim_.now(), p.start);
  const Time at = from + Time::from_seconds(churn_random_.exponential(1.0 / rate));
  if (at > p.stop.value_or(Time::max()) || at > scenario_.run.duration) return;
  sim_.schedule_at<&ClusterModel::on_churn_process>(at, this, index);
}

void ClusterModel::on_churn_process(std::uint64_t index) {
  const ResolvedAction& a = churn_processes_[index];
  const ChurnProcessSpec& p = scenario_.churn.random[index];
  if (a.kind == ChurnActionSpec::Kind::fail_node) {
    int node = a.node;
    if (p.target.kind == "nodes") {
      std::vector<int> up;
      for (std::size_t i = 0; i < cluster_->nodes().size(); ++i) {
        if (!lifecycle_->node_failed(static_cast<int>(i))) up.push_back(static_cast<int>(i));
      }
      node = up.empty() ? -1 : up[churn_random_.uniform_int(up.size())];
    }
    if (node >= 0) lifecycle_->fail_node(node);
    if (p.target.kind != "nodes") return;  // one node fails once
  } else {
    const int pod = lifecycle_->random_pod(a.owner);
    if (pod >= 0) {
      if (a.kind == ChurnActionSpec::Kind::crash) lifecycle_->crash(pod);
      else lifecycle_->delete_pod(pod);
    }
  }
  schedule_churn_process(index);
}

void ClusterModel::deliver(void* model, std::uint32_t node, std::uint32_t frontend, const churn::BackendList& backends,
                           const churn::EndpointChange& change) {
  auto* self = static_cast<ClusterModel*>(model);
  self->syncs_[node].notify(frontend, backends, change.at, change.id);
  // Ingress controllers on this node hear the same watch and rebalance at once
  // (ingress-nginx updates its Lua balancer without a reload).
  for (IngressWatch& w : self->ingress_watches_) {
    if (w.frontend != frontend || w.seen == backends ||
        self->cluster_->pods()[static_cast<std::size_t>(w.pod)].node != static_cast<int>(node)) {
      continue;
    }
    w.seen = backends;
    std::vector<app::UpstreamPool*> pools;
    for (const proxy::Backend& b : *backends) {
      if (b.ready) pools.push_back(&self->ingress_pool(w, b.address, b.port));
    }
    w.controller->config().backends[w.backend].endpoints = std::move(pools);
  }
}

app::UpstreamPool& ClusterModel::ingress_pool(IngressWatch& w, net::Address address, std::uint16_t port) {
  const std::uint64_t key = static_cast<std::uint64_t>(address) << 16 | port;
  if (const auto it = w.pools.find(key); it != w.pools.end()) return *it->second;
  app::UpstreamConfig uc{net::format_address(address), port, true, 0};
  pools_.emplace_back(stack_of_pod(w.pod), public_dns_, requests_, uc, &app::IngressController::upstream_done,
                      w.controller);
  w.pools.emplace(key, &pools_.back());
  return pools_.back();
}

void ClusterModel::start(int pod) {
  const auto i = static_cast<std::size_t>(pod);
  if (i >= pod_netns_.size() || !pod_netns_[i]) bring_up_pod(pod);
  pod_servers_[i].clear();
  const kube::PodState& p = cluster_->pods()[i];
  const int ai = p.owner < app_of_owner_.size() ? app_of_owner_[p.owner] : -1;
  if (ai >= 0) start_servers(static_cast<std::size_t>(ai), pod);
  if (p.owner < dns_owner_.size() && dns_owner_[p.owner] && p.restarts == 0) start_coredns(pod);
}

void ClusterModel::start_coredns(int pod) {
  app::CoreDnsConfig cfg;
  cfg.cpu_per_query = scenario_.cluster.dns.cpu_per_query;
  cfg.upstream_latency = scenario_.cluster.dns.upstream_latency;
  coredns_.emplace_back(*pod_netns_[static_cast<std::size_t>(pod)], cpu_of_pod(pod), *cluster_, dns_wire_, cfg);
}

bool ClusterModel::running(int pod) const {
  const auto i = static_cast<std::size_t>(pod);
  return i < pod_netns_.size() && pod_netns_[i] != nullptr;
}

void ClusterModel::terminate(int pod) {
  if (!running(pod) || pod_servers_[static_cast<std::size_t>(pod)].empty()) {
    lifecycle_->exited(pod);
    return;
  }
  std::vector<app::HttpServer*>& servers = pod_servers_[static_cast<std::size_t>(pod)];
  drains_.push_back(Drain{this, pod, static_cast<int>(servers.size())});
  Drain& d = drains_.back();
  for (app::HttpServer* s : servers) s->shutdown(&ClusterModel::on_drained, &d);
}

void ClusterModel::on_drained(void* drain) {
  auto& d = *static_cast<Drain*>(drain);
  if (--d.left == 0) d.model->lifecycle_->exited(d.pod);
}

void ClusterModel::kill(int pod) {
  if (!running(pod)) return;  // deleted before its containers started
  const auto i = static_cast<std::size_t>(pod);
  for (app::HttpServer* s : pod_servers_[i]) s->kill();
  if (pod_stacks_[i]) pod_stacks_[i]->abort_all();
}

void ClusterModel::remove(int pod) {
  if (!running(pod)) return;
  const auto i = static_cast<std::size_t>(pod);
  directory_.remove(pod_netns_[i]->address());
  if (policy_) policy_->remove_pod(pod_netns_[i]->address());
}

void ClusterModel::fail_node(int node) {
  nodes_[static_cast<std::size_t>(node)].datapath().set_down(true);
  if (propagation_) propagation_->set_node_listening(node, false);
  for (std::size_t i = 0; i < pod_netns_.size(); ++i) {
    if (pod_netns_[i] && cluster_->pods()[i].node == node) {
      for (app::HttpServer* s : pod_servers_[i]) s->kill();
    }
  }
}

}  // namespace podwire::build
