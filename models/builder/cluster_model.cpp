#include "models/builder/cluster_model.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "models/builder/cluster_listing.hpp"
#include "models/builder/located.hpp"
#include "models/kube/network_policy_engine.hpp"
#include "models/proxy/proxy_factory.hpp"

namespace podwire::builder {

using engine::Time;

namespace {

// Where a problem of the cluster as a whole is reported: its first node group
// (the cluster section's first line), or the scenario's first line.
kube::SourceLocation cluster_place(const ClusterScenario& s) {
  if (!s.cluster.nodes.empty() && s.cluster.nodes.front().source.line > 0) {
    return s.cluster.nodes.front().source;
  }
  return kube::SourceLocation{s.file, 1, 1};
}

}  // namespace

ClusterModel::ClusterModel(const ClusterScenario& s) : ClusterModel(s, Parts{}) {}

ClusterModel::ClusterModel(const ClusterScenario& s, Parts parts)
    : scenario_(s),
      random_(s.run.seed),
      sampler_(sim_, nodes_, net_, s.sample_interval, s.run.duration) {
  Diagnostics diags;
  try {
    fabric_ = build_cluster_fabric(net_, s.cluster);
  } catch (const std::invalid_argument& e) {
    diags.add(located(Severity::error, cluster_place(s), "cluster", e.what()));
    diags.place_overrides(s.overridden_paths);
    throw ScenarioError(std::move(diags));
  }
  const kube::ClusterConfig cc = cluster_config(s);
  std::vector<kube::Problem> problems;
  try {
    cluster_ = std::make_unique<kube::Cluster>(cc, s.objects, problems);
  } catch (const std::invalid_argument& e) {
    diags.add(located(Severity::error, cluster_place(s), "cluster", e.what()));
    diags.place_overrides(s.overridden_paths);
    throw ScenarioError(std::move(diags));
  }
  for (const kube::Problem& p : problems) {
    if (p.source.line > 0) {
      diags.add(located(severity_of(p.severity), p.source, p.field, p.message));
    } else {
      // An object the cluster adds itself (CoreDNS as kubeadm installs it)
      // has no place in any file: its problems are the nodes' (too small
      // to hold it), reported at the cluster's node groups.
      diags.add(located(severity_of(p.severity), cluster_place(s), "cluster.nodes",
                        p.message + " " + p.source.file));
    }
  }

  if (!s.objects.network_policies.empty()) {
    try {
      policy_ = std::make_unique<kube::NetworkPolicyEngine>(s.objects.network_policies,
                                                            s.objects.namespaces);
    } catch (const std::invalid_argument& e) {
      diags.add(
          located(Severity::error, kube::SourceLocation{s.file, 1, 1}, "manifests", e.what()));
    }
  }
  build_nodes();
  build_pods();
  build_services();
  build_dns();
  build_apps(diags);
  if (parts.traffic) build_traffic(diags);
  if (parts.churn) build_churn(diags);
  // kube-proxy syncs every syncPeriod whether or not anything changed.
  build_proxy_syncs();
  describe_targets();
  if (!diags.has_errors()) estimate();
  diags.place_overrides(s.overridden_paths);
  if (diags.has_errors()) throw ScenarioError(std::move(diags));
  for (const Diagnostic& d : diags.sorted()) notices_.push_back(d.to_string());
  requests_.finished.connect(&ClusterModel::on_request_finished, this);
  requests_.datagram.connect(&ClusterModel::on_datagram, this);
}

ClusterModel::~ClusterModel() = default;

void ClusterModel::build_nodes() {
  node::DatapathConfig dc;
  dc.cni = scenario_.cluster.cni;
  dc.cni_costs = scenario_.cluster.cni_costs;
  dc.costs = scenario_.cluster.datapath;
  dc.host = scenario_.cluster.host;
  dc.networks = node::ClusterNetworks{scenario_.cluster.pod_cidr, scenario_.cluster.service_cidr,
                                      scenario_.cluster.node_network};
  proxy::ProxyConfig proxy_config = scenario_.cluster.proxy.config;
  proxy_config.rule_order =
      scenario_.cluster.proxy.measured_position == ProxySpec::Position::map_order
          ? proxy::RuleOrder::map_order
          : proxy::RuleOrder::fixed;
  for (const FabricNode& n : fabric_.nodes) {
    const NodeGroupSpec& g = scenario_.cluster.nodes[n.group];
    dc.conntrack_max = scenario_.cluster.conntrack_max != 0
                           ? scenario_.cluster.conntrack_max
                           : node::Conntrack::kube_proxy_max(g.cpus);
    node::Node& nd = nodes_.emplace_back(sim_, *n.host, directory_, g.cpus, dc, g.cpu_speed,
                                         node::Smt{g.smt, scenario_.cluster.host.smt_share});
    if (policy_) nd.datapath().set_policy(policy_.get());
    proxies_.push_back(proxy::make_service_proxy(nd.datapath(), table_, proxy_config,
                                                 random_.stream("proxy/" + n.name)));
  }
}

void ClusterModel::build_proxy_syncs() {
  if (!syncs_.empty()) return;  // the churn built them where its watches start
  // Every node's proxy programs what its watch delivers, and resyncs on its period.
  const proxy::SyncConfig sc = scenario_.cluster.proxy.sync_config();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    syncs_.emplace_back(sim_, *proxies_[i], sc, &nodes_[i].cpu(), &endpoint_diffs_);
    sync_recorders_.push_back(SyncRecorder{this, static_cast<std::uint32_t>(i)});
    syncs_.back().programmed.connect(
        [](void* ctx, const proxy::ProgrammingRecord& r) {
          auto& rec = *static_cast<SyncRecorder*>(ctx);
          rec.model->record_programming(rec.node, r);
        },
        &sync_recorders_.back());
  }
}

