#include "models/build/cluster_model.hpp"

#include "models/proxy/proxy_factory.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "models/kube/network_policy_engine.hpp"
#include "models/build/cluster_estimate.hpp"
#include "models/trace/cluster_trace.hpp"

namespace podwire::build {

using engine::Time;

namespace {

Diagnostic located(Severity severity, const kube::SourceLocation& at, std::string path, std::string message) {
  return Diagnostic{severity, at.file, at.line, at.column, std::move(path), std::move(message)};
}

Severity severity_of(kube::Problem::Severity s) {
  switch (s) {
    case kube::Problem::Severity::error: return Severity::error;
    case kube::Problem::Severity::warning: return Severity::warning;
    case kube::Problem::Severity::notice: return Severity::notice;
  }
  return Severity::error;
}

net::Protocol net_protocol(kube::Protocol p) { return p == kube::Protocol::udp ? net::Protocol::udp : net::Protocol::tcp; }

}  // namespace

ClusterModel::ClusterModel(const ClusterScenario& s) : ClusterModel(s, Parts{}) {}

ClusterModel::ClusterModel(const ClusterScenario& s, Parts parts)
    : scenario_(s), random_(s.run.seed), churn_random_(random_.stream("churn/processes")) {
  Diagnostics diags;
  try {
    fabric_ = build_cluster_fabric(net_, s.cluster);
  } catch (const std::invalid_argument& e) {
    diags.add(Diagnostic{Severity::error, s.file, 0, 0, "cluster", e.what()});
    throw ScenarioError(std::move(diags));
  }
  kube::ClusterConfig cc;
  for (const FabricNode& n : fabric_.nodes) {
    const NodeGroupSpec& g = s.cluster.nodes[n.group];
    cc.nodes.push_back(kube::NodeConfig{n.name, g.cpus * 1000LL, g.memory_bytes, g.max_pods, g.labels});
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
  std::vector<kube::Problem> problems;
  try {
    cluster_ = std::make_unique<kube::Cluster>(cc, s.objects, problems);
  } catch (const std::invalid_argument& e) {
    diags.add(Diagnostic{Severity::error, s.file, 0, 0, "cluster", e.what()});
    throw ScenarioError(std::move(diags));
  }
  for (const kube::Problem& p : problems) diags.add(located(severity_of(p.severity), p.source, p.field, p.message));

  if (!s.objects.network_policies.empty()) {
    try {
      policy_ = std::make_unique<kube::NetworkPolicyEngine>(s.objects.network_policies, s.objects.namespaces);
    } catch (const std::invalid_argument& e) {
      diags.add(Diagnostic{Severity::error, s.file, 0, 0, "manifests", e.what()});
    }
  }
  build_nodes();
  build_pods();
  build_services();
  build_dns();
  build_apps(diags);
  if (parts.traffic) build_traffic(diags);
  if (parts.churn) build_churn(diags);
  describe_targets();
  if (!diags.has_errors()) estimate();
  if (diags.has_errors()) throw ScenarioError(std::move(diags));
  for (const Diagnostic& d : diags.sorted()) notices_.push_back(d.to_string());
  requests_.finished.connect(&ClusterModel::on_request_finished, this);
}

ClusterModel::~ClusterModel() = default;

void ClusterModel::build_nodes() {
  node::DatapathConfig dc;
  dc.cni = scenario_.cluster.cni;
  dc.cni_costs = scenario_.cluster.cni_costs;
  dc.costs = scenario_.cluster.datapath;
  dc.networks = node::ClusterNetworks{scenario_.cluster.pod_cidr, scenario_.cluster.service_cidr,
                                      scenario_.cluster.node_network};
  for (const FabricNode& n : fabric_.nodes) {
    const NodeGroupSpec& g = scenario_.cluster.nodes[n.group];
    dc.conntrack_max = scenario_.cluster.conntrack_max != 0 ? scenario_.cluster.conntrack_max
                                                              : node::Conntrack::kube_proxy_max(g.cpus);
    node::Node& nd = nodes_.emplace_back(sim_, *n.host, directory_, g.cpus, dc);
    if (policy_) nd.datapath().set_policy(policy_.get());
    proxies_.push_back(proxy::make_service_proxy(nd.datapath(), table_, scenario_.cluster.proxy.config,
                                                 random_.stream("proxy/" + n.name)));
  }
}

void ClusterModel::build_pods() {
  std::vector<const net::Host*> block_hosts;
  for (const FabricNode& n : fabric_.nodes) block_hosts.push_back(n.host);
  directory_.set_node_blocks(scenario_.cluster.pod_cidr, scenario_.cluster.node_cidr_mask, std::move(block_hosts));
  const auto& pods = cluster_->pods();
  pod_netns_.resize(pods.size());
  pod_stacks_.resize(pods.size());
  pod_resolvers_.resize(pods.size());
  pod_servers_.resize(pods.size());
  for (std::size_t i = 0; i < pods.size(); ++i) {
    const kube::PodState& p = pods[i];
    if (p.node < 0 || p.ip == 0) continue;
    bring_up_pod(static_cast<int>(i));
  }
}

void ClusterModel::bring_up_pod(int pod) {
  const auto i = static_cast<std::size_t>(pod);
  if (pod_netns_.size() <= i) {
    pod_netns_.resize(i + 1);
    pod_stacks_.resize(i + 1);
    pod_resolvers_.resize(i + 1);
    pod_servers_.resize(i + 1);
  }
  const kube::PodState& p = cluster_->pods()[i];
  net::Host& host = *fabric_.nodes[static_cast<std::size_t>(p.node)].host;
  pod_netns_[i] = std::make_unique<node::PodNetns>(host, nodes_[static_cast<std::size_t>(p.node)].datapath().veth(),
                                                   p.namespace_ + "/" + p.name, kPodIdBase + static_cast<std::uint32_t>(i),
                                                   p.ip);
  directory_.add(*pod_netns_[i]);
  // Native routing: the fabric routes the address to its node for good (a
  // deleted pod's address stays its node's; the node answers for it).
  if (nodes_.front().datapath().cni().routes_pod_addresses() && routed_pod_addresses_.insert(p.ip).second) {
    net_.add_address(p.ip, host.node());
  }
  if (policy_) policy_->add_pod(p.ip, p.namespace_, *p.labels, p.spec, host.address());
}

void ClusterModel::build_services() {
  std::vector<std::uint32_t> node_hosts;
  for (const FabricNode& n : fabric_.nodes) node_hosts.push_back(n.host->node());
  // Where the scenario's own Services sit in the proxy's rule order, beside
  // the filler Services that load the tables.
  const ProxySpec& px = scenario_.cluster.proxy;
  const auto fillers = static_cast<std::uint32_t>(px.filler_services);
  std::uint32_t position = px.measured_position == ProxySpec::Position::last ? fillers : 0;
  engine::RandomStream positions = random_.stream("proxy/positions");
  const auto& services = cluster_->services();
  for (std::size_t si = 0; si < services.size(); ++si) {
    const kube::ServiceState& st = services[si];
    const kube::Service& svc = *st.service;
    if (svc.type == kube::ServiceType::external_name || st.cluster_ip == 0) continue;
    for (std::size_t pi = 0; pi < st.ports.size(); ++pi) {
      const kube::ServicePortState& ps = st.ports[pi];
      if (ps.port->protocol == kube::Protocol::sctp) continue;
      proxy::ServiceFrontend f;
      f.name = st.key + ":" + std::to_string(ps.port->port);
      f.service = static_cast<std::uint32_t>(si);
      f.port_index = static_cast<std::uint32_t>(pi);
      f.protocol = net_protocol(ps.port->protocol);
      f.port = static_cast<std::uint16_t>(ps.port->port);
      f.session_affinity = svc.session_affinity == kube::SessionAffinity::client_ip;
      f.affinity_timeout = Time::s(svc.session_affinity_timeout_seconds);
      f.external_local = svc.external_traffic_policy == kube::TrafficPolicy::local;
      f.internal_local = svc.internal_traffic_policy == kube::TrafficPolicy::local;
      // random: anywhere among the fillers (uniformly, as the order of a
      // cluster's Services is arbitrary).
      f.position = px.measured_position == ProxySpec::Position::random
                       ? static_cast<std::uint32_t>(positions.uniform_int(fillers + 1))
                       : position;
      ++position;
      for (const kube::EndpointState& e : ps.endpoints) {
        const std::uint32_t node = e.node >= 0 ? fabric_.nodes[static_cast<std::size_t>(e.node)].host->node()
                                               : net::AddressBook::kNone;
        const std::uint32_t id = e.pod >= 0 ? kPodIdBase + static_cast<std::uint32_t>(e.pod) : 0;
        f.backends.push_back(proxy::Backend{e.ip, e.port, node, id, e.ready, true, false});
      }
      const std::uint32_t index = table_.add(std::move(f));
      service_frontends_.push_back(ServiceFrontendRef{static_cast<int>(si), pi, index});
      table_.expose(index, proxy::FrontendKind::cluster_ip, st.cluster_ip, static_cast<std::uint16_t>(ps.port->port));
      if (ps.node_port != 0) table_.expose_node_port(index, ps.node_port);
      for (net::Address lb : st.load_balancer_ips) {
        table_.expose(index, proxy::FrontendKind::load_balancer, lb, static_cast<std::uint16_t>(ps.port->port));
      }
      for (const std::string& ext : svc.external_ips) {
        if (const auto a = app::address_literal(ext)) {
          table_.expose(index, proxy::FrontendKind::external_ip, *a, static_cast<std::uint16_t>(ps.port->port));
        }
      }
    }
    for (net::Address lb : st.load_balancer_ips) {
      net_.add_address(lb, fabric_.load_balancer->node());
      // external-dns publishes a LoadBalancer under the name it is annotated with.
      const auto it = svc.meta.annotations.find("external-dns.alpha.kubernetes.io/hostname");
      if (it != svc.meta.annotations.end()) public_dns_.add(it->second, lb);
      public_dns_.add(svc.meta.name + "." + svc.meta.namespace_ + ".lb", lb);
    }
  }
  // Filler Services: addresses from 100.64.0.0/10 (never routed here), endpoints
  // nobody dials; they only load the proxy's tables.
  const std::uint32_t real = position - (px.measured_position == ProxySpec::Position::last ? fillers : 0);
  for (std::uint32_t i = 0; i < fillers; ++i) {
    proxy::ServiceFrontend f;
    f.name = "filler/svc-" + std::to_string(i) + ":80";
    f.service = static_cast<std::uint32_t>(-1);
    f.port = 80;
    f.position = px.measured_position == ProxySpec::Position::last ? i
                 : px.measured_position == ProxySpec::Position::first ? real + i
                                                                      : i;
    const net::Address vip = net::parse_address("100.64.0.0") + i;
    for (int e = 0; e < px.endpoints_per_service; ++e) {
      f.backends.push_back(proxy::Backend{net::parse_address("100.96.0.0") + i * 64 + static_cast<net::Address>(e), 8080,
                                          net::AddressBook::kNone, 0, true, true, false});
    }
    table_.expose(table_.add(std::move(f)), proxy::FrontendKind::cluster_ip, vip, 80);
  }
  load_balancer_ = std::make_unique<proxy::LoadBalancer>(*fabric_.load_balancer, table_, node_hosts);
  for (const FabricNode& n : fabric_.nodes) public_dns_.add(n.name, n.host->address());
}

void ClusterModel::build_dns() {
  const auto dns = cluster_->service_index("kube-system", "kube-dns");
  if (!dns) return;
  std::vector<int> served;
  for (const kube::ServicePortState& ps : cluster_->services()[static_cast<std::size_t>(*dns)].ports) {
    if (ps.port->protocol != kube::Protocol::udp) continue;
    for (const kube::EndpointState& e : ps.endpoints) {
      if (e.pod < 0 || !pod_netns_[static_cast<std::size_t>(e.pod)] ||
          std::find(served.begin(), served.end(), e.pod) != served.end()) {
        continue;
      }
      served.push_back(e.pod);
      dns_owner_.resize(cluster_->owners().size(), false);
      dns_owner_[cluster_->pods()[static_cast<std::size_t>(e.pod)].owner] = true;
      start_coredns(e.pod);
    }
  }
}

node::NodeCpu* ClusterModel::cpu_of_pod(int pod) {
  const int node = cluster_->pods()[static_cast<std::size_t>(pod)].node;
  return node < 0 ? nullptr : &nodes_[static_cast<std::size_t>(node)].cpu();
}

net::TcpStack& ClusterModel::stack_of_pod(int pod) {
  auto& s = pod_stacks_[static_cast<std::size_t>(pod)];
  if (!s) {
    s = std::make_unique<net::TcpStack>(*pod_netns_[static_cast<std::size_t>(pod)]);
    watch_connections(*s);
  }
  return *s;
}

net::TcpStack& ClusterModel::stack_of_host(net::Host& host) {
  for (auto& [h, s] : host_stack_index_) {
    if (h == &host) return *s;
  }
  host_stacks_.emplace_back(host);
  host_stack_index_.emplace_back(&host, &host_stacks_.back());
  watch_connections(host_stacks_.back());
  return host_stacks_.back();
}

void ClusterModel::watch_connections(net::TcpStack& stack) {
  stack_watches_.push_back(StackWatch{this, stack.endpoint().id()});
  stack.connection_ended.connect(
      [](void* ctx, const net::TcpConnection& c) {
        auto& w = *static_cast<StackWatch*>(ctx);
        w.model->connection_ended.emit(w.endpoint, c);
      },
      &stack_watches_.back());
}

app::NameResolver& ClusterModel::resolver_of_pod(int pod) {
  auto& r = pod_resolvers_[static_cast<std::size_t>(pod)];
  if (!r) {
    const kube::PodState& p = cluster_->pods()[static_cast<std::size_t>(pod)];
    app::StubResolverConfig cfg;
    cfg.resolv = kube::ResolverConfig::cluster_first(p.namespace_, scenario_.cluster.dns.domain);
    cfg.resolv.ndots = scenario_.cluster.dns.ndots;
    cfg.nameserver = cluster_->dns_service_ip();
    cfg.cache = scenario_.cluster.dns.client_cache;
    r = std::make_unique<app::DnsStubResolver>(*pod_netns_[static_cast<std::size_t>(pod)], dns_wire_, cfg);
    r->looked_up.connect(
        [](void* model, const app::DnsLookupRecord& rec) { static_cast<ClusterModel*>(model)->dns_looked_up.emit(rec); },
        this);
  }
  return *r;
}

int ClusterModel::service_named(const std::string& host, const std::string& ns) const {
  std::string name = host;
  if (!name.empty() && name.back() == '.') name.pop_back();
  const std::string suffix = ".svc." + scenario_.cluster.dns.domain;
  if (name.ends_with(suffix)) name.resize(name.size() - suffix.size());
  else if (name.ends_with(".svc")) name.resize(name.size() - 4);
  const auto dot = name.find('.');
  std::optional<int> s;
  if (dot == std::string::npos) {
    s = cluster_->service_index(ns, name);
  } else if (name.find('.', dot + 1) == std::string::npos) {
    s = cluster_->service_index(name.substr(dot + 1), name.substr(0, dot));
  }
  return s.value_or(-1);
}

std::uint32_t ClusterModel::target_index(const std::string& host, std::uint16_t port, int service) {
  for (std::uint32_t i = 0; i < targets_.size(); ++i) {
    if (targets_[i].service == service && (service >= 0 || (targets_[i].host == host && targets_[i].port == port))) {
      return i;
    }
  }
  targets_.push_back(Target{host, port, service});
  target_names_.push_back(service >= 0 ? cluster_->services()[static_cast<std::size_t>(service)].key
                                       : host + ":" + std::to_string(port));
  ServiceFigures f;
  f.name = target_names_.back();
  result_.services.push_back(std::move(f));
  return static_cast<std::uint32_t>(targets_.size() - 1);
}

void ClusterModel::build_apps(Diagnostics& diags) {
  for (std::size_t ai = 0; ai < scenario_.apps.size(); ++ai) {
    const AppSpec& a = scenario_.apps[ai];
    const std::vector<int> pods = cluster_->pods_of(a.namespace_, a.workload);
    const std::string path = "apps." + (a.namespace_ == "default" ? a.workload : a.namespace_ + "/" + a.workload);
    if (pods.empty()) {
      diags.add(located(Severity::error, a.source, path,
                        "no workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController or "
                        "Pod) named '" + a.workload + "' in namespace '" + a.namespace_ + "'"));
      continue;
    }
    if (a.role == AppSpec::Role::ingress) {
      build_ingress(ai, pods, diags);
      continue;
    }
    // Targets of the calls, checked once for the workload's namespace.
    struct CallTarget {
      int service;
      std::uint32_t target;
    };
    std::vector<std::vector<CallTarget>> call_targets;
    bool calls_ok = true;
    for (std::size_t g = 0; g < a.calls.size(); ++g) {
      call_targets.emplace_back();
      for (std::size_t c = 0; c < a.calls[g].calls.size(); ++c) {
        const CallSpec& call = a.calls[g].calls[c];
        const int service = service_named(call.target.host, a.namespace_);
        const bool dotted = call.target.host.find('.') != std::string::npos;
        if (service < 0 && !dotted && !app::address_literal(call.target.host)) {
          diags.add(located(Severity::error, call.source, path + ".calls", "calls Service '" + call.target.host +
                                                                               "', which does not exist in namespace '" +
                                                                               a.namespace_ + "'"));
          calls_ok = false;
        }
        if (service >= 0) {
          const kube::ServiceState& st = cluster_->services()[static_cast<std::size_t>(service)];
          bool has_port = st.service->type == kube::ServiceType::external_name || st.service->headless();
          for (const auto& ps : st.ports) has_port |= ps.port->port == call.target.port;
          if (!has_port) {
            diags.add(located(Severity::error, call.source, path + ".calls",
                              "Service " + st.key + " has no port " + std::to_string(call.target.port)));
            calls_ok = false;
          }
        }
        call_targets.back().push_back(CallTarget{service, target_index(call.target.host, call.target.port, service)});
      }
    }
    if (!calls_ok) continue;
    app_calls_.resize(scenario_.apps.size());
    for (std::size_t g = 0; g < a.calls.size(); ++g) {
      for (std::size_t c = 0; c < a.calls[g].calls.size(); ++c) {
        app_calls_[ai].emplace_back(call_targets[g][c].target, a.calls[g].calls[c].count);
      }
    }
    app_plans_.resize(scenario_.apps.size());
    AppPlan& plan = app_plans_[ai];
    for (const auto& group : call_targets) {
      plan.call_targets.emplace_back();
      for (const CallTarget& t : group) plan.call_targets.back().push_back(t.target);
    }
    // Every TCP container port serves unless the app names one.
    const kube::PodState& first = cluster_->pods()[static_cast<std::size_t>(pods[0])];
    bool has_port = a.port != 0;
    for (const kube::Container& c : first.spec->containers) {
      for (const kube::ContainerPort& cp : c.ports) has_port |= cp.protocol == kube::Protocol::tcp;
    }
    if (!has_port) {
      diags.add(located(Severity::error, a.source, path + ".port",
                        "the pods of " + a.workload + " declare no TCP container port; say which port serves"));
      continue;
    }
    plan.ok = true;
    if (const auto owner = cluster_->owner_index(a.namespace_, a.workload)) {
      app_of_owner_.resize(cluster_->owners().size(), -1);
      app_of_owner_[*owner] = static_cast<int>(ai);
    }
    for (int pod : pods) {
      if (pod_netns_[static_cast<std::size_t>(pod)]) start_servers(ai, pod);
    }
  }
}

void ClusterModel::start_servers(std::size_t ai, int pod) {
  const AppSpec& a = scenario_.apps[ai];
  const AppPlan& plan = app_plans_[ai];
  const kube::PodState& p = cluster_->pods()[static_cast<std::size_t>(pod)];
  std::vector<int> ports;
  if (a.port != 0) {
    ports.push_back(a.port);
  } else {
    for (const kube::Container& c : p.spec->containers) {
      for (const kube::ContainerPort& cp : c.ports) {
        if (cp.protocol == kube::Protocol::tcp &&
            std::find(ports.begin(), ports.end(), cp.container_port) == ports.end()) {
          ports.push_back(cp.container_port);
        }
      }
    }
  }
  // A restarted container gets fresh servers (and a fresh random stream name).
  const std::string incarnation = p.restarts > 0 ? "#" + std::to_string(p.restarts) : "";
  for (int port : ports) {
    app::HttpServerConfig cfg;
    cfg.port = static_cast<std::uint16_t>(port);
    cfg.concurrency = a.concurrency;
    cfg.service_time = a.service_time;
    cfg.cpu_per_request = a.cpu_per_request;
    cfg.response_bytes = static_cast<std::uint64_t>(a.response_bytes.count());
    cfg.app = static_cast<std::uint32_t>(ai);
    servers_.emplace_back(stack_of_pod(pod), cpu_of_pod(pod), requests_, cfg,
                          random_.stream("app/" + p.namespace_ + "/" + p.name + "/" + std::to_string(port) + incarnation));
    app::HttpServer& server = servers_.back();
    pod_servers_[static_cast<std::size_t>(pod)].push_back(&server);
    for (std::size_t g = 0; g < a.calls.size(); ++g) {
      app::CallGroup group;
      group.parallel = a.calls[g].parallel;
      for (std::size_t c = 0; c < a.calls[g].calls.size(); ++c) {
        const CallSpec& call = a.calls[g].calls[c];
        app::UpstreamConfig uc{call.target.host, call.target.port, call.keep_alive, 0, call.retries, call.timeout};
        pools_.emplace_back(stack_of_pod(pod), resolver_of_pod(pod), requests_, uc, &app::HttpServer::call_done,
                            &server);
        group.calls.push_back(app::Call{&pools_.back(), plan.call_targets[g][c],
                                        static_cast<std::uint64_t>(call.request_bytes.count()), call.count});
      }
      server.calls().push_back(std::move(group));
    }
  }
}

void ClusterModel::build_ingress(std::size_t ai, const std::vector<int>& pods, Diagnostics& diags) {
  const AppSpec& a = scenario_.apps[ai];
  app::IngressControllerConfig base;
  base.port = static_cast<std::uint16_t>(a.port != 0 ? a.port : 80);
  base.cpu_per_request = a.cpu_per_request;
  base.app = static_cast<std::uint32_t>(ai);
  // Each distinct backend (Service and port) once.
  struct Backend {
    int service;
    const kube::ServicePortState* port;
  };
  std::vector<Backend> backends;
  const auto backend_of = [&](const kube::Ingress& ing, const kube::IngressBackend& b) -> int {
    const auto svc = cluster_->service_index(ing.meta.namespace_, b.service_name);
    if (!svc) return -1;
    const kube::ServiceState& st = cluster_->services()[static_cast<std::size_t>(*svc)];
    for (const kube::ServicePortState& ps : st.ports) {
      const bool match = b.service_port.named() ? ps.port->name == b.service_port.name
                                                : ps.port->port == b.service_port.number;
      if (!match) continue;
      for (std::size_t i = 0; i < backends.size(); ++i) {
        if (backends[i].port == &ps) return static_cast<int>(i);
      }
      backends.push_back(Backend{*svc, &ps});
      return static_cast<int>(backends.size() - 1);
    }
    return -1;
  };
  for (const kube::Ingress& ing : scenario_.objects.ingresses) {
    if (ing.default_backend) base.default_backend = backend_of(ing, *ing.default_backend);
    for (const kube::IngressRule& rule : ing.rules) {
      for (const kube::IngressPath& path : rule.paths) {
        const int b = backend_of(ing, path.backend);
        if (b < 0) continue;  // the manifest checks warned about it
        app::IngressRoute r;
        r.host = rule.host;
        r.path = path.path.empty() ? "/" : path.path;
        // ImplementationSpecific globs ("/v2/*", GCE style) are read as prefixes.
        while (r.path.size() > 1 && (r.path.back() == '*' || r.path.back() == '/')) r.path.pop_back();
        if (r.path == "*") r.path = "/";
        r.exact = path.path_type == kube::PathType::exact;
        r.backend = static_cast<std::uint32_t>(b);
        base.routes.push_back(r);
      }
    }
  }
  if (base.routes.empty() && base.default_backend < 0) {
    diags.add(located(Severity::warning, a.source, "apps." + a.namespace_ + "/" + a.workload,
                      "an ingress controller, but no Ingress routes to a Service that exists"));
  }
  for (int pod : pods) {
    if (!pod_netns_[static_cast<std::size_t>(pod)]) continue;
    app::IngressControllerConfig cfg = base;
    for (const Backend& b : backends) {
      app::IngressBackend ib;
      ib.target = target_index(cluster_->services()[static_cast<std::size_t>(b.service)].key, b.port->port->port,
                               b.service);
      cfg.backends.push_back(std::move(ib));
    }
    ingresses_.emplace_back(stack_of_pod(pod), cpu_of_pod(pod), requests_, cfg);
    app::IngressController& ic = ingresses_.back();
    // The controller balances over the endpoints itself, on kept-alive
    // connections, and follows their changes through its own watch.
    for (std::size_t i = 0; i < backends.size(); ++i) {
      IngressWatch w;
      w.controller = &ic;
      w.backend = i;
      w.pod = pod;
      const kube::ServiceState& st = cluster_->services()[static_cast<std::size_t>(backends[i].service)];
      const std::size_t port_index = static_cast<std::size_t>(backends[i].port - st.ports.data());
      for (const ServiceFrontendRef& f : service_frontends_) {
        if (f.service == backends[i].service && f.port_index == port_index) w.frontend = f.frontend;
      }
      for (const kube::EndpointState& e : backends[i].port->endpoints) {
        if (e.ready) ic.config().backends[i].endpoints.push_back(&ingress_pool(w, e.ip, e.port));
      }
      ingress_watches_.push_back(std::move(w));
    }
  }
  // Public names: each Ingress host points at the controller's load balancer.
  for (const kube::ServiceState& st : cluster_->services()) {
    if (st.load_balancer_ips.empty() || !st.service->has_selector() || st.service->meta.namespace_ != a.namespace_) {
      continue;
    }
    const kube::PodState& first = cluster_->pods()[static_cast<std::size_t>(pods[0])];
    if (!kube::map_selector_matches(*st.service->selector, *first.labels)) continue;
    for (const kube::Ingress& ing : scenario_.objects.ingresses) {
      for (const kube::IngressRule& rule : ing.rules) {
        if (!rule.host.empty() && !rule.host.starts_with("*.")) public_dns_.add(rule.host, st.load_balancer_ips[0]);
      }
    }
  }
}

void ClusterModel::build_traffic(Diagnostics& diags) {
  for (std::size_t ti = 0; ti < scenario_.traffic.size(); ++ti) {
    const TrafficSpec& t = scenario_.traffic[ti];
    const std::string path = "traffic[" + std::to_string(ti) + "]";
    traffic_names_.push_back(t.name);
    TrafficFigures figures;
    figures.name = t.name;
    figures.target = t.from == TrafficSpec::From::port_forward
                         ? "port-forward " + t.forward_kind + "/" + t.forward_name + ":" + std::to_string(t.forward_port)
                         : t.target.text;
    figures.offered_per_s = t.open_loop ? t.rate_per_s : 0;
    result_.traffic.push_back(std::move(figures));

    app::HttpClientConfig cc;
    cc.source = static_cast<std::uint32_t>(ti);
    cc.open_loop = t.open_loop;
    cc.interarrival = t.interarrival;
    cc.users = t.users;
    cc.think_time = t.think_time;
    cc.request_bytes = static_cast<std::uint64_t>(t.request_bytes.count());
    cc.start = t.start;
    cc.stop = t.stop.value_or(Time::max());
    cc.url = requests_.intern_url(t.target.host, t.target.path);

    const auto add_client = [&](net::TcpStack& stack, app::NameResolver& resolver, const std::string& host,
                                std::uint16_t port, app::HttpClientConfig config, const std::string& who) {
      clients_.emplace_back(requests_, stack.endpoint().id(), config, sim_,
                            random_.stream("traffic/" + t.name + "/" + who));
      app::UpstreamConfig uc{host, port, t.keep_alive, 0, t.retries, t.timeout};
      pools_.emplace_back(stack, resolver, requests_, uc, &app::HttpClient::done, &clients_.back());
      clients_.back().attach(pools_.back());
    };

    if (t.from == TrafficSpec::From::port_forward) {
      // kubectl on the user's machine -> API server -> the pod's kubelet -> the pod's localhost.
      int pod = -1;
      std::uint16_t remote = t.forward_port;
      if (t.forward_kind == "pod") {
        pod = cluster_->pod_index(t.from_namespace, t.forward_name).value_or(-1);
      } else if (const auto s = cluster_->service_index(t.from_namespace, t.forward_name)) {
        // kubectl picks a pod behind the Service and forwards to its targetPort.
        for (const auto& ps : cluster_->services()[static_cast<std::size_t>(*s)].ports) {
          if (ps.port->port == t.forward_port && !ps.endpoints.empty() && ps.endpoints[0].pod >= 0) {
            pod = ps.endpoints[0].pod;
            remote = ps.endpoints[0].port;
          }
        }
      }
      if (pod < 0 || !pod_netns_[static_cast<std::size_t>(pod)]) {
        diags.add(located(Severity::error, t.source, path + ".port_forward.target",
                          "no running " + t.forward_kind + " '" + t.forward_name + "' in namespace '" +
                              t.from_namespace + "'" + (t.forward_kind == "svc" ? " with an endpoint on that port" : "")));
        continue;
      }
      const int node = cluster_->pods()[static_cast<std::size_t>(pod)].node;
      net::Host& kubelet_host = *fabric_.nodes[static_cast<std::size_t>(node)].host;
      const auto local = static_cast<std::uint16_t>(18000 + ti);
      const auto api_port = static_cast<std::uint16_t>(6443 + ti);
      const auto kubelet_port = static_cast<std::uint16_t>(10250 + ti);
      net::TcpStack& user = stack_of_host(*fabric_.outside);
      relays_.emplace_back(user, local, user, fabric_.apiserver->address(), api_port, Time::zero(), "kubectl");
      relays_.emplace_back(stack_of_host(*fabric_.apiserver), api_port, stack_of_host(*fabric_.apiserver),
                           kubelet_host.address(), kubelet_port, scenario_.cluster.apiserver_latency, "apiserver");
      relays_.emplace_back(stack_of_host(kubelet_host), kubelet_port, stack_of_pod(pod), net::kLoopbackAddress, remote,
                           scenario_.cluster.kubelet_latency, "kubelet");
      cc.target = target_index("localhost", local, -1);
      add_client(user, public_dns_, "127.0.0.1", local, cc, "outside");
      continue;
    }

    if (t.from == TrafficSpec::From::outside) {
      const int service = -1;
      cc.target = target_index(t.target.host, t.target.port, service);
      add_client(stack_of_host(*fabric_.outside), public_dns_, t.target.host, t.target.port, cc, "outside");
      continue;
    }
    const std::vector<int> pods = cluster_->pods_of(t.from_namespace, t.from_workload);
    std::vector<int> running;
    for (int p : pods) {
      if (pod_netns_[static_cast<std::size_t>(p)]) running.push_back(p);
    }
    if (running.empty()) {
      diags.add(located(Severity::error, t.source, path + ".from",
                        "no running pods of a workload '" + t.from_workload + "' in namespace '" + t.from_namespace +
                            "'"));
      continue;
    }
    const int service = service_named(t.target.host, t.from_namespace);
    if (service < 0 && t.target.host.find('.') == std::string::npos && !app::address_literal(t.target.host)) {
      diags.add(located(Severity::error, t.source, path + ".url",
                        "'" + t.target.host + "' is not a Service in namespace '" + t.from_namespace + "'"));
      continue;
    }
    cc.target = target_index(t.target.host, t.target.port, service);
    // The pods share the traffic: each sends 1/n of the rate, and the users are dealt out.
    const auto n = static_cast<int>(running.size());
    for (int k = 0; k < n; ++k) {
      app::HttpClientConfig mine = cc;
      if (t.open_loop) {
        mine.interarrival = t.interarrival.kind() == engine::Distribution::Kind::constant
                                ? engine::Distribution::constant(n / t.rate_per_s)
                                : engine::Distribution::exponential(n / t.rate_per_s);
      } else {
        mine.users = t.users / n + (k < t.users % n ? 1 : 0);
        if (mine.users == 0) continue;
      }
      const int pod = running[static_cast<std::size_t>(k)];
      add_client(stack_of_pod(pod), resolver_of_pod(pod), t.target.host, t.target.port, mine,
                 cluster_->pods()[static_cast<std::size_t>(pod)].name);
    }
  }
}

// --- churn ------------------------------------------------------------------------

namespace {

std::string_view owner_kind(const std::string& kind) {
  if (kind == "deployment") return "Deployment";
  if (kind == "statefulset") return "StatefulSet";
  if (kind == "replicaset") return "ReplicaSet";
  if (kind == "replicationcontroller") return "ReplicationController";
  if (kind == "daemonset") return "DaemonSet";
  if (kind == "pod") return "Pod";
  return "";
}

}  // namespace

void ClusterModel::add_probe(int pod, const std::string& host, std::uint16_t port, Time at) {
  app::HttpClientConfig cc;
  cc.source = static_cast<std::uint32_t>(traffic_names_.size());
  cc.open_loop = false;
  cc.users = 1;
  cc.start = at;
  cc.stop = at + Time::ps(1);
  cc.target = target_index(host, port, service_named(host, cluster_->pods()[static_cast<std::size_t>(pod)].namespace_));
  cc.url = requests_.intern_url(host, "/");
  clients_.emplace_back(requests_, stack_of_pod(pod).endpoint().id(), cc, sim_, random_.stream("probe"));
  app::UpstreamConfig uc{host, port, false, 0};
  pools_.emplace_back(stack_of_pod(pod), resolver_of_pod(pod), requests_, uc, &app::HttpClient::done, &clients_.back());
  clients_.back().attach(pools_.back());
  clients_.back().start();
}

void ClusterModel::build_churn(Diagnostics& diags) {
  const ChurnSpec& spec = scenario_.churn;
  if (!spec.present()) return;
  result_.churn.present = true;
  app_of_owner_.resize(cluster_->owners().size(), -1);
  dns_owner_.resize(cluster_->owners().size(), false);

  // What each event and process acts on, checked now.
  const auto resolve = [&](const ChurnTarget& t, ChurnActionSpec::Kind kind, const kube::SourceLocation& at,
                           const std::string& path, ResolvedAction& out) {
    out.kind = kind;
    if (t.kind == "nodes") return true;
    if (t.kind == "node") {
      const auto n = cluster_->node_index(t.name);
      if (!n) {
        diags.add(located(Severity::error, at, path, "no node named '" + t.name + "'"));
        return false;
      }
      out.node = *n;
      return true;
    }
    const std::string_view kind_name = owner_kind(t.kind);
    if (t.kind == "pod" && (kind == ChurnActionSpec::Kind::delete_pod || kind == ChurnActionSpec::Kind::crash)) {
      if (const auto pod = cluster_->pod_index(t.namespace_, t.name)) {
        out.pod = *pod;
        return true;
      }
    }
    const auto owner = cluster_->owner_index(t.namespace_, t.name, kind_name);
    if (!owner) {
      diags.add(located(Severity::error, at, path,
                        "no " + std::string(kind_name) + " named '" + t.name + "' in namespace '" + t.namespace_ + "'"));
      return false;
    }
    const std::string_view k = cluster_->owners()[*owner].kind;
    if (kind == ChurnActionSpec::Kind::rollout && k != "Deployment" && k != "StatefulSet") {
      diags.add(located(Severity::error, at, path, "only Deployments and StatefulSets roll out; " + t.text + " is a " +
                                                      std::string(k)));
      return false;
    }
    if (kind == ChurnActionSpec::Kind::scale && (k == "DaemonSet" || k == "Pod")) {
      diags.add(located(Severity::error, at, path, std::string(k) + " " + t.text + " has no replica count to scale"));
      return false;
    }
    out.owner = *owner;
    return true;
  };
  for (const ChurnActionSpec& a : spec.events) {
    ResolvedAction r;
    r.replicas = a.replicas;
    if (resolve(a.target, a.kind, a.source, a.path, r)) churn_actions_.push_back(r);
    else churn_actions_.push_back(ResolvedAction{a.kind, 0, -1, -2, 0});  // never runs: the build fails
  }
  for (const ChurnProcessSpec& p : spec.random) {
    const ChurnActionSpec::Kind kind = p.kind == ChurnProcessSpec::Kind::crash       ? ChurnActionSpec::Kind::crash
                                       : p.kind == ChurnProcessSpec::Kind::fail_node ? ChurnActionSpec::Kind::fail_node
                                                                                     : ChurnActionSpec::Kind::delete_pod;
    ResolvedAction r;
    if (!resolve(p.target, kind, p.source, p.path, r)) continue;
    if (p.target.kind == "pod") {
      diags.add(located(Severity::error, p.source, p.path, "a random process acts on a workload's pods or on nodes, "
                                                           "not on one pod"));
      continue;
    }
    churn_processes_.push_back(r);
  }
  if (diags.has_errors()) return;

  lifecycle_ = std::make_unique<churn::Lifecycle>(sim_, *cluster_, *this, spec.lifecycle, random_.stream("churn"));
  churn::EndpointPropagation::Mapping mapping;
  for (const FabricNode& n : fabric_.nodes) mapping.node_hosts.push_back(n.host->node());
  mapping.pod_id_base = kPodIdBase;
  propagation_ = std::make_unique<churn::EndpointPropagation>(sim_, *cluster_, spec.control_plane,
                                                              random_.stream("churn/watch"), std::move(mapping),
                                                              &ClusterModel::deliver, this);
  for (const ServiceFrontendRef& f : service_frontends_) propagation_->add_frontend(f.service, f.port_index, f.frontend);
  lifecycle_->endpoints_changed.connect<&churn::EndpointPropagation::changed>(propagation_.get());
  lifecycle_->event.connect(
      [](void* model, const churn::ChurnEvent& e) { static_cast<ClusterModel*>(model)->result_.churn.events.push_back(e); },
      this);

  // Every node's proxy programs what its watch delivers.
  const proxy::SyncConfig sc = scenario_.cluster.proxy.sync_config();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    syncs_.emplace_back(sim_, *proxies_[i], sc, &nodes_[i].cpu(), &endpoint_diffs_);
    sync_recorders_.push_back(SyncRecorder{this, static_cast<std::uint32_t>(i)});
    syncs_.back().programmed.connect(
        [](void* ctx, const proxy::ProgrammingRecord& r) {
          auto& rec = *static_cast<SyncRecorder*>(ctx);
          rec.model->programmed_.push_back(Programmed{rec.node, static_cast<std::uint32_t>(r.change_id),
                                                      static_cast<float>((r.programmed_at - r.changed_at).seconds())});
        },
        &sync_recorders_.back());
  }
  for (std::size_t i = 0; i < churn_actions_.size(); ++i) {
    sim_.schedule_at<&ClusterModel::on_churn_action>(spec.events[i].at, this, i);
  }
  for (std::size_t i = 0; i < churn_processes_.size(); ++i) schedule_churn_process(i);
}

void ClusterModel::on_churn_action(std::uint64_t index) {
  const ResolvedAction& a = churn_actions_[index];
  switch (a.kind) {
    case ChurnActionSpec::Kind::rollout: lifecycle_->rollout(a.owner); break;
    case ChurnActionSpec::Kind::scale: lifecycle_->scale(a.owner, a.replicas); break;
    case ChurnActionSpec::Kind::delete_pod:
      lifecycle_->delete_pod(a.pod >= 0 ? a.pod : lifecycle_->random_pod(a.owner));
      break;
    case ChurnActionSpec::Kind::crash: {
      const int pod = a.pod >= 0 ? a.pod : lifecycle_->random_pod(a.owner);
      if (pod >= 0) lifecycle_->crash(pod);
      break;
    }
    case ChurnActionSpec::Kind::fail_node: lifecycle_->fail_node(a.node); break;
  }
}

void ClusterModel::schedule_churn_process(std::size_t index) {
  const ChurnProcessSpec& p = scenario_.churn.random[index];
  double rate = p.rate_per_s;
  if (p.kind == ChurnProcessSpec::Kind::fail_node && p.target.kind == "nodes") {
    rate *= static_cast<double>(cluster_->nodes().size());  // each node fails at its own rate
  }
  const Time from = std::max(sim_.now(), p.start);
  const Time at = from + Time::from_seconds(churn_random_.exponential(1.0 / rate));
  if (at > p.stop.value_or(Time::max()) || at > scenario_.run.duration) return;
  sim_.schedule_at<&ClusterModel::on_churn_process>(at, this, index);
}

void ClusterModel::on_churn_process(std::uint64_t index) {
  const ResolvedAction& a = churn_processes_[index];
  const ChurnProcessSpec& p = scenario_.churn.random[index];
  if (a.kind == ChurnActionSpec::Kind::fail_node) {
    int node = a.node;
    if (p.target.kind == "nodes") {
      std::vector<int> up;
      for (std::size_t i = 0; i < cluster_->nodes().size(); ++i) {
        if (!lifecycle_->node_failed(static_cast<int>(i))) up.push_back(static_cast<int>(i));
      }
      node = up.empty() ? -1 : up[churn_random_.uniform_int(up.size())];
    }
    if (node >= 0) lifecycle_->fail_node(node);
    if (p.target.kind != "nodes") return;  // one node fails once
  } else {
    const int pod = lifecycle_->random_pod(a.owner);
    if (pod >= 0) {
      if (a.kind == ChurnActionSpec::Kind::crash) lifecycle_->crash(pod);
      else lifecycle_->delete_pod(pod);
    }
  }
  schedule_churn_process(index);
}

void ClusterModel::deliver(void* model, std::uint32_t node, std::uint32_t frontend, const churn::BackendList& backends,
                           const churn::EndpointChange& change) {
  auto* self = static_cast<ClusterModel*>(model);
  self->syncs_[node].notify(frontend, backends, change.at, change.id);
  // Ingress controllers on this node hear the same watch and rebalance at once
  // (ingress-nginx updates its Lua balancer without a reload).
  for (IngressWatch& w : self->ingress_watches_) {
    if (w.frontend != frontend || w.seen == backends ||
        self->cluster_->pods()[static_cast<std::size_t>(w.pod)].node != static_cast<int>(node)) {
      continue;
    }
    w.seen = backends;
    std::vector<app::UpstreamPool*> pools;
    for (const proxy::Backend& b : *backends) {
      if (b.ready) pools.push_back(&self->ingress_pool(w, b.address, b.port));
    }
    w.controller->config().backends[w.backend].endpoints = std::move(pools);
  }
}

app::UpstreamPool& ClusterModel::ingress_pool(IngressWatch& w, net::Address address, std::uint16_t port) {
  const std::uint64_t key = static_cast<std::uint64_t>(address) << 16 | port;
  if (const auto it = w.pools.find(key); it != w.pools.end()) return *it->second;
  app::UpstreamConfig uc{net::format_address(address), port, true, 0};
  pools_.emplace_back(stack_of_pod(w.pod), public_dns_, requests_, uc, &app::IngressController::upstream_done,
                      w.controller);
  w.pools.emplace(key, &pools_.back());
  return pools_.back();
}

void ClusterModel::start(int pod) {
  const auto i = static_cast<std::size_t>(pod);
  if (i >= pod_netns_.size() || !pod_netns_[i]) bring_up_pod(pod);
  pod_servers_[i].clear();
  const kube::PodState& p = cluster_->pods()[i];
  const int ai = p.owner < app_of_owner_.size() ? app_of_owner_[p.owner] : -1;
  if (ai >= 0) start_servers(static_cast<std::size_t>(ai), pod);
  if (p.owner < dns_owner_.size() && dns_owner_[p.owner] && p.restarts == 0) start_coredns(pod);
}

void ClusterModel::start_coredns(int pod) {
  app::CoreDnsConfig cfg;
  cfg.cpu_per_query = scenario_.cluster.dns.cpu_per_query;
  cfg.upstream_latency = scenario_.cluster.dns.upstream_latency;
  coredns_.emplace_back(*pod_netns_[static_cast<std::size_t>(pod)], cpu_of_pod(pod), *cluster_, dns_wire_, cfg);
}

bool ClusterModel::running(int pod) const {
  const auto i = static_cast<std::size_t>(pod);
  return i < pod_netns_.size() && pod_netns_[i] != nullptr;
}

void ClusterModel::terminate(int pod) {
  if (!running(pod) || pod_servers_[static_cast<std::size_t>(pod)].empty()) {
    lifecycle_->exited(pod);
    return;
  }
  std::vector<app::HttpServer*>& servers = pod_servers_[static_cast<std::size_t>(pod)];
  drains_.push_back(Drain{this, pod, static_cast<int>(servers.size())});
  Drain& d = drains_.back();
  for (app::HttpServer* s : servers) s->shutdown(&ClusterModel::on_drained, &d);
}

void ClusterModel::on_drained(void* drain) {
  auto& d = *static_cast<Drain*>(drain);
  if (--d.left == 0) d.model->lifecycle_->exited(d.pod);
}

void ClusterModel::kill(int pod) {
  if (!running(pod)) return;  // deleted before its containers started
  const auto i = static_cast<std::size_t>(pod);
  for (app::HttpServer* s : pod_servers_[i]) s->kill();
  if (pod_stacks_[i]) pod_stacks_[i]->abort_all();
}

void ClusterModel::remove(int pod) {
  if (!running(pod)) return;
  const auto i = static_cast<std::size_t>(pod);
  directory_.remove(pod_netns_[i]->address());
  if (policy_) policy_->remove_pod(pod_netns_[i]->address());
}

void ClusterModel::fail_node(int node) {
  nodes_[static_cast<std::size_t>(node)].datapath().set_down(true);
  if (propagation_) propagation_->set_node_listening(node, false);
  for (std::size_t i = 0; i < pod_netns_.size(); ++i) {
    if (pod_netns_[i] && cluster_->pods()[i].node == node) {
      for (app::HttpServer* s : pod_servers_[i]) s->kill();
    }
  }
}

void ClusterModel::collect_churn() {
  ChurnFigures& c = result_.churn;
  if (!c.present) return;
  c.lifecycle = lifecycle_->counters();
  c.propagation = propagation_->counters();
  const auto quantile = [](std::vector<float>& v, double q) -> double {
    if (v.empty()) return 0;
    const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
  };
  std::vector<float> all;
  all.reserve(programmed_.size());
  std::vector<std::vector<float>> by_node(syncs_.size());
  std::vector<std::vector<float>> by_change(propagation_->changes().size() + 1);
  for (const Programmed& p : programmed_) {
    all.push_back(p.latency_s);
    by_node[p.node].push_back(p.latency_s);
    if (p.change < by_change.size()) by_change[p.change].push_back(p.latency_s);
  }
  c.programmed = all.size();
  c.programming_max_s = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  c.programming_p50_s = quantile(all, 0.50);
  c.programming_p90_s = quantile(all, 0.90);
  c.programming_p99_s = quantile(all, 0.99);
  c.nodes.clear();
  for (std::size_t n = 0; n < syncs_.size(); ++n) {
    NodeProgramming np;
    np.node = fabric_.nodes[n].name;
    std::vector<float>& v = by_node[n];
    np.changes = v.size();
    np.max_s = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    np.p50_s = quantile(v, 0.5);
    np.p99_s = quantile(v, 0.99);
    const proxy::SyncCounters& sc = syncs_[n].counters();
    np.syncs = sc.syncs;
    np.full_syncs = sc.full_syncs;
    np.sync_busy_s = sc.busy.seconds();
    c.udp_entries_cleared += sc.udp_entries_cleared;
    c.nodes.push_back(std::move(np));
  }
  c.changes.clear();
  for (const churn::EndpointChange& e : propagation_->changes()) {
    ChangeProgramming cp;
    cp.id = e.id;
    cp.service = cluster_->services()[static_cast<std::size_t>(e.service)].key;
    cp.at = e.at;
    std::vector<float>& v = by_change[e.id];
    cp.nodes = v.size();
    cp.max_s = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    cp.p50_s = quantile(v, 0.5);
    cp.p99_s = quantile(v, 0.99);
    c.changes.push_back(std::move(cp));
  }
}

void ClusterModel::describe_targets() {
  app_of_target_.assign(targets_.size(), -1);
  app_calls_.resize(scenario_.apps.size());
  // What the estimate needs for each target that is a Service some app serves.
  for (std::size_t t = 0; t < targets_.size(); ++t) {
    if (targets_[t].service < 0) continue;
    const kube::ServiceState& st = cluster_->services()[static_cast<std::size_t>(targets_[t].service)];
    if (!st.service->has_selector()) continue;
    for (std::size_t ai = 0; ai < scenario_.apps.size(); ++ai) {
      const AppSpec& a = scenario_.apps[ai];
      if (a.namespace_ != st.service->meta.namespace_) continue;
      const std::vector<int> pods = cluster_->pods_of(a.namespace_, a.workload);
      if (pods.empty()) continue;
      const kube::PodState& first = cluster_->pods()[static_cast<std::size_t>(pods[0])];
      if (!kube::map_selector_matches(*st.service->selector, *first.labels)) continue;
      ServiceFigures& f = result_.services[t];
      app_of_target_[t] = static_cast<int>(ai);
      f.pods = static_cast<int>(pods.size());
      f.concurrency = a.concurrency;
      f.mean_service_s = a.service_time.mean() + a.cpu_per_request.seconds();
      // Variance of the service time: known for the exponential and the
      // constant; other shapes are estimated as exponential (scv 1).
      const double m = a.service_time.mean();
      double variance = m * m;
      if (a.service_time.kind() == engine::Distribution::Kind::constant) variance = 0;
      f.service_scv = f.mean_service_s > 0 ? variance / (f.mean_service_s * f.mean_service_s) : 0;
    }
  }
}

void ClusterModel::estimate() {
  std::vector<StationModel> stations;
  for (const ServiceFigures& f : result_.services) {
    stations.push_back(StationModel{f.name, f.pods, std::max(1, f.concurrency), f.mean_service_s, f.service_scv});
  }
  std::vector<CallRate> calls;
  for (std::size_t t = 0; t < targets_.size(); ++t) {
    if (app_of_target_[t] < 0) continue;
    for (const auto& [to, count] : app_calls_[static_cast<std::size_t>(app_of_target_[t])]) {
      calls.push_back(CallRate{t, to, static_cast<double>(count)});
    }
  }
  std::vector<double> external(targets_.size(), 0.0);
  bool closed_loop = false;
  for (std::size_t i = 0; i < scenario_.traffic.size(); ++i) {
    const TrafficSpec& t = scenario_.traffic[i];
    if (!t.open_loop) closed_loop = true;
    for (const app::HttpClient& c : clients_) {
      if (c.config().source == i && t.open_loop) {
        external[c.config().target] += 1.0 / c.config().interarrival.mean();
      }
    }
  }
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<StationEstimate> e;
  try {
    if (!closed_loop) e = estimate_stations(stations, calls, external);
  } catch (const std::invalid_argument& err) {
    notices_.push_back(std::string("no analytic estimate: ") + err.what());
  }
  for (std::size_t t = 0; t < result_.services.size(); ++t) {
    ServiceFigures& f = result_.services[t];
    f.estimate_arrival_per_s = e.empty() ? nan : e[t].arrival_per_s;
    f.estimate_utilisation = e.empty() ? nan : e[t].utilisation;
    f.estimate_server_time_s = e.empty() ? nan : e[t].server_time_s;
  }
}

void ClusterModel::on_sample() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const node::NodeCpu& c = nodes_[i].cpu();
    NodeSample s;
    s.at = sim_.now();
    s.node = static_cast<std::uint32_t>(i);
    s.kernel_busy = c.busy_fraction(node::CpuWork::kernel, last_usage_[i]);
    s.application_busy = c.busy_fraction(node::CpuWork::application, last_usage_[i]);
    s.conntrack_entries = nodes_[i].conntrack().size();
    s.conntrack_drops = nodes_[i].datapath().counters().conntrack_drops - last_ct_drops_[i];
    last_ct_drops_[i] = nodes_[i].datapath().counters().conntrack_drops;
    last_usage_[i] = c.usage();
    node_sampled.emit(s);
  }
  std::size_t li = 0;
  for (const net::Link& l : net_.links()) {
    auto& [busy, drops] = last_link_[li];
    LinkSample ls;
    ls.at = sim_.now();
    ls.link = static_cast<std::uint32_t>(li);
    ls.utilisation = std::min(1.0, (l.counters().busy - busy) / scenario_.sample_interval);
    ls.queued_packets = l.queued_packets();
    ls.drops = l.counters().drops - drops;
    busy = l.counters().busy;
    drops = l.counters().drops;
    link_sampled.emit(ls);
    ++li;
  }
  if (sim_.now() + scenario_.sample_interval <= scenario_.run.duration) {
    sim_.schedule_in<&ClusterModel::on_sample>(scenario_.sample_interval, this);
  }
}

