// Cluster's Services: ClusterIPs, NodePorts and load-balancer addresses
// allocated as the API server does, and each Service's endpoints, computed from
// its selector or EndpointSlices and recomputed when a pod it selects changes.
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "models/kube/cluster.hpp"
#include "models/kube/cluster_keys.hpp"
#include "models/net/host.hpp"

namespace podwire::kube {

namespace {
using cluster_keys::key_of;
using cluster_keys::label_key;
}  // namespace

void Cluster::allocate_services(const ObjectSet& objects, std::vector<Problem>& problems) {
  const std::uint64_t base = config_.service_cidr.base();
  // The network and broadcast addresses are never handed out.
  RangeAllocator ips(base + 1, base + config_.service_cidr.size() - 2);
  RangeAllocator node_ports(static_cast<std::uint64_t>(config_.node_port_first),
                            static_cast<std::uint64_t>(config_.node_port_last));
  engine::RandomStream ip_rng = random_.stream("apiserver/cluster-ips");
  engine::RandomStream port_rng = random_.stream("apiserver/node-ports");
  std::uint64_t next_lb = 1;

  std::vector<const Service*> all;
  all.reserve(objects.services.size() + added_.services.size());
  for (const Service& s : added_.services) all.push_back(&s);
  for (const Service& s : objects.services) all.push_back(&s);
  services_.reserve(all.size());

  // kube-dns gets .10 before anything else is handed out.
  dns_ip_ = config_.service_cidr.at(10);
  ips.allocate(dns_ip_);
  std::unordered_map<std::uint64_t, std::string> node_port_owner;

  // Explicit values first, as the API server validated them when each Service
  // was created; then the dynamic ones.
  for (const Service* svc : all) {
    ServiceState st;
    st.service = svc;
    st.key = key_of(svc->meta.namespace_, svc->meta.name);
    if (!service_by_name_.emplace(st.key, static_cast<int>(services_.size())).second) continue;
    const bool is_dns = svc->meta.namespace_ == "kube-system" && svc->meta.name == "kube-dns";
    if (svc->type != ServiceType::external_name && !svc->headless() && !svc->cluster_ip.empty()) {
      net::Address a = 0;
      bool ok = true;
      try {
        a = net::parse_address(svc->cluster_ip);
      } catch (const std::invalid_argument&) {
        ok = false;
      }
      if (!ok || !config_.service_cidr.contains(a)) {
        problems.push_back({Problem::Severity::error, svc->source, "spec.clusterIP",
                            "'" + svc->cluster_ip + "' is not in the service CIDR " +
                                config_.service_cidr.to_string()});
      } else if (a == dns_ip_ && !is_dns) {
        problems.push_back({Problem::Severity::error, svc->source, "spec.clusterIP",
                            svc->cluster_ip + " is the cluster DNS address (kube-dns)"});
      } else if (a != dns_ip_ && !ips.allocate(a)) {
        problems.push_back({Problem::Severity::error, svc->source, "spec.clusterIP",
                            svc->cluster_ip + " is already allocated to another Service"});
      } else {
        st.cluster_ip = a;
      }
    }
    const bool wants_node_ports =
        svc->type == ServiceType::node_port || svc->type == ServiceType::load_balancer;
    for (std::size_t i = 0; i < svc->ports.size(); ++i) {
      ServicePortState ps;
      ps.port = &svc->ports[i];
      if (wants_node_ports && ps.port->node_port != 0) {
        const auto np = static_cast<std::uint64_t>(ps.port->node_port);
        const std::string field = "spec.ports[" + std::to_string(i) + "].nodePort";
        const auto owner = node_port_owner.find(np);
        if (!node_ports.contains(np)) {
          problems.push_back({Problem::Severity::error, ps.port->source, field,
                              std::to_string(np) + " is outside the NodePort range " +
                                  std::to_string(config_.node_port_first) + "-" +
                                  std::to_string(config_.node_port_last)});
        } else if (owner != node_port_owner.end() && owner->second != st.key) {
          problems.push_back(
              {Problem::Severity::error, ps.port->source, field,
               std::to_string(np) + " is already allocated to Service " + owner->second});
        } else {
          node_ports.allocate(np);
          node_port_owner.emplace(np, st.key);
          ps.node_port = static_cast<std::uint16_t>(np);
        }
      }
      st.ports.push_back(ps);
    }
    if (svc->has_selector()) {
      const auto& [k, v] = *svc->selector->begin();
      services_by_label_[label_key(svc->meta.namespace_, k, v)].push_back(
          static_cast<int>(services_.size()));
    }
    services_.push_back(std::move(st));
  }
  for (ServiceState& st : services_) {
    const Service& svc = *st.service;
    if (svc.type != ServiceType::external_name && !svc.headless() && st.cluster_ip == 0) {
      if (svc.meta.namespace_ == "kube-system" && svc.meta.name == "kube-dns" &&
          svc.cluster_ip.empty()) {
        st.cluster_ip = dns_ip_;
      } else if (svc.cluster_ip.empty()) {
        if (auto v = ips.allocate_random(ip_rng)) {
          st.cluster_ip = static_cast<net::Address>(*v);
        } else {
          problems.push_back({Problem::Severity::error, svc.source, "spec.clusterIP",
                              "the service CIDR " + config_.service_cidr.to_string() + " is full"});
        }
      }
    }
    const bool wants_node_ports =
        svc.type == ServiceType::node_port || svc.type == ServiceType::load_balancer;
    for (std::size_t i = 0; i < st.ports.size(); ++i) {
      ServicePortState& ps = st.ports[i];
      if (!wants_node_ports || ps.node_port != 0 || ps.port->node_port != 0) continue;
      // The TCP and UDP ports of one Service number may share a node port.
      bool shared = false;
      for (std::size_t j = 0; j < i; ++j) {
        if (st.ports[j].port->port == ps.port->port && st.ports[j].node_port != 0) {
          ps.node_port = st.ports[j].node_port;
          shared = true;
        }
      }
      if (shared) continue;
      if (auto v = node_ports.allocate_random(port_rng)) {
        ps.node_port = static_cast<std::uint16_t>(*v);
      } else {
        problems.push_back({Problem::Severity::error, ps.port->source,
                            "spec.ports[" + std::to_string(i) + "].nodePort",
                            "the NodePort range is full"});
      }
    }
    if (svc.meta.namespace_ == "kube-system" && svc.meta.name == "kube-dns" && st.cluster_ip != 0) {
      dns_ip_ = st.cluster_ip;  // pods' nameserver: the address kube-dns really has
    }
    if (svc.type == ServiceType::load_balancer) {
      for (const std::string& ingress : svc.load_balancer_ingress) {
        try {
          st.load_balancer_ips.push_back(net::parse_address(ingress));
        } catch (const std::invalid_argument&) {
          // a hostname (an AWS ELB name): no address to route
        }
      }
      if (st.load_balancer_ips.empty() && !svc.load_balancer_ip.empty()) {
        try {
          st.load_balancer_ips.push_back(net::parse_address(svc.load_balancer_ip));
        } catch (const std::invalid_argument&) {
          problems.push_back({Problem::Severity::error, svc.source, "spec.loadBalancerIP",
                              "'" + svc.load_balancer_ip + "' is not an IPv4 address"});
        }
      }
      if (st.load_balancer_ips.empty()) {
        if (next_lb + 1 >= config_.load_balancer_pool.size()) {
          problems.push_back({Problem::Severity::error, svc.source, "spec.type",
                              "the load balancer pool " + config_.load_balancer_pool.to_string() +
                                  " is exhausted"});
        } else {
          st.load_balancer_ips.push_back(config_.load_balancer_pool.at(next_lb++));
        }
      }
    }
  }
}

void Cluster::compute_endpoints(ServiceState& s, const ObjectSet& objects) {
  const Service& svc = *s.service;
  for (auto& ps : s.ports) ps.endpoints.clear();
  ++s.generation;
  if (svc.type == ServiceType::external_name) return;
  if (svc.has_selector()) {
    // Candidates: pods carrying the selector's rarest key=value.
    const std::vector<int>* candidates = nullptr;
    for (const auto& [k, v] : *svc.selector) {
      const auto it = pods_by_label_.find(label_key(svc.meta.namespace_, k, v));
      if (it == pods_by_label_.end()) return;
      if (candidates == nullptr || it->second.size() < candidates->size()) candidates = &it->second;
    }
    if (candidates == nullptr) return;
    for (int i : *candidates) {
      const PodState& p = pods_[static_cast<std::size_t>(i)];
      if (p.deleted || p.ip == 0 ||
          (!p.ready && !p.terminating && !svc.publish_not_ready_addresses))
        continue;
      if (!map_selector_matches(*svc.selector, *p.labels)) continue;
      for (ServicePortState& ps : s.ports) {
        const std::optional<int> port =
            resolve_port(*p.spec, ps.port->target_port, ps.port->protocol);
        if (!port) continue;  // a named targetPort this pod does not declare
        ps.endpoints.push_back(EndpointState{i, p.ip, static_cast<std::uint16_t>(*port), p.node,
                                             p.ready && !p.terminating, p.ready, p.terminating});
      }
    }
    return;
  }
  // Selector-less: the EndpointSlices written for it.
  for (const EndpointSlice& slice : objects.endpoint_slices) {
    if (slice.meta.namespace_ != svc.meta.namespace_ || slice.service_name() != svc.meta.name)
      continue;
    if (slice.address_type != AddressType::ipv4) continue;
    for (const Endpoint& e : slice.endpoints) {
      for (const std::string& text : e.addresses) {
        net::Address a = 0;
        try {
          a = net::parse_address(text);
        } catch (const std::invalid_argument&) {
          continue;
        }
        const auto pod = pod_by_ip_.find(a);
        const int node = e.node_name.empty() ? -1 : node_index(e.node_name).value_or(-1);
        for (ServicePortState& ps : s.ports) {
          for (const EndpointPort& ep : slice.ports) {
            if (ep.name != ps.port->name || ep.protocol != ps.port->protocol || !ep.port) continue;
            ps.endpoints.push_back(EndpointState{
                pod == pod_by_ip_.end() ? -1 : pod->second, a, static_cast<std::uint16_t>(*ep.port),
                node, e.conditions.ready.value_or(true),
                e.conditions.serving.value_or(e.conditions.ready.value_or(true)),
                e.conditions.terminating.value_or(false)});
          }
        }
      }
    }
  }
}

void Cluster::recompute_endpoints_of(int pod) {
  const PodState& p = pods_[static_cast<std::size_t>(pod)];
  for (const auto& [k, v] : *p.labels) {
    const auto filed = services_by_label_.find(label_key(p.namespace_, k, v));
    if (filed == services_by_label_.end()) continue;
    for (int i : filed->second) {
      ServiceState& s = services_[static_cast<std::size_t>(i)];
      if (!map_selector_matches(*s.service->selector, *p.labels)) continue;
      compute_endpoints(s, *objects_);
      if (!service_changed_[static_cast<std::size_t>(i)]) {
        service_changed_[static_cast<std::size_t>(i)] = true;
        changed_services_.push_back(i);
      }
    }
  }
}

std::vector<int> Cluster::take_changed_services() {
  std::vector<int> out;
  out.swap(changed_services_);
  for (int i : out) service_changed_[static_cast<std::size_t>(i)] = false;
  return out;
}

}  // namespace podwire::kube
