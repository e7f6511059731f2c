#include "models/proxy/service_proxy.hpp"

#include <algorithm>

namespace podwire::proxy {

using engine::Time;
using node::CtEntry;
using node::Origin;
using node::ServiceVerdict;

ServiceProxy::ServiceProxy(node::KernelDatapath& datapath, const ServiceTable& services,
                           const ProxyConfig& config, engine::RandomStream random)
    : datapath_(datapath), services_(services), config_(config), random_(random) {
  datapath_.set_service_hook(this);
}

ServiceProxy::~ServiceProxy() {
  if (datapath_.service_hook() == this) datapath_.set_service_hook(nullptr);
}

std::uint64_t ServiceProxy::sync_writes(const SyncCosts&, bool full,
                                        std::uint64_t changed_frontends,
                                        std::uint64_t changed_endpoints, std::uint64_t services,
                                        std::uint64_t endpoints) const {
  return full ? services + endpoints : changed_frontends + changed_endpoints;
}

std::string ServiceProxy::describe_choice(std::size_t eligible) const {
  return "chosen at random (1 in " + std::to_string(eligible) + ")";
}

ServiceVerdict ServiceProxy::translate(const net::Packet& p, Origin origin) {
  const net::FlowKey& original = p.flow;
  const net::Host& host = datapath_.host();
  ServiceVerdict v;
  // Service translation: by virtual address, or a NodePort on this node's address.
  ServiceTable::Match m;
  if (original.dst == host.address()) {
    if (origin != Origin::host) m = services_.find_node_port(original.dst_port, original.protocol);
  } else {
    m = services_.find(original.dst, original.dst_port, original.protocol);
  }
  if (m.frontend == nullptr) {
    // A Service address on a port it does not serve is rejected, not routed.
    if (original.dst != host.address() && services_.is_virtual_address(original.dst)) {
      v.kind = ServiceVerdict::Kind::reject;
    }
    return v;
  }
  v.work = config_.costs.service_lookup;
  // Traffic from outside the cluster to a NodePort or load-balancer address is
  // "external" and follows externalTrafficPolicy; pods reaching the same
  // addresses are short-circuited like ClusterIP traffic, as kube-proxy does.
  const bool external = origin != Origin::pod && m.kind != FrontendKind::cluster_ip;
  std::size_t chosen = 0;
  const Backend* b = reused(original, m.index);
  if (b == nullptr) b = choose_backend(*m.frontend, m.index, external, original, &chosen);
  if (b == nullptr) {
    // Local policy on a node without a local endpoint: kube-proxy drops, so
    // the load balancer's health check takes the node out instead.
    const bool drop = external && m.frontend->external_local && !backends(m.index).empty();
    v.kind = drop ? ServiceVerdict::Kind::drop : ServiceVerdict::Kind::reject;
    v.frontend = m.index;
    return v;
  }
  const bool off_cluster_source =
      origin != Origin::pod && !datapath_.config().networks.pod_cidr.contains(original.src);
  v.work += lookup_cost(
      Lookup{*m.frontend, m.index, m.kind, services_.size(), chosen, off_cluster_source});
  v.chosen = static_cast<std::uint32_t>(chosen);
  v.kind = ServiceVerdict::Kind::translated;
  sent_to(original, *b);
  v.endpoint = b->address;
  v.endpoint_port = b->port;
  v.backend = b->id;
  v.frontend = m.index;
  v.via = static_cast<std::uint8_t>(m.kind);
  v.dsr =
      direct_server_return() && external && !m.frontend->external_local && b->node != host.node();
  v.masquerade = (external && !m.frontend->external_local && !v.dsr) ||
                 b->address == original.src ||
                 (m.kind == FrontendKind::cluster_ip && off_cluster_source);
  v.socket_lb =
      translates_at_connect() && origin == Origin::pod && m.kind == FrontendKind::cluster_ip;
  return v;
}

std::string ServiceProxy::describe(const ServiceVerdict& v) const {
  switch (v.kind) {
    case ServiceVerdict::Kind::none:
      return "no Service";
    case ServiceVerdict::Kind::reject:
      return v.frontend == CtEntry::kNoFrontend
                 ? "a Service address on a port it does not serve: REJECT, a reset"
                 : "no ready endpoint: REJECT, the client gets a reset";
    case ServiceVerdict::Kind::drop:
      return "externalTrafficPolicy Local and no endpoint on this node: dropped";
    case ServiceVerdict::Kind::translated:
      break;
  }
  return describe_lookup(Lookup{services_.frontend(v.frontend), v.frontend,
                                static_cast<FrontendKind>(v.via), services_.size(), v.chosen});
}

const Backend* ServiceProxy::choose_backend(const ServiceFrontend& f, std::uint32_t frontend,
                                            bool external, const net::FlowKey& flow,
                                            std::size_t* chosen_index) {
  const net::Address client = flow.src;
  const Time now = datapath_.host().simulator().now();
  const std::vector<Backend>& endpoints = backends(frontend);
  // Ready endpoints; when none is ready, serving terminating ones (kube-proxy's
  // terminating-endpoint fallback).
  Eligible eligible{external ? f.external_local : f.internal_local, false, datapath_.host().node()};
  std::uint32_t count = 0;
  using Distribution = ServiceFrontend::Distribution;
  if (f.distribution != Distribution::any && !eligible.local_only) {
    // kube-proxy's topology filter: the endpoints the EndpointSlice
    // controller hinted for this node's zone (PreferClose hints each ready
    // endpoint for its own zone), or on this node; all of them when none is.
    const std::uint32_t here = datapath_.host().node();
    if (f.distribution == Distribution::same_node) {
      eligible.local_only = true;
    } else {
      eligible.table = &services_;
      eligible.zone = services_.zone(here);
    }
    if (f.distribution == Distribution::same_node || eligible.zone != ServiceTable::kNoZone) {
      for (const Backend& b : endpoints) count += eligible(b) ? 1 : 0;
      if (count == 0) {
        eligible.local_only = false;
        eligible.zone = ServiceTable::kNoZone;
      }
    }
  }
  if (count == 0) {
    for (const Backend& b : endpoints) count += eligible(b) ? 1 : 0;
  }
  if (count == 0) {
    eligible.fallback = true;
    for (const Backend& b : endpoints) count += eligible(b) ? 1 : 0;
  }
  if (count == 0) return nullptr;

  const std::uint64_t affinity_key = static_cast<std::uint64_t>(client) << 32 | frontend;
  if (f.session_affinity) {
    const auto it = affinity_.find(affinity_key);
    if (it != affinity_.end() && it->second.expires > now) {
      for (const Backend& b : endpoints) {
        if (b.id == it->second.backend && eligible(b)) {
          it->second.expires = now + f.affinity_timeout;
          *chosen_index = 0;  // the affinity ("recent") rule matches before the probability rules
          return &b;
        }
      }
    }
  }
  const std::uint64_t drawn = pick(Choice{frontend, &endpoints, eligible, count, &flow, external});
  std::uint64_t left = drawn;
  const Backend* chosen = nullptr;
  for (const Backend& b : endpoints) {
    if (eligible(b) && left-- == 0) {
      chosen = &b;
      break;
    }
  }
  *chosen_index = drawn;
  if (f.session_affinity) affinity_[affinity_key] = Affinity{chosen->id, now + f.affinity_timeout};
  return chosen;
}

const std::vector<Backend>& ServiceProxy::backends(std::uint32_t frontend) const {
  if (!programmed_.empty()) {
    const auto it = programmed_.find(frontend);
    if (it != programmed_.end()) return *it->second;
  }
  return services_.frontend(frontend).backends;
}

std::size_t ServiceProxy::backend_count() const {
  if (programmed_.empty()) return services_.backend_count();
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < services_.size(); ++i) n += backends(i).size();
  return n;
}

