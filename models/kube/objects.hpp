// The Kubernetes API objects that matter for networking, as plain structs with
// the API server's defaults already applied. They know nothing of YAML: the
// manifest loader (manifest_loader.hpp) fills them in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace podwire::kube {

using Labels = std::map<std::string, std::string>;

// Where an object (or one of its fields) was written, for later diagnostics.
struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
  std::string to_string() const;  // "file:line:column", or "file" when the line is unknown
};

enum class Protocol { tcp, udp, sctp };
std::string_view to_string(Protocol p);  // "TCP", "UDP", "SCTP"

struct ObjectMeta {
  std::string name;
  std::string namespace_ = "default";  // empty for cluster-scoped kinds (Namespace)
  Labels labels;
  Labels annotations;
};

// --- selectors --------------------------------------------------------------

enum class SelectorOperator { in, not_in, exists, does_not_exist };
std::string_view to_string(SelectorOperator op);  // "In", "NotIn", ...

struct LabelSelectorRequirement {
  std::string key;
  SelectorOperator op = SelectorOperator::in;
  std::vector<std::string> values;  // empty for exists / does_not_exist
  bool matches(const Labels& labels) const;
};

// metav1.LabelSelector (Deployments, StatefulSets, NetworkPolicies, ...): every
// matchLabels pair and every expression must hold. An EMPTY selector matches
// every label set: a NetworkPolicy `podSelector: {}` selects all pods of its
// namespace, `namespaceSelector: {}` all namespaces. Services use a plain map
// with different rules; see Service::selects.
struct LabelSelector {
  Labels match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;

  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  bool matches(const Labels& labels) const;
  std::string to_string() const;  // "app=web,tier in (a,b)"; "{}" when empty
};

// True when every key=value of `selector` is in `labels` (a map selector as
// ReplicationControllers and Services use it). An empty map matches everything.
bool map_selector_matches(const Labels& selector, const Labels& labels);
std::string map_selector_string(const Labels& selector);  // "app=web,tier=backend"

// --- small value types ------------------------------------------------------

// A port given by number or by the name of a container port (IntOrString).
struct PortRef {
  int number = 0;    // when name is empty
  std::string name;  // an IANA service name such as "http"
  bool named() const { return !name.empty(); }
  std::string to_string() const;  // "8080" or "'http'"
  bool operator==(const PortRef&) const = default;
};

// An absolute count or a percentage of a total (maxSurge, maxUnavailable).
struct IntOrPercent {
  int value = 0;
  bool percent = false;
  // The absolute count for `total` replicas; percentages round up (maxSurge) or
  // down (maxUnavailable) as the Deployment controller does.
  int resolve(int total, bool round_up) const;
  std::string to_string() const;  // "1" or "25%"
  bool operator==(const IntOrPercent&) const = default;
};

// --- containers and pods ----------------------------------------------------

struct ContainerPort {
  std::string name;  // empty when unnamed
  int container_port = 0;
  Protocol protocol = Protocol::tcp;
  int host_port = 0;  // 0: none
  SourceLocation source;
};

// What a readiness (or liveness) probe does and when; defaults are the API's.
struct Probe {
  enum class Action { http_get, tcp_socket, grpc, exec };
  Action action = Action::exec;
  PortRef port;      // http_get, tcp_socket, grpc
  std::string path;  // http_get
  int initial_delay_seconds = 0;
  int period_seconds = 10;
  int timeout_seconds = 1;
  int success_threshold = 1;
  int failure_threshold = 3;
};

// A container's lifecycle.preStop hook. Termination runs it before SIGTERM, all
// within the pod's grace period.
struct PreStopHook {
  enum class Action { exec, http_get, tcp_socket, sleep };
  Action action = Action::exec;
  // For a `sleep` action, or an exec of `sleep N` / `sh -c "sleep N"`.
  std::optional<std::int64_t> sleep_seconds;
};

struct EnvVar {
  std::string name;
  std::string value;  // literal values only; valueFrom entries are not kept
};

struct Container {
  std::string name;
  std::string image;
  std::vector<ContainerPort> ports;
  // Resources as the API server stores them: a limit without a request makes
  // the request equal to the limit.
  std::optional<std::int64_t> cpu_request_millicores;
  std::optional<std::int64_t> memory_request_bytes;
  std::optional<std::int64_t> cpu_limit_millicores;
  std::optional<std::int64_t> memory_limit_bytes;
  std::optional<Probe> readiness_probe;
  std::optional<Probe> liveness_probe;
  std::optional<Probe> startup_probe;  // until it passes, kubelet runs no other probe
  std::optional<PreStopHook> pre_stop;
  std::vector<EnvVar> env;
  SourceLocation source;

