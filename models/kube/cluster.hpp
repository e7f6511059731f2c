// Cluster: the control-plane state of a simulated Kubernetes cluster: nodes
// with their pod CIDRs, pods placed by a scheduler and given addresses,
// Services with their ClusterIPs, NodePorts, load-balancer addresses and
// endpoints, and the DNS zone CoreDNS serves from them. No packets and no
// events: the data plane and the churn models read and change this state.
// Building is indexed throughout (labels, addresses, names), so the
// Kubernetes scalability envelope (5,000 nodes, 150,000 pods, 10,000
// Services) builds in seconds.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/random_stream.hpp"
#include "models/kube/cidr.hpp"
#include "models/kube/object_set.hpp"
#include "models/kube/pod_ip_pool.hpp"
#include "models/kube/range_allocator.hpp"

namespace podwire::kube {

struct NodeConfig {
  std::string name;
  std::int64_t cpu_millicores = 4000;
  std::int64_t memory_bytes = std::int64_t{16} << 30;
  int max_pods = 110;
  Labels labels;
};

struct ClusterConfig {
  std::vector<NodeConfig> nodes;
  Cidr node_network = Cidr::parse("10.0.0.0/16");  // node i: node_network.at(i + 1)
  Cidr pod_cidr = Cidr::parse("10.244.0.0/16");
  int node_cidr_mask = 24;
  Cidr service_cidr = Cidr::parse("10.96.0.0/12");
  int node_port_first = 30000;
  int node_port_last = 32767;
  Cidr load_balancer_pool = Cidr::parse("198.18.0.0/15");
  std::string cluster_domain = "cluster.local";
  int dns_replicas = 2;  // CoreDNS pods added when the objects bring no kube-system/kube-dns
  std::uint64_t seed = 1;
};

// Something a user should hear about; the scenario layer locates it.
struct Problem {
  enum class Severity { error, warning, notice };
  Severity severity = Severity::error;
  SourceLocation source;
  std::string field;  // "spec.ports[0].nodePort"; "" for the object itself
  std::string message;
};

struct NodeState {
  std::string name;
  Labels labels;
  net::Address address = 0;
  std::int64_t cpu_allocatable = 0;  // millicores
  std::int64_t memory_allocatable = 0;
  int max_pods = 110;
  PodIpPool pod_ips;
  std::int64_t cpu_requested = 0;
  std::int64_t memory_requested = 0;
  int pods = 0;
  // Ports bound on the node's own address: hostPorts and hostNetwork pods'
  // ports, as (protocol << 16 | port).
  std::vector<std::uint32_t> host_ports{};
  bool ready = true;  // false: failed (NotReady); the scheduler places nothing there
};

// A workload that owns pods (Deployment, StatefulSet, DaemonSet, ReplicaSet,
// ReplicationController, or a bare Pod owning itself), in pod_templates() order.
struct OwnerState {
  std::string_view kind;
  std::string namespace_;
  std::string name;
  const Labels* labels = nullptr;
  const PodSpec* spec = nullptr;
  const SourceLocation* source = nullptr;
  int replicas = 1;                           // as declared; -1 for a DaemonSet
  const Deployment* deployment = nullptr;     // when kind is Deployment
  const StatefulSet* stateful_set = nullptr;  // when kind is StatefulSet
  // Deployments: the revision its newest ReplicaSet has, and that ReplicaSet's
  // pod-template-hash (the middle of its pods' names).
  int revision = 0;
  std::string template_hash;
};

struct PodState {
  std::string name;
  std::string namespace_;
  const Labels* labels = nullptr;  // the template's (or the Pod's) labels
  const PodSpec* spec = nullptr;
  std::string_view owner_kind;  // "Deployment", ..., "Pod"
  std::uint32_t owner = 0;      // index of the owning workload in pod_templates() order
  int node = -1;                // -1: not scheduled
  net::Address ip = 0;          // 0: none (not scheduled, or deleted)
  std::string hostname;         // StatefulSet pods: their name; others: ""
  std::string subdomain;        // StatefulSet pods: the governing Service
  int restarts = 0;
  int revision = 0;  // the owner's revision the pod was created from
  int ordinal = -1;  // StatefulSet pods: their ordinal
  bool ready = false;
  bool terminating = false;  // deletion started: leaving the endpoints, still running
  bool deleted = false;
  std::int64_t cpu_request = 0;  // millicores, summed over containers
  std::int64_t memory_request = 0;
};

struct EndpointState {
  int pod = -1;  // -1: an address from a hand-written EndpointSlice
  net::Address ip = 0;
  std::uint16_t port = 0;
  int node = -1;
  bool ready = true;
  bool serving = true;  // a terminating endpoint that still passes its readiness probe
  bool terminating = false;
};

struct ServicePortState {
  const ServicePort* port = nullptr;
  std::uint16_t node_port = 0;  // 0: none
  std::vector<EndpointState> endpoints;
};

struct ServiceState {
  const Service* service = nullptr;
  std::string key;              // "namespace/name"
  net::Address cluster_ip = 0;  // 0: headless or ExternalName
  std::vector<net::Address> load_balancer_ips;
  std::vector<ServicePortState> ports;
  std::uint64_t generation = 0;  // bumped when the endpoints change
};

struct DnsAnswer {
  enum class Kind { a, cname, nxdomain, external };
  Kind kind = Kind::nxdomain;
  std::vector<net::Address> addresses;
  std::string cname;
  std::uint32_t ttl_s = 5;  // the CoreDNS kubernetes plugin's default TTL
};

class Cluster {
 public:
  // Places every workload's pods, allocates addresses and computes endpoints.
  // Problems (unschedulable pods, conflicting nodePorts or clusterIPs, pod
  // CIDR exhaustion) are appended; building itself never throws for bad
  // objects. std::invalid_argument for an impossible configuration (no nodes,
  // a pod CIDR too small for the nodes).
  Cluster(ClusterConfig config, const ObjectSet& objects, std::vector<Problem>& problems);
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const ClusterConfig& config() const { return config_; }
  const std::vector<NodeState>& nodes() const { return nodes_; }
  const std::vector<PodState>& pods() const { return pods_; }
  const std::vector<ServiceState>& services() const { return services_; }
  const std::vector<OwnerState>& owners() const { return owners_; }
  // The objects the cluster added (CoreDNS when missing) live here.
  const ObjectSet& added_objects() const { return added_; }

