// The node datapath with pods, Services and the fabric: which paths touch the
// NIC, exact stage timings, VXLAN bytes on the wire, masquerade, NetworkPolicy
// drops, port-forward, kernel work on the cores, eBPF's Maglev and DSR, what
// a node's programmed endpoints do to its flows, and conntrack. The Service
// semantics every proxy mode shares are in
// tests/models/proxy/service_conformance_test.cpp.
#include "models/node/kernel_datapath.hpp"

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

TEST(NodeDatapath, LocalhostInsideAPodNeverReachesTheNodeDatapath) {
  Cluster c(1);
  node::PodNetns& pod = c.add_pod(0, "web");
  Datagrams got{&c.sim};
  pod.bind_udp(8080, &Datagrams::on, &got);
  pod.send_udp(40000, net::kLoopbackAddress, 8080, 100);
  pod.send_udp(40001, pod.address(), 8080, 100);
  c.sim.run();
  ASSERT_EQ(got.at.size(), 2u);
  EXPECT_EQ(got.at[0], Time::zero());
  EXPECT_EQ(c.datapaths[0].counters().from_pods, 0u);
  EXPECT_EQ(c.nic_rx(0), 0u);
  EXPECT_EQ(c.fabric_packets(), 0u);
}

TEST(NodeDatapath, SameNodePodsTalkThroughVethsAndTheBridgeNotTheNic) {
  Cluster c(2);
  node::PodNetns& a = c.add_pod(0, "a");
  node::PodNetns& b = c.add_pod(0, "b");
  Datagrams got{&c.sim};
  b.bind_udp(9000, &Datagrams::on, &got);
  a.send_udp(40000, b.address(), 9000, 100);
  c.sim.run();
  ASSERT_EQ(got.at.size(), 1u);
  // veth out, conntrack miss and insert, bridge, veth in.
  EXPECT_EQ(got.at[0], kCosts.veth + kCosts.conntrack_lookup + kCosts.conntrack_insert +
                           kCosts.bridge + kCosts.veth);
  EXPECT_EQ(c.nic_rx(0), 0u);
  EXPECT_EQ(c.fabric_packets(), 0u);
  EXPECT_EQ(c.datapaths[0].counters().to_pods, 1u);
}

Time hop(std::uint32_t bytes) {
  return kLink.rate.serialization(engine::Bytes(bytes)) + kLink.propagation;
}

TEST(NodeDatapath, CrossNodeVxlanAddsFiftyBytesOnTheWireAndEncapCosts) {
  Cluster c(2);
  node::PodNetns& a = c.add_pod(0, "a");
  node::PodNetns& b = c.add_pod(1, "b");
  Datagrams got{&c.sim};
  b.bind_udp(9000, &Datagrams::on, &got);
  a.send_udp(40000, b.address(), 9000, 100);
  c.sim.run();
  ASSERT_EQ(got.at.size(), 1u);
  const std::uint32_t wire = 100 + 8 + 20 + 50;
  const Time sender =
      kCosts.veth + kCosts.conntrack_lookup + kCosts.conntrack_insert + kCosts.bridge + kCni.encap;
  const Time receiver =
      kCni.decap + kCosts.conntrack_lookup + kCosts.conntrack_insert + kCosts.bridge + kCosts.veth;
  EXPECT_EQ(got.at[0], sender + hop(wire) + hop(wire) + receiver);
  std::uint64_t bytes = 0;
  for (auto& l : c.net.links()) bytes += l.counters().bytes;
  EXPECT_EQ(bytes, 2u * wire);               // node-0 -> switch -> node-1
  EXPECT_EQ(got.flows[0].src, a.address());  // no NAT between pods
  EXPECT_EQ(c.datapaths[0].counters().encapsulated, 1u);
  EXPECT_EQ(c.datapaths[1].counters().decapsulated, 1u);
}

