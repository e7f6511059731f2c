// podwire explain on the seed example: the hops a reader of the Kubernetes
// docs expects (search-path DNS, the ClusterIP, DNAT to an endpoint, the
// overlay), each with the cost the simulation charges, and one request that
// really takes that path; and a hostNetwork pod's, from its node's socket.
#include "models/builder/explain.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

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
  EXPECT_NE(dns.find("A+AAAA web.my-app.svc.cluster.local -> 10."), std::string::npos) << dns;
  EXPECT_NE(dns.find("2 queries"), std::string::npos) << dns;
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
  EXPECT_NE(dns.find("A+AAAA server -> answered outside the cluster"), std::string::npos) << dns;
  EXPECT_EQ(dns.find("kube-dns"), std::string::npos) << dns;
}

}  // namespace
}  // namespace podwire::builder
