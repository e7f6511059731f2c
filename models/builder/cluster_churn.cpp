#include "models/builder/cluster_model.hpp"
#include "models/builder/located.hpp"
#include "models/kube/network_policy_engine.hpp"

namespace podwire::builder {

void ClusterModel::build_churn(Diagnostics& diags) {
  const churn::ChurnSpec& spec = scenario_.churn;
  if (!spec.present()) return;
  result_.churn.present = true;
  app_of_owner_.resize(cluster_->owners().size(), -1);
  dns_owner_.resize(cluster_->owners().size(), false);

  // What each event and process acts on, checked now.
  churn_driver_ = std::make_unique<churn::ChurnDriver>(sim_, *cluster_, spec,
                                                       random_.stream("churn/processes"));
  for (const churn::ChurnDriver::Problem& p : churn_driver_->problems()) {
    diags.add(located(Severity::error, p.at, p.path, p.message));
  }
  if (diags.has_errors()) return;

  lifecycle_ = std::make_unique<churn::Lifecycle>(sim_, *cluster_, *this, spec.lifecycle,
                                                  random_.stream("churn"));
  churn::EndpointPropagation::Mapping mapping;
  for (const FabricNode& n : fabric_.nodes) mapping.node_hosts.push_back(n.host->node());
  mapping.pod_id_base = kPodIdBase;
  propagation_ = std::make_unique<churn::EndpointPropagation>(
      sim_, *cluster_, spec.control_plane, random_.stream("churn/watch"), std::move(mapping),
      &ClusterModel::deliver, this);
  for (const ServiceFrontendRef& f : service_frontends_)
    propagation_->add_frontend(f.service, f.port_index, f.frontend);
  lifecycle_->endpoints_changed.connect<&churn::EndpointPropagation::changed>(propagation_.get());
  lifecycle_->event.connect(
      [](void* model, const churn::ChurnEvent& e) {
        static_cast<ClusterModel*>(model)->result_.churn.events.push_back(e);
      },
      this);

  build_proxy_syncs();
  churn_driver_->start(*lifecycle_, scenario_.run.duration);
}

void ClusterModel::deliver(void* model, std::uint32_t node, std::uint32_t frontend,
                           const churn::BackendList& backends,
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

app::UpstreamPool& ClusterModel::ingress_pool(IngressWatch& w, net::Address address,
                                              std::uint16_t port) {
  const std::uint64_t key = static_cast<std::uint64_t>(address) << 16 | port;
  if (const auto it = w.pools.find(key); it != w.pools.end()) return *it->second;
  app::UpstreamConfig uc{net::format_address(address), port, true, 0};
  pools_.emplace_back(stack_of_pod(w.pod), public_dns_, requests_, uc,
                      &app::IngressController::upstream_done, w.controller);
  w.pools.emplace(key, &pools_.back());
  return pools_.back();
}

void ClusterModel::start(int pod) {
  const auto i = static_cast<std::size_t>(pod);
  if (!running(pod)) bring_up_pod(pod);
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
  coredns_.emplace_back(*pod_endpoints_[static_cast<std::size_t>(pod)], cpu_of_pod(pod), *cluster_,
                        dns_wire_, cfg);
}

bool ClusterModel::running(int pod) const {
  const auto i = static_cast<std::size_t>(pod);
  return i < pod_endpoints_.size() && pod_endpoints_[i] != nullptr;
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
  if (!pod_netns_[i]) return;  // a hostNetwork pod: the node's address stays the node's
  directory_.remove(pod_netns_[i]->address());
  if (policy_) policy_->remove_pod(pod_netns_[i]->address());
}

void ClusterModel::fail_node(int node) {
  nodes_[static_cast<std::size_t>(node)].datapath().set_down(true);
  if (propagation_) propagation_->set_node_listening(node, false);
  for (std::size_t i = 0; i < pod_endpoints_.size(); ++i) {
    if (pod_endpoints_[i] != nullptr && cluster_->pods()[i].node == node) {
      for (app::HttpServer* s : pod_servers_[i]) s->kill();
    }
  }
}

}  // namespace podwire::builder