TEST(NodeDatapath, NativeRoutingSendsPodPacketsUnencapsulated) {
  Cluster c(2, "native");
  node::PodNetns& a = c.add_pod(0, "a");
  node::PodNetns& b = c.add_pod(1, "b");
  Datagrams got{&c.sim};
  b.bind_udp(9000, &Datagrams::on, &got);
  a.send_udp(40000, b.address(), 9000, 100);
  c.sim.run();
  ASSERT_EQ(got.at.size(), 1u);
  const std::uint32_t wire = 100 + 8 + 20;
  const Time sender =
      kCosts.veth + kCosts.conntrack_lookup + kCosts.conntrack_insert + kCosts.bridge;
  const Time receiver =
      kCosts.conntrack_lookup + kCosts.conntrack_insert + kCosts.bridge + kCosts.veth;
  EXPECT_EQ(got.at[0], sender + hop(wire) + hop(wire) + receiver);
  EXPECT_EQ(c.datapaths[0].counters().encapsulated, 0u);
}

TEST(NodeDatapath, PodTrafficLeavingTheClusterIsMasqueraded) {
  Cluster c(1);
  node::PodNetns& pod = c.add_pod(0, "curl");
  Peer server{&c.sim}, user{&c.sim};
  c.stack(*c.outside).listen(443, server.callbacks());
  c.stack(pod).connect(c.outside->address(), 443, user.callbacks());
  c.sim.run();
  ASSERT_EQ(user.established, 1);
  ASSERT_EQ(server.flows.size(), 1u);
  EXPECT_EQ(server.flows[0].dst, c.nodes[0]->address());
  EXPECT_EQ(user.flows[0].src, pod.address());
}

struct DenyTo final : PolicyCheck {
  Address denied;
  bool egress_allowed(Address, Address, std::uint16_t, net::Protocol) const override {
    return true;
  }
  bool ingress_allowed(Address, Address dst, std::uint16_t, net::Protocol) const override {
    return dst != denied;
  }
};

TEST(NodeDatapath, NetworkPolicyDropsNewConnectionsAndCountsThem) {
  Cluster c(2);
  node::PodNetns& client = c.add_pod(0, "client");
  node::PodNetns& open = c.add_pod(1, "open");
  node::PodNetns& closed = c.add_pod(1, "closed");
  DenyTo policy;
  policy.denied = closed.address();
  for (auto& d : c.datapaths) d.set_policy(&policy);
  Peer server{&c.sim}, user{&c.sim};
  c.stack(open).listen(80, server.callbacks());
  c.stack(closed).listen(80, server.callbacks());
  net::TcpStack& cs = c.stack(client);
  cs.connect(open.address(), 80, user.callbacks());
  cs.connect(closed.address(), 80, user.callbacks());
  c.sim.run_until(Time::ms(500));
  EXPECT_EQ(user.established, 1);
  EXPECT_EQ(c.datapaths[1].counters().policy_drops, 1u);  // the SYN; its retry comes after 1 s
}

