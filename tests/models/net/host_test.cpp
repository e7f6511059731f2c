// Adaptive receive-interrupt moderation: each RSS queue lengthens, keeps,
// halves or resets its wait from what its interrupts take in, as Intel's ice
// driver does (Linux 5.10 ice_update_itr), and a queue left idle goes back to
// the latency setting.
#include "models/net/host.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "models/net/network.hpp"

namespace podwire::net {
namespace {

using namespace engine::time_literals;
using engine::BitRate;
using engine::Time;

struct Recorder final : PacketSink {
  engine::Simulator* sim;
  PacketPool* pool;
  std::vector<Time> arrivals;
  Recorder(engine::Simulator& s, PacketPool& p) : sim(&s), pool(&p) {}
  void receive(Packet& p) override {
    arrivals.push_back(sim->now());
    pool->release(p);
  }
};

struct Rig {
  engine::Simulator sim;
  PacketPool pool;
  Network net{sim, pool};
  Host& host = net.add_host("h", 0x0a000001);
  Recorder kernel{sim, pool};
  Rig() {
    Switch& sw = net.add_switch("s");
    LinkConfig link;
    link.rate = BitRate::parse("100Gbps");
    net.connect(host, sw, link, RxModeration{3_us, 2_us, 126_us});
    host.set_datapath(&kernel);
  }
  // `n` packets of `bytes` reach the NIC at once, at `at`; returns when the
  // kernel took them in.
  Time batch(Time at, int n, std::uint32_t bytes) {
    sim.run_until(at);
    kernel.arrivals.clear();
    for (int i = 0; i < n; ++i) {
      Packet& p = pool.allocate();
      p.wire_bytes = bytes;
      host.receive(p);
    }
    sim.run();
    EXPECT_EQ(kernel.arrivals.size(), static_cast<std::size_t>(n));
    return kernel.arrivals.front() - at;
  }
};

TEST(HostRxModeration, SmallBatchesKeepTheLatencySettingMediumOnesLengthenTheWaitUpToItsMax) {
  Rig r;
  EXPECT_EQ(r.batch(10_us, 1, 100), 3_us);
  EXPECT_EQ(r.batch(30_us, 3, 1500), 3_us);  // 3 packets, 4,500 bytes: latency
  // 20 packets a batch: each interrupt adds the 2 us step, up to 126 us.
  Time at = 100_us, wait;
  for (int i = 0; i < 80; ++i, at += 300_us) wait = r.batch(at, 20, 1500);
  EXPECT_EQ(wait, 126_us);
  EXPECT_EQ(r.batch(at, 20, 1500), 126_us);
  EXPECT_EQ(r.batch(at + 300_us, 2, 100), 126_us);  // still the adapted wait...
  EXPECT_EQ(r.batch(at + 600_us, 1, 100), 3_us);    // ...which that small batch reset
}

TEST(HostRxModeration, FourPacketsOrMoreThan9000BytesLengthenTheWait) {
  Rig r;
  EXPECT_EQ(r.batch(10_us, 4, 100), 3_us);
  EXPECT_EQ(r.batch(100_us, 1, 100), 5_us);
  EXPECT_EQ(r.batch(200_us, 1, 100), 3_us);
  EXPECT_EQ(r.batch(300_us, 7, 1500), 3_us);  // 10,500 bytes
  EXPECT_EQ(r.batch(400_us, 1, 100), 5_us);
}

TEST(HostRxModeration, BulkBatchesSetTheWaitFromPacketSizeAndLinkSpeedAndHalfFullOnesHalveIt) {
  Rig r;
  // 300 full-size packets at 100 Gbit/s: ceil(17 * (1500 + 24) / (1500 + 640)) = 13 us.
  EXPECT_EQ(r.batch(10_us, 300, 1500), 3_us);
  EXPECT_EQ(r.batch(200_us, 1, 1500), 13_us);
  // (A batch of one went back to the latency setting.) Small packets in
  // bulk wait less: ceil(17 * (200 + 24) / (200 + 640)) = 5 us.
  EXPECT_EQ(r.batch(400_us, 300, 200), 3_us);
  EXPECT_EQ(r.batch(600_us, 1, 1500), 5_us);
  // 56 to 112 packets keep the wait; 113 to 256 halve it.
  EXPECT_EQ(r.batch(800_us, 300, 1500), 3_us);
  EXPECT_EQ(r.batch(1000_us, 100, 1500), 13_us);
  EXPECT_EQ(r.batch(1200_us, 200, 1500), 13_us);
  EXPECT_EQ(r.batch(1400_us, 1, 1500), Time::ps(6'500'000));
}

TEST(HostRxModeration, AQueueIdleForAJiffyGoesBackToTheLatencySetting) {
  Rig r;
  r.batch(10_us, 300, 1500);
  EXPECT_EQ(r.batch(3_ms, 100, 1500), 13_us);  // 100 packets keep the wait
  EXPECT_EQ(r.batch(8_ms, 100, 1500), 3_us);   // 5 ms without an interrupt
  // And a fixed delay never adapts.
  r.host.set_rx_moderation(3_us);
  r.batch(9_ms, 300, 1500);
  EXPECT_EQ(r.batch(9100_us, 1, 1500), 3_us);
}

}  // namespace
}  // namespace podwire::net