  // Whether kubelet can find `port` in this container, as it looks up a
  // probe's named port: among this container's own ports, by name.
  bool resolves(const PortRef& port) const {
    if (!port.named()) return true;
    for (const ContainerPort& p : ports) {
      if (p.name == port.name) return true;
    }
    return false;
  }
};

// "Default" (inherit the node's resolver) is spelled default_.
enum class DnsPolicy { cluster_first, cluster_first_with_host_net, default_, none };
std::string_view to_string(DnsPolicy p);

struct DnsConfig {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<std::pair<std::string, std::string>> options;  // name, value ("" when none)
  std::optional<int> ndots;                                  // from the ndots option, when given
};

// --- scheduling rules -------------------------------------------------------
// What a pod spec asks of the scheduler beyond its nodeSelector (the core/v1
// types; Cluster's scheduler reads them, cluster_schedule.cpp).

// NodeSelectorOperator: In, NotIn, Exists, DoesNotExist, Gt, Lt (Gt and Lt
// compare a label's value as an integer with the requirement's one value).
enum class NodeOperator { in, not_in, exists, does_not_exist, gt, lt };
std::string_view to_string(NodeOperator op);

struct NodeRequirement {
  std::string key;  // a label key; for matchFields, the field (metadata.name)
  NodeOperator op = NodeOperator::in;
  std::vector<std::string> values;
  // `value` is the label's (or field's) value, null when the node has none.
  bool matches(const std::string* value) const;
};

// One NodeSelectorTerm: every expression and every field must hold. A term
// with neither matches no node (as the API says).
struct NodeSelectorTerm {
  std::vector<NodeRequirement> match_expressions;
  std::vector<NodeRequirement> match_fields;
  bool empty() const { return match_expressions.empty() && match_fields.empty(); }
  bool matches(const std::string& node_name, const Labels& labels) const;
};

struct PreferredNodeTerm {
  int weight = 1;  // 1..100
  NodeSelectorTerm preference;
};

struct NodeAffinity {
  // requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, ORed;
  // absent: no requirement; present and empty: no node matches.
  std::optional<std::vector<NodeSelectorTerm>> required;
  std::vector<PreferredNodeTerm> preferred;
  bool required_match(const std::string& node_name, const Labels& labels) const;
};

// A PodAffinityTerm: the pods `label_selector` selects (null: none) in the
// namespaces listed and those `namespace_selector` selects (null: none, {}:
// all), or the pod's own namespace when both are absent; "together" means on
// nodes with the same value of `topology_key`.
struct PodAffinityTerm {
  std::optional<LabelSelector> label_selector;
  std::vector<std::string> namespaces;
  std::optional<LabelSelector> namespace_selector;
  std::string topology_key;
  // Label keys whose values the term takes from the incoming pod's labels:
  // matchLabelKeys (key in (value)) and mismatchLabelKeys (key notin (value)).
  std::vector<std::string> match_label_keys;
  std::vector<std::string> mismatch_label_keys;
};

struct WeightedPodAffinityTerm {
  int weight = 1;  // 1..100
  PodAffinityTerm term;
};

struct PodAffinityRules {
  std::vector<PodAffinityTerm> required;
  std::vector<WeightedPodAffinityTerm> preferred;
  bool empty() const { return required.empty() && preferred.empty(); }
};

struct Affinity {
  std::optional<NodeAffinity> node;
  PodAffinityRules pod;   // podAffinity
  PodAffinityRules anti;  // podAntiAffinity
  bool has_pod_terms() const { return !pod.empty() || !anti.empty(); }
};

struct TopologySpreadConstraint {
  int max_skew = 1;
  std::string topology_key;
  bool do_not_schedule = true;  // whenUnsatisfiable: DoNotSchedule; false: ScheduleAnyway
  std::optional<LabelSelector> label_selector;  // null: selects no pod
  int min_domains = 1;                          // DoNotSchedule only
  bool honor_node_affinity = true;              // nodeAffinityPolicy: Honor (the default) / Ignore
  bool honor_taints = false;                    // nodeTaintsPolicy: Honor / Ignore (the default)
  std::vector<std::string> match_label_keys;
};

// --- pod spec ---------------------------------------------------------------

// Per-container settings that Kubernetes keeps per container (probes, preStop)
// are in Container.
struct PodSpec {
  // False when a container's readiness or startup probe names a port kubelet
  // cannot find in it: that probe never passes, and the pod is never Ready.
  bool readiness_can_pass() const {
    for (const Container& c : containers) {
      for (const std::optional<Probe>* p : {&c.readiness_probe, &c.startup_probe}) {
        if (*p && !c.resolves((*p)->port)) return false;
      }
    }
    return true;
  }

