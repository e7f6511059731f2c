// The order of KUBE-SERVICES: kube-proxy writes it ranging over a Go map,
// whose iteration starts at a random place on every sync, so each sync of
// each node puts a Service somewhere else; a fixed order keeps it put.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "models/proxy/iptables.hpp"
#include "tests/support/datapath_rig.hpp"

namespace podwire::proxy {
namespace {

using net::parse_address;
using test_support::Cluster;

constexpr std::uint32_t kServices = 100;

void add_services(Cluster& c) {
  for (std::uint32_t i = 0; i < kServices; ++i) {
    const std::uint32_t f = c.add_service("ns/svc-" + std::to_string(i) + ":80",
                                          parse_address("10.96.1.0") + i, 80, 8080, {});
    c.services.frontend(f).position = i;
  }
}

Iptables& iptables(Cluster& c, int node) { return dynamic_cast<Iptables&>(c.proxy(node)); }

TEST(IptablesOrder, EverySyncWritesKubeServicesInANewOrder) {
  Cluster c(2);
  add_services(c);
  c.proxy_config.rule_order = RuleOrder::map_order;
  c.rebuild_proxies();
  Iptables& p = iptables(c, 0);
  const auto order = [&](Iptables& proxy) {
    std::vector<std::uint32_t> at;
    for (std::uint32_t i = 0; i < kServices; ++i)
      at.push_back(proxy.position(c.services.frontend(i)));
    return at;
  };
  // Each sync's order is a permutation of the places.
  std::vector<std::uint32_t> first = order(p);
  std::vector<std::uint32_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  for (std::uint32_t i = 0; i < kServices; ++i) ASSERT_EQ(sorted[i], i);
  // Another node's kube-proxy has its own order.
  EXPECT_NE(order(iptables(c, 1)), first);
  // Over many syncs, one Service is anywhere, uniformly: mean (n-1)/2 = 49.5,
  // standard error 28.9 / sqrt(4000) = 0.46.
  const ServiceFrontend& f = c.services.frontend(17);
  double sum = 0;
  std::set<std::uint32_t> seen;
  constexpr int kSyncs = 4000;
  for (int s = 0; s < kSyncs; ++s) {
    p.rules_rewritten();
    const std::uint32_t at = p.position(f);
    sum += at;
    seen.insert(at);
  }
  EXPECT_NEAR(sum / kSyncs, 49.5, 2.5);
  EXPECT_EQ(seen.size(), kServices);  // every place, in 4,000 draws of 100
  EXPECT_NE(order(p), first);
}

TEST(IptablesOrder, AFixedOrderKeepsEachServiceInItsPlace) {
  Cluster c(1);
  add_services(c);
  Iptables& p = iptables(c, 0);  // the rig's proxies keep the fixed order
  for (int s = 0; s < 10; ++s) {
    p.rules_rewritten();
    for (std::uint32_t i = 0; i < kServices; ++i) {
      ASSERT_EQ(p.position(c.services.frontend(i)), i);
    }
  }
}

}  // namespace
}  // namespace podwire::proxy
