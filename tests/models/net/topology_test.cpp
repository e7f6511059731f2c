// Topology builders: sizes, addresses, ECMP route sets, shortest-path hop
// counts, delivery from every host, ECMP spread over spines, and refusal of bad input.
#include "models/net/topology.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <queue>
#include <random>
#include <set>
#include <vector>

#include "tests/support/error_of.hpp"

namespace podwire::net {
namespace {

using namespace engine::time_literals;
using engine::BitRate;
using engine::Time;

struct Fabric {
  engine::Simulator sim;
  PacketPool pool;
  Network net{sim, pool};
};

template <class F>
std::string error_of(F&& f) {
  return test_support::error_of<std::invalid_argument>(f);
}

// Every datagram that reaches a bound port: who sent it, who got it, links crossed.
struct Arrival {
  Address src;
  Address dst;
  int hops;
};
struct ArrivalLog {
  std::vector<Arrival> arrivals;
  static void on_datagram(void* c, const Packet& p) {
    static_cast<ArrivalLog*>(c)->arrivals.push_back(Arrival{p.flow.src, p.flow.dst, p.hops});
  }
};

void bind_all(Network& net, const Topology& topo, std::uint16_t port, ArrivalLog& log) {
  for (std::size_t h : topo.hosts) net.host(h).bind_udp(port, &ArrivalLog::on_datagram, &log);
}

// Shortest path lengths (in links) between hosts, by breadth-first search over
// the cables the builder reports, independent of Network::compute_routes.
std::vector<std::vector<int>> host_distances(Network& net, const Topology& topo) {
  const std::size_t hosts = net.host_count();
  const std::size_t nodes = hosts + net.switch_count();
  std::vector<std::vector<std::size_t>> adj(nodes);
  auto join = [&](std::size_t a, std::size_t b) {
    adj[a].push_back(b);
    adj[b].push_back(a);
  };
  for (const Cable& c : topo.host_cables) join(c.lower, hosts + c.upper);
  for (const Cable& c : topo.tor_cables) join(hosts + c.lower, hosts + c.upper);
  for (const Cable& c : topo.core_cables) join(hosts + c.lower, hosts + c.upper);
  std::vector<std::vector<int>> out(hosts, std::vector<int>(hosts, -1));
  for (std::size_t s = 0; s < hosts; ++s) {
    std::vector<int> dist(nodes, -1);
    std::queue<std::size_t> q;
    dist[s] = 0;
    q.push(s);
    while (!q.empty()) {
      const std::size_t v = q.front();
      q.pop();
      if (v < hosts && v != s) continue;  // hosts do not forward
      for (std::size_t w : adj[v]) {
        if (dist[w] < 0) {
          dist[w] = dist[v] + 1;
          q.push(w);
        }
      }
    }
    for (std::size_t d = 0; d < hosts; ++d) out[s][d] = dist[d];
  }
  return out;
}

std::uint64_t total_drops(Network& net) {
  std::uint64_t drops = 0;
  for (const Link& l : net.links()) drops += l.counters().drops;
  for (std::size_t s = 0; s < net.switch_count(); ++s) drops += net.switch_at(s).no_route_drops();
  for (std::size_t h = 0; h < net.host_count(); ++h) drops += net.host(h).no_route_drops();
  return drops;
}

// Every host sends one datagram to a random other host; each must arrive over
// a shortest path, with nothing dropped.
void expect_all_routes_deliver(Fabric& f, const Topology& topo, std::uint64_t seed) {
  ArrivalLog log;
  bind_all(f.net, topo, 9, log);
  const auto dist = host_distances(f.net, topo);
  std::mt19937_64 rng(seed);
  const std::size_t n = topo.hosts.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t j = std::uniform_int_distribution<std::size_t>(0, n - 2)(rng);
    if (j >= i) ++j;
    f.net.host(topo.hosts[i]).send_udp(5000, f.net.host(topo.hosts[j]).address(), 9, 100);
  }
  f.sim.run();
  ASSERT_EQ(log.arrivals.size(), n);
  for (const Arrival& a : log.arrivals) {
    const std::uint32_t s = f.net.addresses().node_of(a.src);
    const std::uint32_t d = f.net.addresses().node_of(a.dst);
    EXPECT_EQ(a.hops, dist[s][d]) << format_address(a.src) << " -> " << format_address(a.dst);
  }
  EXPECT_EQ(total_drops(f.net), 0u);
  EXPECT_EQ(f.pool.in_use(), 0u);
}

TEST(Topology, StarCountsAddressesAndDelivery) {
  Fabric f;
  const Topology t = build_star(f.net, StarConfig{.hosts = 300});
  EXPECT_EQ(f.net.host_count(), 300u);
  EXPECT_EQ(f.net.switch_count(), 1u);
  EXPECT_EQ(f.net.links().size(), 600u);
  EXPECT_EQ(t.hosts.size(), 300u);
  EXPECT_EQ(t.tor_switches, std::vector<std::size_t>{0});
  EXPECT_TRUE(t.aggregation_switches.empty() && t.core_switches.empty());
  EXPECT_EQ(t.host_cables.size(), 300u);
  EXPECT_EQ(format_address(f.net.host(t.hosts[0]).address()), "10.0.0.1");
  EXPECT_EQ(format_address(f.net.host(t.hosts[253]).address()), "10.0.0.254");
  EXPECT_EQ(format_address(f.net.host(t.hosts[300 - 1]).address()), "10.0.1.46");
  EXPECT_EQ(f.net.host(t.hosts[7]).name(), "h7");
  EXPECT_EQ(t.host_cables[7].up, f.net.host(t.hosts[7]).uplink());
  EXPECT_EQ(t.host_cables[7].down->name(), "switch->h7");
  for (std::size_t h = 0; h < 300; ++h) EXPECT_EQ(f.net.switch_at(0).route(h).size(), 1u);
  expect_all_routes_deliver(f, t, 1);
}

TEST(Topology, LeafSpineCountsAddressesAndOrder) {
  Fabric f;
  const Topology t =
      build_leaf_spine(f.net, LeafSpineConfig{.racks = 3, .hosts_per_rack = 4, .spines = 2});
  EXPECT_EQ(f.net.host_count(), 12u);
  EXPECT_EQ(f.net.switch_count(), 5u);
  EXPECT_EQ(f.net.links().size(), 2u * (12 + 3 * 2));
  EXPECT_EQ(t.tor_switches.size(), 3u);
  EXPECT_EQ(t.core_switches.size(), 2u);
  EXPECT_EQ(t.tor_cables.size(), 6u);
  EXPECT_EQ(format_address(f.net.host(t.hosts[2 * 4 + 3]).address()), "10.0.2.4");
  EXPECT_EQ(f.net.host(t.hosts[2 * 4 + 3]).name(), "r2h3");
  EXPECT_EQ(f.net.switch_at(t.tor_switches[1]).name(), "leaf1");
  EXPECT_EQ(f.net.switch_at(t.core_switches[1]).name(), "spine1");
  const Cable& c = t.tor_cables[1 * 2 + 0];  // leaf 1 to spine 0
  EXPECT_EQ(c.lower, t.tor_switches[1]);
  EXPECT_EQ(c.upper, t.core_switches[0]);
  EXPECT_EQ(c.up->name(), "leaf1->spine0");
  EXPECT_EQ(c.down->name(), "spine0->leaf1");
}

TEST(Topology, LeafSpineAddressesScaleBeyond256Racks) {
  Fabric f;
  const Topology t =
      build_leaf_spine(f.net, LeafSpineConfig{.racks = 300, .hosts_per_rack = 1, .spines = 1});
  EXPECT_EQ(format_address(f.net.host(t.hosts[299]).address()), "10.1.43.1");
}

TEST(Topology, FatTreeCountsAndAddresses) {
  for (std::uint32_t k : {2u, 4u, 8u}) {
    Fabric f;
    const Topology t = build_fat_tree(f.net, FatTreeConfig{.k = k});
    const std::size_t m = k / 2;
    EXPECT_EQ(f.net.host_count(), k * k * k / 4) << k;
    EXPECT_EQ(f.net.switch_count(), k * k + m * m) << k;  // k pods x k switches, plus cores
    EXPECT_EQ(f.net.links().size(), 2u * 3 * k * k * k / 4)
        << k;  // hosts, edge-agg, agg-core cables
    EXPECT_EQ(t.tor_switches.size(), k * m);
    EXPECT_EQ(t.aggregation_switches.size(), k * m);
    EXPECT_EQ(t.core_switches.size(), m * m);
    EXPECT_EQ(t.tor_cables.size(), k * m * m);
    EXPECT_EQ(t.core_cables.size(), k * m * m);
    // Every switch has k ports.
    for (std::size_t s = 0; s < f.net.switch_count(); ++s)
      EXPECT_EQ(f.net.switch_at(s).port_count(), k);
  }
  Fabric f;
  const Topology t = build_fat_tree(f.net, FatTreeConfig{.k = 4});
  EXPECT_EQ(f.net.host_count(), 16u);
  EXPECT_EQ(f.net.switch_count(), 20u);
  // Pod 3, edge 1, host 0 (Al-Fares: 10.pod.switch.ID, ID from 2).
  const Host& h = f.net.host(t.hosts[(3 * 2 + 1) * 2 + 0]);
  EXPECT_EQ(format_address(h.address()), "10.3.1.2");
  EXPECT_EQ(h.name(), "pod3.edge1.h0");
  EXPECT_EQ(t.core_cables[(3 * 2 + 1) * 2 + 1].up->name(), "pod3.agg1->core3");
  EXPECT_EQ(t.tor_cables[(3 * 2 + 1) * 2 + 0].up->name(), "pod3.edge1->pod3.agg0");
}

// The set of links a switch may use towards host `dst`.
std::set<const Link*> next_links(Network& net, std::size_t sw, std::size_t dst) {
  std::set<const Link*> out;
  Switch& s = net.switch_at(sw);
  for (std::uint16_t port : s.route(static_cast<std::uint32_t>(dst))) out.insert(&s.port(port));
  return out;
}

TEST(Topology, LeafSpineRoutesUseEverySpineAcrossRacks) {
  Fabric f;
  const LeafSpineConfig cfg{.racks = 3, .hosts_per_rack = 2, .spines = 4};
  const Topology t = build_leaf_spine(f.net, cfg);
  for (std::uint32_t r = 0; r < cfg.racks; ++r) {
    std::set<const Link*> uplinks;
    for (std::uint32_t s = 0; s < cfg.spines; ++s)
      uplinks.insert(t.tor_cables[r * cfg.spines + s].up);
    for (std::size_t i = 0; i < t.hosts.size(); ++i) {
      const auto next = next_links(f.net, t.tor_switches[r], t.hosts[i]);
      if (i / cfg.hosts_per_rack == r) {
        EXPECT_EQ(next, std::set<const Link*>{t.host_cables[i].down});
      } else {
        EXPECT_EQ(next, uplinks) << "leaf " << r << " to host " << i;
      }
    }
  }
  for (std::size_t spine : t.core_switches) {
    for (std::size_t h : t.hosts) EXPECT_EQ(f.net.switch_at(spine).route(h).size(), 1u);
  }
}

TEST(Topology, FatTreeRoutesOfferHalfKUpwardChoices) {
  Fabric f;
  const std::uint32_t k = 4, m = 2;
  const Topology t = build_fat_tree(f.net, FatTreeConfig{.k = k});
  const std::size_t edge = t.tor_switches[0];  // pod 0, edge 0
  std::set<const Link*> edge_up;
  for (std::uint32_t a = 0; a < m; ++a) edge_up.insert(t.tor_cables[a].up);
  const std::size_t other_pod_host = t.hosts[(2 * m + 1) * m + 1];
  const std::size_t same_pod_other_edge = t.hosts[(0 * m + 1) * m + 0];
  EXPECT_EQ(next_links(f.net, edge, other_pod_host), edge_up);
  EXPECT_EQ(next_links(f.net, edge, same_pod_other_edge), edge_up);
  EXPECT_EQ(next_links(f.net, edge, t.hosts[1]), std::set<const Link*>{t.host_cables[1].down});
  // Aggregation 1 of pod 0 reaches other pods through its k/2 cores, its own pod by one edge.
  std::set<const Link*> agg_up{t.core_cables[1 * m + 0].up, t.core_cables[1 * m + 1].up};
  EXPECT_EQ(next_links(f.net, t.aggregation_switches[1], other_pod_host), agg_up);
  EXPECT_EQ(f.net.switch_at(t.aggregation_switches[1]).route(same_pod_other_edge).size(), 1u);
  for (std::size_t core : t.core_switches) {
    for (std::size_t h : t.hosts) EXPECT_EQ(f.net.switch_at(core).route(h).size(), 1u);
  }
}

TEST(Topology, FatTreeHopsAndDeliveryTimeMatchShortestPaths) {
  Fabric f;
  const FatTreeConfig cfg{.k = 4,
                          .host_link = LinkConfig{BitRate::parse("10Gbps"), 1_us, 1000, 0, 0},
                          .fabric_link = LinkConfig{BitRate::parse("40Gbps"), 2_us, 1000, 0, 0},
                          .switch_latency = 100_ns};
  const Topology t = build_fat_tree(f.net, cfg);
  struct Last {
    engine::Simulator* sim;
    int hops = -1;
    Time at{};
  } last{&f.sim};
  f.net.host(t.hosts[15])
      .bind_udp(
          9,
          [](void* c, const Packet& p) {
            auto* l = static_cast<Last*>(c);
            l->hops = p.hops;
            l->at = l->sim->now();
          },
          &last);
  // 972 B payload: 1000 B on the wire; 800 ns at 10 Gbit/s, 200 ns at 40 Gbit/s.
  const Time host_hop = 800_ns + 1_us;
  const Time fabric_hop = 200_ns + 2_us;
  struct Case {
    std::size_t src;
    int hops;
    Time latency;
  };
  for (const Case& c :
       {Case{14, 2, host_hop * 2 + 100_ns}, Case{12, 4, host_hop * 2 + fabric_hop * 2 + 300_ns},
        Case{0, 6, host_hop * 2 + fabric_hop * 4 + 500_ns}}) {
    const Time start = f.sim.now();
    f.net.host(t.hosts[c.src]).send_udp(5000, f.net.host(t.hosts[15]).address(), 9, 972);
    f.sim.run();
    EXPECT_EQ(last.hops, c.hops) << "from host " << c.src;
    EXPECT_EQ(last.at - start, c.latency) << "from host " << c.src;
  }
}

TEST(Topology, EveryHostReachesARandomPeerInEachTopology) {
  {
    Fabric f;
    expect_all_routes_deliver(f, build_star(f.net, StarConfig{.hosts = 17}), 2);
  }
  {
    Fabric f;
    expect_all_routes_deliver(
        f, build_leaf_spine(f.net, LeafSpineConfig{.racks = 6, .hosts_per_rack = 5, .spines = 3}),
        3);
  }
  for (std::uint32_t k : {2u, 4u, 8u}) {
    Fabric f;
    expect_all_routes_deliver(f, build_fat_tree(f.net, FatTreeConfig{.k = k}), 4 + k);
  }
}

// Bytes (or packets) that crossed into each spine from the leaves.
std::vector<std::uint64_t> per_spine(const Topology& t, bool up, bool bytes) {
  std::vector<std::uint64_t> out(t.core_switches.size());
  for (const Cable& c : t.tor_cables) {
    const auto spine = static_cast<std::size_t>(
        std::find(t.core_switches.begin(), t.core_switches.end(), c.upper) -
        t.core_switches.begin());
    const LinkCounters& n = (up ? c.up : c.down)->counters();
    out[spine] += bytes ? n.bytes : n.packets;
  }
  return out;
}

// Issue requirement: many flows over a leaf-spine spread over all spines within 10% of even.
TEST(Topology, ManyFlowsSpreadOverSpinesWithinTenPercent) {
  Fabric f;
  const LeafSpineConfig cfg{.racks = 8, .hosts_per_rack = 8, .spines = 4};
  const Topology t = build_leaf_spine(f.net, cfg);
  ArrivalLog log;
  bind_all(f.net, t, 9, log);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> any(0, t.hosts.size() - 1);
  constexpr int kFlows = 4000;
  for (int i = 0; i < kFlows; ++i) {
    const std::size_t src = any(rng);
    std::size_t dst = any(rng);
    while (dst / cfg.hosts_per_rack == src / cfg.hosts_per_rack) dst = any(rng);
    f.sim.run_until(Time::ns(100) * i);
    f.net.host(t.hosts[src])
        .send_udp(static_cast<std::uint16_t>(10000 + i), f.net.host(t.hosts[dst]).address(), 9,
                  1000);
  }
  f.sim.run();
  ASSERT_EQ(log.arrivals.size(), static_cast<std::size_t>(kFlows));
  EXPECT_EQ(total_drops(f.net), 0u);
  const auto up = per_spine(t, true, true);
  const auto down = per_spine(t, false, true);
  EXPECT_EQ(up, down);  // a flow goes down the spine it went up
  const double even = kFlows * 1028.0 / cfg.spines;
  double worst = 0;
  for (std::uint64_t b : up) {
    worst = std::max(worst, std::abs(static_cast<double>(b) - even) / even);
    EXPECT_NEAR(static_cast<double>(b), even, 0.10 * even);
  }
  std::printf("[ spread   ] %d flows over %u spines: worst spine %.2f%% from even\n", kFlows,
              cfg.spines, worst * 100);
}

TEST(Topology, OneFlowKeepsOneSpine) {
  Fabric f;
  const LeafSpineConfig cfg{.racks = 4, .hosts_per_rack = 4, .spines = 4};
  const Topology t = build_leaf_spine(f.net, cfg);
  ArrivalLog log;
  bind_all(f.net, t, 9, log);
  std::set<std::size_t> spines_used;
  for (int flow = 0; flow < 24; ++flow) {
    const auto before = per_spine(t, true, false);
    const std::size_t src = static_cast<std::size_t>(flow) % 4;  // rack 0
    const std::size_t dst = 4 + static_cast<std::size_t>(flow) % 12;
    for (int i = 0; i < 50; ++i) {
      f.sim.run_until(f.sim.now() + 1_us);
      f.net.host(t.hosts[src])
          .send_udp(static_cast<std::uint16_t>(20000 + flow), f.net.host(t.hosts[dst]).address(), 9,
                    500);
    }
    f.sim.run();
    const auto after = per_spine(t, true, false);
    int carrying = 0;
    for (std::size_t s = 0; s < after.size(); ++s) {
      if (after[s] == before[s]) continue;
      ++carrying;
      spines_used.insert(s);
      EXPECT_EQ(after[s] - before[s], 50u) << "flow " << flow << " spine " << s;
    }
    EXPECT_EQ(carrying, 1) << "flow " << flow;
  }
  EXPECT_EQ(log.arrivals.size(), 24u * 50);
  EXPECT_GT(spines_used.size(), 1u);  // different flows do hash to different spines
}

TEST(Topology, OversubscriptionSetsTheFabricRate) {
  auto rate = [](std::uint32_t hosts, const char* host_rate, std::uint32_t spines, double ratio) {
    LeafSpineConfig c{.hosts_per_rack = hosts, .spines = spines, .oversubscription = ratio};
    c.host_link.rate = BitRate::parse(host_rate);
    return leaf_spine_fabric_rate(c);
  };
  EXPECT_EQ(rate(40, "10Gbps", 4, 1.0), BitRate::parse("100Gbps"));
  EXPECT_EQ(rate(40, "10Gbps", 4, 2.5), BitRate::parse("40Gbps"));
  EXPECT_EQ(rate(48, "25Gbps", 4, 1.2), BitRate::parse("250Gbps"));  // 1.2 is not exact in binary
  EXPECT_EQ(rate(4, "10Gbps", 2, 0.1), BitRate::parse("200Gbps"));   // nor is 0.1
  EXPECT_EQ(rate(3, "1Gbps", 1, 3.0), BitRate::parse("1Gbps"));
  EXPECT_EQ(error_of([&] { rate(40, "10Gbps", 4, 3.0); }),
            "leaf_spine.oversubscription 3 gives a fabric rate of 33333333333.333 bit/s (40 "
            "hosts_per_rack x "
            "10Gbps / (4 spines x 3)); it must come to a whole number of bit/s, at least 1");
  EXPECT_EQ(
      error_of([&] { rate(1, "1bps", 1, 4.0); }),
      "leaf_spine.oversubscription 4 gives a fabric rate of 0.250 bit/s (1 hosts_per_rack x 1bps / "
      "(1 spines x 4)); it must come to a whole number of bit/s, at least 1");
  EXPECT_EQ(error_of([&] { rate(40, "10Gbps", 4, 1e-300); }),
            "leaf_spine.oversubscription 1e-300 gives a fabric rate too large for a 64-bit bit/s "
            "count (40 "
            "hosts_per_rack x 10Gbps / (4 spines x 1e-300))");
  EXPECT_EQ(error_of([&] { rate(40, "10Gbps", 4, 0.0); }),
            "leaf_spine.oversubscription must be > 0, got 0");
  EXPECT_EQ(error_of([&] { rate(40, "10Gbps", 4, -1.5); }),
            "leaf_spine.oversubscription must be > 0, got -1.5");
  EXPECT_EQ(error_of([&] { rate(40, "10Gbps", 4, std::numeric_limits<double>::infinity()); }),
            "leaf_spine.oversubscription must be finite, got inf");
  LeafSpineConfig plain;
  plain.fabric_link.rate = BitRate::parse("100Gbps");
  EXPECT_EQ(leaf_spine_fabric_rate(plain), BitRate::parse("100Gbps"));

  // The built fabric has that rate (fabric_link.rate is ignored) and the ratio asked for.
  Fabric f;
  LeafSpineConfig c{.racks = 2, .hosts_per_rack = 6, .spines = 2, .oversubscription = 3.0};
  c.host_link.rate = BitRate::parse("25Gbps");
  c.fabric_link.rate = BitRate(0);
  const Topology t = build_leaf_spine(f.net, c);
  for (const Cable& cable : t.tor_cables) {
    EXPECT_EQ(cable.up->config().rate, BitRate::parse("25Gbps"));
    EXPECT_EQ(cable.down->config().rate, BitRate::parse("25Gbps"));
  }
  EXPECT_EQ(6 * t.host_cables[0].up->config().rate.bps(),
            3 * 2 * t.tor_cables[0].up->config().rate.bps());
}

// The message, and that nothing was added to the Network.
std::string refusal(auto&& build) {
  Fabric f;
  const std::string message = error_of([&] { build(f.net); });
  EXPECT_EQ(f.net.host_count(), 0u) << message;
  EXPECT_EQ(f.net.switch_count(), 0u) << message;
  EXPECT_TRUE(f.net.links().empty()) << message;
  return message;
}

TEST(Topology, RefusesBadInputByFieldBeforeBuilding) {
  auto star = [](StarConfig c) { return refusal([&](Network& n) { build_star(n, c); }); };
  auto leaf_spine = [](LeafSpineConfig c) {
    return refusal([&](Network& n) { build_leaf_spine(n, c); });
  };
  auto fat_tree = [](FatTreeConfig c) {
    return refusal([&](Network& n) { build_fat_tree(n, c); });
  };
  const LinkConfig ok;
  auto with = [&](auto change) {
    LinkConfig c = ok;
    change(c);
    return c;
  };

  EXPECT_EQ(star({.hosts = 0}), "star.hosts must be >= 1, got 0");
  EXPECT_EQ(star({.hosts = 70000}),
            "star.hosts must be <= 65535 (the switch's port limit), got 70000");
  EXPECT_EQ(star({.link = with([](LinkConfig& c) { c.rate = BitRate(0); })}),
            "star.link.rate must be positive, got 0bps");
  EXPECT_EQ(star({.link = with([](LinkConfig& c) { c.propagation = -(1_us); })}),
            "star.link.propagation must not be negative, got -1us");
  EXPECT_EQ(star({.link = with([](LinkConfig& c) { c.queue_packets = 0; })}),
            "star.link.queue_packets must be >= 1, got 0");
  EXPECT_EQ(star({.switch_latency = -(5_ns)}),
            "star.switch_latency must not be negative, got -5ns");
  EXPECT_EQ(star({.host_rss_queues = 0}), "star.host_rss_queues must be >= 1, got 0");

  EXPECT_EQ(leaf_spine({.racks = 0}), "leaf_spine.racks must be >= 1, got 0");
  EXPECT_EQ(leaf_spine({.hosts_per_rack = 0}), "leaf_spine.hosts_per_rack must be >= 1, got 0");
  EXPECT_EQ(leaf_spine({.hosts_per_rack = 255}),
            "leaf_spine.hosts_per_rack must be <= 254 (the last address octet), got 255");
  EXPECT_EQ(leaf_spine({.spines = 0}), "leaf_spine.spines must be >= 1, got 0");
  EXPECT_EQ(leaf_spine({.host_link = with([](LinkConfig& c) { c.rate = BitRate(-5); })}),
            "leaf_spine.host_link.rate must be positive, got -5bps");
  EXPECT_EQ(leaf_spine({.fabric_link = with([](LinkConfig& c) { c.rate = BitRate(0); })}),
            "leaf_spine.fabric_link.rate must be positive, got 0bps");
  EXPECT_EQ(leaf_spine({.fabric_link = with([](LinkConfig& c) { c.queue_bytes = -1; })}),
            "leaf_spine.fabric_link.queue_bytes must not be negative, got -1");
  EXPECT_EQ(leaf_spine({.fabric_link = with([](LinkConfig& c) { c.ecn_threshold_bytes = -2; })}),
            "leaf_spine.fabric_link.ecn_threshold_bytes must not be negative, got -2");
  EXPECT_EQ(leaf_spine({.oversubscription = 0.0}),
            "leaf_spine.oversubscription must be > 0, got 0");
  EXPECT_EQ(leaf_spine({.oversubscription = -2.0}),
            "leaf_spine.oversubscription must be > 0, got -2");
  EXPECT_EQ(leaf_spine({.switch_latency = -(1_ns)}),
            "leaf_spine.switch_latency must not be negative, got -1ns");

  EXPECT_EQ(fat_tree({.k = 5}), "fat_tree.k must be even and >= 2, got 5");
  EXPECT_EQ(fat_tree({.k = 0}), "fat_tree.k must be even and >= 2, got 0");
  EXPECT_EQ(fat_tree({.k = 258}),
            "fat_tree.k must be <= 256 (a pod number fills one address octet), got 258");
  EXPECT_EQ(fat_tree({.k = 4, .host_link = with([](LinkConfig& c) { c.queue_packets = 0; })}),
            "fat_tree.host_link.queue_packets must be >= 1, got 0");
  EXPECT_EQ(fat_tree({.k = 4, .fabric_link = with([](LinkConfig& c) { c.propagation = -(2_ns); })}),
            "fat_tree.fabric_link.propagation must not be negative, got -2ns");
  EXPECT_EQ(fat_tree({.k = 4, .fabric_link = with([](LinkConfig& c) { c.rate = BitRate(0); })}),
            "fat_tree.fabric_link.rate must be positive, got 0bps");
}

TEST(Topology, RefusesANetworkThatIsNotEmpty) {
  Fabric f;
  f.net.add_host("other", parse_address("192.168.0.1"));
  EXPECT_EQ(error_of([&] { build_fat_tree(f.net, FatTreeConfig{.k = 4}); }),
            "fat_tree: the network must be empty, but it holds 1 host and 0 switches");
  EXPECT_EQ(f.net.host_count(), 1u);
  EXPECT_EQ(f.net.switch_count(), 0u);
}

// A host added after the build (a gateway on a spine) joins once routes are recomputed.
TEST(Topology, AFabricCanBeExtendedAfterTheBuild) {
  Fabric f;
  const Topology t =
      build_leaf_spine(f.net, LeafSpineConfig{.racks = 2, .hosts_per_rack = 2, .spines = 2});
  Host& gateway = f.net.add_host("gateway", parse_address("192.168.0.1"));
  f.net.connect(gateway, f.net.switch_at(t.core_switches[0]), LinkConfig{});
  f.net.compute_routes();
  ArrivalLog log;
  bind_all(f.net, t, 9, log);
  gateway.bind_udp(9, &ArrivalLog::on_datagram, &log);
  gateway.send_udp(5000, f.net.host(t.hosts[3]).address(), 9, 100);
  f.net.host(t.hosts[0]).send_udp(5000, gateway.address(), 9, 100);
  f.sim.run();
  ASSERT_EQ(log.arrivals.size(), 2u);
  EXPECT_EQ(log.arrivals[0].hops, 3);
  EXPECT_EQ(log.arrivals[1].hops, 3);
}

// The sizes the issue asks to build quickly: k = 16 (1,024 hosts, 320 switches) and 40 x 40.
TEST(Topology, BuildsLargeFabrics) {
  {
    Fabric f;
    const Topology t = build_fat_tree(f.net, FatTreeConfig{.k = 16});
    EXPECT_EQ(f.net.host_count(), 1024u);
    EXPECT_EQ(f.net.switch_count(), 320u);
    EXPECT_EQ(f.net.switch_at(t.tor_switches[0]).route(t.hosts.back()).size(), 8u);
    EXPECT_EQ(f.net.switch_at(t.aggregation_switches[0]).route(t.hosts.back()).size(), 8u);
  }
  {
    Fabric f;
    const Topology t =
        build_leaf_spine(f.net, LeafSpineConfig{.racks = 40, .hosts_per_rack = 40, .spines = 8});
    EXPECT_EQ(f.net.host_count(), 1600u);
    EXPECT_EQ(f.net.switch_count(), 48u);
    EXPECT_EQ(f.net.switch_at(t.tor_switches[0]).route(t.hosts.back()).size(), 8u);
  }
}

}  // namespace
}  // namespace podwire::net
