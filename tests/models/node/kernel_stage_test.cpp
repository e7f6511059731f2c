// The kernel path as an ordered list of stages: the built-in order, a stage
// inserted by name seeing every packet and charging its CPU, the new-flow
// stages skipped for a connection's later packets, and a stage that steals a
// packet ending its pass.
#include "models/node/kernel_stage.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "models/node/kernel_datapath.hpp"
#include "tests/support/datapath_rig.hpp"

namespace podwire {
namespace {

using engine::Time;
using node::KernelStage;
using node::PacketPass;
using test_support::Cluster;
using test_support::Datagrams;

const node::DatapathCosts kCosts{};

std::vector<std::string> names(const node::KernelDatapath& dp) {
  std::vector<std::string> out;
  for (const auto& s : dp.stages()) out.emplace_back(s->name());
  return out;
}

// Counts the packets it sees, adds `cost` to each and steals the ones over `keep`.
struct Probe final : KernelStage {
  Probe(bool new_flows_only, Time c, int k)
      : KernelStage("probe", new_flows_only), cost(c), keep(k) {}
  Time cost;
  int keep;
  int seen = 0;
  node::KernelDatapath* dp = nullptr;
  Verdict run(PacketPass& pass) override {
    ++seen;
    pass.work += cost;
    if (seen > keep) {
      dp->drop(pass.packet, node::DropReason::no_route);
      return Verdict::stolen;
    }
    return Verdict::accept;
  }
};

TEST(KernelStage, TheBuiltInStagesRunInNetfiltersOrder) {
  Cluster c(1);
  EXPECT_EQ(names(c.datapaths[0]), (std::vector<std::string>{"conntrack", "service", "masquerade",
                                                             "policy", "confirm", "routing"}));
  EXPECT_FALSE(c.datapaths[0].stages().front()->new_flows_only());
  EXPECT_TRUE(c.datapaths[0].stages()[1]->new_flows_only());
  EXPECT_FALSE(c.datapaths[0].stages().back()->new_flows_only());
}

TEST(KernelStage, AnInsertedStageSeesEveryPacketAndItsCostDelaysIt) {
  Cluster c(1);
  auto owned = std::make_unique<Probe>(false, Time::us(3), 1000);
  Probe& probe = *owned;
  c.datapaths[0].insert_stage_before("routing", std::move(owned));
  EXPECT_EQ(names(c.datapaths[0])[5], "probe");
  EXPECT_EQ(names(c.datapaths[0]).back(), "routing");
  node::PodNetns& a = c.add_pod(0, "a");
  node::PodNetns& b = c.add_pod(0, "b");
  Datagrams got{&c.sim};
  b.bind_udp(9000, &Datagrams::on, &got);
  a.send_udp(40000, b.address(), 9000, 100);
  a.send_udp(40000, b.address(), 9000, 100);
  c.sim.run();
  ASSERT_EQ(got.at.size(), 2u);
  EXPECT_EQ(probe.seen, 2);
  // The costs are pure delays here (no cores), so the second datagram, which
  // rides the first one's conntrack entry, arrives first: veth out,
  // conntrack hit, the probe, bridge, veth in; then the first, which also
  // paid conntrack's insert.
  const Time later =
      kCosts.veth + kCosts.conntrack_lookup + Time::us(3) + kCosts.bridge + kCosts.veth;
  EXPECT_EQ(got.at[0], later);
  EXPECT_EQ(got.at[1], later + kCosts.conntrack_insert);
}

TEST(KernelStage, ANewFlowStageSkipsTheConnectionsLaterPackets) {
  Cluster c(1);
  auto owned = std::make_unique<Probe>(true, Time::zero(), 1000);
  Probe& probe = *owned;
  c.datapaths[0].insert_stage_before("confirm", std::move(owned));
  node::PodNetns& a = c.add_pod(0, "a");
  node::PodNetns& b = c.add_pod(0, "b");
  Datagrams got{&c.sim};
  b.bind_udp(9000, &Datagrams::on, &got);
  for (int i = 0; i < 5; ++i) a.send_udp(40000, b.address(), 9000, 100);
  a.send_udp(40001, b.address(), 9000, 100);  // another flow
  c.sim.run();
  EXPECT_EQ(got.at.size(), 6u);
  EXPECT_EQ(probe.seen, 2);
}

TEST(KernelStage, AStageThatStealsAPacketEndsItsPass) {
  Cluster c(1);
  auto owned = std::make_unique<Probe>(false, Time::zero(), 1);
  Probe& probe = *owned;
  probe.dp = &c.datapaths[0];
  c.datapaths[0].insert_stage_before("conntrack", std::move(owned));
  node::PodNetns& a = c.add_pod(0, "a");
  node::PodNetns& b = c.add_pod(0, "b");
  Datagrams got{&c.sim};
  b.bind_udp(9000, &Datagrams::on, &got);
  for (int i = 0; i < 3; ++i) a.send_udp(40000, b.address(), 9000, 100);
  c.sim.run();
  EXPECT_EQ(got.at.size(), 1u);
  EXPECT_EQ(c.datapaths[0].counters().no_route_drops, 2u);
  // Only the first reached conntrack.
  EXPECT_EQ(c.datapaths[0].conntrack().size(), 1u);
}

TEST(KernelStage, InsertingBeforeAStageThatIsNotThereIsAnError) {
  Cluster c(1);
  EXPECT_THROW(
      c.datapaths[0].insert_stage_before("mangle", std::make_unique<Probe>(false, Time::zero(), 0)),
      std::invalid_argument);
  EXPECT_EQ(c.datapaths[0].stages().size(), 6u);
}

}  // namespace
}  // namespace podwire
