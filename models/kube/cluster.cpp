#include "models/kube/cluster.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <stdexcept>

#include "models/net/host.hpp"

namespace podwire::kube {

namespace {

constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";  // k8s.io/apimachinery rand

std::string random_suffix(engine::RandomStream& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += kAlphabet[rng.uniform_int(kAlphabet.size())];
  return s;
}

std::string key_of(std::string_view ns, std::string_view name) {
  std::string k(ns);
  k += '/';
  k += name;
  return k;
}

std::string label_key(std::string_view ns, const std::string& k, const std::string& v) {
  std::string s(ns);
  s += '\0';
  s += k;
  s += '=';
  s += v;
  return s;
}

std::string lowercase_name(std::string_view name) {
  std::string s(name);
  if (!s.empty() && s.back() == '.') s.pop_back();
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void add_requests(const PodSpec& spec, std::int64_t& cpu, std::int64_t& memory) {
  for (const Container& c : spec.containers) {
    cpu += c.cpu_request_millicores.value_or(0);
    memory += c.memory_request_bytes.value_or(0);
  }
}

}  // namespace

Cluster::Cluster(ClusterConfig config, const ObjectSet& objects, std::vector<Problem>& problems)
    : config_(std::move(config)), random_(config_.seed), objects_(&objects) {
  if (config_.nodes.empty()) throw std::invalid_argument("a cluster needs at least one node");
  add_nodes(problems);
  add_missing_dns(objects);
  allocate_services(objects, problems);
  create_pods(objects, problems);
  for (ServiceState& s : services_) compute_endpoints(s, objects);
  service_changed_.assign(services_.size(), false);
}

void Cluster::add_nodes(std::vector<Problem>&) {
  const std::uint64_t blocks = std::uint64_t{1} << (config_.node_cidr_mask - config_.pod_cidr.prefix_length());
  if (config_.node_cidr_mask < config_.pod_cidr.prefix_length() || blocks < config_.nodes.size()) {
    throw std::invalid_argument("pod CIDR " + config_.pod_cidr.to_string() + " has " + std::to_string(blocks) +
                                " blocks of /" + std::to_string(config_.node_cidr_mask) + ", fewer than the " +
                                std::to_string(config_.nodes.size()) + " nodes");
  }
  if (config_.nodes.size() + 2 >= config_.node_network.size()) {
    throw std::invalid_argument("node network " + config_.node_network.to_string() + " is too small for " +
                                std::to_string(config_.nodes.size()) + " nodes");
  }
  nodes_.reserve(config_.nodes.size());
  for (std::size_t i = 0; i < config_.nodes.size(); ++i) {
    const NodeConfig& n = config_.nodes[i];
    // The well-known labels every kubelet sets (nodeSelectors often use them).
    Labels labels = n.labels;
    labels.emplace("kubernetes.io/hostname", n.name);
    labels.emplace("kubernetes.io/os", "linux");
    labels.emplace("kubernetes.io/arch", "amd64");
    nodes_.push_back(NodeState{n.name, labels, config_.node_network.at(i + 1), n.cpu_millicores, n.memory_bytes,
                               n.max_pods, PodIpPool(config_.pod_cidr.subnet(config_.node_cidr_mask, i))});
    if (!node_by_name_.emplace(n.name, static_cast<int>(i)).second) {
      throw std::invalid_argument("node name '" + n.name + "' is used twice");
    }
  }
}

void Cluster::add_missing_dns(const ObjectSet& objects) {
  for (const Service& s : objects.services) {
    if (s.meta.namespace_ == "kube-system" && s.meta.name == "kube-dns") return;
  }
  // What kubeadm installs: the coredns Deployment behind the kube-dns Service.
  Deployment d;
  d.meta.name = "coredns";
  d.meta.namespace_ = "kube-system";
  d.meta.labels = {{"k8s-app", "kube-dns"}};
  d.replicas = config_.dns_replicas;
  d.selector.match_labels = {{"k8s-app", "kube-dns"}};
  d.template_.metadata.labels = {{"k8s-app", "kube-dns"}};
  Container c;
  c.name = "coredns";
  c.image = "registry.k8s.io/coredns/coredns:v1.11.3";
  c.ports = {ContainerPort{"dns", 53, Protocol::udp, 0, {}}, ContainerPort{"dns-tcp", 53, Protocol::tcp, 0, {}},
             ContainerPort{"metrics", 9153, Protocol::tcp, 0, {}}};
  c.cpu_request_millicores = 100;
  c.memory_request_bytes = 70LL << 20;
  c.memory_limit_bytes = 170LL << 20;
  d.template_.spec.containers.push_back(c);
  d.template_.spec.dns_policy = DnsPolicy::default_;
  d.source.file = "(added: CoreDNS as kubeadm installs it)";
  added_.deployments.push_back(std::move(d));

  Service s;
  s.meta.name = "kube-dns";
  s.meta.namespace_ = "kube-system";
  s.meta.labels = {{"k8s-app", "kube-dns"}};
  s.cluster_ip = net::format_address(config_.service_cidr.at(10));
  s.selector = Labels{{"k8s-app", "kube-dns"}};
  ServicePort udp{"dns", Protocol::udp, 53, PortRef{53, ""}, 0, "", {}, {}};
  ServicePort tcp{"dns-tcp", Protocol::tcp, 53, PortRef{53, ""}, 0, "", {}, {}};
  ServicePort metrics{"metrics", Protocol::tcp, 9153, PortRef{9153, ""}, 0, "", {}, {}};
  s.ports = {udp, tcp, metrics};
  s.source.file = "(added: the kube-dns Service as kubeadm installs it)";
  added_.services.push_back(std::move(s));
}

// --- Services -------------------------------------------------------------------

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
                            "'" + svc->cluster_ip + "' is not in the service CIDR " + config_.service_cidr.to_string()});
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
    const bool wants_node_ports = svc->type == ServiceType::node_port || svc->type == ServiceType::load_balancer;
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
          problems.push_back({Problem::Severity::error, ps.port->source, field,
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
      services_by_label_[label_key(svc->meta.namespace_, k, v)].push_back(static_cast<int>(services_.size()));
    }
    services_.push_back(std::move(st));
  }
  for (ServiceState& st : services_) {
    const Service& svc = *st.service;
    if (svc.type != ServiceType::external_name && !svc.headless() && st.cluster_ip == 0) {
      if (svc.meta.namespace_ == "kube-system" && svc.meta.name == "kube-dns" && svc.cluster_ip.empty()) {
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
    const bool wants_node_ports = svc.type == ServiceType::node_port || svc.type == ServiceType::load_balancer;
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
        problems.push_back({Problem::Severity::error, ps.port->source, "spec.ports[" + std::to_string(i) + "].nodePort",
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
                              "the load balancer pool " + config_.load_balancer_pool.to_string() + " is exhausted"});
        } else {
          st.load_balancer_ips.push_back(config_.load_balancer_pool.at(next_lb++));
        }
      }
    }
  }
}