  std::vector<Container> containers;
  std::vector<Container>
      init_containers;  // they run before the pod serves; their ports do not matter
  bool host_network = false;
  DnsPolicy dns_policy = DnsPolicy::cluster_first;
  std::optional<DnsConfig> dns_config;
  std::string hostname;
  std::string subdomain;
  std::int64_t termination_grace_period_seconds = 30;
  // spec.nodeName: bound to that node without the scheduler; the node's
  // kubelet still admits it (resources, host ports, node selector, affinity).
  std::string node_name;
  Labels node_selector;
  Affinity affinity;
  std::vector<TopologySpreadConstraint> topology_spread;
  std::string service_account_name;
};

struct PodTemplate {
  ObjectMeta metadata;  // labels the pods carry
  PodSpec spec;
};

// The port number `ref` names in `spec` for `protocol`, as the EndpointSlice
// controller resolves a Service targetPort: a number is itself; a name is the
// first container port (init containers excluded) with that name and protocol.
std::optional<int> resolve_port(const PodSpec& spec, const PortRef& ref, Protocol protocol);

// --- workloads --------------------------------------------------------------

struct Pod {
  ObjectMeta meta;
  PodSpec spec;
  SourceLocation source;
};

struct DeploymentStrategy {
  enum class Type { rolling_update, recreate };
  Type type = Type::rolling_update;
  IntOrPercent max_surge{25, true};  // rolling_update only
  IntOrPercent max_unavailable{25, true};
};

struct Deployment {
  ObjectMeta meta;
  int replicas = 1;
  LabelSelector selector;
  PodTemplate template_;
  DeploymentStrategy strategy;
  int min_ready_seconds = 0;
  SourceLocation source;
};

struct ReplicaSet {
  ObjectMeta meta;
  int replicas = 1;
  LabelSelector selector;
  PodTemplate template_;
  SourceLocation source;
};

struct ReplicationController {
  ObjectMeta meta;
  int replicas = 1;
  Labels selector;  // a plain map; when absent, the template's labels
  PodTemplate template_;
  SourceLocation source;
};

enum class PodManagementPolicy { ordered_ready, parallel };

struct StatefulSet {
  ObjectMeta meta;
  int replicas = 1;
  LabelSelector selector;
  PodTemplate template_;
  std::string service_name;  // the headless Service that gives pods DNS names
  PodManagementPolicy pod_management_policy = PodManagementPolicy::ordered_ready;
  SourceLocation source;
};

struct DaemonSet {  // one pod per eligible node; no replica count
  ObjectMeta meta;
  LabelSelector selector;
  PodTemplate template_;
  SourceLocation source;
};

// --- services and endpoints -------------------------------------------------

enum class ServiceType { cluster_ip, node_port, load_balancer, external_name };
std::string_view to_string(ServiceType t);  // "ClusterIP", ...
enum class TrafficPolicy { cluster, local };
// spec.trafficDistribution: PreferClose (PreferSameZone from 1.34) sends a
// client to endpoints in its node's zone when there are some, PreferSameNode
// to endpoints on its node.
enum class TrafficDistribution { any, same_zone, same_node };
enum class SessionAffinity { none, client_ip };

struct ServicePort {
  std::string name;  // required when the Service has several ports
  Protocol protocol = Protocol::tcp;
  int port = 0;
  PortRef target_port;  // defaults to `port`
  int node_port = 0;    // 0: allocated (NodePort, LoadBalancer) or none
  std::string app_protocol;
  SourceLocation source;              // the port entry
  SourceLocation target_port_source;  // its targetPort, or the entry when omitted
};

struct Service {
  ObjectMeta meta;
  ServiceType type = ServiceType::cluster_ip;
  std::string cluster_ip;  // empty: allocate; "None": headless
  std::vector<ServicePort> ports;
  // Absent (nullopt) and empty are kept apart because manifests differ that
  // way, but both select NO pods: such a Service gets endpoints only from
  // EndpointSlices written by hand (the API server stores an empty selector as
  // absent).
  std::optional<Labels> selector;
  std::string external_name;  // ExternalName only: the DNS CNAME target
  TrafficPolicy external_traffic_policy = TrafficPolicy::cluster;
  TrafficPolicy internal_traffic_policy = TrafficPolicy::cluster;
  TrafficDistribution traffic_distribution = TrafficDistribution::any;
  SessionAffinity session_affinity = SessionAffinity::none;
  int session_affinity_timeout_seconds = 10800;  // ClientIP only
  std::string load_balancer_ip;
  std::vector<std::string>
      load_balancer_ingress;  // status.loadBalancer.ingress: IPs (or hostnames)
  std::vector<std::string> external_ips;
  bool publish_not_ready_addresses = false;
  SourceLocation source;

  bool headless() const { return cluster_ip == "None"; }
  bool has_selector() const { return selector.has_value() && !selector->empty(); }
  // True when pods with `labels` are this Service's endpoints.
  bool selects(const Labels& labels) const;
};

