// The Kubernetes objects' own semantics: label selectors (set-based and map),
// Service selection, port references, rollout counts, quantities and names.
#include "models/kube/objects.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "tests/support/error_of.hpp"

namespace podwire::kube {
namespace {

using test_support::error_of;

TEST(LabelSelector, EmptyMatchesEverything) {
  const LabelSelector all;
  EXPECT_TRUE(all.empty());
  EXPECT_TRUE(all.matches({}));
  EXPECT_TRUE(all.matches({{"app", "web"}}));
  EXPECT_EQ(all.to_string(), "{}");
}

TEST(LabelSelector, MatchLabelsNeedEveryPair) {
  LabelSelector s;
  s.match_labels = {{"app", "redis"}, {"role", "leader"}};
  EXPECT_TRUE(s.matches({{"app", "redis"}, {"role", "leader"}, {"tier", "backend"}}));
  EXPECT_FALSE(s.matches({{"app", "redis"}}));
  EXPECT_FALSE(s.matches({{"app", "redis"}, {"role", "follower"}}));
  EXPECT_EQ(s.to_string(), "app=redis,role=leader");
}

TEST(LabelSelector, ExpressionsFollowKubernetes) {
  const auto with = [](SelectorOperator op, std::vector<std::string> values) {
    LabelSelector s;
    s.match_expressions.push_back({"tier", op, std::move(values)});
    return s;
  };
  const Labels front{{"tier", "frontend"}};
  const Labels back{{"tier", "backend"}};
  const Labels none{{"app", "x"}};

  const LabelSelector in = with(SelectorOperator::in, {"frontend", "cache"});
  EXPECT_TRUE(in.matches(front));
  EXPECT_FALSE(in.matches(back));
  EXPECT_FALSE(in.matches(none));  // In needs the key

  const LabelSelector not_in = with(SelectorOperator::not_in, {"frontend"});
  EXPECT_FALSE(not_in.matches(front));
  EXPECT_TRUE(not_in.matches(back));
  EXPECT_TRUE(not_in.matches(none));  // NotIn holds when the key is absent

  EXPECT_TRUE(with(SelectorOperator::exists, {}).matches(back));
  EXPECT_FALSE(with(SelectorOperator::exists, {}).matches(none));
  EXPECT_FALSE(with(SelectorOperator::does_not_exist, {}).matches(back));
  EXPECT_TRUE(with(SelectorOperator::does_not_exist, {}).matches(none));

  LabelSelector both = in;
  both.match_labels = {{"app", "shop"}};
  both.match_expressions.push_back({"canary", SelectorOperator::does_not_exist, {}});
  EXPECT_TRUE(both.matches({{"app", "shop"}, {"tier", "cache"}}));
  EXPECT_FALSE(both.matches({{"app", "shop"}, {"tier", "cache"}, {"canary", "1"}}));
  EXPECT_EQ(both.to_string(), "app=shop,tier in (frontend,cache),!canary");
}

TEST(Service, SelectorAbsentOrEmptySelectsNothing) {
  Service s;
  EXPECT_FALSE(s.selects({{"app", "web"}}));  // absent: endpoints come only from EndpointSlices
  s.selector = Labels{};
  EXPECT_FALSE(s.has_selector());
  EXPECT_FALSE(s.selects({{"app", "web"}}));  // empty behaves like absent
  EXPECT_FALSE(s.selects({}));
  s.selector = Labels{{"app", "web"}};
  EXPECT_TRUE(s.selects({{"app", "web"}, {"version", "v2"}}));
  EXPECT_FALSE(s.selects({{"app", "api"}}));
  EXPECT_FALSE(s.headless());
  s.cluster_ip = "None";
  EXPECT_TRUE(s.headless());
}

TEST(PodSpec, ResolvesNamedPortsByNameAndProtocol) {
  PodSpec spec;
  Container sidecar;
  sidecar.name = "sidecar";
  sidecar.ports.push_back({"metrics", 9090, Protocol::tcp, 0, {}});
  Container server;
  server.name = "server";
  server.ports.push_back({"http", 8080, Protocol::tcp, 0, {}});
  server.ports.push_back({"dns", 5353, Protocol::udp, 0, {}});
  spec.containers = {sidecar, server};
  Container init;
  init.name = "init";
  init.ports.push_back({"setup", 7000, Protocol::tcp, 0, {}});
  spec.init_containers = {init};

  EXPECT_EQ(resolve_port(spec, PortRef{80, ""}, Protocol::tcp), 80);
  EXPECT_EQ(resolve_port(spec, PortRef{0, "http"}, Protocol::tcp), 8080);
  EXPECT_EQ(resolve_port(spec, PortRef{0, "metrics"}, Protocol::tcp), 9090);
  EXPECT_EQ(resolve_port(spec, PortRef{0, "dns"}, Protocol::udp), 5353);
  EXPECT_EQ(resolve_port(spec, PortRef{0, "dns"}, Protocol::tcp), std::nullopt);  // wrong protocol
  EXPECT_EQ(resolve_port(spec, PortRef{0, "grpc"}, Protocol::tcp), std::nullopt);
  EXPECT_EQ(resolve_port(spec, PortRef{0, "setup"}, Protocol::tcp),
            std::nullopt);  // init containers don't serve
  EXPECT_EQ(PortRef({0, "http"}).to_string(), "'http'");
  EXPECT_EQ(PortRef({8080, ""}).to_string(), "8080");
}

TEST(IntOrPercent, RollingUpdateRounding) {
  const DeploymentStrategy defaults;
  EXPECT_EQ(defaults.max_surge.to_string(), "25%");
  EXPECT_EQ(defaults.max_unavailable.to_string(), "25%");
  // 10 replicas: surge rounds up (3), unavailable rounds down (2), as the controller does.
  EXPECT_EQ(defaults.max_surge.resolve(10, true), 3);
  EXPECT_EQ(defaults.max_unavailable.resolve(10, false), 2);
  EXPECT_EQ(defaults.max_surge.resolve(1, true), 1);
  EXPECT_EQ(defaults.max_unavailable.resolve(1, false), 0);
  EXPECT_EQ((IntOrPercent{1, false}).resolve(10, false), 1);
  EXPECT_EQ((IntOrPercent{100, true}).resolve(7, true), 7);
  EXPECT_EQ((IntOrPercent{1, false}).to_string(), "1");
}

TEST(Quantity, Cpu) {
  EXPECT_EQ(parse_cpu_millicores("100m"), 100);
  EXPECT_EQ(parse_cpu_millicores("0.5"), 500);
  EXPECT_EQ(parse_cpu_millicores("1"), 1000);
  EXPECT_EQ(parse_cpu_millicores("2.25"), 2250);
  EXPECT_EQ(parse_cpu_millicores(".1"), 100);
  EXPECT_EQ(parse_cpu_millicores("+1"), 1000);
  EXPECT_EQ(parse_cpu_millicores("0"), 0);
  EXPECT_EQ(parse_cpu_millicores("1e-3"), 1);
  EXPECT_EQ(parse_cpu_millicores("2E0"), 2000);
  EXPECT_EQ(parse_cpu_millicores("250000000n"), 250);
  // Below the unit, values round up as the API server's MilliValue does.
  EXPECT_EQ(parse_cpu_millicores("0.0001"), 1);
  EXPECT_EQ(parse_cpu_millicores("1500u"), 2);
  EXPECT_EQ(parse_cpu_millicores("1k"), 1'000'000);
}

TEST(Quantity, Memory) {
  EXPECT_EQ(parse_memory_bytes("64Mi"), 64 * 1024 * 1024);
  EXPECT_EQ(parse_memory_bytes("1Gi"), 1024LL * 1024 * 1024);
  EXPECT_EQ(parse_memory_bytes("0.5Gi"), 512LL * 1024 * 1024);
  EXPECT_EQ(parse_memory_bytes("1.5Gi"), 1610612736);
  EXPECT_EQ(parse_memory_bytes("128M"), 128'000'000);
  EXPECT_EQ(parse_memory_bytes("129e6"), 129'000'000);
  EXPECT_EQ(parse_memory_bytes("1e3"), 1000);
  EXPECT_EQ(parse_memory_bytes("123456789"), 123456789);
  EXPECT_EQ(parse_memory_bytes("1Ki"), 1024);
  EXPECT_EQ(parse_memory_bytes("1k"), 1000);
  EXPECT_EQ(parse_memory_bytes("7Ei"), 7LL << 60);
  EXPECT_EQ(parse_memory_bytes("100m"), 1);  // 0.1 byte rounds up
  EXPECT_EQ(parse_memory_bytes("0.000Mi"), 0);
  EXPECT_EQ(parse_memory_bytes("1.000000000000000000000000G"),
            1'000'000'000);  // trailing zeros are free
}

TEST(Quantity, RejectsGarbage) {
  const std::string what = "is not a Kubernetes quantity such as 100m, 0.5, 64Mi or 1e3";
  EXPECT_EQ(error_of([] { parse_memory_bytes("abc"); }), "'abc' " + what);
  EXPECT_EQ(error_of([] { parse_memory_bytes(""); }), "'' " + what);
  EXPECT_EQ(error_of([] { parse_memory_bytes("1K"); }), "'1K' " + what);  // kilo is lowercase k
  EXPECT_EQ(error_of([] { parse_memory_bytes("1Mb"); }), "'1Mb' " + what);
  EXPECT_EQ(error_of([] { parse_memory_bytes("1 Gi"); }), "'1 Gi' " + what);
  EXPECT_EQ(error_of([] { parse_memory_bytes("1.2.3"); }), "'1.2.3' " + what);
  EXPECT_EQ(error_of([] { parse_memory_bytes("1e"); }), "'1e' " + what);
  EXPECT_EQ(error_of([] { parse_cpu_millicores("m"); }), "'m' " + what);
  EXPECT_EQ(error_of([] { parse_cpu_millicores("-1"); }),
            "'-1' is negative; a resource quantity must be at least 0");
  EXPECT_EQ(error_of([] { parse_memory_bytes("8Ei"); }),
            "'8Ei' is too large for podwire (more than 2^63 - 1 in its unit)");
  EXPECT_EQ(error_of([] { parse_cpu_millicores("10E"); }),
            "'10E' is too large for podwire (more than 2^63 - 1 in its unit)");
  EXPECT_EQ(parse_memory_bytes("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(error_of([] { parse_memory_bytes("9223372036854775808"); }),
            "'9223372036854775808' is too large for podwire (more than 2^63 - 1 in its unit)");
  EXPECT_EQ(error_of([] { parse_memory_bytes("1.0000000000000000001Ki"); }),
            "'1.0000000000000000001Ki' has more than 18 significant digits");
}

TEST(Names, PortNamesAreIanaServiceNames) {
  EXPECT_EQ(port_name_problem("http"), "");
  EXPECT_EQ(port_name_problem("http-server"), "");
  EXPECT_EQ(port_name_problem("h2c"), "");
  EXPECT_EQ(port_name_problem("8080"), "a port name must contain at least one letter");
  EXPECT_EQ(port_name_problem("HTTP"),
            "a port name may contain only lowercase letters, digits and '-'");
  EXPECT_EQ(port_name_problem("a-very-long-port-name"),
            "a port name must be at most 15 characters");
  EXPECT_EQ(port_name_problem("-http"), "a port name must not begin or end with '-'");
  EXPECT_EQ(port_name_problem("http--alt"), "a port name must not contain '--'");
}

TEST(Names, DnsLabelsAndSubdomains) {
  EXPECT_EQ(dns_label_problem("redis-leader", true), "");
  EXPECT_EQ(dns_label_problem("1st", false), "");
  EXPECT_EQ(dns_label_problem("1st", true), "this name must start with a letter");
  EXPECT_EQ(dns_label_problem("a.b", false),
            "a DNS label may contain only lowercase letters, digits and '-'");
  EXPECT_EQ(dns_subdomain_problem("validate.nginx.ingress.kubernetes.io"), "");
  EXPECT_EQ(dns_subdomain_problem("Frontend"),
            "a DNS subdomain may contain only lowercase letters, digits, '-' and '.'");
  EXPECT_EQ(dns_subdomain_problem("a..b"),
            "a DNS subdomain must not have an empty part between dots");
  EXPECT_EQ(dns_subdomain_problem("web-"),
            "each part of a DNS subdomain must start and end with a letter or digit");
}

TEST(SourceLocation, Formats) {
  EXPECT_EQ((SourceLocation{"a.yaml", 3, 7}).to_string(), "a.yaml:3:7");
  EXPECT_EQ((SourceLocation{"a.yaml", 0, 0}).to_string(), "a.yaml");
}

TEST(EndpointSlice, ServiceNameFromLabel) {
  EndpointSlice e;
  EXPECT_EQ(e.service_name(), "");
  e.meta.labels["kubernetes.io/service-name"] = "my-service";
  EXPECT_EQ(e.service_name(), "my-service");
}

}  // namespace
}  // namespace podwire::kube
