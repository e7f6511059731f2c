// ClusterModel: a cluster scenario built into a running model: the fabric,
// each node's cores and kernel datapath, a network namespace and TCP stack
// per pod, the Services programmed into every node's proxy, the cloud load
// balancer, CoreDNS and each client pod's resolver, the applications and the
// traffic. Running it collects per-traffic and per-Service figures; every
// request is announced on requests().finished for trace writers.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/latency_histogram.hpp"
#include "engine/run_progress.hpp"
#include "engine/running_stats.hpp"
#include "engine/simulator.hpp"
#include "models/app/dns.hpp"
#include "models/app/http_client.hpp"
#include "models/app/http_server.hpp"
#include "models/app/ingress_controller.hpp"
#include "models/app/multiplexed_channel.hpp"
#include "models/app/program.hpp"
#include "models/app/udp_upstream.hpp"
#include "models/builder/cluster_fabric.hpp"
#include "models/builder/cluster_sampler.hpp"
#include "models/builder/figures.hpp"
#include "models/builder/run_estimate.hpp"
#include "models/churn/churn_driver.hpp"
#include "models/churn/endpoint_propagation.hpp"
#include "models/churn/lifecycle.hpp"
#include "models/kube/cluster.hpp"
#include "models/kube/tcp_relay.hpp"
#include "models/net/network.hpp"
#include "models/node/node.hpp"
#include "models/proxy/load_balancer.hpp"
#include "models/proxy/proxy_sync.hpp"
#include "models/proxy/service_proxy.hpp"
#include "models/scenario/cluster_scenario.hpp"

namespace podwire::kube {
class NetworkPolicyEngine;
}

namespace podwire::builder {

using scenario::AppSpec;
using scenario::CallSpec;
using scenario::ClusterScenario;
using scenario::Diagnostic;
using scenario::Diagnostics;
using scenario::ProxySpec;
using scenario::ScenarioError;
using scenario::Severity;
using scenario::TrafficSpec;
using scenario::Url;

class ClusterModel final : public churn::PodRuntime {
 public:
  // Builds everything; ScenarioError listing every problem found while
  // building (unschedulable pods, unknown workloads, calls to Services that
  // do not exist, ports nobody serves).
  explicit ClusterModel(const ClusterScenario& scenario);
  // What to build beside the cluster itself (explain builds neither).
  struct Parts {
    bool traffic = true;
    bool churn = true;
  };
  ClusterModel(const ClusterScenario& scenario, Parts parts);
  ~ClusterModel() override;
  ClusterModel(const ClusterModel&) = delete;
  ClusterModel& operator=(const ClusterModel&) = delete;

  // Runs to the scenario's duration (polling stop_flag between slices) and
  // returns the figures. `progress`, when given, is updated after each slice
  // (for a progress bar on another thread); `between_slices`, when given, is
  // called after each slice, when every event up to now has run (the trace
  // flushes there). Traces connect from outside (trace_hookup.hpp).
  ClusterRunResult run(const std::atomic<bool>* stop_flag = nullptr,
                       engine::RunProgress* progress = nullptr,
                       const std::function<void()>* between_slices = nullptr);

