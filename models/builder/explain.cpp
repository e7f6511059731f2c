#include "models/builder/explain.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <sstream>

#include "models/app/name_resolver.hpp"
#include "models/builder/cluster_model.hpp"
#include "models/kube/resolver_config.hpp"
#include "models/net/packet.hpp"
#include "models/net/tcp_config.hpp"

namespace podwire::builder {

using engine::Time;

namespace {

[[noreturn]] void fail(const ClusterScenario& s, const std::string& field,
                       const std::string& message) {
  Diagnostics d;
  d.add(Diagnostic{Severity::error, s.file, 0, 0, field, message});
  throw ScenarioError(std::move(d));
}

std::string pod_label(const kube::PodState& p) { return p.namespace_ + "/" + p.name; }

std::string addr(net::Address a) { return net::format_address(a); }

// The pod `from` names: "ns/pod", "pod" (namespace default), or a workload
// whose first running pod is taken.
int find_pod(const ClusterScenario& s, const kube::Cluster& c, const std::string& from) {
  std::string ns = "default", name = from;
  if (const auto slash = from.find('/'); slash != std::string::npos) {
    ns = from.substr(0, slash);
    name = from.substr(slash + 1);
  }
  if (const auto pod = c.pod_index(ns, name)) return *pod;
  for (int pod : c.pods_of(ns, name)) {
    if (c.pods()[static_cast<std::size_t>(pod)].ip != 0) return pod;
  }
  fail(s, "--from", "no pod or workload '" + name + "' in namespace '" + ns + "'");
}

// The Service whose ClusterIP or load-balancer address `a` is; -1 when none.
int service_at(const kube::Cluster& c, net::Address a) {
  if (a == 0) return -1;
  for (std::size_t i = 0; i < c.services().size(); ++i) {
    const kube::ServiceState& st = c.services()[i];
    if (st.cluster_ip == a ||
        std::ranges::find(st.load_balancer_ips, a) != st.load_balancer_ips.end())
      return static_cast<int>(i);
  }
  return -1;
}

// The time a packet of `bytes` takes on one link: serialization and propagation.
Time wire(engine::BitRate rate, Time delay, std::uint64_t bytes) {
  return rate.serialization(engine::Bytes(static_cast<std::int64_t>(bytes))) + delay;
}

}  // namespace

ExplainResult explain(const ClusterScenario& scenario, const std::string& from,
                      const std::string& to) {
  ClusterModel model(scenario, ClusterModel::Parts{false, false});
  const kube::Cluster& cluster = model.cluster();
  const ClusterFabric& fabric = model.fabric();
  const int pod = find_pod(scenario, cluster, from);
  const kube::PodState& client = cluster.pods()[static_cast<std::size_t>(pod)];
  ExplainResult r;
  r.from = pod_label(client);
  r.to = to;

  std::string host = to;
  std::uint16_t port = 80;
  if (const auto colon = to.rfind(':'); colon != std::string::npos) {
    int p = 0;
    const char* end = to.data() + to.size();
    if (std::from_chars(to.data() + colon + 1, end, p).ptr != end || p < 1 || p > 65535) {
      fail(scenario, "--to", "expected NAME[:PORT] with a port from 1 to 65535, got '" + to + "'");
    }
    host = to.substr(0, colon);
    port = static_cast<std::uint16_t>(p);
  }

  // --- name resolution, as the pod's glibc resolver does it --------------------
  net::Address target = 0;
  std::string final_name;
  std::string upstream_name;  // the candidate CoreDNS forwarded upstream, when none answered
  if (const auto literal = app::address_literal(host)) {
    target = *literal;
    r.dns.push_back(host + " is an address: no lookup");
  } else {
    const kube::PodResolvConf conf = model.resolv_conf_of_pod(pod);
    const kube::ResolverConfig& rc = conf.resolver;
    const net::Address nameserver = model.nameserver_in_cluster(conf);
    const std::string server =
        nameserver == cluster.dns_service_ip() ? addr(nameserver) + " (kube-dns)"
        : nameserver != 0                      ? addr(nameserver)
        : conf.nameservers.empty() || conf.nameservers[0] == kube::PodResolvConf::kNodeResolver
            ? std::string("the node's resolver")
            : conf.nameservers[0] + " (outside the cluster)";
    r.dns.push_back("resolv.conf: nameserver " + server + ", ndots:" + std::to_string(rc.ndots) +
                    ", search " + [&] {
                      std::string s;
                      for (const auto& d : rc.search) s += (s.empty() ? "" : " ") + d;
                      return s.empty() ? std::string("(none)") : s;
                    }());
    if (nameserver == 0) {
      // The resolver outside the cluster knows no cluster names.
      const std::string& domain = scenario.cluster.dns.domain;
      int asked = 0;
      for (const std::string& name : rc.candidates(host)) {
        ++asked;
        if (name == domain || name.ends_with("." + domain)) {
          r.dns.push_back("A+AAAA " + name + " -> NXDOMAIN (outside the cluster)");
          continue;
        }
        r.dns.push_back("A+AAAA " + name +
                        " -> answered outside the cluster: the request leaves the cluster");
        break;
      }
      r.dns.push_back(std::to_string(2 * asked) + " queries to the resolver outside the cluster, " +
                      scenario.cluster.dns.upstream_latency.to_string() + " each");
    }
    int queries = 0;
    for (const std::string& name :
         nameserver == 0 ? std::vector<std::string>{} : rc.candidates(host)) {
      queries += 2;  // A and AAAA, in parallel from one socket
      const kube::DnsAnswer a = cluster.lookup(name);
      if (a.kind == kube::DnsAnswer::Kind::nxdomain) {
        r.dns.push_back("A+AAAA " + name + " -> NXDOMAIN");
        continue;
      }
      if (a.kind == kube::DnsAnswer::Kind::external) {
        r.dns.push_back("A+AAAA " + name +
                        " -> outside the cluster domain: CoreDNS forwards it upstream");
        if (upstream_name.empty()) upstream_name = name;
        continue;
      }
      if (a.kind == kube::DnsAnswer::Kind::cname) {
        r.dns.push_back("A+AAAA " + name + " -> CNAME " + a.cname +
                        " (ExternalName): resolved upstream");
        final_name = a.cname;
        break;
      }
      std::string list;
      for (net::Address x : a.addresses) list += (list.empty() ? "" : ", ") + addr(x);
      r.dns.push_back("A+AAAA " + name + " -> " + list + " (TTL " + std::to_string(a.ttl_s) +
                      " s)");
      target = a.addresses.front();
      final_name = name;
      break;
    }
    if (nameserver != 0)
      r.dns.push_back(std::to_string(queries) + " queries over UDP to " + addr(nameserver) +
                      ":53, each through the pod's node datapath to a CoreDNS pod");
  }

  // --- what the address leads to ------------------------------------------------
  const proxy::ServiceTable& table = model.services();
  const proxy::ServiceTable::Match m =
      target != 0 ? table.find(target, port, net::Protocol::tcp) : proxy::ServiceTable::Match{};
  const std::size_t client_node = static_cast<std::size_t>(client.node);
  const proxy::ServiceProxy& proxy = model.service_proxy(client_node);
  const node::KernelPath& path = model.datapath(client_node).kernel_path();
  bool no_such_port = false;  // a Service's address on a port it does not have
  if (m.frontend != nullptr) {
    const proxy::ServiceFrontend& f = *m.frontend;
    const std::vector<proxy::Backend>& backends = proxy.backends(m.index);
    std::vector<const proxy::Backend*> ready;
    for (const proxy::Backend& b : backends) {
      if (b.ready && (!f.internal_local || b.node == fabric.nodes[client_node].host->node()))
        ready.push_back(&b);
    }
    r.endpoints.push_back(f.name + ": ClusterIP " + addr(target) + ":" + std::to_string(port) +
                          ", " + std::to_string(ready.size()) + " ready endpoints of " +
                          std::to_string(backends.size()));
    const std::string how = proxy.describe_choice(ready.size());
    for (const proxy::Backend* b : ready) {
      const std::string who = model.endpoint_name(b->id);
      std::string node = "?";
      for (const FabricNode& n : fabric.nodes) {
        if (n.host->node() == b->node) node = n.name;
      }
      r.endpoints.push_back("  " + (who.empty() ? std::string("(no pod)") : who) + " " +
                            addr(b->address) + ":" + std::to_string(b->port) + " on " + node +
                            ", " + how);
    }
    if (f.session_affinity)
      r.endpoints.push_back("  sessionAffinity ClientIP: a client keeps its endpoint");
  } else if (const proxy::ServiceTable::Match udp =
                 target != 0 ? table.find(target, port, net::Protocol::udp)
                             : proxy::ServiceTable::Match{};
             udp.frontend != nullptr) {
    r.endpoints.push_back(udp.frontend->name + ": ClusterIP " + addr(target) + ":" +
                          std::to_string(port) +
                          " serves UDP only; what follows is a TCP connection, which it refuses "
                          "(a udp:// URL sends datagrams there)");
  } else if (const int svc = service_at(cluster, target); svc >= 0) {
    no_such_port = true;
    // A Service's address on a port it does not have: no rule translates it.
    const kube::ServiceState& st = cluster.services()[static_cast<std::size_t>(svc)];
    std::string ports;
    for (const kube::ServicePortState& p : st.ports) {
      ports += (ports.empty() ? "" : ", ") + std::to_string(p.port->port) + "/" +
               std::string(kube::to_string(p.port->protocol));
    }
    r.endpoints.push_back("Service " + st.key + " (" + addr(target) + ") has no port " +
                          std::to_string(port) +
                          " (its ports: " + (ports.empty() ? std::string("none") : ports) +
                          "): nothing serves the connection, as the node's datapath says below");
  } else if (target == 0 && !upstream_name.empty() && !model.published(upstream_name)) {
    r.endpoints.push_back(
        host +
        " is no name of the cluster (NXDOMAIN under every search domain) and no name "
        "the scenario publishes: the simulated upstream resolver answers it with an "
        "address outside the cluster (203.0.113.0/24) that nothing serves, so the "
        "connection gets no answer");
  } else if (target != 0) {
    if (const auto p = cluster.pod_by_ip(target)) {
      r.endpoints.push_back(addr(target) + " is pod " +
                            pod_label(cluster.pods()[static_cast<std::size_t>(*p)]) +
                            " itself (a headless name or a pod address): no Service translation");
    } else {
      r.endpoints.push_back(addr(target) +
                            " is outside the cluster: the pod's traffic is masqueraded to its "
                            "node's address");
    }
  }
  if (scenario.objects.network_policies.empty())
    r.notes.push_back("no NetworkPolicy: every connection is allowed");

  // --- one request, simulated, and its first packet as the stages charged it ----
  // Every node's kernel tells what each stage did to the connection's SYN and
  // what it charged: the path printed is the path simulated.
  struct Capture {
    net::Address client_ip = 0;
    std::uint64_t flow_id = 0;  // of the first SYN the client pod sent
    Time sent;                  // when it was sent: its retransmissions are other packets
    bool seen = false;
    std::vector<std::pair<std::size_t, ExplainStep>> steps;  // (node, step)
    net::FlowKey last_flow;                                  // the SYN as it last left a stage
  } capture{client.ip, 0, Time::zero(), false, {}, {}};
  struct NodeTap {
    Capture* capture;
    std::size_t node;
    std::string where;
  };
  std::deque<NodeTap> taps;
  for (std::size_t n = 0; n < model.node_count(); ++n) {
    taps.push_back(NodeTap{&capture, n, "node " + fabric.nodes[n].name + " kernel"});
    model.datapath(n).stage_charged.connect(
        [](void* ctx, const net::Packet& p, const std::string& what, Time cost) {
          auto& tap = *static_cast<NodeTap*>(ctx);
          Capture& c = *tap.capture;
          const bool syn = p.flow.protocol == net::Protocol::tcp &&
                           (p.tcp_flags & net::tcp_flags::syn) &&
                           !(p.tcp_flags & net::tcp_flags::ack);
          if (!syn) return;
          if (!c.seen) {
            if (p.flow.src != c.client_ip) return;
            c.seen = true;
            c.flow_id = p.flow_id;
            c.sent = p.created;
          } else if (p.flow_id != c.flow_id || p.created != c.sent) {
            return;
          }
          c.steps.emplace_back(tap.node, ExplainStep{tap.where, what, cost});
          c.last_flow = p.flow;
        },
        &taps.back());
  }
  struct Probe {
    std::uint32_t client_id;
    bool seen = false;
    app::RequestRecord record;
  } probe{model.pod_endpoint_id(pod), false, {}};
  model.requests().finished.connect(
      [](void* ctx, const app::RequestRecord& rec) {
        auto& p = *static_cast<Probe*>(ctx);
        if (!p.seen && rec.parent == 0 && rec.client == p.client_id) {
          p.seen = true;
          p.record = rec;
        }
      },
      &probe);
  model.add_probe(pod, host, port, Time::ms(10));
  model.simulator().run_until(Time::s(60));
  for (NodeTap& t : taps) model.datapath(t.node).stage_charged.disconnect(&t);
  model.requests().finished.disconnect(&probe);

  r.first_packet.push_back(ExplainStep{
      "pod " + r.from,
      std::string(client.spec->host_network ? "hostNetwork, in the node's namespace: " : "") +
          "connect() from " + addr(client.ip) + " to " + (target != 0 ? addr(target) : host) + ":" +
          std::to_string(port) + ": SYN, " + std::to_string(net::kTcpSynBytes) +
          " bytes (IP, TCP, options)",
      Time::zero()});
  std::size_t last_node = client_node;
  for (const auto& [n, step] : capture.steps) {
    if (n != last_node) {
      // Between two nodes' kernels: the wires and switches the SYN crossed.
      const std::uint64_t bytes =
          net::kTcpSynBytes + model.datapath(last_node).cni().overhead_bytes();
      const TopologySpec& t = scenario.cluster.topology;
      const engine::BitRate from_nic = scenario.cluster.nodes[fabric.nodes[last_node].group].nic;
      const engine::BitRate to_nic = scenario.cluster.nodes[fabric.nodes[n].group].nic;
      const std::string from_name = fabric.nodes[last_node].name;
      const std::string to_name = fabric.nodes[n].name;
      if (t.kind == TopologySpec::Kind::star) {
        r.first_packet.push_back(
            ExplainStep{"wire", from_name + " NIC -> switch (" + std::to_string(bytes) + " bytes)",
                        wire(from_nic, t.link_delay, bytes)});
        r.first_packet.push_back(ExplainStep{"switch", "store and forward", t.switch_latency});
        r.first_packet.push_back(ExplainStep{"wire", "switch -> " + to_name + " NIC",
                                             wire(to_nic, t.link_delay, bytes)});
      } else {
        const auto rack = [&](std::size_t i) {
          return i / static_cast<std::size_t>(t.nodes_per_rack);
        };
        r.first_packet.push_back(ExplainStep{
            "wire", from_name + " NIC -> its leaf (" + std::to_string(bytes) + " bytes)",
            wire(from_nic, t.link_delay, bytes)});
        r.first_packet.push_back(
            ExplainStep{"switch", "leaf: store and forward", t.switch_latency});
        if (rack(last_node) != rack(n)) {
          r.first_packet.push_back(ExplainStep{"wire", "leaf -> a spine (ECMP by flow hash)",
                                               wire(t.uplink, t.link_delay, bytes)});
          r.first_packet.push_back(
              ExplainStep{"switch", "spine: store and forward", t.switch_latency});
          r.first_packet.push_back(ExplainStep{"wire", "spine -> the endpoint's leaf",
                                               wire(t.uplink, t.link_delay, bytes)});
          r.first_packet.push_back(
              ExplainStep{"switch", "leaf: store and forward", t.switch_latency});
        }
        r.first_packet.push_back(
            ExplainStep{"wire", "leaf -> " + to_name + " NIC", wire(to_nic, t.link_delay, bytes)});
      }
      last_node = n;
    }
    r.first_packet.push_back(step);
  }
  if (capture.seen && no_such_port && service_at(cluster, capture.last_flow.dst) >= 0) {
    // Still addressed to a Service: rejected or dropped on the way, never delivered.
    r.first_packet.push_back(ExplainStep{"",
                                         "the SYN goes no further: " + addr(capture.last_flow.dst) +
                                             ":" + std::to_string(capture.last_flow.dst_port) +
                                             " is a Service address no rule translates",
                                         Time::zero()});
  } else if (capture.seen) {
    const net::Address a = capture.last_flow.dst;
    const auto at = cluster.pod_by_ip(a);
    const std::string who =
        at ? "pod " + pod_label(cluster.pods()[static_cast<std::size_t>(*at)]) : "outside";
    r.first_packet.push_back(ExplainStep{
        who, "SYN reaches " + addr(a) + ":" + std::to_string(capture.last_flow.dst_port),
        Time::zero()});
  } else {
    r.notes.push_back(
        "no SYN left the pod within 60 s (the name did not resolve, or nothing was sent)");
  }
  r.notes.push_back(
      "each kernel stage's cost is CPU work on the node's cores, shared with the pods' work: a "
      "socket's packet on its sending thread's core, a packet from the NIC on the core of its RSS "
      "queue; the NIC's delay is not CPU. Under load each waits its turn");
  r.notes.push_back(
      "later packets of the connection hit " + path.conntrack_name + " (" +
      path.conntrack_lookup.to_string() +
      ") and skip the Service lookup; replies are translated back from the conntrack entry");
  if (probe.seen) {
    const app::RequestRecord& q = probe.record;
    r.measured = true;
    r.status = app::to_string(q.status);
    r.served_by = model.endpoint_name(q.server);
    r.dns_time = q.dns();
    r.connect_time = q.connect();
    r.network_time = q.network();
    r.at_server_time = q.at_server();
    r.total_time = q.total();
  }
  return r;
}

std::string format_explain(const ExplainResult& r) {
  std::ostringstream o;
  o << "from pod " << r.from << " to " << r.to << "\n\nname resolution\n";
  for (const std::string& l : r.dns) o << "  " << l << "\n";
  if (!r.endpoints.empty()) {
    o << "\nwhere it leads\n";
    for (const std::string& l : r.endpoints) o << "  " << l << "\n";
  }
  o << "\nthe connection's first packet\n";
  Time sum;
  std::size_t width = 0;
  for (const ExplainStep& s : r.first_packet) width = std::max(width, s.where.size());
  for (const ExplainStep& s : r.first_packet) {
    o << "  " << s.where << std::string(width - s.where.size() + 2, ' ') << s.what;
    if (s.cost > Time::zero()) o << "  [" << s.cost.to_string() << "]";
    o << "\n";
    sum += s.cost;
  }
  o << "  total along the path: " << sum.to_string() << " (without queueing)\n";
  for (const std::string& l : r.notes) o << "  note: " << l << "\n";
  if (r.measured) {
    o << "\none request simulated in the idle cluster: " << r.status;
    if (!r.served_by.empty()) o << ", served by " << r.served_by;
    o << "\n  dns " << r.dns_time.to_string() << ", connect " << r.connect_time.to_string()
      << ", network " << r.network_time.to_string() << ", at the server "
      << r.at_server_time.to_string() << ", total " << r.total_time.to_string() << "\n";
  } else {
    o << "\nthe simulated request did not finish within 60 s\n";
  }
  return o.str();
}

}  // namespace podwire::builder