TEST(PortForward, TravelsThroughTheApiServerAndKubeletIntoThePodsLocalhost) {
  Cluster c(2);
  net::Host& apiserver = c.net.add_host("apiserver", parse_address("10.0.255.1"));
  c.net.connect(apiserver, *c.sw, kLink);
  c.net.compute_routes();
  node::PodNetns& pod = c.add_pod(1, "web-0");
  // The application listens on the pod's port; nothing else of the pod is reachable.
  Peer server{&c.sim};
  struct Echo {
    static void on(void*, net::TcpConnection& conn, std::uint64_t tag, std::uint64_t) {
      conn.send_message(500, tag);
    }
  };
  net::TcpCallbacks scb = server.callbacks();
  scb.on_message = &Echo::on;
  net::TcpStack& pod_stack = c.stack(pod);
  pod_stack.listen(8080, scb);
  // kubectl on the workstation, the API server, the kubelet of node-1.
  net::TcpStack& workstation = c.stack(*c.outside);
  net::TcpStack& api = c.stack(apiserver);
  net::TcpStack& kubelet = c.stack(*c.nodes[1]);
  const Time api_latency = Time::us(200), kubelet_latency = Time::us(100);
  kube::TcpRelay kubectl(workstation, 18080, workstation, apiserver.address(), 6443, Time::zero(),
                         "kubectl");
  kube::TcpRelay api_relay(api, 6443, api, c.nodes[1]->address(), 10250, api_latency, "apiserver");
  kube::TcpRelay kubelet_relay(kubelet, 10250, pod_stack, net::kLoopbackAddress, 8080,
                               kubelet_latency, "kubelet");

  struct User {
    engine::Simulator* sim;
    Time sent = Time::max(), answered = Time::max();
    static void established(void* ctx, net::TcpConnection& conn) {
      auto* u = static_cast<User*>(ctx);
      u->sent = u->sim->now();
      conn.send_message(100, 7);
    }
    static void message(void* ctx, net::TcpConnection&, std::uint64_t tag, std::uint64_t bytes) {
      auto* u = static_cast<User*>(ctx);
      if (tag == 7 && bytes == 500) u->answered = u->sim->now();
    }
  } user{&c.sim};
  net::TcpCallbacks ucb;
  ucb.context = &user;
  ucb.on_established = &User::established;
  ucb.on_message = &User::message;
  workstation.connect(net::kLoopbackAddress, 18080, ucb);
  c.sim.run_until(Time::s(1));
  ASSERT_NE(user.answered, Time::max());
  EXPECT_EQ(server.accepted, 1);
  // The pod's server saw a localhost connection: it never left the pod's namespace.
  ASSERT_EQ(server.flows.size(), 1u);
  EXPECT_EQ(server.flows[0].src, net::kLoopbackAddress);
  EXPECT_EQ(server.flows[0].dst, net::kLoopbackAddress);
  EXPECT_EQ(pod.packets_out(), 0u);
  // Each relay's latency is paid each way, on top of the network.
  EXPECT_GT(user.answered - user.sent, 2 * (api_latency + kubelet_latency));
  EXPECT_EQ(api_relay.counters().messages_forwarded, 2u);
  EXPECT_EQ(kubelet_relay.counters().connections, 1u);
}

// A pod sending n datagrams to a pod on its node, one every `gap`, through a
// node of one core: the per-packet kernel work is queued on that core.
struct KernelLoad {
  Cluster c{1};
  node::NodeCpu cpu{c.sim, 1, "node-0"};
  node::PodNetns* a;
  node::PodNetns* b;
  Datagrams got{&c.sim};
  Time gap;
  int left;
  KernelLoad(int n, Time g) : gap(g), left(n) {
    c.datapaths[0].set_cpu(&cpu);
    a = &c.add_pod(0, "a");
    b = &c.add_pod(0, "b");
    b->bind_udp(9000, &Datagrams::on, &got);
    c.sim.schedule_in<&KernelLoad::send>(Time::zero(), this);
    c.sim.run();
  }
  void send() {
    a->send_udp(40000, b->address(), 9000, 100);
    if (--left > 0) c.sim.schedule_in<&KernelLoad::send>(gap, this);
  }
};

TEST(NodeDatapath, KernelWorkQueuesOnTheNodesCoresAndCapsItsPacketRate) {
  const Time first =
      kCosts.veth + kCosts.conntrack_lookup + kCosts.conntrack_insert + kCosts.bridge + kCosts.veth;
  const Time next = kCosts.veth + kCosts.conntrack_lookup + kCosts.bridge +
                    kCosts.veth;  // a conntrack hit: 1.75 us
  // Below the core's capacity each packet only pays its own work...
  KernelLoad light(10000, Time::us(2));
  ASSERT_EQ(light.got.at.size(), 10000u);
  EXPECT_EQ(light.got.at.back(), 9999 * Time::us(2) + next);
  // ...above it they queue, and the node moves one packet per 1.75 us whatever is offered.
  KernelLoad heavy(10000, Time::us(1));
  ASSERT_EQ(heavy.got.at.size(), 10000u);
  EXPECT_EQ(heavy.got.at.back(), first + 9999 * next);
  EXPECT_EQ(heavy.cpu.busy_kernel(), first + 9999 * next);
  EXPECT_EQ(heavy.cpu.busy_application(), Time::zero());
}

// The netperf calibration against the Cilium 2021 table is in host_stack_test.cpp.