  const ClusterScenario& scenario() const { return scenario_; }
  engine::Simulator& simulator() { return sim_; }
  net::PacketPool& pool() { return pool_; }
  net::Network& network() { return net_; }
  const net::Network& network() const { return net_; }
  ClusterSampler& sampler() { return sampler_; }
  app::RequestTable& requests() { return requests_; }
  const kube::Cluster& cluster() const { return *cluster_; }
  const ClusterFabric& fabric() const { return fabric_; }
  const std::vector<std::string>& target_names() const { return target_names_; }
  const std::vector<std::string>& traffic_names() const { return traffic_names_; }
  // Endpoint id -> "namespace/pod" or a host's name; "" when unknown.
  std::string endpoint_name(std::uint32_t id) const;
  std::size_t pod_count() const { return pod_netns_.size(); }
  // The endpoint id a pod's sockets have: kPodIdBase + pod, or its node's
  // host's for a hostNetwork pod (requests it sends name the node as client).
  std::uint32_t pod_endpoint_id(int pod) const;
  // The churn driving the run; null when the scenario has none.
  churn::Lifecycle* lifecycle() { return lifecycle_.get(); }
  std::size_t node_count() const { return nodes_.size(); }
  node::Node& node_at(std::size_t i) { return nodes_[i]; }
  node::KernelDatapath& datapath(std::size_t i) { return nodes_[i].datapath(); }
  proxy::ServiceProxy& service_proxy(std::size_t i) { return *proxies_[i]; }
  proxy::ProxySync& proxy_sync(std::size_t node) { return syncs_[node]; }
  const std::vector<std::string>& notices() const { return notices_; }
  // True when the scenario puts `name` in the public DNS (a load balancer's
  // name, a node's): the upstream resolver answers it with that address.
  bool published(const std::string& name) const { return published_.contains(name); }
  // The address the public DNS answers `name` with; nullopt when it knows none.
  std::optional<net::Address> public_address(const std::string& name) const {
    return public_dns_.lookup(name);
  }
  // What the run will take, before it runs (run_estimate.hpp).
  RunEstimate estimate_run() const;
  const proxy::ServiceTable& services() const { return table_; }
  // The cloud load balancer in front of the LoadBalancer Services.
  const proxy::LoadBalancer& load_balancer() const { return *load_balancer_; }
  // One request from a pod to host:port (resolved with the pod's resolver),
  // sent at `at`; its record is announced on requests().finished like any.
  // With `udp`, one fire-and-forget datagram (its fate on
  // requests().datagram). Returns the local port of the datagram's socket
  // (0 for TCP: a connection's port is chosen at connect()).
  // `lookup`: the library the probe resolves with.
  std::uint16_t add_probe(int pod, const std::string& host, std::uint16_t port, engine::Time at,
                          bool udp = false, app::NameLookup lookup = app::NameLookup::glibc);
  // The same from the machine outside the cluster, which resolves with the
  // public DNS.
  std::uint16_t add_outside_probe(const std::string& host, std::uint16_t port, engine::Time at,
                                  bool udp = false);
  // What a client outside the cluster reaches by a published name at port
  // `port`: the Service a load balancer's name or a node's nodePort fronts
  // (-1 when none), whether the name is a node's, and why it reaches
  // nothing ("" when it does), in the words traffic validation uses.
  struct OutsideTarget {
    int service = -1;
    bool node = false;
    std::string problem;
  };
  OutsideTarget outside_target(const std::string& host, std::uint16_t port, bool udp) const;

  // The pod's resolv.conf as kubelet writes it, and the address its first
  // nameserver has in the cluster (0: a resolver outside it, the node's).
  kube::PodResolvConf resolv_conf_of_pod(int pod) const;
  net::Address nameserver_in_cluster(const kube::PodResolvConf& conf) const;

  static constexpr std::uint32_t kPodIdBase = 100000;

  // Each (node, endpoint change) this run's proxies program, with its network
  // programming latency, as it lands. The model keeps only histograms of
  // them (overall, per node, per change: O(nodes + changes), not their
  // product); a trace that wants every one streams them from here.
  struct ProgrammingSample {
    std::uint32_t node;
    std::uint32_t change;
    float latency_s;
  };
  engine::Signal<const ProgrammingSample&> programmed;
  bool has_churn() const { return result_.churn.present; }
  // (endpoint id, name) of every host and of every pod that is up.
  std::vector<std::pair<std::uint32_t, std::string>> endpoint_names() const;

  // Every TCP connection of a pod or host, when it ends: (endpoint id, connection).
  engine::Signal<std::uint32_t, const net::TcpConnection&> connection_ended;
  // Every DNS lookup any pod's resolver made.
  engine::Signal<const app::DnsLookupRecord&> dns_looked_up;