std::string ClusterModel::endpoint_name(std::uint32_t id) const {
  if (id >= kPodIdBase) {
    const std::size_t i = id - kPodIdBase;
    if (i < pod_netns_.size() && pod_netns_[i]) return pod_netns_[i]->name();
    return "";
  }
  if (id < net_.host_count()) return const_cast<net::Network&>(net_).host(id).name();
  return "";
}

void ClusterModel::on_request_finished(void* ctx, const app::RequestRecord& r) {
  auto* self = static_cast<ClusterModel*>(ctx);
  if (r.parent == 0 && r.source < self->result_.traffic.size()) {
    TrafficFigures& t = self->result_.traffic[r.source];
    const auto second = static_cast<std::size_t>(std::max<std::int64_t>(0, r.started.ps() / Time::s(1).ps()));
    if (t.seconds.size() <= second) t.seconds.resize(second + 1);
    TrafficBin& bin = t.seconds[second];
    if (r.status == app::RequestStatus::ok) {
      ++bin.ok;
      bin.latency_sum_s += r.total().seconds();
      bin.latency_max_s = std::max(bin.latency_max_s, r.total().seconds());
    } else {
      ++bin.failed;
    }
  }
  if (r.started < self->scenario_.run.warmup) return;
  if (r.parent == 0 && r.source < self->result_.traffic.size()) {
    TrafficFigures& t = self->result_.traffic[r.source];
    t.retries += r.retries;
    ++t.by_status[static_cast<int>(r.status)];
    if (r.status == app::RequestStatus::ok) {
      ++t.ok;
      t.total.record(r.total());
      t.total_s.add(r.total().seconds());
      t.dns_s.add(r.dns().seconds());
      t.connect_s.add(r.connect().seconds());
      t.network_s.add(r.network().seconds());
      t.at_server_s.add(r.at_server().seconds());
    } else {
      ++t.failed;
    }
  }
  if (r.status == app::RequestStatus::ok && r.target < self->result_.services.size()) {
    ServiceFigures& s = self->result_.services[r.target];
    ++s.requests;
    s.server_time_s.add((r.service_done - r.server_arrived).seconds());
    s.latency.record(r.total());
    s.queueing_s.add(r.queueing().seconds());
    s.service_s.add(r.service().seconds());
  }
}

