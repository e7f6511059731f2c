#include "models/builder/explain.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <optional>
#include <sstream>

#include "models/app/name_resolver.hpp"
#include "models/app/program.hpp"
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

// The ready endpoints a frontend leads to, as lines: "  ns/pod ip:port on
// node, how it is chosen". `only_node` (a topology host index) keeps those on
// one node (internalTrafficPolicy, or externalTrafficPolicy Local at a node).
std::vector<std::string> endpoint_lines(const ClusterModel& model, const proxy::ServiceProxy& proxy,
                                        const proxy::ServiceTable::Match& m,
                                        std::optional<std::uint32_t> only_node,
                                        std::size_t* ready_count) {
  const ClusterFabric& fabric = model.fabric();
  std::vector<const proxy::Backend*> ready;
  for (const proxy::Backend& b : proxy.backends(m.index)) {
    if (b.ready && (!only_node || b.node == *only_node)) ready.push_back(&b);
  }
  *ready_count = ready.size();
  std::vector<std::string> lines;
  const std::string how = proxy.describe_choice(ready.size());
  for (const proxy::Backend* b : ready) {
    const std::string who = model.endpoint_name(b->id);
    std::string node = "?";
    for (const FabricNode& n : fabric.nodes) {
      if (n.host->node() == b->node) node = n.name;
    }
    lines.push_back("  " + (who.empty() ? std::string("(no pod)") : who) + " " + addr(b->address) +
                    ":" + std::to_string(b->port) + " on " + node + ", " + how);
  }
  if (m.frontend->session_affinity)
    lines.push_back("  sessionAffinity ClientIP: a client keeps its endpoint");
  return lines;
}

std::string port_text(std::uint16_t port, bool udp) {
  return std::to_string(port) + (udp ? "/UDP" : "/TCP");
}

// The library a request from `pod` resolves its name with: the client
// program of a traffic entry the pod sends, else the resolver of the app it
// runs, else glibc's.
struct Lookup {
  app::NameLookup kind = app::NameLookup::glibc;
  std::string who;
};
Lookup lookup_of_pod(const ClusterScenario& scenario, const kube::Cluster& cluster, int pod) {
  const auto runs = [&](const std::string& ns, const std::string& workload) {
    const std::vector<int> pods = cluster.pods_of(ns, workload);
    return std::find(pods.begin(), pods.end(), pod) != pods.end();
  };
  const auto described = [](app::NameLookup kind, const std::string& whose) {
    switch (kind) {
      case app::NameLookup::go_ipv4:
        return whose + " resolves with Go's resolver, A only: a socket per question";
      case app::NameLookup::go:
        return whose + " resolves with Go's resolver: A and AAAA in parallel, a socket each";
      case app::NameLookup::java:
        return whose + " resolves through a JVM's cache (30 s) over glibc's getaddrinfo()";
      case app::NameLookup::glibc:
        break;
    }
    return whose + " resolves with glibc's getaddrinfo(): A and AAAA from one socket";
  };
  for (const scenario::TrafficSpec& t : scenario.traffic) {
    if (t.from != scenario::TrafficSpec::From::pod || !runs(t.from_namespace, t.from_workload))
      continue;
    const app::NameLookup kind = app::find_program(t.program)->lookup;
    return Lookup{kind, described(kind, "its traffic's client, " + t.program + ",")};
  }
  for (const scenario::AppSpec& a : scenario.apps) {
    if (runs(a.namespace_, a.workload)) return Lookup{a.resolver, described(a.resolver, "its app")};
  }
  return Lookup{app::NameLookup::glibc, described(app::NameLookup::glibc, "a program")};
}

}  // namespace