 private:
  struct Target {
    std::string host;
    std::uint16_t port = 0;
    int service = -1;  // cluster Service index when the host names one
  };

  void build_nodes();
  void build_pods();
  void build_services();
  void build_dns();
  void start_coredns(int pod);  // a CoreDNS server in the pod's namespace
  void build_apps(Diagnostics& diags);
  // Apps that a `protocol: grpc` traffic entry or call reaches (gRPC servers).
  std::vector<bool> grpc_servers() const;
  // Apps that a udp:// traffic entry or call reaches (they bind UDP ports).
  std::vector<bool> udp_servers() const;
  void build_ingress(std::size_t app, const std::vector<int>& pods, Diagnostics& diags);
  void build_traffic(Diagnostics& diags);
  // Why a traffic entry's route mix cannot be served behind the Service ("" when it can).
  std::string mix_problem(const TrafficSpec& t, int service) const;
  // Why `pod` cannot reach Service `service` by the name `host`, or "": its
  // resolv.conf is its node's (no cluster names), or the first name it asks
  // for is outside the cluster domain (a low ndots), which the resolver out
  // there answers instead of the Service.
  std::string resolution_warning(int pod, const std::string& host, int service) const;
  // "" unless every endpoint of Service `service` is a pod that runs no app:
  // then nothing answers its requests, which stay unfinished.
  std::string unserved_warning(int service) const;
  // "" unless what `pod`'s resolver first gets an answer for by the name
  // `host` (or Service `service`'s ExternalName) is outside the cluster
  // domain: CoreDNS forwards it upstream, and no machine out there runs.
  std::string outside_warning(int pod, const std::string& host, int service) const;
  void build_churn(Diagnostics& diags);
  void build_proxy_syncs();
  void bring_up_pod(int pod);
  void start_servers(std::size_t app, int pod);
  // The ports an app's pods serve: its `port`, the pods' TCP container ports,
  // or the one numeric targetPort of the Services selecting them; none (and
  // an error) when that is not one port.
  // With `quiet`, finding none is no error (the app serves UDP).
  std::vector<int> served_ports(std::size_t app, int pod, const std::string& path,
                                Diagnostics& diags, bool quiet = false) const;
  // The UDP ports an app's pods take datagrams on: its `port`, the pods' UDP
  // container ports, or the numeric targetPorts of the Services' UDP ports.
  std::vector<int> served_udp_ports(std::size_t app, int pod, const std::string& path,
                                    Diagnostics& diags) const;
  // The server apps whose pods a Service selects (none for -1).
  std::vector<std::size_t> apps_serving(int service) const;
  // A client's way to host:port from a pod's (or host's) stack: an HTTP/1.1
  // pool (pipelined or not), a gRPC channel, or a UDP socket.
  struct UpstreamChoice {
    bool grpc = false;
    bool round_robin = false;
    bool keep_alive = true;
    int pool_size = 0;
    int retries = 0;
    engine::Time timeout;
    scenario::KeepAliveLimits limits;
    int pipeline = 1;
    bool udp = false;
    bool reply = false;
    bool resolve_once = false;  // the client program's (app::ProgramProfile::resolves_once)
  };
  template <class Spec>
  static UpstreamChoice choice_of(const Spec& s) {
    UpstreamChoice c{s.grpc,    s.round_robin, s.keep_alive,       s.pool_size,
                     s.retries, s.timeout,     s.keep_alive_limits};
    c.pipeline = s.pipeline;
    c.udp = s.target.udp;
    c.reply = s.reply;
    return c;
  }
  app::Upstream& make_upstream(net::TcpStack& stack, app::NameResolver& resolver,
                               const std::string& host, std::uint16_t port,
                               const UpstreamChoice& choice, app::Upstream::Done done,
                               void* context);
  // One client of one request (add_probe, add_outside_probe).
  std::uint16_t add_probe_client(net::TcpStack& stack, app::NameResolver& resolver,
                                 const std::string& host, std::uint16_t port, engine::Time at,
                                 bool udp, int service);
  // The server apps behind a Service that were built (their calls check out).
  std::vector<std::size_t> served_by(int service) const;
  std::size_t pods_serving(std::size_t app) const;  // the app's pods, running or not
  // The id of a route name (RequestRecord::route), made on first use; 0 for "".
  std::uint32_t route_id(const std::string& name);
  // The app's handler of a route: 1 + its index in `routes`, 0 (the
  // top-level handler) when it lists none of that name.
  std::size_t handler_of(std::size_t app, const std::string& route) const;
  // Why a request for `route` cannot be served by every app behind a Service
  // ("" when it can, or names no route).
  std::string route_problem(int service, const std::string& route) const;
  // An error naming the path of a call cycle that nothing bounds.
  void check_call_cycles(Diagnostics& diags) const;
  // churn::PodRuntime
  void start(int pod) override;
  void terminate(int pod) override;
  void kill(int pod) override;
  void remove(int pod) override;
  void fail_node(int node) override;
  static void on_drained(void* drain);
  bool running(int pod) const;  // its namespace is up
  static void deliver(void* model, std::uint32_t node, std::uint32_t frontend,
                      const churn::BackendList& backends, const churn::EndpointChange& change);
  void collect_churn();
  void describe_targets();
  void estimate();
  net::TcpStack& stack_of_pod(int pod);
  net::TcpStack& stack_of_host(net::Host& host);
  void watch_connections(net::TcpStack& stack);
  struct StackWatch {
    ClusterModel* model;
    std::uint32_t endpoint;
  };
  std::deque<StackWatch> stack_watches_;
  // The pod's resolver of that kind (made at first use): the library a
  // program's name lookups go through.
  app::NameResolver& resolver_of_pod(int pod, app::NameLookup kind = app::NameLookup::glibc);
  // The Service a URL host names from a pod of `ns`: "web", "web.ns",
  // "web.ns.svc", "web.ns.svc.<domain>"; -1 when none.
  int service_named(const std::string& host, const std::string& ns) const;
  std::uint32_t target_index(const std::string& host, std::uint16_t port, int service);
  // Why a URL's port reaches nothing on `service` ("Service ns/web has no port
  // 8080 (its ports: 80)"), or "" when it does (or the Service takes any port).
  // A udp:// URL's port must be one of the Service's UDP ports.
  std::string port_problem(int service, std::uint16_t port, bool udp = false) const;
  // Puts a name in the public DNS, remembering what it reaches: a Service's
  // load balancer (its index) or a node (-1).
  void publish(const std::string& name, net::Address address, int service);
  node::NodeCpu* cpu_of_pod(int pod);
  const node::HostStackCosts* host_costs_of_pod(int pod) const;  // its node's; null when unplaced
  static void on_request_finished(void* ctx, const app::RequestRecord& r);
  static void on_datagram(void* ctx, const app::RequestRecord& r, app::RequestTable::Datagram what);

