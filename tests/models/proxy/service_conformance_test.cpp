// Service semantics in every proxy mode, through the node's kernel: ClusterIP
// translation and replies from the Service address, Services without
// endpoints, session affinity, NodePorts and load balancers under the Cluster
// and Local traffic policies, and IPVS's schedulers.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "models/kube/tcp_relay.hpp"
#include "models/net/network.hpp"
#include "models/net/tcp_stack.hpp"
#include "models/node/kernel_datapath.hpp"
#include "models/node/node_cpu.hpp"
#include "models/node/pod_directory.hpp"
#include "models/proxy/load_balancer.hpp"
#include "tests/support/datapath_rig.hpp"

namespace podwire::proxy {
namespace {

using kube::PolicyCheck;
using node::Conntrack;
using node::CtDirection;
using node::CtEntry;
using node::CtState;
using node::DatapathCosts;
using node::DropReason;

using engine::BitRate;
using engine::Time;
using net::Address;
using net::parse_address;
using test_support::Cluster;
using test_support::Datagrams;
using test_support::kLink;
using test_support::NodePortCluster;
using test_support::Peer;

const DatapathCosts kCosts{};
const node::CniCosts kCni{};

// Service semantics are the same in every proxy mode; only the costs differ.
class ProxyConformance : public testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(EveryMode, ProxyConformance,
                         testing::Values(std::string("iptables"), std::string("ipvs"),
                                         std::string("nftables"), std::string("ebpf")),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST_P(ProxyConformance, ClusterIpIsTranslatedToAnEndpointAndRepliesComeFromTheServiceAddress) {
  Cluster c(3, "vxlan", GetParam());
  node::PodNetns& client = c.add_pod(0, "client");
  std::vector<node::PodNetns*> backends{&c.add_pod(1, "web-1"), &c.add_pod(2, "web-2")};
  const Address vip = parse_address("10.96.0.20");
  c.add_service("my-app/web:80", vip, 80, 8080, backends);
  Peer server{&c.sim}, user{&c.sim};
  for (auto* b : backends) c.stack(*b).listen(8080, server.callbacks());
  net::TcpStack& cs = c.stack(client);
  for (int i = 0; i < 200; ++i) cs.connect(vip, 80, user.callbacks());
  c.sim.run();
  EXPECT_EQ(user.established, 200);
  for (const auto& f : user.flows) {  // the client only ever sees the Service address
    EXPECT_EQ(f.dst, vip);
    EXPECT_EQ(f.dst_port, 80);
  }
  std::map<Address, int> per_backend;
  for (const auto& f : server.flows) {
    EXPECT_EQ(f.dst, client.address());  // no SNAT for pod-to-Service traffic
    ++per_backend[f.src];
  }
  ASSERT_EQ(per_backend.size(), 2u);
  // Random choice: 200 connections split about evenly (binomial, 5 sigma is +-35).
  EXPECT_NEAR(per_backend[backends[0]->address()], 100, 35);
  EXPECT_EQ(c.datapaths[0].counters().service_translations, 200u);
}

TEST(NodeDatapath, IpvsRoundRobinTakesEndpointsInTurnAndSourceHashingSticks) {
  for (const IpvsScheduler scheduler : {IpvsScheduler::rr, IpvsScheduler::sh, IpvsScheduler::lc}) {
    Cluster c(3, "vxlan", "ipvs", scheduler);
    node::PodNetns& client = c.add_pod(0, "client");
    std::vector<node::PodNetns*> backends{&c.add_pod(1, "a"), &c.add_pod(2, "b"),
                                          &c.add_pod(2, "c")};
    const Address vip = parse_address("10.96.0.60");
    c.add_service("ns/web:80", vip, 80, 80, backends);
    Peer server{&c.sim}, user{&c.sim};
    for (auto* b : backends) c.stack(*b).listen(80, server.callbacks());
    net::TcpStack& cs = c.stack(client);
    for (int i = 0; i < 90; ++i) cs.connect(vip, 80, user.callbacks());
    c.sim.run();
    std::map<Address, int> per_backend;
    for (const auto& f : server.flows) ++per_backend[f.src];
    if (scheduler != IpvsScheduler::sh) {
      // rr: exactly in turn; lc: always the one with the fewest open
      // connections, which comes to the same while none closes.
      ASSERT_EQ(per_backend.size(), 3u);
      for (auto [a, n] : per_backend) EXPECT_EQ(n, 30);
    } else {
      EXPECT_EQ(per_backend.size(), 1u);  // one client, one real server
    }
  }
}

TEST_P(ProxyConformance, AServiceWithoutEndpointsRefusesTcpConnections) {
  Cluster c(1, "vxlan", GetParam());
  node::PodNetns& client = c.add_pod(0, "client");
  c.add_service("my-app/empty:80", parse_address("10.96.0.30"), 80, 80, {});
  Peer user{&c.sim};
  c.stack(client).connect(parse_address("10.96.0.30"), 80, user.callbacks());
  // A port the Service does not serve is rejected too.
  c.stack(c.add_pod(0, "other")).connect(parse_address("10.96.0.30"), 81, user.callbacks());
  c.sim.run();
  EXPECT_EQ(user.refused, 2);
  EXPECT_EQ(user.established, 0);
  EXPECT_EQ(c.datapaths[0].counters().rejected, 2u);
}

TEST_P(ProxyConformance, SessionAffinityClientIpKeepsAClientOnOneEndpoint) {
  Cluster c(3, "vxlan", GetParam());
  node::PodNetns& client = c.add_pod(0, "client");
  std::vector<node::PodNetns*> backends{&c.add_pod(1, "a"), &c.add_pod(2, "b"), &c.add_pod(2, "c")};
  const Address vip = parse_address("10.96.0.40");
  const std::uint32_t f = c.add_service("ns/sticky:80", vip, 80, 80, backends);
  c.services.frontend(f).session_affinity = true;
  Peer server{&c.sim}, user{&c.sim};
  for (auto* b : backends) c.stack(*b).listen(80, server.callbacks());
  net::TcpStack& cs = c.stack(client);
  for (int i = 0; i < 50; ++i) cs.connect(vip, 80, user.callbacks());
  c.sim.run();
  std::set<Address> seen;
  for (const auto& fl : server.flows) seen.insert(fl.src);
  EXPECT_EQ(user.established, 50);
  EXPECT_EQ(seen.size(), 1u);
}

TEST_P(ProxyConformance, ANodePortAnswersOnEveryNodeWithSnatUnderClusterPolicy) {
  NodePortCluster c(false, GetParam());
  net::TcpStack& out = c.stack(*c.outside);
  std::vector<Peer> users(3, Peer{&c.sim});
  for (int i = 0; i < 3; ++i) out.connect(c.nodes[i]->address(), 30080, users[i].callbacks());
  c.sim.run();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(users[i].established, 1) << "node " << i;
    EXPECT_EQ(users[i].flows[0].dst,
              c.nodes[i]->address());  // the client talks to the node it chose
  }
  // The backend sees the node that took the connection as its peer (masquerade).
  std::set<Address> peers;
  for (const auto& f : c.server.flows) peers.insert(f.dst == c.backend->address() ? f.src : f.dst);
  ASSERT_EQ(c.server.flows.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(peers.contains(c.nodes[i]->address()));
  // Nodes 0 and 1 forwarded to node 2: a second hop.
  EXPECT_EQ(c.datapaths[0].counters().snat, 1u);
  EXPECT_GT(c.datapaths[0].counters().encapsulated, 0u);
}

TEST_P(ProxyConformance, LocalTrafficPolicyNeverTakesASecondHopAndKeepsTheClientAddress) {
  NodePortCluster c(true, GetParam());
  net::TcpStack& out = c.stack(*c.outside);
  std::vector<Peer> users(3, Peer{&c.sim});
  for (int i = 0; i < 3; ++i) out.connect(c.nodes[i]->address(), 30080, users[i].callbacks());
  c.sim.run_until(Time::ms(100));
  EXPECT_EQ(users[0].established, 0);  // no local endpoint: dropped, the SYN is retried later
  EXPECT_EQ(users[1].established, 0);
  EXPECT_EQ(users[2].established, 1);
  ASSERT_EQ(c.server.flows.size(), 1u);
  EXPECT_EQ(c.server.flows[0].dst, c.outside->address());  // client address preserved
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.datapaths[i].counters().encapsulated, 0u) << "node " << i;
  EXPECT_EQ(c.datapaths[0].counters().snat, 0u);
}

// A load balancer in front of the NodePort Service, on its own host.
struct LoadBalancedCluster : NodePortCluster {
  net::Host* lb_host;
  std::unique_ptr<LoadBalancer> lb;
  const Address lb_ip = parse_address("198.18.0.1");
  LoadBalancedCluster(bool local, std::string proxy) : NodePortCluster(local, proxy) {
    // The fabric was built already: the load balancer hangs off the switch.
    lb_host = &net.add_host("lb", parse_address("192.168.0.2"));
    net.connect(*lb_host, *sw, kLink);
    net.compute_routes();
    net.add_address(lb_ip, lb_host->node());
    services.expose(frontend, FrontendKind::load_balancer, lb_ip, 80);
    std::vector<std::uint32_t> node_ids;
    for (auto* n : nodes) node_ids.push_back(n->node());
    lb = std::make_unique<LoadBalancer>(*lb_host, services, node_ids);
  }
};

TEST_P(ProxyConformance,
       LoadBalancerClusterPolicySpreadsOverEveryNodeAndRepliesComeFromTheBalancerAddress) {
  LoadBalancedCluster c(false, GetParam());
  net::TcpStack& out = c.stack(*c.outside);
  Peer user{&c.sim};
  for (int i = 0; i < 60; ++i) out.connect(c.lb_ip, 80, user.callbacks());
  c.sim.run();
  EXPECT_EQ(user.established, 60);
  for (const auto& f : user.flows) EXPECT_EQ(f.dst, c.lb_ip);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_GT(c.lb->per_node()[i], 0u) << "node " << i;
  // Nodes 0 and 1 hold no endpoint: their connections took a second hop.
  EXPECT_GT(c.datapaths[0].counters().encapsulated, 0u);
}

TEST_P(ProxyConformance, LoadBalancerLocalPolicySendsOnlyToNodesWithAnEndpoint) {
  LoadBalancedCluster c(true, GetParam());
  net::TcpStack& out = c.stack(*c.outside);
  Peer user{&c.sim};
  for (int i = 0; i < 60; ++i) out.connect(c.lb_ip, 80, user.callbacks());
  c.sim.run();
  EXPECT_EQ(user.established, 60);
  EXPECT_EQ(c.lb->per_node()[0], 0u);
  EXPECT_EQ(c.lb->per_node()[1], 0u);
  for (const auto& f : c.server.flows)
    EXPECT_EQ(f.dst, c.outside->address());  // client address kept
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.datapaths[i].counters().encapsulated, 0u);
}

}  // namespace
}  // namespace podwire::proxy
