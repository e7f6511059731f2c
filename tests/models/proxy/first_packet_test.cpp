// What finding a new connection's Service costs in each mode, against the
// table's size and the Service's place in it: iptables walks KUBE-SERVICES
// rule by rule (linear in the place, 52 ns a rule), IPVS, nftables and eBPF
// look it up in a hash (the same at 100 Services as at 10,000).
#include <gtest/gtest.h>

#include <string>

#include "models/proxy/service_proxy.hpp"
#include "tests/support/datapath_rig.hpp"

namespace podwire::proxy {
namespace {

using engine::Time;
using net::Address;
using net::parse_address;
using test_support::Cluster;

// The cost of a ClusterIP first packet to the Service at `place` (0-based)
// among `services` Services of 2 endpoints each, choosing the first endpoint.
Time lookup(const std::string& mode, int services, int place) {
  Cluster c(1);
  std::uint32_t measured = 0;
  for (int i = 0; i < services; ++i) {
    ServiceFrontend f;
    f.name = "svc-" + std::to_string(i);
    f.port = 80;
    f.position = static_cast<std::uint32_t>(i);  // its place in KUBE-SERVICES: the table's order
    for (int e = 0; e < 2; ++e)
      f.backends.push_back(Backend{parse_address("100.96.0.0") + static_cast<Address>(e), 80});
    const std::uint32_t id = c.services.add(std::move(f));
    c.services.expose(id, FrontendKind::cluster_ip,
                      parse_address("100.64.0.0") + static_cast<Address>(i), 80);
    if (i == place) measured = id;
  }
  ServiceProxy& proxy = c.proxy_in_mode(0, mode);
  const ServiceProxy::Lookup l{c.services.frontend(measured), measured, FrontendKind::cluster_ip,
                               c.services.size(), 0};
  return proxy.lookup_cost(l);
}

TEST(FirstPacket, IptablesWalksKubeServicesUpToTheServicesPlace) {
  const Time rule = ProxyModeCosts{}.iptables_rule;
  // Linear in the place, whatever the table's size.
  EXPECT_EQ(lookup("iptables", 10000, 999) - lookup("iptables", 10000, 0), rule * 999);
  EXPECT_EQ(lookup("iptables", 10000, 9999) - lookup("iptables", 10000, 999), rule * 9000);
  EXPECT_EQ(lookup("iptables", 100, 50), lookup("iptables", 10000, 50));
  // The first Service's walk: its KUBE-SERVICES rule, the KUBE-SVC chain's
  // masquerade rule and first probability rule, the KUBE-SEP chain's two.
  EXPECT_EQ(lookup("iptables", 100, 0), rule * (1 + 2 + 2));
}

TEST(FirstPacket, IpvsNftablesAndEbpfCostTheSameAtAnySizeAndPlace) {
  for (const std::string mode : {"ipvs", "nftables", "ebpf"}) {
    const Time small = lookup(mode, 100, 0);
    EXPECT_GT(small, Time::zero()) << mode;
    EXPECT_EQ(lookup(mode, 100, 99), small) << mode;
    EXPECT_EQ(lookup(mode, 10000, 0), small) << mode;
    EXPECT_EQ(lookup(mode, 10000, 9999), small) << mode;
  }
  // At 10,000 Services the hash is far cheaper than the walk to the last one.
  EXPECT_LT(lookup("nftables", 10000, 9999) * 100, lookup("iptables", 10000, 9999));
}

}  // namespace
}  // namespace podwire::proxy
