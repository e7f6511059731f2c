// The pod resolver as kubelet configures it and glibc walks it.
#include "models/kube/resolver_config.hpp"

#include <gtest/gtest.h>

namespace podwire::kube {
namespace {

using Names = std::vector<std::string>;

TEST(ResolverConfig, ClusterFirstSearchPath) {
  const ResolverConfig c =
      ResolverConfig::cluster_first("my-app", "cluster.local", {"ec2.internal"});
  EXPECT_EQ(c.search, (Names{"my-app.svc.cluster.local", "svc.cluster.local", "cluster.local",
                             "ec2.internal"}));
  EXPECT_EQ(c.ndots, 5);
}

TEST(ResolverConfig, AServiceNameAnswersOnTheFirstTry) {
  const ResolverConfig c = ResolverConfig::cluster_first("my-app", "cluster.local");
  // "web" has no dots: the search list comes first, and its first entry is the Service's FQDN.
  EXPECT_EQ(c.candidates("web").front(), "web.my-app.svc.cluster.local");
  EXPECT_EQ(c.candidates("web.other-ns").front(), "web.other-ns.my-app.svc.cluster.local");
  EXPECT_EQ(c.candidates("web.other-ns")[1], "web.other-ns.svc.cluster.local");
}

TEST(ResolverConfig, AnExternalNameWalksEverySearchDomainFirst) {
  const ResolverConfig c =
      ResolverConfig::cluster_first("default", "cluster.local", {"ec2.internal"});
  EXPECT_EQ(c.candidates("example.com"),
            (Names{"example.com.default.svc.cluster.local", "example.com.svc.cluster.local",
                   "example.com.cluster.local", "example.com.ec2.internal", "example.com"}));
  // A trailing dot skips the walk; five dots try the name as given first.
  EXPECT_EQ(c.candidates("example.com."), (Names{"example.com"}));
  EXPECT_EQ(c.candidates("a.b.c.d.e.f").front(), "a.b.c.d.e.f");
  // The well-known surprise: a Service FQDN has only 4 dots, so without the
  // trailing dot it too walks the search list before being tried as given.
  const Names fqdn = c.candidates("web.my-app.svc.cluster.local");
  EXPECT_EQ(fqdn.size(), 5u);
  EXPECT_EQ(fqdn.front(), "web.my-app.svc.cluster.local.default.svc.cluster.local");
  EXPECT_EQ(fqdn.back(), "web.my-app.svc.cluster.local");
}

TEST(ResolverConfig, SearchListIsDeduplicatedAndCappedAtSix) {
  const ResolverConfig c = ResolverConfig::cluster_first(
      "ns", "cluster.local", {"cluster.local", "a.example", "b.example", "c.example", "d.example"});
  EXPECT_EQ(c.search, (Names{"ns.svc.cluster.local", "svc.cluster.local", "cluster.local",
                             "a.example", "b.example", "c.example"}));
}

}  // namespace
}  // namespace podwire::kube