ExplainResult explain(const ClusterScenario& scenario, const std::string& from,
                      const std::string& to) {
  ClusterModel model(scenario, ClusterModel::Parts{false, false});
  const kube::Cluster& cluster = model.cluster();
  const ClusterFabric& fabric = model.fabric();
  const bool outside = from == "outside";
  const int pod = outside ? -1 : find_pod(scenario, cluster, from);
  const kube::PodState* client = outside ? nullptr : &cluster.pods()[static_cast<std::size_t>(pod)];
  const Lookup lookup = outside ? Lookup{} : lookup_of_pod(scenario, cluster, pod);
  ExplainResult r;
  r.outside = outside;
  r.from = outside ? "outside" : pod_label(*client);
  r.to = to;

  std::string host = to;
  std::uint16_t port = 80;
  if (to.starts_with("udp://")) {
    std::string error;
    const std::optional<scenario::Url> url = scenario::Url::parse(to, &error);
    if (!url) fail(scenario, "--to", error);
    host = url->host;
    port = url->port;
    r.udp = true;
  } else if (const auto colon = to.rfind(':'); colon != std::string::npos) {
    int p = 0;
    const char* end = to.data() + to.size();
    if (std::from_chars(to.data() + colon + 1, end, p).ptr != end || p < 1 || p > 65535) {
      fail(scenario, "--to",
           "expected NAME[:PORT] or udp://NAME:PORT with a port from 1 to 65535, got '" + to + "'");
    }
    host = to.substr(0, colon);
    port = static_cast<std::uint16_t>(p);
  }
  const net::Protocol protocol = r.udp ? net::Protocol::udp : net::Protocol::tcp;
  const net::Address client_ip = outside ? fabric.outside->address() : client->ip;

  // --- name resolution ------------------------------------------------------------
  net::Address target = 0;
  std::string final_name;
  std::string upstream_name;  // the candidate CoreDNS forwarded upstream, when none answered
  ClusterModel::OutsideTarget published;  // from outside: what the name is published for
  if (const auto literal = app::address_literal(host)) {
    target = *literal;
    r.dns.push_back(host + " is an address: no lookup");
  } else if (outside) {
    // Outside the cluster only what the scenario publishes has a name, and
    // only what traffic from outside may reach is explained.
    published = model.outside_target(host, port, r.udp);
    if (!published.problem.empty()) fail(scenario, "--to", published.problem);
    target = model.public_address(host).value_or(0);
    const std::string what =
        published.node ? "node " + host
                       : "the load balancer of Service " +
                             cluster.services()[static_cast<std::size_t>(published.service)].key;
    r.dns.push_back("the public DNS: A " + host + " -> " + addr(target) + ", " + what);
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
    r.dns.push_back(lookup.who);
    // Go's resolver does not read glibc's no-aaaa; both read single-request.
    const bool aaaa = lookup.kind == app::NameLookup::go        ? true
                      : lookup.kind == app::NameLookup::go_ipv4 ? false
                                                                : !rc.no_aaaa;
    const std::string asks = !aaaa ? "A " : rc.single_request ? "A then AAAA " : "A+AAAA ";
    const int per_name = aaaa ? 2 : 1;
    if (nameserver == 0) {
      // The resolver outside the cluster knows no cluster names.
      const std::string& domain = scenario.cluster.dns.domain;
      int asked = 0;
      for (const std::string& name : rc.candidates(host)) {
        ++asked;
        if (name == domain || name.ends_with("." + domain)) {
          r.dns.push_back(asks + name + " -> NXDOMAIN (outside the cluster)");
          continue;
        }
        r.dns.push_back(asks + name +
                        " -> answered outside the cluster: the request leaves the cluster");
        break;
      }
      r.dns.push_back(std::to_string(per_name * asked) +
                      (per_name * asked == 1 ? " query" : " queries") +
                      " to the resolver outside the cluster, " +
                      scenario.cluster.dns.upstream_latency.to_string() + " each");
    }
    int queries = 0;
    for (const std::string& name :
         nameserver == 0 ? std::vector<std::string>{} : rc.candidates(host)) {
      queries += per_name;
      const kube::DnsAnswer a = cluster.lookup(name);
      if (a.kind == kube::DnsAnswer::Kind::nxdomain) {
        r.dns.push_back(asks + name + " -> NXDOMAIN");
        continue;
      }
      if (a.kind == kube::DnsAnswer::Kind::external) {
        r.dns.push_back(asks + name +
                        " -> outside the cluster domain: CoreDNS forwards it upstream");
        if (upstream_name.empty()) upstream_name = name;
        continue;
      }
      if (a.kind == kube::DnsAnswer::Kind::cname) {
        r.dns.push_back(asks + name + " -> CNAME " + a.cname +
                        " (ExternalName): resolved upstream");
        final_name = a.cname;
        break;
      }
      std::string list;
      for (net::Address x : a.addresses) list += (list.empty() ? "" : ", ") + addr(x);
      r.dns.push_back(asks + name + " -> " + list + " (TTL " + std::to_string(a.ttl_s) + " s)");
      target = a.addresses.front();
      final_name = name;
      break;
    }
    if (nameserver != 0)
      r.dns.push_back(std::to_string(queries) + (queries == 1 ? " query" : " queries") +
                      " over UDP to " + addr(nameserver) + (queries == 1 ? ":53, " : ":53, each ") +
                      "through the pod's node datapath to a CoreDNS pod");
  }

  // --- what the address leads to ------------------------------------------------
  const proxy::ServiceTable& table = model.services();
  const std::size_t client_node = outside ? 0 : static_cast<std::size_t>(client->node);
  const proxy::ServiceProxy& proxy = model.service_proxy(client_node);
  const node::KernelPath& path = model.datapath(client_node).kernel_path();
  const std::string other = r.udp ? "TCP" : "UDP";
  // The node the address is, when it is one (a nodePort from outside).
  std::size_t at_node = std::string::npos;
  for (std::size_t i = 0; outside && i < fabric.nodes.size(); ++i) {
    if (fabric.nodes[i].host->address() == target) at_node = i;
  }
  const proxy::ServiceTable::Match m = target == 0 ? proxy::ServiceTable::Match{}
                                       : at_node != std::string::npos
                                           ? table.find_node_port(port, protocol)
                                           : table.find(target, port, protocol);
  const proxy::ServiceTable::Match m_other =
      target == 0 || m.frontend != nullptr ? proxy::ServiceTable::Match{}
      : at_node != std::string::npos
          ? table.find_node_port(port, r.udp ? net::Protocol::tcp : net::Protocol::udp)
          : table.find(target, port, r.udp ? net::Protocol::tcp : net::Protocol::udp);
  bool no_such_port = false;  // a Service's address on a port it does not have
  if (m.frontend != nullptr && outside && m.kind == proxy::FrontendKind::cluster_ip) {
    r.endpoints.push_back(addr(target) + " is the ClusterIP of " + m.frontend->name +
                          ", which only the cluster's nodes translate: no route leads there from "
                          "outside, so the request gets no answer");
  } else if (m.frontend != nullptr && outside) {
    const proxy::ServiceFrontend& f = *m.frontend;
    const std::string& key = cluster.services()[f.service].key;
    const std::string policy =
        std::string("externalTrafficPolicy ") + (f.external_local ? "Local" : "Cluster");
    std::size_t ready = 0;
    if (at_node != std::string::npos) {
      const FabricNode& n = fabric.nodes[at_node];
      r.endpoints.push_back("node " + n.name + " " + addr(target) + ": nodePort " +
                            port_text(port, r.udp) + " -> Service " + key + " port " +
                            port_text(f.port, r.udp) + ", " + policy);
      std::vector<std::string> lines =
          endpoint_lines(model, model.service_proxy(at_node), m,
                         f.external_local ? std::optional(n.host->node()) : std::nullopt, &ready);
      r.endpoints.push_back(std::to_string(ready) + " ready endpoints" +
                            (f.external_local
                                 ? " on " + n.name + " (Local: the node sends only to its own)"
                                 : ": the node masquerades the packet to its own address and "
                                   "sends it to any of them"));
      r.endpoints.insert(r.endpoints.end(), lines.begin(), lines.end());
    } else {
      r.endpoints.push_back("Service " + key + ": load balancer " + addr(target) + ":" +
                            std::to_string(port) + " -> port " + port_text(f.port, r.udp) + ", " +
                            policy);
      // The nodes the cloud load balancer may pick (proxy::LoadBalancer).
      std::string nodes;
      for (const FabricNode& n : fabric.nodes) {
        const bool healthy =
            !f.external_local || std::ranges::any_of(f.backends, [&](const auto& b) {
              return b.ready && b.node == n.host->node();
            });
        if (healthy) nodes += (nodes.empty() ? "" : ", ") + n.name;
      }
      r.endpoints.push_back(
          "the cloud load balancer (cloud-lb " + addr(fabric.load_balancer->address()) +
          ") passes the packet through unchanged to a node it picks by flow hash among " +
          (nodes.empty() ? std::string("none") : nodes) +
          (f.external_local ? " (Local: only nodes with a ready endpoint pass its health check)"
                            : " (Cluster: every node)"));
      std::vector<std::string> lines =
          endpoint_lines(model, model.service_proxy(0), m, std::nullopt, &ready);
      r.endpoints.push_back(std::to_string(ready) + " ready endpoints" +
                            (f.external_local
                                 ? "; the node sends only to its own, keeping the client's address"
                                 : "; the node masquerades the packet to its own address and sends "
                                   "it to any of them"));
      r.endpoints.insert(r.endpoints.end(), lines.begin(), lines.end());
    }
  } else if (m.frontend != nullptr) {
    const proxy::ServiceFrontend& f = *m.frontend;
    std::size_t ready = 0;
    std::vector<std::string> lines = endpoint_lines(
        model, proxy, m,
        f.internal_local ? std::optional(fabric.nodes[client_node].host->node()) : std::nullopt,
        &ready);
    r.endpoints.push_back(f.name + (r.udp ? "/UDP" : "") + ": ClusterIP " + addr(target) + ":" +
                          std::to_string(port) + ", " + std::to_string(ready) +
                          " ready endpoints of " + std::to_string(proxy.backends(m.index).size()));
    r.endpoints.insert(r.endpoints.end(), lines.begin(), lines.end());
  } else if (m_other.frontend != nullptr) {
    no_such_port = true;  // for this protocol: the node rejects the packet
    r.endpoints.push_back(
        m_other.frontend->name + ": " + (at_node != std::string::npos ? "nodePort " : "") +
        addr(target) + ":" + std::to_string(port) + " serves " + other + " only; what follows is " +
        (r.udp ? "a UDP datagram, which nothing there takes (the TCP port is explained with "
                 "--to " +
                     host + ":" + std::to_string(port) + ")"
               : "a TCP connection, which it refuses (--to udp://" + host + ":" +
                     std::to_string(port) + " sends datagrams there)"));
  } else if (const int svc = service_at(cluster, target); svc >= 0) {
    no_such_port = true;
    // A Service's address on a port it does not have: no rule translates it.
    const kube::ServiceState& st = cluster.services()[static_cast<std::size_t>(svc)];
    std::string ports;
    for (const kube::ServicePortState& p : st.ports) {
      ports += (ports.empty() ? "" : ", ") + std::to_string(p.port->port) + "/" +
               std::string(kube::to_string(p.port->protocol));
    }
    r.endpoints.push_back("Service " + st.key + " (" + addr(target) + ") has no " +
                          (r.udp ? "UDP " : "") + "port " + std::to_string(port) +
                          " (its ports: " + (ports.empty() ? std::string("none") : ports) +
                          "): nothing serves the " + (r.udp ? "datagram" : "connection") +
                          ", as the node's datapath says below");
  } else if (target == 0 && !upstream_name.empty() && !model.published(upstream_name)) {
    r.endpoints.push_back(
        host +
        " is no name of the cluster (NXDOMAIN under every search domain) and no name "
        "the scenario publishes: the simulated upstream resolver answers it with an "
        "address outside the cluster (203.0.113.0/24) that nothing serves, so the " +
        std::string(r.udp ? "datagram goes" : "connection gets") + " no answer");
  } else if (target != 0) {
    if (const auto p = cluster.pod_by_ip(target)) {
      r.endpoints.push_back(addr(target) + " is pod " +
                            pod_label(cluster.pods()[static_cast<std::size_t>(*p)]) +
                            " itself (a headless name or a pod address): no Service translation");
    } else if (at_node != std::string::npos) {
      r.endpoints.push_back("node " + fabric.nodes[at_node].name + " " + addr(target) +
                            " has no nodePort " + port_text(port, r.udp) + ": nothing serves the " +
                            (r.udp ? "datagram" : "connection"));
    } else if (outside) {
      r.endpoints.push_back(addr(target) +
                            " is no address of the cluster: the request never reaches it");
    } else {
      r.endpoints.push_back(addr(target) +
                            " is outside the cluster: the pod's traffic is masqueraded to its "
                            "node's address");
    }
  }
  if (scenario.objects.network_policies.empty())
    r.notes.push_back("no NetworkPolicy: every connection is allowed");

  // --- one request, simulated, and its first packet as the stages charged it ----
  // Every node's kernel tells what each stage did to the connection's SYN (a
  // datagram's first packet) and what it charged: the path printed is the
  // path simulated.
  struct Capture {
    net::Address client_ip = 0;
    bool udp = false;
    std::uint16_t client_port = 0;  // the datagram socket's
    std::uint64_t flow_id = 0;      // of the first packet the client sent
    Time sent;                      // when it was sent: its retransmissions are other packets
    bool seen = false;
    std::uint32_t bytes = 0;  // as first seen by a node
    net::Address first_dst = 0;
    std::vector<std::pair<std::size_t, ExplainStep>> steps;  // (node, step)
    net::FlowKey last_flow;                                  // the packet as it last left a stage
  } capture{client_ip, r.udp, 0, 0, Time::zero(), false, 0, 0, {}, {}};
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
          // A SYN (a datagram): the reset a node answers with is another packet.
          const bool kind = c.udp ? p.flow.protocol == net::Protocol::udp
                                  : p.flow.protocol == net::Protocol::tcp &&
                                        (p.tcp_flags & net::tcp_flags::syn) &&
                                        !(p.tcp_flags & net::tcp_flags::ack);
          if (!kind) return;
          if (!c.seen) {
            if (p.flow.src != c.client_ip || (c.udp && p.flow.src_port != c.client_port)) return;
            c.seen = true;
            c.flow_id = p.flow_id;
            c.sent = p.created;
            c.bytes = p.wire_bytes;
            c.first_dst = p.flow.dst;
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
    std::uint64_t id = 0;  // of the probe's request, once seen
    bool datagram_seen = false;
    app::RequestTable::Datagram fate = app::RequestTable::Datagram::received;
    app::RequestRecord at_server;  // the datagram as its receiver last announced it
  } probe{outside ? fabric.outside->id() : model.pod_endpoint_id(pod),
          false,
          {},
          0,
          false,
          app::RequestTable::Datagram::received,
          {}};
  model.requests().finished.connect(
      [](void* ctx, const app::RequestRecord& rec) {
        auto& p = *static_cast<Probe*>(ctx);
        if (!p.seen && rec.parent == 0 && rec.client == p.client_id) {
          p.seen = true;
          p.record = rec;
          p.id = rec.id;
        }
      },
      &probe);
  model.requests().datagram.connect(
      [](void* ctx, const app::RequestRecord& rec, app::RequestTable::Datagram what) {
        auto& p = *static_cast<Probe*>(ctx);
        if (rec.parent != 0 || rec.client != p.client_id) return;
        if (p.datagram_seen && rec.id != p.at_server.id) return;
        p.datagram_seen = true;
        p.fate = what;
        p.at_server = rec;
      },
      &probe);
  capture.client_port = outside
                            ? model.add_outside_probe(host, port, Time::ms(10), r.udp)
                            : model.add_probe(pod, host, port, Time::ms(10), r.udp, lookup.kind);
  const std::uint64_t lb_before = model.load_balancer().counters().packets;
  const std::vector<std::uint64_t> lb_per_node = model.load_balancer().per_node();
  model.simulator().run_until(Time::s(60));
  for (NodeTap& t : taps) model.datapath(t.node).stage_charged.disconnect(&t);
  model.requests().finished.disconnect(&probe);
  model.requests().datagram.disconnect(&probe);

  const std::string packet = r.udp ? "datagram" : "SYN";
  const std::uint32_t first_bytes =
      capture.seen && (outside || r.udp) ? capture.bytes : net::kTcpSynBytes;
  r.first_packet.push_back(ExplainStep{
      outside ? "outside " + addr(client_ip) : "pod " + r.from,
      std::string(!outside && client->spec->host_network ? "hostNetwork, in the node's namespace: "
                                                         : "") +
          (r.udp ? "send() from " : "connect() from ") + addr(client_ip) + " to " +
          (target != 0 ? addr(target) : host) + ":" + std::to_string(port) + ": " +
          (r.udp ? "UDP datagram, " + std::to_string(first_bytes) + " bytes (IP, UDP, payload)"
                 : "SYN, " + std::to_string(first_bytes) + " bytes (IP, TCP, options)"),
      Time::zero()});

  // The wires and switches between two places of the fabric: a node (its
  // index) or a host outside the cluster, which hangs off the core switch
  // (the star's switch, or the first spine).
  const TopologySpec& t = scenario.cluster.topology;
  const bool star = t.kind == TopologySpec::Kind::star;
  struct Place {
    std::size_t node;  // npos: a host outside the cluster
    std::string name;
    engine::BitRate rate;
  };
  const auto node_place = [&](std::size_t n) {
    return Place{n, fabric.nodes[n].name, scenario.cluster.nodes[fabric.nodes[n].group].nic};
  };
  const auto host_place = [&](const net::Host& h) {
    return Place{std::string::npos, h.name(), h.uplink()->config().rate};
  };
  const auto rack = [&](std::size_t i) { return i / static_cast<std::size_t>(t.nodes_per_rack); };
  const auto cross = [&](const Place& a, const Place& b, std::uint64_t bytes) {
    const auto delay_of = [&](const Place& p) {
      return p.node != std::string::npos ? t.link_delay
             : p.name == fabric.outside->name()
                 ? fabric.outside->uplink()->config().propagation
                 : fabric.load_balancer->uplink()->config().propagation;
    };
    const auto nic = [](const Place& p) { return p.node != std::string::npos ? " NIC" : ""; };
    if (star) {
      r.first_packet.push_back(
          ExplainStep{"wire", a.name + nic(a) + " -> switch (" + std::to_string(bytes) + " bytes)",
                      wire(a.rate, delay_of(a), bytes)});
      r.first_packet.push_back(ExplainStep{"switch", "store and forward", t.switch_latency});
      r.first_packet.push_back(
          ExplainStep{"wire", "switch -> " + b.name + nic(b), wire(b.rate, delay_of(b), bytes)});
      return;
    }
    if (a.node != std::string::npos && b.node != std::string::npos) {
      r.first_packet.push_back(
          ExplainStep{"wire", a.name + " NIC -> its leaf (" + std::to_string(bytes) + " bytes)",
                      wire(a.rate, t.link_delay, bytes)});
      r.first_packet.push_back(ExplainStep{"switch", "leaf: store and forward", t.switch_latency});
      if (rack(a.node) != rack(b.node)) {
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
          ExplainStep{"wire", "leaf -> " + b.name + " NIC", wire(b.rate, t.link_delay, bytes)});
      return;
    }
    // From a host outside the cluster, which hangs off spine0.
    r.first_packet.push_back(
        ExplainStep{"wire", a.name + " -> spine0 (" + std::to_string(bytes) + " bytes)",
                    wire(a.rate, delay_of(a), bytes)});
    r.first_packet.push_back(ExplainStep{"switch", "spine0: store and forward", t.switch_latency});
    if (b.node == std::string::npos) {
      r.first_packet.push_back(
          ExplainStep{"wire", "spine0 -> " + b.name, wire(b.rate, delay_of(b), bytes)});
      return;
    }
    r.first_packet.push_back(ExplainStep{"wire", "spine0 -> leaf" + std::to_string(rack(b.node)),
                                         wire(t.uplink, t.link_delay, bytes)});
    r.first_packet.push_back(ExplainStep{"switch", "leaf: store and forward", t.switch_latency});
    r.first_packet.push_back(
        ExplainStep{"wire", "leaf -> " + b.name + " NIC", wire(b.rate, t.link_delay, bytes)});
  };

  // From outside: the packet went to the cloud load balancer when it still
  // carries a load-balancer address at the first node (it is pass-through),
  // or when the balancer counted it and no node saw it (it found no node).
  const std::uint64_t lb_packets = model.load_balancer().counters().packets - lb_before;
  const proxy::ServiceTable::Match first_match = table.find(capture.first_dst, port, protocol);
  const bool via_lb =
      outside && (capture.seen ? first_match.frontend != nullptr &&
                                     first_match.kind == proxy::FrontendKind::load_balancer
                               : lb_packets > 0);
  std::optional<Place> last;
  if (outside) {
    last = host_place(*fabric.outside);
    if (via_lb) {
      const Place lb = host_place(*fabric.load_balancer);
      cross(*last, lb, first_bytes);
      std::string picked = "no node: it drops the packet (no node passes its health check)";
      const std::vector<std::uint64_t>& now = model.load_balancer().per_node();
      for (std::size_t i = 0; i < now.size(); ++i) {
        if (now[i] > lb_per_node[i] && capture.seen && i == capture.steps.front().first)
          picked = "node " + fabric.nodes[i].name + ", picked by flow hash (pass-through: still " +
                   "addressed to " + addr(capture.first_dst) + ")";
      }
      r.first_packet.push_back(ExplainStep{"cloud-lb " + addr(fabric.load_balancer->address()),
                                           "to " + picked, Time::zero()});
      last = lb;
    }
  } else {
    last = node_place(client_node);
  }
  for (const auto& [n, step] : capture.steps) {
    if (last->node != n) {
      // Between two places: the wires and switches the packet crossed.
      const std::uint64_t bytes =
          last->node == std::string::npos
              ? first_bytes
              : first_bytes + model.datapath(last->node).cni().overhead_bytes();
      const Place to_place = node_place(n);
      cross(*last, to_place, bytes);
      last = to_place;
    }
    r.first_packet.push_back(step);
  }
  const auto node_named = [&](net::Address a) {
    for (const FabricNode& n : fabric.nodes) {
      if (n.host->address() == a) return n.name;
    }
    return std::string();
  };
  if (capture.seen && no_such_port &&
      (service_at(cluster, capture.last_flow.dst) >= 0 ||
       !node_named(capture.last_flow.dst).empty())) {
    // Still addressed to a Service (or a node's port): rejected or dropped on the way.
    const std::string& node = node_named(capture.last_flow.dst);
    r.first_packet.push_back(
        ExplainStep{"",
                    "the " + packet + " goes no further: " + addr(capture.last_flow.dst) + ":" +
                        std::to_string(capture.last_flow.dst_port) + " is " +
                        (node.empty() ? "a Service address" : "node " + node + "'s port") +
                        " no rule translates",
                    Time::zero()});
  } else if (capture.seen) {
    const net::Address a = capture.last_flow.dst;
    const auto at = cluster.pod_by_ip(a);
    const std::string who = at ? "pod " + pod_label(cluster.pods()[static_cast<std::size_t>(*at)])
                            : !node_named(a).empty() ? "node " + node_named(a)
                                                     : "outside";
    r.first_packet.push_back(ExplainStep{
        who, packet + " reaches " + addr(a) + ":" + std::to_string(capture.last_flow.dst_port),
        Time::zero()});
  } else if (!via_lb) {
    r.notes.push_back("no " + packet + " left the " + (outside ? "machine outside" : "pod") +
                      " for a node within 60 s (the name did not resolve, or nothing was sent)");
  }
  r.notes.push_back(
      "each kernel stage's cost is CPU work on the node's cores, shared with the pods' work: a "
      "socket's packet on its sending thread's core, a packet from the NIC on the core of its RSS "
      "queue; the NIC's delay is not CPU. Under load each waits its turn");
  r.notes.push_back(r.udp ? "later datagrams of the socket hit " + path.conntrack_name + " (" +
                                path.conntrack_lookup.to_string() +
                                ") and go to the same endpoint while the entry lives"
                          : "later packets of the connection hit " + path.conntrack_name + " (" +
                                path.conntrack_lookup.to_string() +
                                ") and skip the Service lookup; replies are translated back from "
                                "the conntrack entry");
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
    if (r.udp) {
      // Fire and forget: the request is done when sent; its receiver tells the rest.
      const app::RequestRecord& d = probe.at_server;
      const bool mine = probe.datagram_seen && d.id == probe.id;
      r.datagram = !mine ? "lost: nothing took it in"
                   : probe.fate == app::RequestTable::Datagram::dropped
                       ? "dropped at the receive queue"
                       : "taken in";
      r.served_by.clear();
      if (mine) {
        r.served_by = model.endpoint_name(d.server);
        r.to_server_time = d.server_arrived - d.dns_done;
        if (probe.fate == app::RequestTable::Datagram::consumed) r.at_server_time = d.at_server();
      }
    }
  }
  return r;
}

std::string format_explain(const ExplainResult& r) {
  std::ostringstream o;
  o << "from " << (r.outside ? "outside the cluster" : "pod " + r.from) << " to " << r.to
    << "\n\nname resolution\n";
  for (const std::string& l : r.dns) o << "  " << l << "\n";
  if (!r.endpoints.empty()) {
    o << "\nwhere it leads\n";
    for (const std::string& l : r.endpoints) o << "  " << l << "\n";
  }
  o << (r.udp ? "\nthe datagram\n" : "\nthe connection's first packet\n");
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
  if (r.measured && r.udp) {
    o << "\none datagram simulated in the idle cluster: sent (fire and forget), " << r.datagram;
    if (!r.served_by.empty()) o << " by " << r.served_by;
    o << "\n  dns " << r.dns_time.to_string();
    if (!r.served_by.empty())
      o << ", at the receiver " << r.to_server_time.to_string() << " after it was sent";
    o << "\n";
  } else if (r.measured) {
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