TEST(NodeDatapath, EbpfMaglevSendsAFlowToTheSameBackendThroughAnyNode) {
  Cluster c(3, "vxlan", "ebpf");
  c.proxy_config.ebpf_maglev = true;
  c.rebuild_proxies();
  std::vector<node::PodNetns*> backends;
  std::deque<Datagrams> got;
  for (int i = 0; i < 6; ++i) {
    backends.push_back(&c.add_pod(1 + i % 2, "dns-" + std::to_string(i)));
    got.emplace_back(&c.sim);
    backends.back()->bind_udp(53, &Datagrams::on, &got.back());
  }
  const std::uint32_t f =
      c.add_service("ns/dns:53", parse_address("10.96.0.80"), 53, 53, backends, net::Protocol::udp);
  c.services.expose_node_port(f, 30053);
  // Twenty clients (source ports), each through all three nodes.
  for (std::uint16_t port = 40000; port < 40020; ++port) {
    for (int n = 0; n < 3; ++n) c.outside->send_udp(port, c.nodes[n]->address(), 30053, 40);
  }
  c.sim.run();
  int total = 0, used = 0;
  for (const Datagrams& d : got) {
    total += static_cast<int>(d.at.size());
    used += d.at.empty() ? 0 : 1;
    // Whatever node a client went through, its three datagrams met here.
    EXPECT_EQ(d.at.size() % 3, 0u);
  }
  EXPECT_EQ(total, 60);
  EXPECT_GT(used, 2);  // and different clients spread over the backends
}

TEST(NodeDatapath, EbpfDirectServerReturnAnswersFromTheBackendsNode) {
  NodePortCluster c(false, "ebpf");
  c.proxy_config.ebpf_dsr = true;
  c.rebuild_proxies();
  // The fixture's pod is wired to the old datapath of its node: serve from a
  // new one (the old one stays idle, out of the directory).
  c.directory.remove(c.backend->address());
  Peer server{&c.sim};
  node::PodNetns& pod = c.add_pod(2, "web-dsr");
  c.services.frontend(c.frontend).backends = {
      Backend{pod.address(), 8080, pod.node_index(), pod.id()}};
  c.stack(pod).listen(8080, server.callbacks());
  Peer user{&c.sim};
  c.stack(*c.outside).connect(c.nodes[0]->address(), 30080, user.callbacks());
  c.sim.run();
  ASSERT_EQ(user.established, 1);
  EXPECT_EQ(user.flows[0].dst, c.nodes[0]->address());  // the client only knows node-0's NodePort
  ASSERT_EQ(server.flows.size(), 1u);
  EXPECT_EQ(server.flows[0].dst, c.outside->address());  // no SNAT: the client's own address
  EXPECT_EQ(c.datapaths[0].counters().dsr, 1u);
  EXPECT_EQ(c.datapaths[0].counters().snat, 0u);
  // Node 0 saw only the client's side: the answers left node 2 for the client.
  EXPECT_EQ(c.datapaths[0].counters().to_fabric, c.datapaths[0].counters().from_nic);
}

TEST(NodeDatapath, StaleUdpEntriesKeepSteeringToARemovedEndpointUntilCleaned) {
  // The classic case: DNS over UDP from one source port to a CoreDNS pod that
  // has left the Service (kubernetes#45976).
  Cluster c(2);
  node::PodNetns& client = c.add_pod(0, "client");
  node::PodNetns& old_dns = c.add_pod(1, "coredns-old");
  node::PodNetns& new_dns = c.add_pod(1, "coredns-new");
  Datagrams at_old{&c.sim}, at_new{&c.sim};
  old_dns.bind_udp(53, &Datagrams::on, &at_old);
  new_dns.bind_udp(53, &Datagrams::on, &at_new);
  const Address vip = parse_address("10.96.0.10");
  const std::uint32_t f =
      c.add_service("kube-system/kube-dns:53", vip, 53, 53, {&old_dns}, net::Protocol::udp);
  client.send_udp(40000, vip, 53, 40);
  c.sim.run();
  ASSERT_EQ(at_old.at.size(), 1u);
  // The endpoint is replaced, but the flow's conntrack entry still points at it.
  c.services.frontend(f).backends = {
      Backend{new_dns.address(), 53, new_dns.node_index(), new_dns.id()}};
  client.send_udp(40000, vip, 53, 40);
  c.sim.run();
  EXPECT_EQ(at_old.at.size(), 2u);
  EXPECT_EQ(at_new.at.size(), 0u);
  // kube-proxy's cleanup removes it; the next query takes the new endpoint.
  EXPECT_EQ(c.proxy(0).forget_endpoint(old_dns.id()), 1u);
  client.send_udp(40000, vip, 53, 40);
  c.sim.run();
  EXPECT_EQ(at_new.at.size(), 1u);
  // Without a cleanup the entry would have lasted its UDP timeout (30 s unreplied).
  EXPECT_EQ(c.datapaths[0].conntrack().timeouts().udp_unreplied, Time::s(30));
}