// --- pods and the scheduler -----------------------------------------------------

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
    owner_names_.push_back(random_.stream("names/" + std::string(t.kind) + "/" + o.namespace_ + "/" + o.name));
    if (t.kind == "Deployment") o.template_hash = random_suffix(owner_names_.back(), 10);
    owners_.push_back(std::move(o));

    const int count = t.replicas < 0 ? static_cast<int>(nodes_.size()) : t.replicas;
    int unplaced = 0;
    std::vector<int> touched;  // the nodes whose owner_pods_on_node_ entry to clear after this workload
    std::string reason;
    for (int r = 0; r < count; ++r) {
      PodState p = new_pod(owner, r, owner_names_[owner]);
      int node = -1;
      std::string why;
      if (t.replicas < 0) {
        // A DaemonSet pod per eligible node, bound to it.
        if (!map_selector_matches(t.spec->node_selector, nodes_[static_cast<std::size_t>(r)].labels)) continue;
        node = r;
      } else {
        node = schedule(p, &why);
      }
      if (node < 0 || !place(p, node, &why)) {
        ++unplaced;
        if (reason.empty()) reason = why;
      } else {
        p.ready = true;
        if (owner_pods_on_node_[static_cast<std::size_t>(node)]++ == 0) touched.push_back(node);
      }
      const int index = static_cast<int>(pods_.size());
      pods_.push_back(std::move(p));
      index_pod(index);
    }
    for (int node : touched) owner_pods_on_node_[static_cast<std::size_t>(node)] = 0;
    if (unplaced > 0) {
      problems.push_back({Problem::Severity::error, *t.source, "",
                          std::string(t.kind) + " " + owners_[owner].namespace_ + "/" + owners_[owner].name + ": " +
                              std::to_string(unplaced) + " of " + std::to_string(count) +
                              " pods cannot be scheduled: " + reason});
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
  const std::optional<net::Address> ip = n.pod_ips.allocate();
  if (!ip) {
    if (why != nullptr) *why = "node " + n.name + " has no free pod address";
    return false;
  }
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
    if (node >= 0 && owner_pods_on_node_[static_cast<std::size_t>(node)]++ == 0) touched.push_back(node);
  }
  const int node = schedule(p, why);
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