  const ClusterScenario& scenario_;
  engine::Simulator sim_;
  net::PacketPool pool_;
  net::Network net_{sim_, pool_};
  engine::RandomRoot random_;
  ClusterFabric fabric_;
  std::unique_ptr<kube::Cluster> cluster_;
  std::unique_ptr<kube::NetworkPolicyEngine> policy_;
  proxy::ServiceTable table_;
  node::PodDirectory directory_;
  std::deque<node::Node> nodes_;
  std::vector<std::unique_ptr<proxy::ServiceProxy>> proxies_;  // by node
  ClusterSampler sampler_;
  std::unique_ptr<proxy::LoadBalancer> load_balancer_;
  std::vector<std::unique_ptr<node::PodNetns>> pod_netns_;  // by pod index (null when not running)
  // By pod index: where its sockets live, its PodNetns or, for a hostNetwork
  // pod, its node's Host; null when not running.
  std::vector<net::Endpoint*> pod_endpoints_;
  std::vector<std::unique_ptr<net::TcpStack>> pod_stacks_;
  // By pod index, then app::NameLookup.
  std::vector<std::array<std::unique_ptr<app::DnsStubResolver>, app::kNameLookups>> pod_resolvers_;
  std::deque<net::TcpStack> host_stacks_;
  std::vector<std::pair<net::Host*, net::TcpStack*>> host_stack_index_;
  app::StaticResolver public_dns_{sim_};
  std::unordered_map<std::string, int> published_;  // public name -> Service index, -1 a node
  app::DnsWire dns_wire_;
  std::deque<app::CoreDns> coredns_;
  app::RequestTable requests_;
  std::deque<app::HttpServer> servers_;
  std::deque<app::IngressController> ingresses_;
  std::deque<app::UpstreamPool> pools_;
  std::deque<app::MultiplexedChannel> channels_;
  std::deque<app::UdpUpstream> udp_upstreams_;
  std::deque<app::HttpClient> clients_;
  std::deque<app::ProgramCpu> client_programs_;  // each client pod's load generator threads
  std::deque<kube::TcpRelay> relays_;
  std::vector<Target> targets_;
  std::vector<bool> grpc_apps_;               // by app: a gRPC server
  std::vector<bool> udp_apps_;                // by app: sent datagrams
  std::vector<std::string> route_names_{""};  // by route id
  std::unordered_map<std::string, std::uint32_t> route_index_;
  std::vector<std::string> target_names_;
  std::vector<std::string> traffic_names_;
  std::vector<std::string> notices_;
  ClusterRunResult result_;

