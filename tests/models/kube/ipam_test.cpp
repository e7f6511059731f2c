// Address management as Kubernetes does it: CIDR arithmetic, host-local pod
// IPs per node, and the API server's ClusterIP/NodePort allocators.
#include <gtest/gtest.h>

#include <set>

#include "models/kube/cidr.hpp"
#include "models/kube/pod_ip_pool.hpp"
#include "models/kube/range_allocator.hpp"
#include "models/net/host.hpp"
#include "tests/support/error_of.hpp"

namespace podwire::kube {
namespace {

using net::format_address;
using net::parse_address;

using test_support::error_of;

TEST(Cidr, ParsesAndSplits) {
  const Cidr services = Cidr::parse("10.96.0.0/12");
  EXPECT_EQ(services.size(), 1u << 20);
  EXPECT_TRUE(services.contains(parse_address("10.111.255.255")));
  EXPECT_FALSE(services.contains(parse_address("10.112.0.0")));
  const Cidr pods = Cidr::parse("10.244.0.0/16");
  EXPECT_EQ(pods.subnet(24, 3).to_string(), "10.244.3.0/24");
  EXPECT_EQ(pods.subnet(24, 255).to_string(), "10.244.255.0/24");
  EXPECT_THROW(pods.subnet(24, 256), std::out_of_range);
  EXPECT_TRUE(pods.overlaps(Cidr::parse("10.244.7.0/24")));
  EXPECT_FALSE(pods.overlaps(services));
  EXPECT_EQ(error_of([] { Cidr::parse("10.244.0.1/16"); }),
            "10.244.0.1/16 has host bits set; the block starts at 10.244.0.0");
  EXPECT_EQ(error_of([] { Cidr::parse("10.244.0.0"); }),
            "'10.244.0.0' is not a CIDR block like 10.96.0.0/12");
  EXPECT_EQ(error_of([] { Cidr::parse("10.244.0.0/33"); }),
            "'10.244.0.0/33' has a bad prefix length (0 to 32)");
}

TEST(PodIpPool, AllocatesLikeHostLocal) {
  PodIpPool pool(Cidr::parse("10.244.1.0/24"));
  EXPECT_EQ(pool.capacity(), 253u);  // .2 .. .254
  EXPECT_EQ(format_address(pool.gateway()), "10.244.1.1");
  const auto a = pool.allocate();
  const auto b = pool.allocate();
  EXPECT_EQ(format_address(*a), "10.244.1.2");
  EXPECT_EQ(format_address(*b), "10.244.1.3");
  // A freed address is not handed out again until the block wraps around.
  EXPECT_TRUE(pool.release(*a));
  EXPECT_FALSE(pool.release(*a));
  EXPECT_EQ(format_address(*pool.allocate()), "10.244.1.4");
  std::set<net::Address> seen;
  while (auto ip = pool.allocate()) seen.insert(*ip);
  EXPECT_EQ(seen.size(), 251u);  // .5 .. .254, then .2 once the block wraps
  EXPECT_TRUE(seen.count(parse_address("10.244.1.2")));
  EXPECT_FALSE(seen.count(parse_address("10.244.1.255")));
  EXPECT_EQ(pool.in_use(), pool.capacity());
  EXPECT_FALSE(pool.allocate().has_value());
}

TEST(RangeAllocator, NodePortsComeFromTheUpperBandFirst) {
  RangeAllocator ports(30000, 32767);  // the default NodePort range
  EXPECT_EQ(ports.size(), 2768u);
  engine::RandomStream rng(1);
  // The lower band holds min(max(16, 2768/16), 256) = 173 ports.
  for (int i = 0; i < 1000; ++i) {
    const auto p = ports.allocate_random(rng);
    ASSERT_TRUE(p);
    EXPECT_GE(*p, 30000u + 173u);
  }
  EXPECT_TRUE(ports.allocate(30080));
  EXPECT_FALSE(ports.allocate(30080));  // taken
  EXPECT_FALSE(ports.allocate(29999));  // outside
  while (ports.allocate_random(rng)) {
  }
  EXPECT_EQ(ports.in_use(), ports.size());
  EXPECT_TRUE(ports.release(30080));
  EXPECT_EQ(*ports.allocate_random(rng), 30080u);
}

TEST(RangeAllocator, SameStreamSameChoices) {
  RangeAllocator a(0, 1000), b(0, 1000);
  engine::RandomStream ra(9), rb(9);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.allocate_random(ra), b.allocate_random(rb));
}

}  // namespace
}  // namespace podwire::kube
