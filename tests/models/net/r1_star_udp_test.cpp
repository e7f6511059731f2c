// Workload R1 against an independent calculation: a star of 16 hosts, 10 Gbps
// links, 1 us propagation, 1500-byte UDP datagrams with Poisson departures at
// half the link rate to uniformly random hosts. One-way latency = two
// serialisations + two propagation delays + the wait at the host uplink (an
// exact M/D/1 queue) + the wait at the switch port (M/D/1 in the many-sources
// limit, which bounds the finite-N wait from above by under 1%).
#include <gtest/gtest.h>

#include <deque>

#include "models/net/network.hpp"
#include "models/net/topology.hpp"
#include "models/net/udp_source.hpp"

namespace podwire::net {
namespace {

using engine::Time;

TEST(R1StarUdp, MeanLatencyMatchesTwoMD1QueuesPlusWireTime) {
  const std::uint32_t hosts = 16;
  const double load = 0.5;
  const std::uint32_t wire = 1500;
  engine::Simulator sim;
  PacketPool pool;
  Network network(sim, pool);
  const engine::RandomRoot random(1);
  const LinkConfig link{engine::BitRate::parse("10Gbps"), Time::us(1), 1000, 0, 0};
  build_star(network, StarConfig{hosts, link, Time::zero(), 1});
  std::vector<Address> addresses;
  for (std::uint32_t h = 0; h < hosts; ++h) addresses.push_back(network.host(h).address());

  const double d = link.rate.serialization(engine::Bytes(wire)).seconds();  // 1.2 us
  const Time stop = Time::ms(50);
  std::deque<UdpSource> sources;
  std::deque<UdpLatencySink> sinks;
  for (std::uint32_t h = 0; h < hosts; ++h) {
    std::vector<Address> others;
    for (std::uint32_t o = 0; o < hosts; ++o) {
      if (o != h) others.push_back(addresses[o]);
    }
    Host& host = network.host(h);
    sinks.emplace_back(host, 9);
    sources.emplace_back(
        host, random,
        UdpSourceConfig{wire, 40000, 9, engine::Distribution::exponential(d / load), stop},
        std::move(others));
    sources.back().start();
  }
  sim.run_until(stop + Time::ms(1));

  std::uint64_t sent = 0, received = 0, drops = 0;
  engine::RunningStats latency_us;
  Time min_latency = Time::max();
  for (const auto& s : sources) sent += s.sent();
  for (const auto& k : sinks) {
    received += k.received();
    latency_us.merge(k.latency_us());
    if (k.received() > 0) min_latency = std::min(min_latency, Time::ps(k.latency().min()));
  }
  for (const auto& l : network.links()) drops += l.counters().drops;

  const double wq_md1 = load * d / (2 * (1 - load));  // Pollaczek-Khinchine, deterministic service
  const double expected_us = (2 * d + 2 * 1e-6 + 2 * wq_md1) * 1e6;
  EXPECT_NEAR(latency_us.mean(), expected_us, 0.02 * expected_us)
      << "expected " << expected_us << " us";
  EXPECT_EQ(drops, 0u);
  EXPECT_EQ(received, sent);  // all delivered after the drain
  EXPECT_EQ(pool.in_use(), 0u);
  // A packet that meets no queue sees exactly the wire time.
  EXPECT_EQ(min_latency, Time::ps(2 * 1'200'000 + 2 * 1'000'000));
  // Poisson count within 4 sigma of N * lambda * T.
  const double expected_packets = hosts * load / d * 0.05;
  EXPECT_NEAR(static_cast<double>(sent), expected_packets, 4 * std::sqrt(expected_packets));
}

}  // namespace
}  // namespace podwire::net