// A node's programmed endpoints for a UDP Service: kube-proxy's cleanup after
// a sync deletes the flows that Service steered to an endpoint that left it or
// stopped serving, and no other flows.
TEST(NodeDatapath, ProgrammingClearsTheUdpFlowsTheServiceSteeredToEndpointsThatStoppedServing) {
  Cluster c(2);
  node::PodNetns& client = c.add_pod(0, "client");
  node::PodNetns& dns = c.add_pod(1, "dns");
  node::PodNetns& spare = c.add_pod(1, "spare");
  Datagrams at_dns{&c.sim}, at_spare{&c.sim};
  dns.bind_udp(53, &Datagrams::on, &at_dns);
  spare.bind_udp(53, &Datagrams::on, &at_spare);
  const Address vip1 = parse_address("10.96.0.10"), vip2 = parse_address("10.96.0.11");
  const std::uint32_t f1 = c.add_service("ns/dns-a:53", vip1, 53, 53, {&dns}, net::Protocol::udp);
  const std::uint32_t f2 = c.add_service("ns/dns-b:53", vip2, 53, 53, {&dns}, net::Protocol::udp);
  client.send_udp(40000, vip1, 53, 40);
  client.send_udp(40001, vip2, 53, 40);
  c.sim.run();
  ASSERT_EQ(at_dns.at.size(), 2u);
  proxy::ServiceProxy& dp = c.proxy(0);
  const auto one = [](const node::PodNetns& p, bool ready, bool serving, bool terminating) {
    return std::make_shared<const std::vector<Backend>>(std::vector<Backend>{
        Backend{p.address(), 53, p.node_index(), p.id(), ready, serving, terminating}});
  };
  // Terminating but still serving: its flows stay.
  EXPECT_EQ(dp.program(f1, one(dns, false, true, true)), 0u);
  // Gone from the first Service: that Service's flow to it goes, the second's stays.
  EXPECT_EQ(dp.program(f1, one(spare, true, true, false)), 1u);
  EXPECT_EQ(dp.datapath().conntrack().size(), 1u);
  client.send_udp(40000, vip1, 53, 40);
  client.send_udp(40001, vip2, 53, 40);
  c.sim.run();
  EXPECT_EQ(at_spare.at.size(), 1u);
  EXPECT_EQ(at_dns.at.size(), 3u);
  // Still listed by the second Service but no longer serving: cleared too.
  EXPECT_EQ(dp.program(f2, one(dns, false, false, true)), 1u);
  // The other node never programmed anything: its view is still the table's.
  EXPECT_EQ(c.proxy(1).backends(f1).size(), 1u);
  EXPECT_EQ(c.proxy(1).backends(f1)[0].id, dns.id());
}

