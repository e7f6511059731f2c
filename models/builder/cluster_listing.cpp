#include "models/builder/cluster_listing.hpp"

#include <stdexcept>

#include "models/builder/cluster_fabric.hpp"
#include "models/builder/located.hpp"
#include "models/net/host.hpp"

namespace podwire::builder {

using scenario::Diagnostic;
using scenario::Diagnostics;
using scenario::Severity;

kube::ClusterConfig cluster_config(const scenario::ClusterScenario& s) {
  kube::ClusterConfig cc;
  for (const NodeGroupSpec& g : s.cluster.nodes) {
    for (int k = 0; k < g.count; ++k) {
      // What the cloud provider labels it with (a label the group gives wins).
      kube::Labels labels = g.labels;
      labels.emplace("node.kubernetes.io/instance-type", g.instance_type);
      labels.emplace("topology.kubernetes.io/region", g.region);
      labels.emplace("topology.kubernetes.io/zone",
                     g.zones.empty() ? g.region + "-a"
                                     : g.zones[static_cast<std::size_t>(k) % g.zones.size()]);
      cc.nodes.push_back(kube::NodeConfig{node_name(g, k), g.cpus * 1000LL, g.memory_bytes,
                                          g.max_pods, std::move(labels)});
    }
  }
  cc.node_network = s.cluster.node_network;
  cc.pod_cidr = s.cluster.pod_cidr;
  cc.node_cidr_mask = s.cluster.node_cidr_mask;
  cc.service_cidr = s.cluster.service_cidr;
  cc.node_port_first = s.cluster.node_port_first;
  cc.node_port_last = s.cluster.node_port_last;
  cc.load_balancer_pool = s.cluster.load_balancer_pool;
  cc.cluster_domain = s.cluster.dns.domain;
  cc.dns_replicas = s.cluster.dns.replicas;
  cc.seed = s.run.seed;
  return cc;
}

namespace {

std::string label_value(const kube::Labels& labels, const std::string& key) {
  const auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

ListedNode list_node(const kube::NodeState& n) {
  ListedNode out;
  out.name = n.name;
  out.ready = n.ready;
  // kubectl's ROLES: the <role> of every node-role.kubernetes.io/<role> label,
  // and the value of a kubernetes.io/role label.
  const std::string prefix = "node-role.kubernetes.io/";
  for (const auto& [key, value] : n.labels) {
    if (key.starts_with(prefix) && key.size() > prefix.size()) {
      out.roles.push_back(key.substr(prefix.size()));
    } else if (key == "kubernetes.io/role" && !value.empty()) {
      out.roles.push_back(value);
    }
  }
  out.internal_ip = net::format_address(n.address);
  out.pod_cidr = n.pod_ips.block().to_string();
  out.instance_type = label_value(n.labels, "node.kubernetes.io/instance-type");
  out.zone = label_value(n.labels, "topology.kubernetes.io/zone");
  out.cpu_millicores = n.cpu_allocatable;
  out.memory_bytes = n.memory_allocatable;
  out.max_pods = n.max_pods;
  out.pods = n.pods;
  return out;
}

std::string selector_text(const kube::Service& s) {
  std::string out;
  if (!s.selector) return out;
  for (const auto& [key, value] : *s.selector) out += (out.empty() ? "" : ",") + key + "=" + value;
  return out;
}

}  // namespace

ClusterListing list_cluster(const scenario::ClusterScenario& s) {
  std::vector<kube::Problem> problems;
  std::unique_ptr<kube::Cluster> cluster;
  try {
    cluster = std::make_unique<kube::Cluster>(cluster_config(s), s.objects, problems);
  } catch (const std::invalid_argument& e) {
    Diagnostics diags;
    diags.add(Diagnostic{Severity::error, s.file, 0, 0, "cluster", e.what()});
    throw scenario::ScenarioError(std::move(diags));
  }
  const kube::Cluster& c = *cluster;
  ClusterListing out;
  Diagnostics found;
  for (const kube::Problem& p : problems)
    found.add(located(severity_of(p.severity), p.source, p.field, p.message));
  for (const Diagnostic& d : found.sorted()) out.problems.push_back(d.to_string());

  for (const kube::NodeState& n : c.nodes()) out.nodes.push_back(list_node(n));
  const auto node_of = [&](int node) {
    return node < 0 ? std::string() : c.nodes()[static_cast<std::size_t>(node)].name;
  };
  for (const kube::PodState& p : c.pods()) {
    if (p.deleted) continue;
    ListedPod lp;
    lp.namespace_ = p.namespace_;
    lp.name = p.name;
    lp.phase = p.node < 0 ? "Pending" : "Running";
    lp.node = node_of(p.node);
    lp.ip = p.ip == 0 ? std::string() : net::format_address(p.ip);
    lp.host_network = p.spec != nullptr && p.spec->host_network;
    lp.containers = p.spec == nullptr ? 1 : static_cast<int>(p.spec->containers.size());
    lp.ready_containers = p.ready ? lp.containers : 0;
    lp.restarts = p.restarts;
    lp.owner_kind = std::string(p.owner_kind);
    lp.owner = c.owners()[p.owner].name;
    out.pods.push_back(std::move(lp));
  }
  for (const kube::ServiceState& st : c.services()) {
    const kube::Service& svc = *st.service;
    ListedService ls;
    ls.namespace_ = svc.meta.namespace_;
    ls.name = svc.meta.name;
    ls.type = std::string(kube::to_string(svc.type));
    if (svc.type == kube::ServiceType::external_name) {
      ls.external_name = svc.external_name;
    } else {
      ls.cluster_ip = st.cluster_ip == 0 ? "None" : net::format_address(st.cluster_ip);
    }
    for (net::Address a : st.load_balancer_ips) ls.external_ips.push_back(net::format_address(a));
    for (const std::string& a : svc.external_ips) ls.external_ips.push_back(a);
    ls.has_selector = svc.has_selector();
    ls.selector = selector_text(svc);
    for (const kube::ServicePortState& ps : st.ports) {
      const kube::ServicePort& sp = *ps.port;
      ListedServicePort lsp;
      lsp.name = sp.name;
      lsp.protocol = std::string(kube::to_string(sp.protocol));
      lsp.port = sp.port;
      lsp.target_port = sp.target_port.named()       ? sp.target_port.name
                        : sp.target_port.number != 0 ? std::to_string(sp.target_port.number)
                                                     : std::to_string(sp.port);
      lsp.node_port = ps.node_port;
      ls.ports.push_back(lsp);
      for (const kube::EndpointState& e : ps.endpoints) {
        ListedEndpoint le;
        le.ip = net::format_address(e.ip);
        le.port = e.port;
        le.port_name = sp.name;
        le.protocol = lsp.protocol;
        if (e.pod >= 0) {
          const kube::PodState& p = c.pods()[static_cast<std::size_t>(e.pod)];
          le.pod = p.namespace_ + "/" + p.name;
        }
        le.node = node_of(e.node);
        le.ready = e.ready;
        ls.endpoints.push_back(std::move(le));
      }
    }
    out.services.push_back(std::move(ls));
  }
  return out;
}

}  // namespace podwire::builder
