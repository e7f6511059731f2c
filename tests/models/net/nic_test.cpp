// Receive-side scaling: one flow always lands on one queue; many flows spread evenly.
#include "models/net/nic.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace podwire::net {
namespace {

TEST(Nic, OneFlowOneQueueManyFlowsSpreadEvenly) {
  Nic nic(8, 42);
  const FlowKey flow{0x0a000001, 0x0a000002, 40000, 80, Protocol::tcp};
  const std::uint32_t q = nic.rss_queue(flow);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(nic.rss_queue(flow), q);

  const int flows = 80'000;
  for (int i = 0; i < flows; ++i) {
    Packet p;
    p.flow = FlowKey{0x0a000001 + static_cast<Address>(i % 50), 0x0a000063,
                     static_cast<std::uint16_t>(32768 + i / 50), 80, Protocol::tcp};
    nic.on_receive(p);
  }
  // Binomial: each queue expects flows/8 with sd sqrt(flows * 1/8 * 7/8) ~ 94; allow 5 sd.
  const double expected = flows / 8.0, sd = std::sqrt(flows * (1.0 / 8) * (7.0 / 8));
  for (std::uint32_t i = 0; i < nic.queue_count(); ++i) {
    EXPECT_NEAR(static_cast<double>(nic.rx_packets(i)), expected, 5 * sd) << "queue " << i;
  }
}

TEST(Nic, SaltsMakeNicsChooseIndependently) {
  Nic a(16, 1), b(16, 2);
  int same = 0;
  for (std::uint16_t port = 1; port <= 1600; ++port) {
    const FlowKey f{1, 2, port, 443, Protocol::tcp};
    same += a.rss_queue(f) == b.rss_queue(f);
  }
  EXPECT_LT(same, 200);  // independent choices agree about 1/16 of the time (100)
  EXPECT_THROW(Nic(0), std::invalid_argument);
}

}  // namespace
}  // namespace podwire::net