  // Churn.
  struct HandlerPlan {
    std::vector<std::vector<std::uint32_t>> call_targets;  // by call group, by call
  };
  struct AppPlan {
    bool ok = false;
    std::vector<HandlerPlan> handlers;  // the app's top-level handler, then its routes'
    std::vector<int> ports;             // the container ports that serve
    std::vector<int> udp_ports;         // and those that take datagrams
  };
  std::vector<AppPlan> app_plans_;
  std::vector<int> app_of_owner_;  // server app of each cluster owner, -1
  std::vector<bool> dns_owner_;    // owners whose pods run CoreDNS
  std::vector<std::vector<app::HttpServer*>> pod_servers_;
  struct Drain {
    ClusterModel* model;
    int pod;
    int left;
  };
  std::deque<Drain> drains_;
  std::unique_ptr<churn::ChurnDriver> churn_driver_;
  std::unique_ptr<churn::Lifecycle> lifecycle_;
  std::unique_ptr<churn::EndpointPropagation> propagation_;
  proxy::EndpointDiffs endpoint_diffs_;
  std::deque<proxy::ProxySync> syncs_;
  struct SyncRecorder {
    ClusterModel* model;
    std::uint32_t node;
  };
  std::deque<SyncRecorder> sync_recorders_;
  void record_programming(std::uint32_t node, const proxy::ProgrammingRecord& r);
  // The programming latencies, in picoseconds.
  engine::LatencyHistogram programming_all_;
  std::vector<engine::CompactLatencyHistogram> programming_by_node_;
  std::vector<engine::CompactLatencyHistogram> programming_by_change_;  // by change id
  struct ServiceFrontendRef {
    int service;
    std::size_t port_index;
    std::uint32_t frontend;
  };
  std::vector<ServiceFrontendRef> service_frontends_;
  // An ingress controller's backend and the endpoint pools it balances over.
  struct IngressWatch {
    app::IngressController* controller = nullptr;
    std::size_t backend = 0;
    std::uint32_t frontend = UINT32_MAX;
    int pod = -1;
    churn::BackendList seen;  // the list last applied (held, so its address is not reused)
    std::unordered_map<std::uint64_t, app::UpstreamPool*> pools;  // by (address, port)
  };
  std::vector<IngressWatch> ingress_watches_;
  app::UpstreamPool& ingress_pool(IngressWatch& w, net::Address address, std::uint16_t port);
  std::unordered_set<net::Address> routed_pod_addresses_;
};

}  // namespace podwire::builder
