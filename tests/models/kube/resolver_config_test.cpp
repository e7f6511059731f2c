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

// pod_resolv_conf against the resolv.conf kubelet writes for each dnsPolicy
// (kubernetes.io "DNS for Services and Pods", and pkg/kubelet/network/dns).
PodSpec spec_with(DnsPolicy policy, bool host_network, std::optional<DnsConfig> config = {}) {
  PodSpec s;
  s.dns_policy = policy;
  s.host_network = host_network;
  s.dns_config = std::move(config);
  return s;
}

PodResolvConf conf_of(const PodSpec& s) {
  return pod_resolv_conf(s, "shop", "cluster.local", 5, "10.96.0.10");
}

TEST(PodResolvConf, ClusterFirstIsTheClustersUnlessThePodIsOnTheHostNetwork) {
  const PodResolvConf pod = conf_of(spec_with(DnsPolicy::cluster_first, false));
  EXPECT_EQ(pod.base, PodResolvConf::Base::cluster);
  EXPECT_EQ(pod.nameservers, (Names{"10.96.0.10"}));
  EXPECT_EQ(pod.resolver.search,
            (Names{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local"}));
  EXPECT_EQ(pod.resolver.ndots, 5);
  // "Pods running with hostNetwork and ClusterFirst will fall back to the
  // behavior of the Default policy."
  const PodResolvConf host = conf_of(spec_with(DnsPolicy::cluster_first, true));
  EXPECT_EQ(host.base, PodResolvConf::Base::node);
  EXPECT_EQ(host.nameservers, (Names{std::string(PodResolvConf::kNodeResolver)}));
  EXPECT_TRUE(host.resolver.search.empty());
  EXPECT_EQ(host.resolver.ndots, 1);  // glibc's default
  const PodResolvConf with_host_net =
      conf_of(spec_with(DnsPolicy::cluster_first_with_host_net, true));
  EXPECT_EQ(with_host_net.base, PodResolvConf::Base::cluster);
  EXPECT_EQ(with_host_net.nameservers, (Names{"10.96.0.10"}));
  EXPECT_EQ(conf_of(spec_with(DnsPolicy::default_, false)).base, PodResolvConf::Base::node);
}

TEST(PodResolvConf, DnsConfigIsAppendedWithoutDuplicatesAndItsOptionsWin) {
  DnsConfig d;
  d.nameservers = {"10.96.0.10", "1.1.1.1", "8.8.8.8", "9.9.9.9"};
  d.searches = {"svc.cluster.local", "corp.example"};
  d.options = {{"ndots", "2"}, {"timeout", "1"}, {"attempts", "9"}, {"edns0", ""}};
  const PodResolvConf c = conf_of(spec_with(DnsPolicy::cluster_first, false, d));
  EXPECT_EQ(c.nameservers, (Names{"10.96.0.10", "1.1.1.1", "8.8.8.8"}));  // at most 3
  EXPECT_EQ(c.resolver.search, (Names{"shop.svc.cluster.local", "svc.cluster.local",
                                      "cluster.local", "corp.example"}));
  EXPECT_EQ(c.resolver.ndots, 2);
  EXPECT_EQ(c.resolver.timeout_s, 1);
  EXPECT_EQ(c.resolver.attempts, 5);  // glibc caps attempts at 5
  // ndots:2 sends a two-dot name out as given first.
  EXPECT_EQ(c.resolver.candidates("api.corp.example").front(), "api.corp.example");
}

TEST(PodResolvConf, SingleRequestAndNoAaaaAreReadAsGlibcReadsThem) {
  DnsConfig d;
  d.options = {{"single-request-reopen", ""}};
  const ResolverConfig reopen = conf_of(spec_with(DnsPolicy::cluster_first, false, d)).resolver;
  EXPECT_TRUE(reopen.single_request);  // send_dg: reopen implies a single request at a time
  EXPECT_TRUE(reopen.reopen);
  d.options = {{"single-request", ""}, {"no-aaaa", ""}};
  const ResolverConfig single = conf_of(spec_with(DnsPolicy::cluster_first, false, d)).resolver;
  EXPECT_TRUE(single.single_request);
  EXPECT_FALSE(single.reopen);
  EXPECT_TRUE(single.no_aaaa);
  const ResolverConfig plain = conf_of(spec_with(DnsPolicy::cluster_first, false)).resolver;
  EXPECT_FALSE(plain.single_request || plain.reopen || plain.no_aaaa);
}

TEST(PodResolvConf, NoneIsOnlyTheDnsConfig) {
  DnsConfig d;
  d.nameservers = {"10.96.0.10"};
  d.searches = {"shop.svc.cluster.local"};
  const PodResolvConf c = conf_of(spec_with(DnsPolicy::none, false, d));
  EXPECT_EQ(c.base, PodResolvConf::Base::none);
  EXPECT_EQ(c.nameservers, (Names{"10.96.0.10"}));
  EXPECT_EQ(c.resolver.search, (Names{"shop.svc.cluster.local"}));
  EXPECT_EQ(c.resolver.ndots, 1);
  EXPECT_EQ(c.resolver.candidates("web"), (Names{"web.shop.svc.cluster.local", "web"}));
}

}  // namespace
}  // namespace podwire::kube