void ClusterModel::record_programming(std::uint32_t node, const proxy::ProgrammingRecord& r) {
  const Time latency = r.programmed_at - r.changed_at;
  programming_all_.record(latency);
  if (programming_by_node_.size() <= node) programming_by_node_.resize(node + 1);
  programming_by_node_[node].record(latency);
  if (programming_by_change_.size() <= r.change_id) programming_by_change_.resize(r.change_id + 1);
  programming_by_change_[r.change_id].record(latency);
  if (programmed.connected()) {
    programmed.emit(ProgrammingSample{node, static_cast<std::uint32_t>(r.change_id),
                                      static_cast<float>(latency.seconds())});
  }
}

void ClusterModel::build_pods() {
  std::vector<const net::Host*> block_hosts;
  for (const FabricNode& n : fabric_.nodes) block_hosts.push_back(n.host);
  directory_.set_node_blocks(scenario_.cluster.pod_cidr, scenario_.cluster.node_cidr_mask,
                             std::move(block_hosts));
  const auto& pods = cluster_->pods();
  pod_netns_.resize(pods.size());
  pod_endpoints_.resize(pods.size(), nullptr);
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
    pod_endpoints_.resize(i + 1, nullptr);
    pod_stacks_.resize(i + 1);
    pod_resolvers_.resize(i + 1);
    pod_servers_.resize(i + 1);
  }
  const kube::PodState& p = cluster_->pods()[i];
  net::Host& host = *fabric_.nodes[static_cast<std::size_t>(p.node)].host;
  if (p.spec->host_network) {
    // The node's own namespace: no veth, the node's address, its sockets
    // (what they send takes the host's OUTPUT path), and no NetworkPolicy
    // (policies select pod addresses).
    pod_endpoints_[i] = &host;
    return;
  }
  pod_netns_[i] = std::make_unique<node::PodNetns>(
      host, nodes_[static_cast<std::size_t>(p.node)].datapath().veth(), p.namespace_ + "/" + p.name,
      kPodIdBase + static_cast<std::uint32_t>(i), p.ip);
  pod_endpoints_[i] = pod_netns_[i].get();
  directory_.add(*pod_netns_[i]);
  // Native routing: the fabric routes the address to its node for good (a
  // deleted pod's address stays its node's; the node answers for it).
  if (nodes_.front().datapath().cni().routes_pod_addresses() &&
      routed_pod_addresses_.insert(p.ip).second) {
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
  using Position = ProxySpec::Position;
  std::uint32_t position = px.measured_position == Position::last ? fillers
                           : px.measured_position == Position::at
                               ? std::min<std::uint32_t>(px.position_at, fillers)
                               : 0;
  const std::uint32_t first_real = position;
  engine::RandomStream positions = random_.stream("proxy/positions");
  // Each node's zone (its topology.kubernetes.io/zone label), for
  // trafficDistribution.
  std::map<std::string, std::uint32_t> zone_ids;
  for (std::size_t i = 0; i < fabric_.nodes.size() && i < cluster_->nodes().size(); ++i) {
    const kube::Labels& labels = cluster_->nodes()[i].labels;
    const auto it = labels.find("topology.kubernetes.io/zone");
    if (it == labels.end()) continue;
    const auto id = zone_ids.emplace(it->second, static_cast<std::uint32_t>(zone_ids.size()));
    table_.set_zone(fabric_.nodes[i].host->node(), id.first->second);
  }
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
      f.distribution = svc.traffic_distribution == kube::TrafficDistribution::same_zone
                           ? proxy::ServiceFrontend::Distribution::same_zone
                       : svc.traffic_distribution == kube::TrafficDistribution::same_node
                           ? proxy::ServiceFrontend::Distribution::same_node
                           : proxy::ServiceFrontend::Distribution::any;
      // random: at one place among the fillers, drawn once. map_order
      // (iptables.hpp): every sync of every node draws the order anew.
      f.position = px.measured_position == Position::random
                       ? static_cast<std::uint32_t>(positions.uniform_int(fillers + 1))
                       : position;
      ++position;
      for (const kube::EndpointState& e : ps.endpoints) {
        const std::uint32_t node =
            e.node >= 0 ? fabric_.nodes[static_cast<std::size_t>(e.node)].host->node()
                        : net::AddressBook::kNone;
        const std::uint32_t id = e.pod >= 0 ? kPodIdBase + static_cast<std::uint32_t>(e.pod) : 0;
        f.backends.push_back(proxy::Backend{e.ip, e.port, node, id, e.ready, true, false});
      }
      const std::uint32_t index = table_.add(std::move(f));
      service_frontends_.push_back(ServiceFrontendRef{static_cast<int>(si), pi, index});
      table_.expose(index, proxy::FrontendKind::cluster_ip, st.cluster_ip,
                    static_cast<std::uint16_t>(ps.port->port));
      if (ps.node_port != 0) table_.expose_node_port(index, ps.node_port);
      for (net::Address lb : st.load_balancer_ips) {
        table_.expose(index, proxy::FrontendKind::load_balancer, lb,
                      static_cast<std::uint16_t>(ps.port->port));
      }
      for (const std::string& ext : svc.external_ips) {
        if (const auto a = app::address_literal(ext)) {
          table_.expose(index, proxy::FrontendKind::external_ip, *a,
                        static_cast<std::uint16_t>(ps.port->port));
        }
      }
    }
    for (net::Address lb : st.load_balancer_ips) {
      net_.add_address(lb, fabric_.load_balancer->node());
      // external-dns publishes a LoadBalancer under the name it is annotated with.
      const auto it = svc.meta.annotations.find("external-dns.alpha.kubernetes.io/hostname");
      if (it != svc.meta.annotations.end()) publish(it->second, lb, static_cast<int>(si));
      publish(svc.meta.name + "." + svc.meta.namespace_ + ".lb", lb, static_cast<int>(si));
    }
  }
  // Filler Services: addresses from 100.64.0.0/10 (never routed here), endpoints
  // nobody dials; they only load the proxy's tables.
  const std::uint32_t real = position - first_real;
  for (std::uint32_t i = 0; i < fillers; ++i) {
    proxy::ServiceFrontend f;
    f.name = "filler/svc-" + std::to_string(i) + ":80";
    f.service = static_cast<std::uint32_t>(-1);
    f.port = 80;
    switch (px.measured_position) {
      case Position::last:
      case Position::random:
        f.position = i;
        break;
      case Position::first:
      case Position::map_order:
        f.position = real + i;
        break;
      case Position::at:
        f.position = i < first_real ? i : real + i;
        break;
    }
    const net::Address vip = net::parse_address("100.64.0.0") + i;
    for (int e = 0; e < px.endpoints_per_service; ++e) {
      f.backends.push_back(
          proxy::Backend{net::parse_address("100.96.0.0") + i * 64 + static_cast<net::Address>(e),
                         8080, net::AddressBook::kNone, 0, true, true, false});
    }
    table_.expose(table_.add(std::move(f)), proxy::FrontendKind::cluster_ip, vip, 80);
  }
  load_balancer_ =
      std::make_unique<proxy::LoadBalancer>(*fabric_.load_balancer, table_, node_hosts);
  for (const FabricNode& n : fabric_.nodes) publish(n.name, n.host->address(), -1);
}

