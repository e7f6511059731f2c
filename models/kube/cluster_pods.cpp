// Cluster's nodes and pods: the nodes with their pod CIDRs, each workload's pods
// named, placed by the scheduler and given an address from their node's block,
// and the churn operations on pods (create, terminate, delete, readiness).
#include <algorithm>
#include <stdexcept>
#include <string>

#include "models/kube/cluster.hpp"
#include "models/kube/cluster_keys.hpp"

namespace podwire::kube {

namespace {

using cluster_keys::key_of;
using cluster_keys::label_key;

constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";  // k8s.io/apimachinery rand

std::string random_suffix(engine::RandomStream& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += kAlphabet[rng.uniform_int(kAlphabet.size())];
  return s;
}

void add_requests(const PodSpec& spec, std::int64_t& cpu, std::int64_t& memory) {
  for (const Container& c : spec.containers) {
    cpu += c.cpu_request_millicores.value_or(0);
    memory += c.memory_request_bytes.value_or(0);
  }
}

}  // namespace

void Cluster::add_nodes(std::vector<Problem>&) {
  const std::uint64_t blocks = std::uint64_t{1}
                               << (config_.node_cidr_mask - config_.pod_cidr.prefix_length());
  if (config_.node_cidr_mask < config_.pod_cidr.prefix_length() || blocks < config_.nodes.size()) {
    throw std::invalid_argument("pod CIDR " + config_.pod_cidr.to_string() + " has " +
                                std::to_string(blocks) + " blocks of /" +
                                std::to_string(config_.node_cidr_mask) + ", fewer than the " +
                                std::to_string(config_.nodes.size()) + " nodes");
  }
  if (config_.nodes.size() + 2 >= config_.node_network.size()) {
    throw std::invalid_argument("node network " + config_.node_network.to_string() +
                                " is too small for " + std::to_string(config_.nodes.size()) +
                                " nodes");
  }
  nodes_.reserve(config_.nodes.size());
  for (std::size_t i = 0; i < config_.nodes.size(); ++i) {
    const NodeConfig& n = config_.nodes[i];
    // The well-known labels every kubelet sets (nodeSelectors often use them),
    // and the deprecated beta ones it still sets.
    Labels labels = n.labels;
    labels.emplace("kubernetes.io/hostname", n.name);
    labels.emplace("kubernetes.io/os", "linux");
    labels.emplace("kubernetes.io/arch", "amd64");
    labels.emplace("beta.kubernetes.io/os", "linux");
    labels.emplace("beta.kubernetes.io/arch", "amd64");
    nodes_.push_back(NodeState{n.name, labels, config_.node_network.at(i + 1), n.cpu_millicores,
                               n.memory_bytes, n.max_pods,
                               PodIpPool(config_.pod_cidr.subnet(config_.node_cidr_mask, i))});
    if (!node_by_name_.emplace(n.name, static_cast<int>(i)).second) {
      throw std::invalid_argument("node name '" + n.name + "' is used twice");
    }
  }
}

void Cluster::create_pods(const ObjectSet& objects, std::vector<Problem>& problems) {
  std::vector<PodTemplateRef> templates = added_.pod_templates();
  const std::vector<PodTemplateRef> theirs = objects.pod_templates();
  templates.insert(templates.end(), theirs.begin(), theirs.end());
  std::size_t expected = 0;
  for (const auto& t : templates) {
    expected += t.replicas < 0 ? nodes_.size() : static_cast<std::size_t>(t.replicas);
  }
  pods_.reserve(expected);
  owner_pods_on_node_.assign(nodes_.size(), 0);
  pod_by_ip_.reserve(expected);
  pod_by_name_.reserve(expected);
  owners_.reserve(templates.size());

  for (std::uint32_t owner = 0; owner < templates.size(); ++owner) {
    const PodTemplateRef& t = templates[owner];
    OwnerState o;
    o.kind = t.kind;
    o.namespace_ = t.owner->namespace_;
    o.name = t.owner->name;
    o.labels = t.labels;
    o.spec = t.spec;
    o.source = t.source;
    o.replicas = t.replicas;
    for (const Deployment& d : objects.deployments) {
      if (&d.meta == t.owner) o.deployment = &d;
    }
    for (const Deployment& d : added_.deployments) {
      if (&d.meta == t.owner) o.deployment = &d;
    }
    for (const StatefulSet& s : objects.stateful_sets) {
      if (&s.meta == t.owner) o.stateful_set = &s;
    }
    owner_names_.push_back(
        random_.stream("names/" + std::string(t.kind) + "/" + o.namespace_ + "/" + o.name));
    if (t.kind == "Deployment") o.template_hash = random_suffix(owner_names_.back(), 10);
    owners_.push_back(std::move(o));

    const int count = t.replicas < 0 ? static_cast<int>(nodes_.size()) : t.replicas;
    int unplaced = 0;
    std::vector<int>
        touched;  // the nodes whose owner_pods_on_node_ entry to clear after this workload
    std::string reason;
    // A replica that no node can take leaves the cluster as it was (nothing
    // placed, the scheduler's rotating start where it was): every later
    // replica, the same pod, would find no node either, and is not searched
    // for (a Deployment of a million replicas on a few nodes with pod
    // anti-affinity was quadratic: minutes).
    bool unschedulable = false;
    for (int r = 0; r < count; ++r) {
      PodState p = new_pod(owner, r, owner_names_[owner]);
      int node = -1;
      std::string why;
      if (t.replicas < 0) {
        // A DaemonSet pod per eligible node, bound to it.
        // (The DaemonSet controller's own test: nodeSelector and required node affinity.)
        const NodeState& n = nodes_[static_cast<std::size_t>(r)];
        if (!map_selector_matches(t.spec->node_selector, n.labels) ||
            (t.spec->affinity.node && !t.spec->affinity.node->required_match(n.name, n.labels)))
          continue;
        node = r;
      } else if (!p.spec->node_name.empty()) {
        node = bound_node(p, &why);
      } else if (!unschedulable) {
        const std::uint32_t start = next_start_node_;
        node = schedule(p, &why);
        unschedulable = node < 0 && next_start_node_ == start;
      }
      if (node < 0 || !place(p, node, &why)) {
        ++unplaced;
        if (reason.empty()) reason = why;
      } else {
        p.ready = p.spec->readiness_can_pass();
        if (owner_pods_on_node_[static_cast<std::size_t>(node)]++ == 0) touched.push_back(node);
      }
      const int index = static_cast<int>(pods_.size());
      pods_.push_back(std::move(p));
      index_pod(index);
    }
    for (int node : touched) owner_pods_on_node_[static_cast<std::size_t>(node)] = 0;
    if (unplaced > 0) {
      problems.push_back({Problem::Severity::error, *t.source, "",
                          std::string(t.kind) + " " + owners_[owner].namespace_ + "/" +
                              owners_[owner].name + ": " + std::to_string(unplaced) + " of " +
                              std::to_string(count) + " pods cannot be scheduled: " + reason});
    }
  }
}

PodState Cluster::new_pod(std::uint32_t owner, int ordinal, engine::RandomStream& names) {
  const OwnerState& o = owners_[owner];
  PodState p;
  p.namespace_ = o.namespace_;
  p.labels = o.labels;
  p.spec = o.spec;
  p.owner_kind = o.kind;
  p.owner = owner;
  p.revision = o.revision;
  add_requests(*o.spec, p.cpu_request, p.memory_request);
  if (o.kind == "Deployment") {
    p.name = o.name + "-" + o.template_hash + "-" + random_suffix(names, 5);
  } else if (o.kind == "StatefulSet") {
    p.name = o.name + "-" + std::to_string(ordinal);
    p.ordinal = ordinal;
    p.hostname = p.name;
    if (o.stateful_set != nullptr) p.subdomain = o.stateful_set->service_name;
  } else if (o.kind == "Pod") {
    p.name = o.name;
    p.hostname = o.spec->hostname;
    p.subdomain = o.spec->subdomain;
  } else {
    p.name = o.name + "-" + random_suffix(names, 5);
  }
  return p;
}

bool Cluster::place(PodState& p, int node, std::string* why) {
  NodeState& n = nodes_[static_cast<std::size_t>(node)];
  if (n.pods >= n.max_pods || n.cpu_requested + p.cpu_request > n.cpu_allocatable ||
      n.memory_requested + p.memory_request > n.memory_allocatable) {
    if (why != nullptr) *why = "insufficient resources on " + n.name;
    return false;
  }
  const std::vector<std::uint32_t> ports = host_ports(*p.spec);
  if (!ports_free(ports, n)) {
    if (why != nullptr) *why = "node " + n.name + " has no free ports for the requested pod ports";
    return false;
  }
  // A hostNetwork pod lives in the node's own namespace, with its address.
  std::optional<net::Address> ip = n.address;
  if (!p.spec->host_network) ip = n.pod_ips.allocate();
  if (!ip) {
    if (why != nullptr) *why = "node " + n.name + " has no free pod address";
    return false;
  }
  n.host_ports.insert(n.host_ports.end(), ports.begin(), ports.end());
  p.node = node;
  p.ip = *ip;
  n.cpu_requested += p.cpu_request;
  n.memory_requested += p.memory_request;
  ++n.pods;
  return true;
}

int Cluster::create_pod(std::uint32_t owner, int ordinal, std::string* why) {
  PodState p = new_pod(owner, ordinal, owner_names_.at(owner));
  // Spreading counts this owner's live pods per node.
  std::vector<int> touched;
  for (int i : pods_of(p.namespace_, owners_[owner].name)) {
    const int node = pods_[static_cast<std::size_t>(i)].node;
    if (node >= 0 && owner_pods_on_node_[static_cast<std::size_t>(node)]++ == 0)
      touched.push_back(node);
  }
  const int node = p.spec->node_name.empty() ? schedule(p, why) : bound_node(p, why);
  for (int n : touched) owner_pods_on_node_[static_cast<std::size_t>(n)] = 0;
  if (node < 0 || !place(p, node, why)) return -1;
  const int index = static_cast<int>(pods_.size());
  pods_.push_back(std::move(p));
  index_pod(index);
  return index;
}

void Cluster::bump_revision(std::uint32_t owner) {
  OwnerState& o = owners_.at(owner);
  ++o.revision;
  if (o.kind == "Deployment") o.template_hash = random_suffix(owner_names_[owner], 10);
}

void Cluster::index_pod(int index) {
  const PodState& p = pods_[static_cast<std::size_t>(index)];
  pod_by_name_.emplace(key_of(p.namespace_, p.name), index);
  if (p.ip != 0 && !p.spec->host_network) pod_by_ip_.emplace(p.ip, index);
  if (p.node >= 0 && p.spec->affinity.has_pod_terms()) pods_with_pod_terms_.push_back(index);
  for (const auto& [k, v] : *p.labels)
    pods_by_label_[label_key(p.namespace_, k, v)].push_back(index);
  pods_by_owner_[key_of(p.namespace_, owners_[p.owner].name)].push_back(index);
}

void Cluster::delete_pod(int index) {
  PodState& p = pods_.at(static_cast<std::size_t>(index));
  if (p.deleted) return;
  p.deleted = true;
  p.ready = false;
  if (p.node >= 0) {
    NodeState& n = nodes_[static_cast<std::size_t>(p.node)];
    if (!p.spec->host_network) n.pod_ips.release(p.ip);
    for (std::uint32_t port : host_ports(*p.spec)) {
      const auto it = std::find(n.host_ports.begin(), n.host_ports.end(), port);
      if (it != n.host_ports.end()) n.host_ports.erase(it);
    }
    n.cpu_requested -= p.cpu_request;
    n.memory_requested -= p.memory_request;
    --n.pods;
  }
  if (!p.spec->host_network) pod_by_ip_.erase(p.ip);
  if (const auto it = pod_by_name_.find(key_of(p.namespace_, p.name));
      it != pod_by_name_.end() && it->second == index) {
    pod_by_name_.erase(it);  // a StatefulSet's replacement takes the name
  }
  p.ip = 0;
  recompute_endpoints_of(index);
}

void Cluster::set_terminating(int index) {
  PodState& p = pods_.at(static_cast<std::size_t>(index));
  if (p.deleted || p.terminating) return;
  p.terminating = true;
  recompute_endpoints_of(index);
}

void Cluster::set_node_ready(int node, bool ready) {
  nodes_.at(static_cast<std::size_t>(node)).ready = ready;
}

void Cluster::restart_container(int index) { ++pods_.at(static_cast<std::size_t>(index)).restarts; }

void Cluster::set_ready(int index, bool ready) {
  PodState& p = pods_.at(static_cast<std::size_t>(index));
  if (p.deleted || p.ready == ready) return;
  p.ready = ready;
  recompute_endpoints_of(index);
}

}  // namespace podwire::kube