  // Lookups by name; nullopt when absent. O(1) expected.
  std::optional<int> node_index(std::string_view name) const;
  std::optional<int> pod_index(std::string_view namespace_, std::string_view name) const;
  std::optional<int> service_index(std::string_view namespace_, std::string_view name) const;
  std::optional<int> pod_by_ip(net::Address ip) const;
  // Pods of a workload (by kind-less name in a namespace: Deployment,
  // StatefulSet, DaemonSet, ReplicaSet, ReplicationController or bare Pod), live ones.
  std::vector<int> pods_of(std::string_view namespace_, std::string_view workload) const;
  // The owner named `workload` in a namespace; `kind` "" matches any kind.
  std::optional<std::uint32_t> owner_index(std::string_view namespace_, std::string_view workload,
                                           std::string_view kind = {}) const;
  net::Address dns_service_ip() const { return dns_ip_; }

  // Churn operations. A created pod is scheduled (NotReady nodes excluded) and
  // given an address but is not ready: it joins the endpoints when set_ready.
  // StatefulSet pods take the ordinal's stable name; others get a fresh name
  // of the owner's current revision. -1, with the scheduler's reason in `why`,
  // when it cannot be placed.
  int create_pod(std::uint32_t owner, int ordinal, std::string* why);
  // Deployments: a new revision (a rolling update's new ReplicaSet).
  void bump_revision(std::uint32_t owner);
  // Deletion started: the endpoint stays, not ready, marked terminating (and
  // serving while the pod stays ready).
  void set_terminating(int pod);
  // A deleted pod's address goes back to its node's pool and it leaves every
  // Service's endpoints; a restart keeps the address.
  void delete_pod(int pod);
  void restart_container(int pod);
  void set_ready(int pod, bool ready);
  void set_node_ready(int node, bool ready);
  // Every Service whose endpoints changed since the last call, each once, in
  // the order they first changed (what the EndpointSlice controller's queue
  // holds).
  std::vector<int> take_changed_services();

  // What CoreDNS answers for a name: Service A records (ClusterIP, or the ready
  // endpoints of a headless Service), ExternalName CNAMEs, StatefulSet pod
  // names under their headless Service, a-b-c-d.<ns>.pod.<domain>; NXDOMAIN
  // for anything else under the cluster domain; `external` outside it. Case
  // and a trailing dot do not matter.
  DnsAnswer lookup(std::string_view name) const;