int Cluster::schedule(const PodState& pod, std::string* why) {
  const auto n_nodes = static_cast<std::uint32_t>(nodes_.size());
  // kube-scheduler's adaptive percentageOfNodesToScore: max(5, 50 - nodes/125)
  // percent, at least 100 nodes, searched from a rotating start.
  const std::uint32_t percent = std::max<std::int64_t>(5, 50 - static_cast<std::int64_t>(n_nodes) / 125);
  const std::uint32_t wanted = std::min(n_nodes, std::max<std::uint32_t>(100, n_nodes * percent / 100));
  int best = -1;
  double best_score = -std::numeric_limits<double>::infinity();
  std::uint32_t found = 0, ties = 0;
  int no_room = 0, no_cpu = 0, no_memory = 0, no_match = 0, not_ready = 0;
  engine::RandomStream tie_rng = random_.stream("scheduler/" + pod.namespace_ + "/" + pod.name);
  std::uint32_t examined = 0;
  for (; examined < n_nodes && found < wanted; ++examined) {
    const std::uint32_t i = (next_start_node_ + examined) % n_nodes;
    const NodeState& n = nodes_[i];
    if (!n.ready) {
      ++not_ready;
      continue;
    }
    if (!map_selector_matches(pod.spec->node_selector, n.labels)) {
      ++no_match;
      continue;
    }
    if (n.pods >= n.max_pods) {
      ++no_room;
      continue;
    }
    if (n.cpu_requested + pod.cpu_request > n.cpu_allocatable) {
      ++no_cpu;
      continue;
    }
    if (n.memory_requested + pod.memory_request > n.memory_allocatable) {
      ++no_memory;
      continue;
    }
    ++found;
    // NodeResourcesFit (least allocated) and spreading of one owner's pods.
    const double cpu_free = n.cpu_allocatable == 0 ? 0
                            : static_cast<double>(n.cpu_allocatable - n.cpu_requested - pod.cpu_request) /
                                  static_cast<double>(n.cpu_allocatable);
    const double mem_free = n.memory_allocatable == 0 ? 0
                            : static_cast<double>(n.memory_allocatable - n.memory_requested - pod.memory_request) /
                                  static_cast<double>(n.memory_allocatable);
    const double pods_free = 1.0 - static_cast<double>(n.pods + 1) / static_cast<double>(n.max_pods);
    const auto spread = static_cast<double>(owner_pods_on_node_[i]);
    const double score = 50.0 * (cpu_free + mem_free) / 2.0 + 10.0 * pods_free - 100.0 * spread;
    if (score > best_score + 1e-9) {
      best = static_cast<int>(i);
      best_score = score;
      ties = 1;
    } else if (score > best_score - 1e-9 && tie_rng.uniform_int(++ties) == 0) {
      best = static_cast<int>(i);  // reservoir choice among equals
    }
  }
  next_start_node_ = (next_start_node_ + examined) % n_nodes;
  if (best < 0 && why != nullptr) {
    std::string w = "0/" + std::to_string(n_nodes) + " nodes are available:";
    if (no_cpu) w += " " + std::to_string(no_cpu) + " Insufficient cpu;";
    if (no_memory) w += " " + std::to_string(no_memory) + " Insufficient memory;";
    if (no_room) w += " " + std::to_string(no_room) + " Too many pods (max pods);";
    if (no_match) w += " " + std::to_string(no_match) + " didn't match Pod's node affinity/selector;";
    if (not_ready) {
      w += " " + std::to_string(not_ready) + " node(s) had untolerated taint {node.kubernetes.io/unreachable: };";
    }
    w.pop_back();
    *why = w;
  }
  return best;
}

void Cluster::index_pod(int index) {
  const PodState& p = pods_[static_cast<std::size_t>(index)];
  pod_by_name_.emplace(key_of(p.namespace_, p.name), index);
  if (p.ip != 0) pod_by_ip_.emplace(p.ip, index);
  for (const auto& [k, v] : *p.labels) pods_by_label_[label_key(p.namespace_, k, v)].push_back(index);
  pods_by_owner_[key_of(p.namespace_, owners_[p.owner].name)].push_back(index);
}

