// Cluster: the order a cluster is built in, and its lookups by name and
// address. Nodes and pods: cluster_pods.cpp; Services and their endpoints:
// cluster_services.cpp; CoreDNS and the answers it gives: cluster_dns.cpp.
#include "models/kube/cluster.hpp"

#include <stdexcept>

#include "models/kube/cluster_keys.hpp"

namespace podwire::kube {

namespace {
using cluster_keys::key_of;
}  // namespace

Cluster::Cluster(ClusterConfig config, const ObjectSet& objects, std::vector<Problem>& problems)
    : config_(std::move(config)), random_(config_.seed), objects_(&objects) {
  if (config_.nodes.empty()) throw std::invalid_argument("a cluster needs at least one node");
  for (const Namespace& ns : objects.namespaces) {
    Labels labels = ns.meta.labels;
    labels["kubernetes.io/metadata.name"] = ns.meta.name;
    namespace_labels_.emplace(ns.meta.name, std::move(labels));
  }
  add_nodes(problems);
  add_missing_dns(objects);
  allocate_services(objects, problems);
  create_pods(objects, problems);
  for (ServiceState& s : services_) compute_endpoints(s, objects);
  service_changed_.assign(services_.size(), false);
}

std::optional<int> Cluster::node_index(std::string_view name) const {
  const auto it = node_by_name_.find(std::string(name));
  return it == node_by_name_.end() ? std::nullopt : std::optional<int>(it->second);
}

std::optional<int> Cluster::pod_index(std::string_view ns, std::string_view name) const {
  const auto it = pod_by_name_.find(key_of(ns, name));
  return it == pod_by_name_.end() ? std::nullopt : std::optional<int>(it->second);
}

std::optional<int> Cluster::service_index(std::string_view ns, std::string_view name) const {
  const auto it = service_by_name_.find(key_of(ns, name));
  return it == service_by_name_.end() ? std::nullopt : std::optional<int>(it->second);
}

std::optional<int> Cluster::pod_by_ip(net::Address ip) const {
  const auto it = pod_by_ip_.find(ip);
  return it == pod_by_ip_.end() ? std::nullopt : std::optional<int>(it->second);
}

std::optional<std::uint32_t> Cluster::owner_index(std::string_view ns, std::string_view workload,
                                                  std::string_view kind) const {
  for (std::uint32_t i = 0; i < owners_.size(); ++i) {
    const OwnerState& o = owners_[i];
    if (o.namespace_ == ns && o.name == workload && (kind.empty() || o.kind == kind)) return i;
  }
  return std::nullopt;
}

std::vector<int> Cluster::pods_of(std::string_view ns, std::string_view workload) const {
  std::vector<int> out;
  const auto it = pods_by_owner_.find(key_of(ns, workload));
  if (it == pods_by_owner_.end()) return out;
  for (int i : it->second) {
    if (!pods_[static_cast<std::size_t>(i)].deleted) out.push_back(i);
  }
  return out;
}

}  // namespace podwire::kube