ClusterRunResult ClusterModel::run(const std::atomic<bool>* stop_flag, const std::string& trace_path,
                                   engine::RunProgress* progress) {
  std::unique_ptr<trace::ClusterTrace> out;
  if (!trace_path.empty()) {
    out = std::make_unique<trace::ClusterTrace>(
        trace_path, trace::RunIdentity{PODWIRE_VERSION, scenario_.run.seed, scenario_.file, scenario_.resolved_text},
        scenario_.run.warmup);
    if (scenario_.trace_requests) out->attach(requests_);
    out->set_node_of([this](std::uint32_t id) -> std::uint32_t {
      if (id < kPodIdBase) return id;  // a host is its own node
      const std::size_t pod = id - kPodIdBase;
      if (pod >= cluster_->pods().size() || cluster_->pods()[pod].node < 0) return 0;
      return static_cast<std::uint32_t>(fabric_.nodes[static_cast<std::size_t>(cluster_->pods()[pod].node)].host->node());
    });
    node_sampled.connect(
        [](void* trace, const NodeSample& n) {
          static_cast<trace::ClusterTrace*>(trace)->append_node_sample(n.at, n.node, n.kernel_busy, n.application_busy,
                                                                      n.conntrack_entries, n.conntrack_drops);
        },
        out.get());
    link_sampled.connect(
        [](void* trace, const LinkSample& l) {
          static_cast<trace::ClusterTrace*>(trace)->append_link_sample(l.at, l.link, l.utilisation, l.queued_packets,
                                                                      l.drops);
        },
        out.get());
    if (scenario_.trace_packets_every > 0) pool_.set_tracer(out->packet_tracer(sim_), scenario_.trace_packets_every);
    if (scenario_.trace_connections) {
      connection_trace_ = out.get();
      connection_ended.connect(
          [](void* model, std::uint32_t endpoint, const net::TcpConnection& c) {
            auto* self = static_cast<ClusterModel*>(model);
            if (self->connection_trace_ != nullptr) self->connection_trace_->append_connection(endpoint, c, self->sim_.now());
          },
          this);
    }
    if (scenario_.trace_requests) {
      dns_looked_up.connect(
          [](void* trace, const app::DnsLookupRecord& d) {
            static_cast<trace::ClusterTrace*>(trace)->append_dns_lookup(d.started, d.client, d.name, d.queries,
                                                                       d.timeouts, d.ok, d.address,
                                                                       d.finished - d.started);
          },
          out.get());
    }
    std::vector<std::string> link_names;
    for (const net::Link& l : net_.links()) link_names.push_back(l.name());
    out->write_links(link_names);
  }
  for (auto& c : clients_) c.start();
  if (scenario_.sample_interval > Time::zero()) {
    last_usage_.clear();
    for (const node::Node& n : nodes_) last_usage_.push_back(n.cpu().usage());
    last_ct_drops_.clear();
    for (const node::Node& n : nodes_) last_ct_drops_.push_back(n.datapath().counters().conntrack_drops);
    last_link_.clear();
    for (const net::Link& l : net_.links()) last_link_.emplace_back(l.counters().busy, l.counters().drops);
    sim_.schedule_in<&ClusterModel::on_sample>(scenario_.sample_interval, this);
  }
  const Time duration = scenario_.run.duration;
  const Time slice = std::max(Time::ms(1), duration / 1000);
  if (progress != nullptr) progress->duration_ps.store(duration.ps());
  while (sim_.now() < duration) {
    if (stop_flag != nullptr && stop_flag->load(std::memory_order_relaxed)) {
      result_.stopped = true;
      break;
    }
    sim_.run_until(std::min(duration, sim_.now() + slice));
    if (progress != nullptr) {
      progress->simulated_ps.store(sim_.now().ps(), std::memory_order_relaxed);
      progress->events.store(sim_.events_executed(), std::memory_order_relaxed);
    }
  }
  ClusterRunResult& r = result_;
  for (std::size_t i = 0; i < r.traffic.size(); ++i) r.traffic[i].sent = 0;
  for (const app::HttpClient& c : clients_) r.traffic[c.config().source].sent += c.counters().sent;
  // Every counter of every node (dsr was left out of this sum before).
  for (const node::Node& n : nodes_) r.datapath += n.datapath().counters();
  for (const node::Node& n : nodes_) r.conntrack_entries += n.conntrack().size();
  for (const app::CoreDns& d : coredns_) {
    r.dns.queries += d.counters().queries;
    r.dns.answered_a += d.counters().answered_a;
    r.dns.nxdomain += d.counters().nxdomain;
    r.dns.forwarded += d.counters().forwarded;
    r.dns.cache_hits += d.counters().cache_hits;
  }
  for (const auto& res : pod_resolvers_) {
    if (!res) continue;
    r.dns_lookups += res->counters().lookups;
    r.dns_queries += res->counters().queries_sent;
    r.dns_timeouts += res->counters().timeouts;
  }
  r.nodes.clear();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const node::NodeCpu& c = nodes_[i].cpu();
    r.node_cpu_application_s += c.busy_application().seconds();
    r.node_cpu_kernel_s += c.busy_kernel().seconds();
    r.nodes.push_back(NodeFigures{fabric_.nodes[i].name, c.busy_application().seconds(), c.busy_kernel().seconds(),
                                  c.cores(), nodes_[i].conntrack().size(),
                                  nodes_[i].datapath().counters().conntrack_drops});
  }
  collect_churn();
  r.events = sim_.events_executed();
  r.simulated = sim_.now();
  r.warmup = scenario_.run.warmup;
  if (out) {
    std::vector<trace::TrafficSummaryRow> ts;
    for (const TrafficFigures& t : r.traffic) {
      const auto pct = [&](double p) { return t.total.empty() ? 0.0 : t.total.percentile_time(p).seconds(); };
      const auto count = [&](app::RequestStatus st) { return t.by_status[static_cast<int>(st)]; };
      ts.push_back(trace::TrafficSummaryRow{t.name, t.sent, t.ok, t.failed, t.total_s.mean(), pct(50), pct(90),
                                            pct(99), t.dns_s.mean(), t.connect_s.mean(), t.network_s.mean(),
                                            t.at_server_s.mean(), count(app::RequestStatus::refused),
                                            count(app::RequestStatus::reset), count(app::RequestStatus::timeout),
                                            count(app::RequestStatus::dns_failure)});
    }
    std::vector<trace::ServiceSummaryRow> ss;
    for (const ServiceFigures& s : r.services) {
      const auto pct = [&](double p) { return s.latency.empty() ? 0.0 : s.latency.percentile_time(p).seconds(); };
      ss.push_back(trace::ServiceSummaryRow{s.name, s.requests, s.server_time_s.mean(), s.queueing_s.mean(),
                                            s.service_s.mean(), s.estimate_server_time_s, s.estimate_utilisation,
                                            pct(50), pct(90), pct(99)});
    }
    std::vector<std::pair<std::uint32_t, std::string>> endpoints;
    for (std::size_t i = 0; i < net_.host_count(); ++i) {
      endpoints.emplace_back(static_cast<std::uint32_t>(i), net_.host(i).name());
    }
    for (std::size_t i = 0; i < pod_netns_.size(); ++i) {
      if (pod_netns_[i]) endpoints.emplace_back(pod_netns_[i]->id(), pod_netns_[i]->name());
    }
    if (r.churn.present) {
      std::vector<trace::ChurnEventRow> events;
      events.reserve(r.churn.events.size());
      for (const churn::ChurnEvent& e : r.churn.events) {
        trace::ChurnEventRow row;
        row.at = e.at;
        row.kind = churn::to_string(e.kind);
        if (e.pod >= 0) {
          const kube::PodState& p = cluster_->pods()[static_cast<std::size_t>(e.pod)];
          row.pod = p.namespace_ + "/" + p.name;
        }
        if (e.node >= 0) row.node = fabric_.nodes[static_cast<std::size_t>(e.node)].name;
        if (e.owner >= 0) {
          const kube::OwnerState& o = cluster_->owners()[static_cast<std::size_t>(e.owner)];
          row.owner = std::string(o.kind) + " " + o.namespace_ + "/" + o.name;
        }
        events.push_back(std::move(row));
      }
      std::vector<trace::ProgrammingNodeRow> nodes;
      for (const NodeProgramming& n : r.churn.nodes) {
        nodes.push_back(trace::ProgrammingNodeRow{n.node, n.changes, n.p50_s, n.p99_s, n.max_s, n.syncs, n.full_syncs,
                                                  n.sync_busy_s});
      }
      std::vector<trace::ProgrammingChangeRow> changes;
      for (const ChangeProgramming& c : r.churn.changes) {
        changes.push_back(trace::ProgrammingChangeRow{c.id, c.service, c.at, c.nodes, c.p50_s, c.p99_s, c.max_s});
      }
      const ChurnFigures& c = r.churn;
      std::uint64_t syncs = 0, full = 0;
      double busy = 0;
      for (const NodeProgramming& n : c.nodes) {
        syncs += n.syncs;
        full += n.full_syncs;
        busy += n.sync_busy_s;
      }
      const auto d = [](std::uint64_t v) { return static_cast<double>(v); };
      if (scenario_.trace_programming_records) {
        std::vector<trace::ProgrammingRecordRow> rows;
        rows.reserve(programmed_.size());
        for (const Programmed& p : programmed_) rows.push_back({p.node, p.change, p.latency_s});
        out->write_programming_records(rows);
      }
      out->write_churn(events, nodes, changes,
                       {{"pods_created", d(c.lifecycle.pods_created)},
                        {"pods_deleted", d(c.lifecycle.pods_deleted)},
                        {"killed_at_grace", d(c.lifecycle.killed_at_grace)},
                        {"crashes", d(c.lifecycle.crashes)},
                        {"evictions", d(c.lifecycle.evictions)},
                        {"unschedulable", d(c.lifecycle.unschedulable)},
                        {"rollouts_done", d(c.lifecycle.rollouts_done)},
                        {"changes", d(c.propagation.changes)},
                        {"slice_syncs", d(c.propagation.slice_syncs)},
                        {"slice_writes", d(c.propagation.slice_writes)},
                        {"watch_events", d(c.propagation.watch_events)},
                        {"programmed", d(c.programmed)},
                        {"programming_p50_s", c.programming_p50_s},
                        {"programming_p90_s", c.programming_p90_s},
                        {"programming_p99_s", c.programming_p99_s},
                        {"programming_max_s", c.programming_max_s},
                        {"udp_entries_cleared", d(c.udp_entries_cleared)},
                        {"syncs", d(syncs)},
                        {"full_syncs", d(full)},
                        {"sync_busy_s", busy}});
    }
    pool_.set_tracer(nullptr, 1);
    out->finish(target_names_, traffic_names_, endpoints, ts, ss, r.events, r.simulated, !r.stopped);
    connection_trace_ = nullptr;
  }
  return r;
}

ClusterRunResult run_cluster_scenario(const ClusterScenario& scenario, const std::atomic<bool>* stop_flag,
                                      const std::string& trace_path) {
  ClusterModel model(scenario);
  return model.run(stop_flag, trace_path);
}

}  // namespace podwire::build