enum class AddressType { ipv4, ipv6, fqdn };

struct EndpointConditions {
  // Unset means unknown; consumers treat an unset `ready` as ready.
  std::optional<bool> ready;
  std::optional<bool> serving;
  std::optional<bool> terminating;
};

struct Endpoint {
  std::vector<std::string> addresses;
  EndpointConditions conditions;
  std::string node_name;
  std::string hostname;
};

struct EndpointPort {
  std::string name;
  std::optional<int> port;  // unset: all ports
  Protocol protocol = Protocol::tcp;
  std::string app_protocol;
};

struct EndpointSlice {
  ObjectMeta meta;
  AddressType address_type = AddressType::ipv4;
  std::vector<Endpoint> endpoints;
  std::vector<EndpointPort> ports;
  SourceLocation source;
  // The owning Service, from the label kubernetes.io/service-name ("" if none).
  std::string service_name() const;
};

inline constexpr std::string_view service_name_label = "kubernetes.io/service-name";

// --- ingress ----------------------------------------------------------------

struct IngressBackend {
  std::string service_name;    // empty for a resource backend
  PortRef service_port;        // number or name of a port of that Service
  std::string resource;        // "Kind/name" of a resource backend
  SourceLocation source;       // the service name (or the resource)
  SourceLocation port_source;  // the service port
};

enum class PathType { prefix, exact, implementation_specific };
std::string_view to_string(PathType t);

struct IngressPath {
  std::string path;
  PathType path_type = PathType::implementation_specific;
  IngressBackend backend;
};

struct IngressRule {
  std::string host;  // empty: every host
  std::vector<IngressPath> paths;
};

struct IngressTls {
  std::vector<std::string> hosts;
  std::string secret_name;
};

struct Ingress {
  ObjectMeta meta;
  // spec.ingressClassName, or the legacy annotation kubernetes.io/ingress.class.
  std::string ingress_class_name;
  std::optional<IngressBackend> default_backend;
  std::vector<IngressRule> rules;
  std::vector<IngressTls> tls;
  SourceLocation source;
};

// --- network policy ---------------------------------------------------------

struct IpBlock {
  std::string cidr;
  std::vector<std::string> except;
};

// Exactly one of: pods (pod_selector, in the policy's namespace unless
// namespace_selector is set too), namespaces, or an IP block.
struct NetworkPolicyPeer {
  std::optional<LabelSelector> pod_selector;
  std::optional<LabelSelector> namespace_selector;
  std::optional<IpBlock> ip_block;
};

struct NetworkPolicyPort {
  Protocol protocol = Protocol::tcp;
  std::optional<PortRef> port;  // unset: every port
  std::optional<int> end_port;  // a range port..end_port (numbers only)
};

// One ingress (from) or egress (to) rule. Empty peers: every peer; empty
// ports: every port; so `- {}` allows everything.
struct NetworkPolicyRule {
  std::vector<NetworkPolicyPeer> peers;
  std::vector<NetworkPolicyPort> ports;
};

struct NetworkPolicy {
  ObjectMeta meta;
  LabelSelector pod_selector;  // empty: every pod of the namespace
  // spec.policyTypes; when absent the API server sets Ingress always, and
  // Egress when the policy has at least one egress rule.
  bool policy_ingress = true;
  bool policy_egress = false;
  std::vector<NetworkPolicyRule> ingress;
  std::vector<NetworkPolicyRule> egress;
  SourceLocation source;
};

struct Namespace {
  ObjectMeta meta;
  SourceLocation source;
};

// --- quantities and names ---------------------------------------------------

// Kubernetes resource quantities: a decimal number ("0.5", "1", ".5") with an
// optional suffix, binary (Ki Mi Gi Ti Pi Ei), decimal (n u m k M G T P E) or an
// exponent ("1e3", "2E-3"). Values round up to the unit, as the API server
// does ("0.0001" CPU is 1m). std::invalid_argument, with the text quoted, for
// garbage, negative values and values that do not fit in 64 bits.
std::int64_t parse_cpu_millicores(std::string_view text);
std::int64_t parse_memory_bytes(std::string_view text);

// Why `name` is not a valid port name (IANA_SVC_NAME: at most 15 lowercase
// letters, digits and '-', at least one letter, no leading, trailing or double
// '-'), or "" when it is valid.
std::string port_name_problem(std::string_view name);

// Why `name` is not an RFC 1123 label (what object names of most kinds and
// namespace names must be; Services need a letter first, RFC 1035), or "".
std::string dns_label_problem(std::string_view name, bool letter_first);

// Why `name` is not an RFC 1123 subdomain (Deployment, Pod, ... names), or "".
std::string dns_subdomain_problem(std::string_view name);

}  // namespace podwire::kube