void ClusterModel::build_dns() {
  const auto dns = cluster_->service_index("kube-system", "kube-dns");
  if (!dns) return;
  std::vector<int> served;
  for (const kube::ServicePortState& ps :
       cluster_->services()[static_cast<std::size_t>(*dns)].ports) {
    if (ps.port->protocol != kube::Protocol::udp) continue;
    for (const kube::EndpointState& e : ps.endpoints) {
      if (e.pod < 0 || !running(e.pod) ||
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

const node::HostStackCosts* ClusterModel::host_costs_of_pod(int pod) const {
  const int node = cluster_->pods()[static_cast<std::size_t>(pod)].node;
  return node < 0 ? nullptr : &nodes_[static_cast<std::size_t>(node)].datapath().config().host;
}

net::TcpStack& ClusterModel::stack_of_pod(int pod) {
  const kube::PodState& p = cluster_->pods()[static_cast<std::size_t>(pod)];
  if (p.spec->host_network)
    return stack_of_host(*fabric_.nodes[static_cast<std::size_t>(p.node)].host);
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

app::NameResolver& ClusterModel::resolver_of_pod(int pod, app::NameLookup kind) {
  auto& r = pod_resolvers_[static_cast<std::size_t>(pod)][static_cast<std::size_t>(kind)];
  if (!r) {
    const kube::PodResolvConf conf = resolv_conf_of_pod(pod);
    app::StubResolverConfig cfg;
    cfg.resolv = conf.resolver;
    cfg.nameserver = nameserver_in_cluster(conf);
    cfg.outside_latency = scenario_.cluster.dns.upstream_latency;
    cfg.cluster_domain = scenario_.cluster.dns.domain;
    cfg.cache = scenario_.cluster.dns.client_cache;
    std::string stream = "dns/" + std::to_string(pod);
    cfg.aaaa = !conf.resolver.no_aaaa;  // glibc's no-aaaa; Go's resolver does not read it
    if (kind == app::NameLookup::java) {
      cfg.cache = true;
      cfg.cache_for = Time::s(30);
      cfg.failures_for = Time::s(10);
      stream += "/java";
    } else if (kind != app::NameLookup::glibc) {
      cfg.aaaa = kind == app::NameLookup::go;
      cfg.socket_per_query = true;
      stream += kind == app::NameLookup::go ? "/go-both" : "/go";
    }
    r = std::make_unique<app::DnsStubResolver>(*pod_endpoints_[static_cast<std::size_t>(pod)],
                                               dns_wire_, cfg, random_.stream(stream));
    r->looked_up.connect(
        [](void* model, const app::DnsLookupRecord& rec) {
          static_cast<ClusterModel*>(model)->dns_looked_up.emit(rec);
        },
        this);
  }
  return *r;
}

kube::PodResolvConf ClusterModel::resolv_conf_of_pod(int pod) const {
  const kube::PodState& p = cluster_->pods()[static_cast<std::size_t>(pod)];
  return kube::pod_resolv_conf(*p.spec, p.namespace_, scenario_.cluster.dns.domain,
                               scenario_.cluster.dns.ndots,
                               net::format_address(cluster_->dns_service_ip()));
}

net::Address ClusterModel::nameserver_in_cluster(const kube::PodResolvConf& conf) const {
  if (conf.nameservers.empty() || conf.nameservers[0] == kube::PodResolvConf::kNodeResolver)
    return 0;
  const std::optional<net::Address> literal = app::address_literal(conf.nameservers[0]);
  if (!literal) return 0;  // IPv6: podwire's cluster has none of its own
  const net::Address a = *literal;
  const kube::ClusterConfig& c = cluster_->config();
  if (a == cluster_->dns_service_ip() || c.service_cidr.contains(a) || c.pod_cidr.contains(a) ||
      cluster_->pod_by_ip(a))
    return a;
  return 0;  // an address outside the cluster: the resolver out there
}

int ClusterModel::service_named(const std::string& host, const std::string& ns) const {
  std::string name = host;
  if (!name.empty() && name.back() == '.') name.pop_back();
  const std::string suffix = ".svc." + scenario_.cluster.dns.domain;
  if (name.ends_with(suffix))
    name.resize(name.size() - suffix.size());
  else if (name.ends_with(".svc"))
    name.resize(name.size() - 4);
  const auto dot = name.find('.');
  std::optional<int> s;
  if (dot == std::string::npos) {
    s = cluster_->service_index(ns, name);
  } else if (name.find('.', dot + 1) == std::string::npos) {
    s = cluster_->service_index(name.substr(dot + 1), name.substr(0, dot));
  }
  return s.value_or(-1);
}

void ClusterModel::publish(const std::string& name, net::Address address, int service) {
  public_dns_.add(name, address);
  published_[name] = service;
}

std::string ClusterModel::port_problem(int service, std::uint16_t port, bool udp) const {
  const kube::ServiceState& st = cluster_->services()[static_cast<std::size_t>(service)];
  if (st.service->type == kube::ServiceType::external_name || st.service->headless()) return "";
  std::string ports;
  for (const auto& ps : st.ports) {
    const bool is_udp = ps.port->protocol == kube::Protocol::udp;
    if (ps.port->port == port && (!udp || is_udp)) return "";
    ports += (ports.empty() ? "" : ", ") + std::to_string(ps.port->port) + (is_udp ? "/UDP" : "");
  }
  if (udp)
    return "Service " + st.key + " has no UDP port " + std::to_string(port) +
           " (its ports: " + ports + "); a udp:// URL needs a port with protocol: UDP";
  // As before UDP: the ports listed by number alone.
  ports.clear();
  for (const auto& ps : st.ports)
    ports += (ports.empty() ? "" : ", ") + std::to_string(ps.port->port);
  return "Service " + st.key + " has no port " + std::to_string(port) + " (its ports: " + ports +
         ")";
}

std::uint32_t ClusterModel::target_index(const std::string& host, std::uint16_t port, int service) {
  for (std::uint32_t i = 0; i < targets_.size(); ++i) {
    if (targets_[i].service == service &&
        (service >= 0 || (targets_[i].host == host && targets_[i].port == port))) {
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

std::vector<std::pair<std::uint32_t, std::string>> ClusterModel::endpoint_names() const {
  std::vector<std::pair<std::uint32_t, std::string>> out;
  for (std::size_t i = 0; i < net_.host_count(); ++i) {
    out.emplace_back(static_cast<std::uint32_t>(i), net_.host(i).name());
  }
  for (const auto& pod : pod_netns_) {
    if (pod) out.emplace_back(pod->id(), pod->name());
  }
  return out;
}

std::uint32_t ClusterModel::pod_endpoint_id(int pod) const {
  const auto i = static_cast<std::size_t>(pod);
  if (i < pod_endpoints_.size() && pod_endpoints_[i] != nullptr) return pod_endpoints_[i]->id();
  return kPodIdBase + static_cast<std::uint32_t>(pod);
}

std::string ClusterModel::endpoint_name(std::uint32_t id) const {
  if (id >= kPodIdBase) {
    const std::size_t i = id - kPodIdBase;
    if (i < pod_netns_.size() && pod_netns_[i]) return pod_netns_[i]->name();
    return "";
  }
  if (id < net_.host_count()) return net_.host(id).name();
  return "";
}

}  // namespace podwire::builder