TEST(NodeDatapath, SessionAffinityNeverReturnsToAnEndpointTheNodeNoLongerHas) {
  Cluster c(2);
  node::PodNetns& client = c.add_pod(0, "client");
  node::PodNetns& a = c.add_pod(1, "a");
  node::PodNetns& b = c.add_pod(1, "b");
  Datagrams at_a{&c.sim}, at_b{&c.sim};
  a.bind_udp(53, &Datagrams::on, &at_a);
  b.bind_udp(53, &Datagrams::on, &at_b);
  const Address vip = parse_address("10.96.0.12");
  const std::uint32_t f = c.add_service("ns/sticky:53", vip, 53, 53, {&a, &b}, net::Protocol::udp);
  c.services.frontend(f).session_affinity = true;
  client.send_udp(40000, vip, 53, 40);
  c.sim.run();
  const bool went_to_a = at_a.at.size() == 1;
  node::PodNetns& first = went_to_a ? a : b;
  node::PodNetns& other = went_to_a ? b : a;
  Datagrams& at_other = went_to_a ? at_b : at_a;
  // The client's endpoint leaves this node's view: a new flow takes the other one...
  c.proxy(0).program(f, std::make_shared<const std::vector<Backend>>(std::vector<Backend>{
                            Backend{other.address(), 53, other.node_index(), other.id()}}));
  client.send_udp(40001, vip, 53, 40);
  c.sim.run();
  EXPECT_EQ(at_other.at.size(), 1u);
  // ...and the affinity follows it when the first endpoint is back.
  auto both = std::make_shared<std::vector<Backend>>();
  both->push_back(Backend{first.address(), 53, first.node_index(), first.id()});
  both->push_back(Backend{other.address(), 53, other.node_index(), other.id()});
  c.proxy(0).program(f, both);
  for (std::uint16_t port = 40002; port < 40010; ++port) client.send_udp(port, vip, 53, 40);
  c.sim.run();
  EXPECT_EQ(at_other.at.size(), 9u);
}

TEST(NodeDatapath, LocalPolicyDecidesFromTheNodesProgrammedEndpoints) {
  NodePortCluster c(true, "iptables");
  // Node 2 has programmed the Service's only endpoint away; node 0 has not.
  c.proxy(2).program(c.frontend, std::make_shared<const std::vector<Backend>>());
  net::TcpStack& out = c.stack(*c.outside);
  Peer via0{&c.sim}, via2{&c.sim};
  out.connect(c.nodes[0]->address(), 30080, via0.callbacks());
  out.connect(c.nodes[2]->address(), 30080, via2.callbacks());
  c.sim.run_until(Time::ms(100));
  // Node 0 still knows an endpoint, elsewhere: it drops, as under Local policy
  // kube-proxy does. Node 2 knows none: it rejects.
  EXPECT_EQ(via0.refused, 0);
  EXPECT_EQ(c.datapaths[0].counters().rejected, 1u);  // drops for no endpoint count as rejected
  EXPECT_EQ(via2.refused, 1);
  EXPECT_EQ(via2.established, 0);
}

TEST(NodeDatapath, EbpfMaglevRebuildsItsTableFromTheNodesProgrammedEndpoints) {
  Cluster c(2, "vxlan", "ebpf");
  c.proxy_config.ebpf_maglev = true;
  c.rebuild_proxies();
  std::vector<node::PodNetns*> backends;
  std::deque<Datagrams> got;
  for (int i = 0; i < 4; ++i) {
    backends.push_back(&c.add_pod(1, "dns-" + std::to_string(i)));
    got.emplace_back(&c.sim);
    backends.back()->bind_udp(53, &Datagrams::on, &got.back());
  }
  const std::uint32_t f =
      c.add_service("ns/dns:53", parse_address("10.96.0.81"), 53, 53, backends, net::Protocol::udp);
  c.services.expose_node_port(f, 30053);
  for (std::uint16_t port = 40000; port < 40040; ++port) {
    c.outside->send_udp(port, c.nodes[0]->address(), 30053, 40);
  }
  c.sim.run();
  ASSERT_GT(got[0].at.size(), 0u);
  // Node 0 loses dns-0; node 1 has not heard yet.
  auto rest = std::make_shared<std::vector<Backend>>();
  for (int i = 1; i < 4; ++i) {
    rest->push_back(
        Backend{backends[i]->address(), 53, backends[i]->node_index(), backends[i]->id()});
  }
  c.proxy(0).program(f, rest);
  const std::size_t before = got[0].at.size();
  for (std::uint16_t port = 41000; port < 41040; ++port) {
    c.outside->send_udp(port, c.nodes[0]->address(), 30053, 40);
    c.outside->send_udp(port, c.nodes[1]->address(), 30053, 40);
  }
  c.sim.run();
  // Only node 1's old table still reaches dns-0 (the backend sees that node as the source, SNAT).
  ASSERT_GT(got[0].at.size(), before);
  for (std::size_t i = before; i < got[0].flows.size(); ++i) {
    EXPECT_EQ(got[0].flows[i].src, c.nodes[1]->address());
  }
}

