// NodePort forwarding per packet, each proxy mode, against the Cilium 1.8
// measurement (calibration.md): 64-byte UDP from a traffic generator to a
// NodePort of a node whose Service endpoint runs on another node, native
// routing. CPU per forwarded packet on the NodePort's node: iptables ≈2.3,
// IPVS ≈2.7, tc-eBPF ≈1.4, XDP ≈0.5 µs·core (Xeon E3-1240, kernel 5.7).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "models/node/node_cpu.hpp"
#include "tests/support/datapath_rig.hpp"

namespace podwire::proxy {
namespace {

using engine::Time;
using net::parse_address;
using test_support::Cluster;

// A traffic generator: `count` datagrams of 18 bytes of payload (a 64-byte
// frame), one every `gap`, over `flows` source ports in turn.
struct Generator {
  engine::Simulator* sim;
  net::Host* from;
  net::Address to;
  std::uint16_t port;
  int flows;
  int left;
  Time gap;
  int sent = 0;
  static void tick(void* self, std::uint64_t) {
    auto* g = static_cast<Generator*>(self);
    g->from->send_udp(static_cast<std::uint16_t>(40000 + g->sent++ % g->flows), g->to, g->port, 18);
    if (--g->left > 0) g->sim->schedule_in(g->gap, &tick, g);
  }
};

struct Forwarded {
  double us_per_packet = 0;
  std::uint64_t received = 0;
};

Forwarded forward(const std::string& mode, bool xdp) {
  Cluster c(2, "native", mode, IpvsScheduler::rr, test_support::kLink, node::HostStackCosts{}, 4);
  c.proxy_config.ebpf_xdp = xdp;
  c.rebuild_proxies();
  std::deque<node::NodeCpu> cpus;
  for (int i = 0; i < 2; ++i) {
    cpus.emplace_back(c.sim, 4, "node-" + std::to_string(i));
    c.datapaths[static_cast<std::size_t>(i)].set_cpu(&cpus.back());
  }
  node::PodNetns& backend = c.add_pod(1, "sink");
  const std::uint32_t f = c.add_service("ns/sink:9000", parse_address("10.96.0.60"), 9000, 9000,
                                        {&backend}, net::Protocol::udp);
  c.services.expose_node_port(f, 30900);
  std::uint64_t received = 0;
  backend.bind_udp(
      9000, [](void* n, const net::Packet&) { ++*static_cast<std::uint64_t*>(n); }, &received);
  constexpr int kPackets = 20000;
  Generator g{&c.sim, c.outside, c.nodes[0]->address(), 30900, 16, kPackets, Time::us(2)};
  c.sim.schedule_in(Time::zero(), &Generator::tick, &g);
  c.sim.run();
  Forwarded out;
  out.received = received;
  out.us_per_packet = c.datapaths[0].counters().work.seconds() * 1e6 / kPackets;
  return out;
}

struct Published {
  const char* mode;
  bool xdp;
  double us_per_packet;
};

TEST(Cilium18, NodePortForwardingCpuPerPacketWithin15Percent) {
  for (const Published& p : {Published{"iptables", false, 2.3}, Published{"ipvs", false, 2.7},
                             Published{"ebpf", false, 1.4}, Published{"ebpf", true, 0.5}}) {
    const Forwarded f = forward(p.mode, p.xdp);
    std::printf("%-8s%s %.2f us per packet (published %.1f)\n", p.mode, p.xdp ? " xdp" : "    ",
                f.us_per_packet, p.us_per_packet);
    EXPECT_EQ(f.received, 20000u) << p.mode;
    EXPECT_NEAR(f.us_per_packet, p.us_per_packet, 0.15 * p.us_per_packet)
        << p.mode << (p.xdp ? " xdp" : "");
  }
}

}  // namespace
}  // namespace podwire::proxy
