// Exact packet timings through links and store-and-forward switches, queue
// limits and refusal of bad parameters.
#include "models/net/link.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "models/net/network.hpp"
#include "tests/support/error_of.hpp"

namespace podwire::net {
namespace {

using namespace engine::time_literals;
using engine::BitRate;
using engine::Time;

// Records the arrival time of every packet it receives.
struct Recorder final : PacketSink {
  engine::Simulator* sim;
  PacketPool* pool;
  std::vector<std::pair<std::uint64_t, Time>> arrivals;
  Recorder(engine::Simulator& s, PacketPool& p) : sim(&s), pool(&p) {}
  void receive(Packet& p) override {
    arrivals.emplace_back(p.id, sim->now());
    pool->release(p);
  }
};

Packet& make(PacketPool& pool, std::uint32_t bytes) {
  Packet& p = pool.allocate();
  p.wire_bytes = bytes;
  return p;
}

TEST(Link, OnePacketArrivesAfterSerialisationPlusPropagation) {
  engine::Simulator sim;
  PacketPool pool;
  Link link(sim, pool, LinkConfig{BitRate::parse("10Gbps"), Time::parse("1us"), 1000, 0, 0},
            "a->b");
  Recorder rx(sim, pool);
  link.connect(&rx);
  sim.run_until(5_ns);
  link.receive(make(pool, 1500));
  sim.run();
  ASSERT_EQ(rx.arrivals.size(), 1u);
  // 12,000 bits at 1e10 bit/s = 1,200,000 ps, plus 1,000,000 ps of propagation.
  EXPECT_EQ(rx.arrivals[0].second, Time::ps(5'000 + 1'200'000 + 1'000'000));
  EXPECT_EQ(link.counters().packets, 1u);
  EXPECT_EQ(link.counters().bytes, 1500u);
  EXPECT_EQ(link.counters().busy, Time::ps(1'200'000));
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(Link, BackToBackPacketsQueueBehindEachOther) {
  engine::Simulator sim;
  PacketPool pool;
  Link link(sim, pool, LinkConfig{BitRate::parse("1Gbps"), 500_ns, 1000, 0, 0}, "l");
  Recorder rx(sim, pool);
  link.connect(&rx);
  for (std::uint32_t bytes : {1000u, 500u, 64u}) link.receive(make(pool, bytes));
  EXPECT_EQ(link.queued_packets(), 2u);  // the first is on the wire
  EXPECT_EQ(link.queued_bytes(), 564);
  sim.run();
  ASSERT_EQ(rx.arrivals.size(), 3u);
  // 1000 B = 8 us, 500 B = 4 us, 64 B = 512 ns at 1 Gbit/s, each + 500 ns propagation.
  EXPECT_EQ(rx.arrivals[0].second, 8_us + 500_ns);
  EXPECT_EQ(rx.arrivals[1].second, 12_us + 500_ns);
  EXPECT_EQ(rx.arrivals[2].second, 12_us + 512_ns + 500_ns);
}

TEST(Link, DropTailCountsWaitingPacketsOnly) {
  engine::Simulator sim;
  PacketPool pool;
  Link link(sim, pool, LinkConfig{BitRate::parse("1Gbps"), Time::zero(), 3, 0, 0}, "l");
  Recorder rx(sim, pool);
  link.connect(&rx);
  std::uint64_t dropped_id = 0;
  link.dropped.connect([](void* c, const Packet& p) { *static_cast<std::uint64_t*>(c) = p.id; },
                       &dropped_id);
  for (int i = 0; i < 5; ++i) link.receive(make(pool, 100));
  // One transmitting + 3 waiting; the fifth is dropped.
  EXPECT_EQ(link.counters().drops, 1u);
  EXPECT_EQ(dropped_id, 5u);
  sim.run();
  EXPECT_EQ(rx.arrivals.size(), 4u);
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(Link, ByteLimitAndEcnThreshold) {
  engine::Simulator sim;
  PacketPool pool;
  Link link(sim, pool, LinkConfig{BitRate::parse("1Gbps"), Time::zero(), 100, 2500, 1000}, "l");
  Recorder rx(sim, pool);
  link.connect(&rx);
  std::vector<Packet*> sent;
  for (int i = 0; i < 5; ++i) {
    Packet& p = make(pool, 1000);
    p.ecn_capable = true;
    sent.push_back(&p);
    link.receive(p);
  }
  // Transmitting: #1. Waiting: #2 (0 B before it), #3 (1000 B before: marked). #4 would make 3000 B
  // > 2500.
  EXPECT_EQ(link.counters().drops, 2u);
  EXPECT_EQ(link.counters().ecn_marks, 1u);
  EXPECT_FALSE(sent[1]->ecn_marked);
  EXPECT_TRUE(sent[2]->ecn_marked);
  sim.run();
}

using test_support::error_of;

TEST(Link, RefusesBadParametersByName) {
  engine::Simulator sim;
  PacketPool pool;
  EXPECT_EQ(error_of([&] {
              Link(sim, pool, LinkConfig{BitRate(0), 1_us, 10, 0, 0}, "up");
            }),
            "link 'up': rate must be positive, got 0bps");
  EXPECT_EQ(error_of([&] {
              Link(sim, pool, LinkConfig{BitRate(1000), -(1_us), 10, 0, 0}, "up");
            }),
            "link 'up': propagation delay must not be negative, got -1us");
  EXPECT_EQ(error_of([&] {
              Link(sim, pool, LinkConfig{BitRate(1000), 1_us, 0, 0, 0}, "up");
            }),
            "link 'up': queue_packets must be at least 1");
}

// h0 -> s0 -> s1 -> ... -> s(k-1) -> h1: k+1 links, each store-and-forward.
TEST(Switch, KHopStoreAndForwardPathIsExact) {
  for (int k : {1, 2, 5}) {
    engine::Simulator sim;
    PacketPool pool;
    Network net(sim, pool);
    Host& a = net.add_host("a", parse_address("10.0.0.1"));
    Host& b = net.add_host("b", parse_address("10.0.0.2"));
    std::vector<Switch*> sw;
    for (int i = 0; i < k; ++i)
      sw.push_back(&net.add_switch(std::string("s").append(std::to_string(i)), 100_ns));
    const LinkConfig cfg{BitRate::parse("10Gbps"), 1_us, 1000, 0, 0};
    net.connect(a, *sw.front(), cfg);
    for (int i = 0; i + 1 < k; ++i) net.connect(*sw[i], *sw[i + 1], cfg);
    net.connect(b, *sw.back(), cfg);
    net.compute_routes();
    struct Catch {
      engine::Simulator* sim;
      Time at;
    } catcher{&sim, Time::max()};
    b.bind_udp(
        9,
        [](void* c, const Packet&) {
          auto* x = static_cast<Catch*>(c);
          x->at = x->sim->now();
        },
        &catcher);
    // 1472 B payload + 8 UDP + 20 IP = 1500 B on the wire.
    a.send_udp(5000, b.address(), 9, 1472);
    sim.run();
    const Time per_hop = Time::ps(1'200'000) + 1_us;
    EXPECT_EQ(catcher.at, per_hop * (k + 1) + 100_ns * k) << k << " switches";
  }
}

}  // namespace
}  // namespace podwire::net
