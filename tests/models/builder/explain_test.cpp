// podwire explain on the seed example: the hops a reader of the Kubernetes
// docs expects (search-path DNS, the ClusterIP, DNAT to an endpoint, the
// overlay), each with the cost the simulation charges, and one request that
// really takes that path; and a hostNetwork pod's, from its node's socket.
#include "models/builder/explain.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "models/builder/cluster_model.hpp"
#include "models/node/host_stack.hpp"

namespace podwire::builder {
namespace {

using engine::Time;

const std::string kSeed = std::string(PODWIRE_SOURCE_DIR) + "/scenarios/seed-web.yaml";

std::string all(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

TEST(Explain, TheSeedExamplesPathFromTheClientPodToTheWebService) {
  const ClusterScenario s = scenario::load_cluster_scenario(kSeed);
  const ExplainResult r = explain(s, "my-app/client", "web");
  EXPECT_EQ(r.from.rfind("my-app/client-", 0), 0u) << r.from;
  // "web" has no dot: ndots:5 sends it through the search path, and the
  // first domain (the pod's namespace) answers.
  const std::string dns = all(r.dns);
  EXPECT_NE(dns.find("search my-app.svc.cluster.local svc.cluster.local cluster.local"),
            std::string::npos)
      << dns;
  // The pod's traffic is fortio's, whose Go resolver asks for A alone.
  EXPECT_NE(dns.find("fortio, resolves with Go's resolver, A only"), std::string::npos) << dns;
  EXPECT_NE(dns.find("\nA web.my-app.svc.cluster.local -> 10."), std::string::npos) << dns;
  EXPECT_NE(dns.find("1 query over UDP"), std::string::npos) << dns;
  const std::string where = all(r.endpoints);
  EXPECT_NE(where.find("my-app/web:80: ClusterIP"), std::string::npos) << where;
  EXPECT_NE(where.find("3 ready endpoints of 3"), std::string::npos) << where;
  // The first packet: connect(), veth, conntrack, the iptables walk, DNAT, the overlay, the NIC,
  // the wire, the other node's NIC, its kernel and the listening socket.
  std::string path;
  Time charged;
  for (const ExplainStep& st : r.first_packet) {
    path += st.where + ": " + st.what + "\n";
    charged += st.cost;
  }
  for (const char* expected :
       {"connect(): socket, port choice", "the sending thread's context on core",
        "NIC driver transmit", "NIC: DMA and interrupt moderation",
        "softirq of the NIC's RSS queue", "listener found, request socket", "veth into the host",
        "conntrack: miss", "rules walked: KUBE-SERVICES", "DNAT to my-app/web-server-",
        "VXLAN encapsulation (+50 bytes)", "NIC -> switch", "VXLAN decapsulation",
        "bridge to the endpoint's veth", "SYN reaches"}) {
    EXPECT_NE(path.find(expected), std::string::npos) << expected << "\n" << path;
  }
  // The costs are the defaults of docs/parameters.md: connect() and TCP output, then 600 ns of
  // veth, ...
  const node::HostStackCosts host;
  EXPECT_EQ(r.first_packet[1].cost, host.connect + host.tx_transport);
  EXPECT_EQ(r.first_packet[2].cost, Time::ns(600));
  EXPECT_GT(charged, Time::us(5));
  // One request, simulated: it succeeds, and its connect time covers the
  // charged path there and back.
  ASSERT_TRUE(r.measured);
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.served_by.rfind("my-app/web-server-", 0), 0u);
  EXPECT_GT(r.connect_time, charged);
  EXPECT_GT(r.dns_time, Time::zero());
  // The path printed is the one simulated: the pod the SYN reaches serves the request.
  EXPECT_EQ(r.first_packet.back().where, "pod " + r.served_by);
  const std::string text = format_explain(r);
  EXPECT_NE(text.find("one request simulated in the idle cluster: ok"), std::string::npos) << text;
}

TEST(Explain, AnUnknownPodOrPortIsAnError) {
  const ClusterScenario s = scenario::load_cluster_scenario(kSeed);
  EXPECT_THROW(explain(s, "my-app/nope", "web"), scenario::ScenarioError);
  EXPECT_THROW(explain(s, "my-app/client", "web:99999"), scenario::ScenarioError);
}

TEST(Explain, AHostNetworkPodsFirstPacketLeavesFromTheNodesSocket) {
  const ClusterScenario s = scenario::load_cluster_scenario(std::string(PODWIRE_SOURCE_DIR) +
                                                            "/scenarios/placement.yaml");
  const ExplainResult r = explain(s, "bench/probe", "server");
  ASSERT_GE(r.first_packet.size(), 3u);
  EXPECT_NE(r.first_packet[0].what.find("hostNetwork"), std::string::npos);
  EXPECT_NE(r.first_packet[0].what.find("connect() from 10.0.0.1 "), std::string::npos)
      << r.first_packet[0].what;
  std::string path;
  for (const ExplainStep& st : r.first_packet) path += st.where + ": " + st.what + "\n";
  // The node's own socket and OUTPUT path: no veth, no forwarding in the host namespace.
  EXPECT_NE(path.find("node socket: connect()"), std::string::npos) << path;
  EXPECT_NE(path.find("DNAT to bench/server-"), std::string::npos) << path;
  EXPECT_EQ(path.find("veth into the host"), std::string::npos) << path;
  EXPECT_EQ(path.find("node worker-0 kernel: IP forwarding"), std::string::npos) << path;
  EXPECT_TRUE(r.measured);
  EXPECT_EQ(r.status, "ok");
}

TEST(Explain, AHostNetworkPodWithClusterFirstAsksItsNodesResolver) {
  // placement.yaml's probe says ClusterFirstWithHostNet; without it kubelet
  // writes the node's resolv.conf, which knows no Service names.
  std::ifstream in(std::string(PODWIRE_SOURCE_DIR) + "/scenarios/placement.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  const std::string policy = "            dnsPolicy: ClusterFirstWithHostNet\n";
  ASSERT_NE(yaml.find(policy), std::string::npos);
  yaml.erase(yaml.find(policy), policy.size());
  const ClusterScenario s = scenario::parse_cluster_scenario(yaml, "placement.yaml", {});
  const ExplainResult r = explain(s, "bench/probe", "server");
  const std::string dns = all(r.dns);
  EXPECT_NE(dns.find("resolv.conf: nameserver the node's resolver, ndots:1, search (none)"),
            std::string::npos)
      << dns;
  EXPECT_NE(dns.find("\nA server -> answered outside the cluster"), std::string::npos) << dns;
  EXPECT_EQ(dns.find("kube-dns"), std::string::npos) << dns;
}

ClusterScenario load(const std::string& name) {
  return scenario::load_cluster_scenario(std::string(PODWIRE_SOURCE_DIR) + "/scenarios/" + name);
}

std::string read(const std::string& name) {
  std::ifstream in(std::string(PODWIRE_SOURCE_DIR) + "/scenarios/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The cluster the scenario builds, read without explain: each endpoint pod
// of a Service ("ns/pod") with the name of the node it runs on.
std::vector<std::pair<std::string, std::string>> endpoints_of(const ClusterScenario& s,
                                                              const std::string& key) {
  const ClusterModel model(s, ClusterModel::Parts{false, false});
  const kube::Cluster& c = model.cluster();
  std::vector<std::pair<std::string, std::string>> out;
  for (const kube::ServiceState& st : c.services()) {
    if (st.key != key) continue;
    for (const kube::ServicePortState& ps : st.ports) {
      for (const kube::EndpointState& e : ps.endpoints) {
        const kube::PodState& p = c.pods()[static_cast<std::size_t>(e.pod)];
        out.emplace_back(p.namespace_ + "/" + p.name,
                         model.fabric().nodes[static_cast<std::size_t>(p.node)].name);
      }
    }
  }
  return out;
}

bool is_endpoint(const std::vector<std::pair<std::string, std::string>>& eps,
                 const std::string& pod) {
  for (const auto& [name, node] : eps) {
    if (name == pod) return true;
  }
  return false;
}

std::string path_of(const ExplainResult& r, Time* charged = nullptr) {
  std::string path;
  Time sum;
  for (const ExplainStep& st : r.first_packet) {
    path += st.where + ": " + st.what + "\n";
    sum += st.cost;
  }
  if (charged) *charged = sum;
  return path;
}

// The node whose kernel the packet reached first.
std::string first_node(const ExplainResult& r) {
  for (const ExplainStep& st : r.first_packet) {
    if (st.where.starts_with("node ") && st.where.ends_with(" kernel"))
      return st.where.substr(5, st.where.size() - 5 - 7);
  }
  return "";
}

TEST(Explain, FromOutsideToANodePortTheSynGoesStraightToThatNode) {
  const ClusterScenario s = load("nodeport.yaml");
  const ExplainResult r = explain(s, "outside", "worker-2:30080");
  EXPECT_TRUE(r.outside);
  EXPECT_EQ(all(r.dns), "the public DNS: A worker-2 -> 10.0.0.3, node worker-2\n");
  EXPECT_NE(all(r.endpoints).find("nodePort 30080/TCP -> Service my-app/web-nodeport port 80/TCP"),
            std::string::npos)
      << all(r.endpoints);
  Time charged;
  const std::string path = path_of(r, &charged);
  EXPECT_EQ(path.find("cloud-lb"), std::string::npos) << path;
  EXPECT_EQ(r.first_packet.front().where, "outside 192.0.2.10");
  EXPECT_EQ(first_node(r), "worker-2") << path;
  // 60 bytes of SYN at the outside host's 100 Gbit/s, and the link's propagation.
  ASSERT_GE(r.first_packet.size(), 2u);
  EXPECT_EQ(r.first_packet[1].what, "outside -> switch (60 bytes)");
  EXPECT_EQ(r.first_packet[1].cost, Time::ps(60 * 8 * 10) + s.cluster.topology.link_delay);
  // externalTrafficPolicy Cluster: the node masquerades.
  EXPECT_NE(path.find("SNAT to the node's address 10.0.0.3"), std::string::npos) << path;
  ASSERT_TRUE(r.measured);
  EXPECT_EQ(r.status, "ok");
  EXPECT_TRUE(is_endpoint(endpoints_of(s, "my-app/web-nodeport"), r.served_by)) << r.served_by;
  EXPECT_EQ(r.first_packet.back().where, "pod " + r.served_by);
  // The SYN's path, and the SYN-ACK's back, in the connect time.
  EXPECT_GT(r.connect_time, charged);
  const std::string text = format_explain(r);
  EXPECT_NE(text.find("from outside the cluster to worker-2:30080"), std::string::npos) << text;
  EXPECT_NE(text.find("total along the path: " + charged.to_string()), std::string::npos) << text;
  // A ClusterIP is translated only inside the cluster: from outside nothing leads there.
  const ExplainResult cip = explain(s, "outside", "10.102.201.25:80");
  EXPECT_NE(all(cip.endpoints).find("is the ClusterIP of my-app/web:80"), std::string::npos)
      << all(cip.endpoints);
  EXPECT_EQ(first_node(cip), "") << path_of(cip);
  EXPECT_FALSE(cip.measured);
}

TEST(Explain, UnderExternalTrafficPolicyLocalTheLoadBalancerSendsToTheEndpointsNode) {
  const ClusterScenario s = load("loadbalancer-local.yaml");
  const auto eps = endpoints_of(s, "my-app/shop");
  ASSERT_EQ(eps.size(), 1u);
  const ExplainResult r = explain(s, "outside", "shop.my-app.lb");
  const std::string path = path_of(r);
  // outside -> switch -> cloud-lb -> switch -> the node: the balancer's hop is on the path.
  std::size_t lb = r.first_packet.size();
  for (std::size_t i = 0; i < r.first_packet.size(); ++i) {
    if (r.first_packet[i].where.starts_with("cloud-lb ")) lb = i;
  }
  ASSERT_LT(lb, r.first_packet.size()) << path;
  EXPECT_EQ(r.first_packet[lb - 1].what, "switch -> cloud-lb");
  EXPECT_EQ(first_node(r), eps[0].second) << path;
  EXPECT_NE(r.first_packet[lb].what.find("to node " + eps[0].second), std::string::npos)
      << r.first_packet[lb].what;
  // Local: no second hop, no SNAT; the pod sees the client's address.
  EXPECT_EQ(path.find("SNAT"), std::string::npos) << path;
  EXPECT_EQ(path.find("VXLAN"), std::string::npos) << path;
  ASSERT_TRUE(r.measured);
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.served_by, eps[0].first);
  EXPECT_EQ(r.first_packet.back().where, "pod " + r.served_by);
}

TEST(Explain, UnderClusterTheLoadBalancersNodeForwardsToAnEndpointElsewhere) {
  const ClusterScenario s = load("loadbalancer-cluster.yaml");
  const auto eps = endpoints_of(s, "my-app/shop");
  ASSERT_EQ(eps.size(), 1u);
  const ExplainResult r = explain(s, "outside", "shop.my-app.lb:80");
  const std::string path = path_of(r);
  EXPECT_NE(path.find("cloud-lb 192.0.2.1: to node "), std::string::npos) << path;
  EXPECT_NE(all(r.endpoints).find("among worker-0, worker-1, worker-2 (Cluster: every node)"),
            std::string::npos)
      << all(r.endpoints);
  const std::string node = first_node(r);
  EXPECT_NE(path.find("SNAT to the node's address"), std::string::npos) << path;
  // A node without the pod sends the SYN on over the overlay.
  EXPECT_EQ(path.find("VXLAN encapsulation") != std::string::npos, node != eps[0].second) << path;
  EXPECT_EQ(r.served_by, eps[0].first);
  EXPECT_EQ(r.first_packet.back().where, "pod " + r.served_by);
}

TEST(Explain, FromOutsideANameOrPortNobodyPublishesIsTheErrorTrafficValidationGives) {
  const ClusterScenario s = load("loadbalancer-cluster.yaml");
  const auto message = [](const auto& f) {
    try {
      f();
    } catch (const scenario::ScenarioError& e) {
      return e.diagnostics().items().front().path + ": " + e.diagnostics().items().front().message;
    }
    return std::string("no error");
  };
  const std::string explained = message([&] { explain(s, "outside", "shop.lb"); });
  EXPECT_EQ(explained.rfind("--to: 'shop.lb' is not a name outside the cluster", 0), 0u)
      << explained;
  // The same words for a traffic entry from outside to that name.
  std::string yaml = read("loadbalancer-cluster.yaml");
  const std::string url = "http://shop.my-app.lb/";
  ASSERT_NE(yaml.find(url), std::string::npos);
  yaml.replace(yaml.find(url), url.size(), "http://shop.lb/");
  const ClusterScenario bad = scenario::parse_cluster_scenario(
      yaml, std::string(PODWIRE_SOURCE_DIR) + "/scenarios/lb.yaml", {});
  const std::string validated = message([&] {
    const ClusterModel m(bad, ClusterModel::Parts{true, false});
  });
  EXPECT_EQ(validated.substr(validated.find(": ") + 2), explained.substr(explained.find(": ") + 2));
  EXPECT_NE(message([&] {
              explain(s, "outside", "shop.my-app.lb:81");
            }).find("Service my-app/shop has no port 81"),
            std::string::npos);
  EXPECT_NE(message([&] {
              explain(load("nodeport.yaml"), "outside", "worker-0:30081");
            }).find("no Service has nodePort 30081 on node 'worker-0'"),
            std::string::npos);
  EXPECT_NE(message([&] {
              explain(load("nodeport.yaml"), "outside", "udp://worker-0:30080");
            }).find("no Service has a UDP nodePort 30080"),
            std::string::npos);
}

TEST(Explain, AUdpDatagramFromAPodTakesTheServicesUdpPortToItsReceiver) {
  const ClusterScenario s = load("protocols/cache-and-metrics.yaml");
  const ExplainResult r = explain(s, "client", "udp://statsd:8125");
  EXPECT_TRUE(r.udp);
  EXPECT_NE(all(r.endpoints).find("default/statsd:8125/UDP: ClusterIP"), std::string::npos)
      << all(r.endpoints);
  Time charged;
  const std::string path = path_of(r, &charged);
  // 200 bytes of payload, UDP and IP headers.
  EXPECT_NE(r.first_packet.front().what.find("UDP datagram, 228 bytes"), std::string::npos)
      << r.first_packet.front().what;
  EXPECT_NE(path.find("sendmsg()"), std::string::npos) << path;
  EXPECT_NE(path.find("UDP input"), std::string::npos) << path;
  EXPECT_EQ(path.find("SYN"), std::string::npos) << path;
  ASSERT_TRUE(r.measured);
  EXPECT_EQ(r.datagram, "taken in");
  EXPECT_TRUE(is_endpoint(endpoints_of(s, "default/statsd"), r.served_by)) << r.served_by;
  EXPECT_EQ(r.first_packet.back().where, "pod " + r.served_by);
  EXPECT_GE(r.to_server_time, charged);
}

TEST(Explain, ADatagramToATcpPortAndAConnectionToAUdpPortSaySo) {
  const ClusterScenario s = load("protocols/cache-and-metrics.yaml");
  const ExplainResult tcp = explain(s, "client", "statsd:8125");
  EXPECT_NE(all(tcp.endpoints)
                .find("serves UDP only; what follows is a TCP connection, which it refuses "
                      "(--to udp://statsd:8125 sends datagrams there)"),
            std::string::npos)
      << all(tcp.endpoints);
  EXPECT_EQ(path_of(tcp).find("SYN reaches"), std::string::npos) << path_of(tcp);
  EXPECT_EQ(tcp.status, "refused");
  const ExplainResult udp = explain(s, "client", "udp://web:80");
  EXPECT_NE(all(udp.endpoints).find("serves TCP only"), std::string::npos) << all(udp.endpoints);
  EXPECT_NE(path_of(udp).find("the datagram goes no further"), std::string::npos) << path_of(udp);
  EXPECT_EQ(udp.datagram, "lost: nothing took it in");
  EXPECT_EQ(udp.served_by, "");
}

TEST(Explain, AUdpDatagramFromOutsideThroughTheLoadBalancer) {
  std::string yaml = read("protocols/cache-and-metrics.yaml");
  const std::string spec = "spec: {selector: {app: statsd}, ports:";
  ASSERT_NE(yaml.find(spec), std::string::npos);
  yaml.replace(yaml.find(spec), spec.size(),
               "spec: {type: LoadBalancer, selector: {app: statsd}, ports:");
  const ClusterScenario s = scenario::parse_cluster_scenario(
      yaml, std::string(PODWIRE_SOURCE_DIR) + "/scenarios/protocols/udp-lb.yaml", {});
  const ExplainResult r = explain(s, "outside", "udp://statsd.default.lb:8125");
  const std::string path = path_of(r);
  EXPECT_NE(path.find("cloud-lb 192.0.2.1: to node "), std::string::npos) << path;
  EXPECT_EQ(r.datagram, "taken in");
  EXPECT_TRUE(is_endpoint(endpoints_of(s, "default/statsd"), r.served_by)) << r.served_by;
  EXPECT_EQ(r.first_packet.back().where, "pod " + r.served_by);
}

}  // namespace
}  // namespace podwire::builder