std::size_t ServiceProxy::program(std::uint32_t frontend,
                                  std::shared_ptr<const std::vector<Backend>> list) {
  std::size_t cleared = 0;
  if (services_.frontend(frontend).protocol == net::Protocol::udp) {
    // kube-proxy deletes the UDP flows a Service steered to an endpoint that
    // no longer serves it (gone, or not serving any more): nothing else would
    // end them. TCP flows end by reset or timeout. EndpointSlices mark every
    // ready endpoint serving; the `ready ||` covers hand-written lists.
    const auto serving = [](const Backend& b) { return b.ready || b.serving; };
    kept_ids_.clear();
    for (const Backend& b : *list) {
      if (serving(b)) kept_ids_.push_back(b.id);
    }
    std::sort(kept_ids_.begin(), kept_ids_.end());
    stale_ids_.clear();
    for (const Backend& old : backends(frontend)) {
      if (serving(old) && !std::binary_search(kept_ids_.begin(), kept_ids_.end(), old.id)) {
        stale_ids_.push_back(old.id);
      }
    }
    if (!stale_ids_.empty()) {
      std::sort(stale_ids_.begin(), stale_ids_.end());
      cleared = datapath_.conntrack().erase_steered(frontend, stale_ids_);
    }
  }
  programmed_[frontend] = std::move(list);
  return cleared;
}

}  // namespace podwire::proxy