TEST(Conntrack, FullTableDropsNewFlowsAndCountsThem) {
  Conntrack ct(2);
  const auto key = [](std::uint16_t port) {
    return net::FlowKey{1, 2, port, 80, net::Protocol::tcp};
  };
  EXPECT_NE(ct.insert(key(1), key(1).reversed(), net::tcp_flags::syn, Time::zero()), nullptr);
  EXPECT_NE(ct.insert(key(2), key(2).reversed(), net::tcp_flags::syn, Time::zero()), nullptr);
  EXPECT_EQ(ct.insert(key(3), key(3).reversed(), net::tcp_flags::syn, Time::zero()), nullptr);
  EXPECT_EQ(ct.drops_full(), 1u);
  // SYN_SENT lives 120 s: after that the entries are gone and there is room.
  EXPECT_EQ(ct.find(key(1), Time::s(121)).entry, nullptr);
  EXPECT_NE(ct.insert(key(3), key(3).reversed(), net::tcp_flags::syn, Time::s(121)), nullptr);
}

TEST(Conntrack, TcpStatesFollowTheHandshakeAndTheClose) {
  Conntrack ct;
  const net::FlowKey k{1, 2, 1000, 80, net::Protocol::tcp};
  CtEntry* e = ct.insert(k, k.reversed(), net::tcp_flags::syn, Time::zero());
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->state, CtState::tcp_syn_sent);
  auto hit = ct.find(k.reversed(), Time::s(1));
  ASSERT_EQ(hit.entry, e);
  EXPECT_EQ(hit.direction, CtDirection::reply);
  ct.update(*e, CtDirection::reply, net::tcp_flags::syn | net::tcp_flags::ack, Time::s(1));
  EXPECT_EQ(e->state, CtState::tcp_syn_recv);
  ct.update(*e, CtDirection::original, net::tcp_flags::ack, Time::s(1));
  EXPECT_EQ(e->state, CtState::tcp_established);
  EXPECT_EQ(e->expires, Time::s(1) + Time::s(86400));  // kube-proxy's 24 h
  ct.update(*e, CtDirection::original, net::tcp_flags::fin | net::tcp_flags::ack, Time::s(2));
  ct.update(*e, CtDirection::reply, net::tcp_flags::fin | net::tcp_flags::ack, Time::s(2));
  EXPECT_EQ(e->state, CtState::tcp_time_wait);
  EXPECT_EQ(e->expires, Time::s(122));
}

// nf_conntrack_udp_packet (Linux 5.10 on): a reply alone keeps the 30 s
// timeout, and so does anything within 2 s of the entry's creation; a packet
// after both directions and 2 s makes it a stream, 120 s.
TEST(Conntrack, UdpEntryBecomesAStreamOnlyAfterAReplyAndTwoSeconds) {
  Conntrack ct;
  const net::FlowKey k{1, 2, 5353, 53, net::Protocol::udp};
  CtEntry* e = ct.insert(k, k.reversed(), 0, Time::zero());
  EXPECT_EQ(e->expires, Time::s(30));
  ct.update(*e, CtDirection::reply, 0, Time::s(1));
  EXPECT_EQ(e->state, CtState::udp_replied);
  EXPECT_EQ(e->expires, Time::s(31));
  ct.update(*e, CtDirection::original, 0, Time::ms(1500));
  EXPECT_EQ(e->state, CtState::udp_replied);
  EXPECT_EQ(e->expires, Time::ms(31500));
  ct.update(*e, CtDirection::original, 0, Time::ms(2500));
  EXPECT_EQ(e->state, CtState::udp_stream);
  EXPECT_EQ(e->expires, Time::ms(122500));
}

