// ClusterScenario: a Kubernetes cluster scenario (section `cluster:`): the
// nodes and their network, the manifests that run on them, what each workload
// does with a request (what manifests cannot say), and the traffic that
// reaches them. Plain structs with every unit resolved; the builder
// (cluster_model.hpp) turns one into a running model.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/distribution.hpp"
#include "engine/time.hpp"
#include "engine/units.hpp"
#include "models/app/call_count.hpp"
#include "models/app/program.hpp"
#include "models/churn/churn_spec.hpp"
#include "models/kube/cidr.hpp"
#include "models/kube/kube_schema.hpp"
#include "models/kube/object_set.hpp"
#include "models/node/kernel_datapath.hpp"
#include "models/node/kernel_version.hpp"
#include "models/proxy/proxy_config.hpp"
#include "models/proxy/proxy_sync.hpp"
#include "models/scenario/queueing_scenario.hpp"
#include "models/scenario/scenario_error.hpp"

namespace podwire::scenario {

struct NodeGroupSpec {
  std::string name = "node";  // nodes are <name>-0, <name>-1, ... (just <name> when count is 1)
  int count = 1;
  int cpus = 4;
  double cpu_speed = 1.0;  // relative to the reference machine (docs/parameters.md)
  bool smt = true;         // cpus are hardware threads, two to a physical core
  std::int64_t memory_bytes = std::int64_t{16} << 30;
  int max_pods = 110;
  engine::BitRate nic = engine::BitRate(25'000'000'000);
  kube::Labels labels;
  // The cloud's labels on each node: its instance type, region and zone; a
  // group's nodes are dealt over its zones in turn (node i in zones[i % n]).
  std::string instance_type;  // "": "<cpus>cpu-<memory GiB>gib"
  std::string region = "region-1";
  std::vector<std::string> zones;  // empty: "<region>-a"
  kube::SourceLocation source;
};

struct TopologySpec {
  enum class Kind { star, leaf_spine };
  Kind kind = Kind::star;
  engine::Time link_delay = engine::Time::us(1);
  int queue_packets = 1000;
  engine::Time switch_latency = engine::Time::zero();
  int nodes_per_rack = 32;  // leaf-spine
  int spines = 2;
  engine::BitRate uplink = engine::BitRate(100'000'000'000);
};

struct DnsSpec {
  std::string domain = "cluster.local";
  int replicas = 2;
  engine::Time cpu_per_query = engine::Time::us(59);
  engine::Time upstream_latency = engine::Time::ms(10);
  int ndots = 5;
  bool client_cache = false;  // glibc's and Go's resolvers keep no answers
};

// The service proxy every node runs, and synthetic "filler" Services that
// load its tables without manifests.
struct ProxySpec {
  proxy::ProxyConfig config;  // the mode, its costs and choices
  int filler_services = 0;
  int endpoints_per_service = 10;
  // At most this many filler endpoints in all (about 20 B each in the shared
  // table, 0.6 s to build): Kubernetes supports 150,000 pods in a cluster
  // ("Considerations for large clusters"), so this is 66 times that.
  static constexpr std::uint64_t kMaxFillerEndpoints = 10'000'000;
  // Where the scenario's own Services sit in an ordered rule list
  // (iptables' KUBE-SERVICES) among the fillers. map_order: as kube-proxy
  // writes it, anywhere, drawn anew by every sync of every node; the others
  // hold them in one place throughout: first, last, at one random place, or
  // from `position_at` (0-based) on.
  enum class Position { map_order, first, last, random, at };
  Position measured_position = Position::map_order;
  std::uint32_t position_at = 0;
  // Rule programming (cluster.proxy.sync): the costs, and the periods when
  // given (otherwise the mode's defaults, proxy::SyncConfig::defaults).
  proxy::SyncCosts sync_costs;
  std::optional<engine::Time> min_sync_period;
  std::optional<engine::Time> sync_period;
  std::optional<bool> iptables_partial;  // nullopt: the release's default
  int burst_syncs = 2;
  proxy::SyncConfig sync_config() const;
};

// An application's UDP socket (a server's, where datagrams wait for it).
struct UdpSpec {
  engine::Bytes receive_buffer = engine::Bytes(212992);  // net.core.rmem_default
  engine::Bytes datagram_overhead = engine::Bytes(576);  // SKB_TRUESIZE beyond the payload
};

struct ClusterSpec {
  std::vector<NodeGroupSpec> nodes;
  TopologySpec topology;
  std::string cni = "vxlan";   // a name of node::cni_names()
  node::KernelVersion kernel;  // the nodes' Linux release
  kube::Cidr pod_cidr = kube::Cidr::parse("10.244.0.0/16");
  int node_cidr_mask = 24;
  kube::Cidr service_cidr = kube::Cidr::parse("10.96.0.0/12");
  kube::Cidr node_network = kube::Cidr::parse("10.0.0.0/16");
  kube::Cidr load_balancer_pool = kube::Cidr::parse("198.18.0.0/15");
  int node_port_first = 30000;
  int node_port_last = 32767;
  DnsSpec dns;
  node::DatapathCosts datapath;
  node::HostStackCosts host;
  node::CniCosts cni_costs;
  UdpSpec udp;
  ProxySpec proxy;
  std::uint64_t conntrack_max = 0;  // 0: kube-proxy's max(32768 x cores, 131072)
  // Request processing by the API server and kubelet on a port-forward.
  engine::Time apiserver_latency = engine::Time::us(200);
  engine::Time kubelet_latency = engine::Time::us(100);
};

// "http://web.my-app:8080/cart" as parsed: scheme http (port 80 by default),
// https (443) or udp (datagrams; the port is required); a host (a DNS name, a
// Service short name or an address).
struct Url {
  std::string text;
  std::string host;
  std::uint16_t port = 80;
  std::string path = "/";
  bool udp = false;
  static std::optional<Url> parse(std::string_view text, std::string* error);
};

// keep_alive: {max_requests, idle_timeout}: how long a client keeps a
// connection (0: no limit).
struct KeepAliveLimits {
  int max_requests = 0;
  engine::Time idle_timeout = engine::Time::zero();
};

struct CallSpec {
  Url target;
  std::string route;  // the route it asks for ("": the target's first handler)
  engine::Bytes request_bytes = engine::Bytes(200);
  engine::Bytes response_bytes = engine::Bytes(1000);
  app::CallCount count;    // calls per request: a constant, or drawn per request
  double probability = 1;  // that the call is made at all for a request (a cache miss)
  int max_depth = 0;       // made only while its request is at most this deep; 0: always
  bool keep_alive = true;  // reuse connections to the target, or open one per call
  KeepAliveLimits keep_alive_limits;
  bool grpc = false;         // HTTP/2: every call a stream on one connection per address
  bool round_robin = false;  // gRPC: a connection to every address, calls dealt in turn
  int pool_size = 0;         // HTTP/1.1: at most this many connections (then calls wait); 0: any
  int pipeline = 1;          // requests outstanding at once on one pooled connection
  int retries = 0;           // new attempts after a refused, reset or timed-out connection
  engine::Time timeout;      // per attempt; 0: none
  // A udp:// URL: a datagram, answered by one (reply) or not (fire and forget).
  bool reply = false;
  kube::SourceLocation source;
};

struct CallGroupSpec {
  bool parallel = false;
  std::vector<CallSpec> calls;
};

// What a workload does with a request of one route (an HTTP method and path,
// or an RPC name); what a route leaves out is its app's, but its calls are
// its own.
struct RouteSpec {
  std::string name;
  engine::Distribution service_time = engine::Distribution::constant(0.0);
  engine::Time cpu_per_request = engine::Time::ns(2500);
  engine::Bytes response_bytes = engine::Bytes(1000);
  std::vector<CallGroupSpec> calls;
  kube::SourceLocation source;
};

// What a workload's pods do with a request: manifests say which ports they
// open, not how long a request takes. The top-level handler serves requests
// that name no route (or one the app does not list).
struct AppSpec {
  enum class Role { server, ingress };
  std::string namespace_ = "default";
  std::string workload;  // name of a Deployment, StatefulSet, DaemonSet, ReplicaSet, RC or Pod
  Role role = Role::server;
  int port = 0;         // container port served; 0: every TCP container port
  int concurrency = 1;  // requests served at once per pod
  engine::Distribution service_time = engine::Distribution::constant(0.0);
  // The server program (app::program_profiles()) and what it costs in user
  // space; cpu_per_request and threads default to the program's.
  std::string program = "nginx";
  engine::Time cpu_per_request = engine::Time::ns(2500);
  engine::Time cpu_per_connection = engine::Time::zero();
  int threads = 0;  // 0: one per core of the pod's node
  // The library its calls resolve names with.
  app::NameLookup resolver = app::NameLookup::glibc;
  // How long its server keeps a client's connection (nginx keepalive_requests
  // and keepalive_timeout); the program's unless given.
  // Unset: the program's, except that a gRPC server (one reached by a
  // `protocol: grpc` client) keeps its connections (grpc-go, grpc-java: no
  // request limit or idle timeout by default).
  std::optional<std::uint32_t> keepalive_requests;
  std::optional<engine::Time> keepalive_timeout;
  engine::Bytes response_bytes = engine::Bytes(1000);
  std::vector<CallGroupSpec> calls;
  std::vector<RouteSpec> routes;  // the named ones, in the order written
  kube::SourceLocation source;
};

struct TrafficSpec {
  std::string name;
  enum class From { outside, pod, port_forward };
  From from = From::outside;
  std::string from_namespace = "default";
  std::string from_workload;  // From::pod: the client runs in a pod of this workload
  Url target;
  // The routes its requests ask for, with their weights (none: no route).
  std::vector<std::pair<std::string, double>> mix;
  // From::port_forward: `kubectl port-forward <kind>/<name> <local>:<remote>` in a namespace.
  std::string forward_kind = "pod";  // pod | svc
  std::string forward_name;
  std::uint16_t forward_port = 0;
  bool open_loop = true;
  engine::Distribution interarrival = engine::Distribution::exponential(0.01);
  double rate_per_s = 100;
  int users = 1;
  engine::Distribution think_time = engine::Distribution::constant(0.0);
  // The load generator (`client:`, app::program_profiles()) and its costs,
  // defaults from the program; keep_alive too unless the entry says.
  std::string program = "fortio";
  engine::Time cpu_per_request = engine::Time::ns(1500);
  int threads = 4;
  bool keep_alive = true;
  KeepAliveLimits keep_alive_limits;
  bool grpc = false;  // as CallSpec
  bool round_robin = false;
  int pool_size = 0;
  int pipeline = 1;
  int retries = 0;
  engine::Time timeout;  // per attempt; 0: none
  bool reply = false;    // as CallSpec
  engine::Bytes request_bytes = engine::Bytes(200);
  engine::Time start = engine::Time::zero();
  std::optional<engine::Time> stop;
  kube::SourceLocation source;
};

struct ClusterScenario {
  std::string file;
  std::string resolved_text;
  Diagnostics diagnostics;                 // warnings and notices found while loading
  std::set<std::string> overridden_paths;  // the --set paths, for the model's diagnostics
  RunSettings run;
  ClusterSpec cluster;
  std::vector<std::string> manifest_paths;  // as resolved against the scenario's folder
  kube::ObjectSet objects;
  std::vector<AppSpec> apps;
  std::vector<TrafficSpec> traffic;
  churn::ChurnSpec churn;  // section `churn:`
  // outputs: where the trace goes by default (podwire run -o overrides it;
  // relative to the working folder) and whether it holds a row per request.
  std::string trace_path;
  bool trace_requests = true;
  bool trace_connections = false;  // a row per TCP connection in /connections
  std::uint64_t trace_packets_every = 0;
  bool trace_programming_records =
      false;  // /programming/records: every (node, change)  // /packets: follow every Nth packet
              // entering a node; 0: none
  engine::Time sample_interval = engine::Time::ms(100);  // per-node time series; 0: none
  // Wall time between two flushes of the trace during a run, each at a slice
  // boundary with every table written up to the same simulated time, so that a
  // killed run leaves a file readable up to its last flush; 0: only at the end.
  engine::Time flush_interval = engine::Time::s(2);
};

// True when the document has a `cluster:` section (a cluster scenario rather
// than a queueing one).
bool is_cluster_scenario_text(const std::string& text);

// Parses the scenario and loads its manifests. Throws ScenarioError with every
// error found in the scenario and in the manifests; warnings are kept.
// `schema`, when given, checks the manifests against the Kubernetes API schema
// (warnings, or errors when it is strict); when it is strict, a field the
// scenario format does not have is an error too.
ClusterScenario parse_cluster_scenario(const std::string& text, const std::string& file,
                                       const std::vector<std::string>& overrides = {},
                                       const kube::SchemaCheck* schema = nullptr);
ClusterScenario load_cluster_scenario(const std::string& path,
                                      const std::vector<std::string>& overrides = {},
                                      const kube::SchemaCheck* schema = nullptr);

}  // namespace podwire::scenario