 private:
  void add_nodes(std::vector<Problem>& problems);
  void add_missing_dns(const ObjectSet& objects);
  void create_pods(const ObjectSet& objects, std::vector<Problem>& problems);
  // The scheduler (cluster_schedule.cpp): the node for `pod`, or -1 with
  // kube-scheduler's reason in `why`.
  int schedule(const PodState& pod, std::string* why);
  // A pod whose spec names its node (spec.nodeName) skips the scheduler: the
  // node, or -1 when it does not exist or its kubelet's admission rejects the
  // pod's node selector or required node affinity (resources and host ports
  // are place()'s checks, which the kubelet makes too).
  int bound_node(const PodState& pod, std::string* why) const;
  struct Term;
  struct InterPod;
  struct Spread;
  struct Candidate {
    std::uint32_t node;
    double score;
  };
  bool namespace_selected(const LabelSelector& selector, const std::string& ns) const;
  Term make_term(const PodAffinityTerm& t, const PodState& owner, std::int64_t weight) const;
  bool term_matches(const Term& t, const PodState& p) const;
  template <class F>
  void for_each_candidate(const LabelSelector* selector, const std::vector<std::string>& nss,
                          F&& f) const;
  template <class F>
  void for_each_term_candidate(const Term& t, F&& f) const;
  void prepare_inter_pod(const PodState& pod, InterPod& s) const;
  int inter_pod_filter(const InterPod& s, const NodeState& n) const;
  bool node_eligible(const PodSpec& spec, const NodeState& n, bool honor_affinity,
                     bool honor_taints) const;
  void prepare_spread(const PodState& pod, Spread& s) const;
  int spread_filter(const Spread& s, const NodeState& n) const;
  static std::vector<std::uint32_t> host_ports(const PodSpec& spec);
  static bool ports_free(const std::vector<std::uint32_t>& wanted, const NodeState& n);
  void add_node_affinity_scores(const NodeAffinity& a, std::vector<Candidate>& candidates) const;
  void add_spread_scores(const Spread& s, std::vector<Candidate>& candidates) const;
  void add_inter_pod_scores(const InterPod& s, std::vector<Candidate>& candidates) const;
  void allocate_services(const ObjectSet& objects, std::vector<Problem>& problems);
  void compute_endpoints(ServiceState& s, const ObjectSet& objects);
  void recompute_endpoints_of(int pod);
  void index_pod(int pod);
  PodState new_pod(std::uint32_t owner, int ordinal, engine::RandomStream& names);
  // Binds the pod to a node with an address; false (nothing changed) when it
  // does not fit or the node's block is full.
  bool place(PodState& p, int node, std::string* why);

  ClusterConfig config_;
  engine::RandomRoot random_;
  ObjectSet added_;
  std::vector<NodeState> nodes_;
  std::vector<PodState> pods_;
  std::vector<ServiceState> services_;
  std::vector<OwnerState> owners_;
  std::vector<engine::RandomStream> owner_names_;  // by owner: the stream its pods' names come from
  std::vector<int> changed_services_;
  std::vector<bool> service_changed_;
  const ObjectSet* objects_ = nullptr;  // for EndpointSlices when endpoints are recomputed
  std::unordered_map<std::string, int> node_by_name_;
  std::unordered_map<std::string, int> pod_by_name_;      // "ns/name"
  std::unordered_map<std::string, int> service_by_name_;  // "ns/name"
  std::unordered_map<net::Address, int> pod_by_ip_;
  std::unordered_map<std::string, std::vector<int>> pods_by_label_;  // "ns\0key=value"
  std::unordered_map<std::string, std::vector<int>> pods_by_owner_;  // "ns/workload"
  // Services with a selector, each under one of its key=value pairs: a pod
  // can only be selected by the Services filed under one of its own labels.
  std::unordered_map<std::string, std::vector<int>> services_by_label_;  // "ns\0key=value"
  // Pods of the workload being placed, per node: the spreading score reads it
  // for every node sampled, so a flat array rather than a hash lookup.
  std::vector<int> owner_pods_on_node_;
  // Namespaces' labels (with kubernetes.io/metadata.name), for namespaceSelectors.
  std::unordered_map<std::string, Labels> namespace_labels_;
  // Placed pods whose spec has pod affinity or anti-affinity terms: the
  // terms every later pod is checked against (deleted ones are skipped).
  std::vector<int> pods_with_pod_terms_;
  net::Address dns_ip_ = 0;
  std::uint32_t next_start_node_ = 0;  // kube-scheduler's rotating start index
};

}  // namespace podwire::kube