// glibc's lookup: A and AAAA from one socket, both answered within a
// millisecond. The entry stays unassured and goes 30 s after the last answer.
TEST(Conntrack, ALookupsQueryPairEndsThirtySecondsAfterItsLastAnswer) {
  Conntrack ct;
  const net::FlowKey k{1, 2, 40000, 53, net::Protocol::udp};
  CtEntry* e = ct.insert(k, k.reversed(), 0, Time::zero());
  ct.update(*e, CtDirection::original, 0, Time::us(5));
  ct.update(*e, CtDirection::reply, 0, Time::us(400));
  ct.update(*e, CtDirection::reply, 0, Time::us(450));
  EXPECT_EQ(e->state, CtState::udp_replied);
  EXPECT_STREQ(to_string(e->state), "REPLIED");
  EXPECT_EQ(e->expires, Time::us(450) + Time::s(30));
  EXPECT_NE(ct.find(k, Time::s(30)).entry, nullptr);
  EXPECT_EQ(ct.find(k, Time::s(31)).entry, nullptr);
}

}  // namespace
}  // namespace podwire::proxy

namespace podwire::proxy {
namespace {

using test_support::Cluster;
using test_support::Datagrams;
using test_support::Peer;

TEST(NodeDatapath, AReusedEndpointAddressMisroutesItsOldFlowsAndCountsThem) {
  Cluster c(2);
  node::PodNetns& client = c.add_pod(0, "client");
  node::PodNetns& old_pod = c.add_pod(1, "old");
  Datagrams at_old{&c.sim};
  old_pod.bind_udp(8080, &Datagrams::on, &at_old);
  const Address vip = parse_address("10.96.0.40");
  c.add_service("web", vip, 80, 8080, {&old_pod}, net::Protocol::udp);
  client.send_udp(40000, vip, 80, 40);
  c.sim.run();
  ASSERT_EQ(at_old.at.size(), 1u);
  // The pod goes and a new pod takes its address (a block that wrapped round):
  // the flow's conntrack entry still translates to that address.
  c.directory.remove(old_pod.address());
  node::PodNetns& stranger =
      c.pods.emplace_back(*c.nodes[1], c.datapaths[1].veth(), "stranger", 999, old_pod.address());
  c.directory.add(stranger);
  Datagrams at_stranger{&c.sim};
  stranger.bind_udp(8080, &Datagrams::on, &at_stranger);
  client.send_udp(40000, vip, 80, 40);
  c.sim.run();
  EXPECT_EQ(at_stranger.at.size(), 1u);
  EXPECT_EQ(c.datapaths[0].counters().misrouted, 1u);
}

TEST(NodeDatapath, APodAddressNobodyHasIsResetByItsNodeAndAFailedNodeAnswersNothing) {
  Cluster c(3);
  std::vector<const net::Host*> hosts(c.nodes.begin(), c.nodes.end());
  c.directory.set_node_blocks(kube::Cidr::parse("10.244.0.0/16"), 24, hosts);
  node::PodNetns& client = c.add_pod(0, "client");
  node::PodNetns& gone = c.add_pod(1, "gone");
  node::PodNetns& down = c.add_pod(2, "down");
  c.stack(down).listen(8080, {});
  const Address gone_address = gone.address();
  c.directory.remove(gone_address);  // deleted: its address is still node 1's
  net::TcpStack& cs = c.stack(client);
  Peer to_gone{&c.sim}, to_down{&c.sim};
  cs.connect(gone_address, 8080, to_gone.callbacks());
  c.sim.run_until(Time::ms(10));
  EXPECT_EQ(to_gone.refused, 1);
  EXPECT_EQ(c.datapaths[1].counters().no_pod, 1u);
  // A failed node: the SYN is lost, and retransmitted after 1 s.
  c.datapaths[2].set_down(true);
  cs.connect(down.address(), 8080, to_down.callbacks());
  c.sim.run_until(Time::s(2));
  EXPECT_EQ(to_down.established, 0);
  EXPECT_EQ(to_down.refused, 0);
  EXPECT_EQ(c.datapaths[2].counters().down_drops, 2u);  // the SYN and its retransmission
}

}  // namespace
}  // namespace podwire::proxy