// --- endpoints ------------------------------------------------------------------

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
      if (p.deleted || p.ip == 0 || (!p.ready && !p.terminating && !svc.publish_not_ready_addresses)) continue;
      if (!map_selector_matches(*svc.selector, *p.labels)) continue;
      for (ServicePortState& ps : s.ports) {
        const std::optional<int> port = resolve_port(*p.spec, ps.port->target_port, ps.port->protocol);
        if (!port) continue;  // a named targetPort this pod does not declare
        ps.endpoints.push_back(EndpointState{i, p.ip, static_cast<std::uint16_t>(*port), p.node,
                                             p.ready && !p.terminating, p.ready, p.terminating});
      }
    }
    return;
  }
  // Selector-less: the EndpointSlices written for it.
  for (const EndpointSlice& slice : objects.endpoint_slices) {
    if (slice.meta.namespace_ != svc.meta.namespace_ || slice.service_name() != svc.meta.name) continue;
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
            ps.endpoints.push_back(EndpointState{pod == pod_by_ip_.end() ? -1 : pod->second, a,
                                                 static_cast<std::uint16_t>(*ep.port), node,
                                                 e.conditions.ready.value_or(true),
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

void Cluster::delete_pod(int index) {
  PodState& p = pods_.at(static_cast<std::size_t>(index));
  if (p.deleted) return;
  p.deleted = true;
  p.ready = false;
  if (p.node >= 0) {
    NodeState& n = nodes_[static_cast<std::size_t>(p.node)];
    n.pod_ips.release(p.ip);
    n.cpu_requested -= p.cpu_request;
    n.memory_requested -= p.memory_request;
    --n.pods;
  }
  pod_by_ip_.erase(p.ip);
  if (const auto it = pod_by_name_.find(key_of(p.namespace_, p.name)); it != pod_by_name_.end() && it->second == index) {
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

void Cluster::set_node_ready(int node, bool ready) { nodes_.at(static_cast<std::size_t>(node)).ready = ready; }

std::vector<int> Cluster::take_changed_services() {
  std::vector<int> out;
  out.swap(changed_services_);
  for (int i : out) service_changed_[static_cast<std::size_t>(i)] = false;
  return out;
}

void Cluster::restart_container(int index) { ++pods_.at(static_cast<std::size_t>(index)).restarts; }

void Cluster::set_ready(int index, bool ready) {
  PodState& p = pods_.at(static_cast<std::size_t>(index));
  if (p.deleted || p.ready == ready) return;
  p.ready = ready;
  recompute_endpoints_of(index);
}

// --- lookups --------------------------------------------------------------------

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

DnsAnswer Cluster::lookup(std::string_view raw) const {
  DnsAnswer a;
  const std::string name = lowercase_name(raw);
  const std::string& domain = config_.cluster_domain;
  if (name != domain && !(name.size() > domain.size() && name.ends_with("." + domain))) {
    a.kind = DnsAnswer::Kind::external;
    return a;
  }
  const std::string head = name.size() > domain.size() ? name.substr(0, name.size() - domain.size() - 1) : "";
  // <svc>.<ns>.svc, <host>.<svc>.<ns>.svc, <a-b-c-d>.<ns>.pod
  std::vector<std::string_view> labels;
  for (std::size_t start = 0; start <= head.size();) {
    const std::size_t dot = head.find('.', start);
    const std::size_t end = dot == std::string::npos ? head.size() : dot;
    labels.emplace_back(head.data() + start, end - start);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  a.kind = DnsAnswer::Kind::nxdomain;
  if (labels.size() == 3 && labels[2] == "svc") {
    const auto s = service_index(labels[1], labels[0]);
    if (!s) return a;
    const ServiceState& st = services_[static_cast<std::size_t>(*s)];
    const Service& svc = *st.service;
    if (svc.type == ServiceType::external_name) {
      a.kind = DnsAnswer::Kind::cname;
      a.cname = svc.external_name;
      return a;
    }
    if (svc.headless()) {
      for (const auto& ps : st.ports) {
        for (const auto& e : ps.endpoints) {
          if ((e.ready || svc.publish_not_ready_addresses) &&
              std::find(a.addresses.begin(), a.addresses.end(), e.ip) == a.addresses.end()) {
            a.addresses.push_back(e.ip);
          }
        }
      }
      if (!a.addresses.empty()) a.kind = DnsAnswer::Kind::a;
      return a;
    }
    if (st.cluster_ip != 0) {
      a.kind = DnsAnswer::Kind::a;
      a.addresses.push_back(st.cluster_ip);
    }
    return a;
  }
  if (labels.size() == 4 && labels[3] == "svc") {
    // A pod with hostname and subdomain under a headless Service of that name.
    const auto s = service_index(labels[2], labels[1]);
    if (!s || !services_[static_cast<std::size_t>(*s)].service->headless()) return a;
    for (const auto& ps : services_[static_cast<std::size_t>(*s)].ports) {
      for (const auto& e : ps.endpoints) {
        if (e.pod < 0) continue;
        const PodState& p = pods_[static_cast<std::size_t>(e.pod)];
        if (p.hostname == labels[0] && p.subdomain == labels[1]) {
          a.kind = DnsAnswer::Kind::a;
          a.addresses = {p.ip};
          return a;
        }
      }
    }
    return a;
  }
  if (labels.size() == 3 && labels[2] == "pod") {
    // a-b-c-d.<ns>.pod: CoreDNS answers the address it spells ("pods insecure").
    std::string dotted(labels[0]);
    std::replace(dotted.begin(), dotted.end(), '-', '.');
    try {
      a.addresses = {net::parse_address(dotted)};
      a.kind = DnsAnswer::Kind::a;
    } catch (const std::invalid_argument&) {
    }
    return a;
  }
  return a;
}

}  // namespace podwire::kube
