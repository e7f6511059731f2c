// Applications as microservices: call graphs checked before they run (cycles),
// the ports a Service already says, the node labels a nodeSelector relies on,
// and routes, request mixes and drawn calls.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "models/builder/call_graph.hpp"
#include "models/builder/cluster_model.hpp"
#include "tests/support/app_workloads.hpp"
#include "tests/support/build_errors.hpp"

namespace podwire::builder {
namespace {

using test_support::build_errors;
using test_support::kClient;
using test_support::kCluster;
using test_support::run;
using test_support::service;
using test_support::workload;

int line_of(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

// --- cycles -------------------------------------------------------------------------

TEST(CallGraph, FindsTheFirstCycleOfUnboundedEdgesInIndexOrder) {
  // 0 -> 1 -> 2 -> 0, and 2 -> 3 -> 3.
  const std::vector<CallEdge> edges{
      {0, 1, false, 0}, {1, 2, false, 1}, {2, 3, false, 2}, {3, 3, false, 3}, {2, 0, false, 4}};
  EXPECT_EQ(find_unbounded_cycle(4, edges), std::vector<std::size_t>{3});
  std::vector<CallEdge> no_self = edges;
  no_self[3].bounded = true;
  EXPECT_EQ(find_unbounded_cycle(4, no_self), (std::vector<std::size_t>{0, 1, 4}));
  no_self[4].bounded = true;
  EXPECT_TRUE(find_unbounded_cycle(4, no_self).empty());
  // A diamond is no cycle.
  EXPECT_TRUE(find_unbounded_cycle(
                  4, {{0, 1, false, 0}, {0, 2, false, 1}, {1, 3, false, 2}, {2, 3, false, 3}})
                  .empty());
}

TEST(AppsModel, ACallCycleIsAnErrorNamingItsPathAndWhereEachCallIsWritten) {
  const std::string text = kCluster + workload("a") + workload("b") + workload("c") + R"(
apps:
  a:
    calls: [{sequential: [{url: "http://b:80"}]}]
  b:
    calls:
      - sequential: [{url: "http://c:80"}]
  c:
    calls: [{parallel: [{url: "http://a.default:80"}]}]
)";
  const std::string errors = build_errors(text);
  EXPECT_NE(errors.find("the call graph has a cycle, a -> b -> c -> a"), std::string::npos)
      << errors;
  const std::string at_a = "test.yaml:" + std::to_string(line_of(text, "http://b:80"));
  const std::string at_c = "test.yaml:" + std::to_string(line_of(text, "http://a.default:80"));
  EXPECT_NE(errors.find("a calls http://b:80 at " + at_a + ":"), std::string::npos) << errors;
  EXPECT_NE(errors.find("c calls http://a.default:80 at " + at_c + ":"), std::string::npos)
      << errors;
  // Located at the first call of the cycle.
  EXPECT_EQ(errors.rfind(at_a + ":", 0), 0u) << errors;
}

TEST(AppsModel, AnAppCallingItsOwnServiceIsACycle) {
  const std::string errors = build_errors(kCluster + workload("a") + R"(
apps:
  a: {calls: [{sequential: [{url: "http://a:80"}]}]}
)");
  EXPECT_NE(errors.find("cycle, a -> a"), std::string::npos) << errors;
}

TEST(AppsModel, ACallChainWithoutACycleBuilds) {
  EXPECT_EQ(build_errors(kCluster + workload("a") + workload("b") + workload("c") + R"(
apps:
  a: {calls: [{sequential: [{url: "http://b:80"}, {url: "http://c:80"}]}]}
  b: {calls: [{sequential: [{url: "http://c:80"}]}]}
  c: {}
)"),
            "");
}

// --- ports ----------------------------------------------------------------------

TEST(AppsModel, PodsThatDeclareNoPortServeTheServicesNumericTargetPort) {
  const ClusterRunResult r = run(kCluster + workload("web", 0, "9376", 2) + kClient + R"(
apps:
  web: {concurrency: 2, service_time: 1ms}
traffic:
  - {name: c, from: client, url: "http://web:80/", rate: 100/s}
)");
  EXPECT_GT(r.traffic[0].ok, 100u);
  EXPECT_EQ(r.traffic[0].failed, 0u);
  EXPECT_GT(service(r, "default/web").requests, 100u);
}

TEST(AppsModel, TwoTargetPortsForPodsWithoutPortsAskWhichServes) {
  const std::string text = kCluster + workload("web", 0, "9376") + R"(
  - inline: {apiVersion: v1, kind: Service, metadata: {name: admin},
             spec: {selector: {app: web}, ports: [{port: 81, targetPort: 9090}]}}
apps:
  web: {concurrency: 2}
)";
  const std::string errors = build_errors(text);
  EXPECT_NE(errors.find("apps.web.port"), std::string::npos) << errors;
  EXPECT_NE(errors.find("default/admin: 9090"), std::string::npos) << errors;
  EXPECT_NE(errors.find("default/web: 9376"), std::string::npos) << errors;
  // Saying it settles it.
  std::string settled = text;
  settled.replace(settled.find("web: {concurrency: 2}"), 21, "web: {concurrency: 2, port: 9376}");
  EXPECT_EQ(build_errors(settled), "");
}

TEST(AppsModel, PodsWithoutPortsAndNoServiceToSayOneAreAnError) {
  const std::string errors = build_errors(kCluster + kClient + R"(
apps:
  client: {concurrency: 2}
)");
  EXPECT_NE(errors.find("declare no TCP container port"), std::string::npos) << errors;
  EXPECT_NE(errors.find("apps.client.port"), std::string::npos) << errors;
}

// --- node labels ----------------------------------------------------------------

TEST(AppsModel, NodesCarryTheKubeletsAndTheCloudsWellKnownLabels) {
  const scenario::ClusterScenario s = scenario::parse_cluster_scenario(R"(
cluster:
  nodes:
    - {name: a, count: 3, cpus: 8, memory: 32GiB, region: eu-west-1, zone: [eu-west-1a, eu-west-1b]}
    - {name: b, labels: {kubernetes.io/arch: arm64}}
)",
                                                                       "test.yaml");
  ClusterModel m(s);
  const auto& nodes = m.cluster().nodes();
  ASSERT_EQ(nodes.size(), 4u);
  const kube::Labels& a1 = nodes[1].labels;
  EXPECT_EQ(a1.at("kubernetes.io/hostname"), "a-1");
  EXPECT_EQ(a1.at("kubernetes.io/os"), "linux");
  EXPECT_EQ(a1.at("beta.kubernetes.io/os"), "linux");
  EXPECT_EQ(a1.at("kubernetes.io/arch"), "amd64");
  EXPECT_EQ(a1.at("beta.kubernetes.io/arch"), "amd64");
  EXPECT_EQ(a1.at("node.kubernetes.io/instance-type"), "8cpu-32gib");
  EXPECT_EQ(a1.at("topology.kubernetes.io/region"), "eu-west-1");
  // The zones are dealt over the group's nodes in turn.
  EXPECT_EQ(nodes[0].labels.at("topology.kubernetes.io/zone"), "eu-west-1a");
  EXPECT_EQ(a1.at("topology.kubernetes.io/zone"), "eu-west-1b");
  EXPECT_EQ(nodes[2].labels.at("topology.kubernetes.io/zone"), "eu-west-1a");
  // Defaults, and a label given wins over the default.
  const kube::Labels& b = nodes[3].labels;
  EXPECT_EQ(b.at("kubernetes.io/arch"), "arm64");
  EXPECT_EQ(b.at("topology.kubernetes.io/region"), "region-1");
  EXPECT_EQ(b.at("topology.kubernetes.io/zone"), "region-1-a");
  EXPECT_EQ(b.at("node.kubernetes.io/instance-type"), "4cpu-16gib");
}

TEST(AppsModel, ANodeSelectorOnTheWellKnownLabelsSchedules) {
  const std::string text =
      R"(
cluster:
  nodes:
    - {name: w, count: 4, zone: [z1, z2]}
manifests:
)" + workload("legacy", 8080, "8080", 2, "nodeSelector: {beta.kubernetes.io/os: linux}, ") +
      workload("zonal", 8080, "8080", 3, "nodeSelector: {topology.kubernetes.io/zone: z2}, ");
  const scenario::ClusterScenario s = scenario::parse_cluster_scenario(text, "test.yaml");
  ClusterModel m(s);
  int legacy = 0, zonal = 0;
  for (const kube::PodState& p : m.cluster().pods()) {
    ASSERT_GE(p.node, 0) << p.name;
    if (p.name.starts_with("legacy-")) ++legacy;
    if (p.name.starts_with("zonal-")) {
      ++zonal;
      EXPECT_EQ(m.cluster().nodes()[static_cast<std::size_t>(p.node)].labels.at(
                    "topology.kubernetes.io/zone"),
                "z2");
    }
  }
  EXPECT_EQ(legacy, 2);
  EXPECT_EQ(zonal, 3);
}

TEST(AppsModel, AnEmptyZoneListIsAnError) {
  EXPECT_NE(build_errors("cluster: {nodes: [{name: w, zone: []}]}\n").find("zone"),
            std::string::npos);
}

// --- routes, mixes and drawn calls --------------------------------------------------

TEST(AppsModel, ATrafficMixSendsEachRouteItsShareAndEachRouteHasItsOwnServiceTime) {
  // 3:1 over a 1 ms and a 5 ms route: 2 ms at the server on average, at low load.
  const ClusterRunResult r = run(kCluster + workload("web", 8080, "8080", 2) + kClient + R"(
apps:
  web:
    concurrency: 16
    service_time: 20ms
    routes:
      "GET /fast": {service_time: 1ms}
      "POST /slow": {service_time: 5ms}
traffic:
  - {name: c, from: client, url: "http://web:80/", rate: 400/s, mix: {"GET /fast": 3, "POST /slow": 1}}
)");
  const ServiceFigures& web = service(r, "default/web");
  EXPECT_GT(web.requests, 600u);
  EXPECT_EQ(r.traffic[0].failed, 0u);
  EXPECT_NEAR(web.server_time_s.mean(), 0.75 * 1e-3 + 0.25 * 5e-3, 0.15e-3);
}

TEST(AppsModel, ARouteMakesItsOwnCallsAndACallCanAskForARoute) {
  // compose calls b's "write" route (3 ms) and read calls nothing: b sees a quarter.
  const ClusterRunResult r = run(kCluster + workload("a") + workload("b") + kClient + R"(
apps:
  a:
    concurrency: 8
    routes:
      compose: {calls: [{sequential: [{url: "http://b:80", route: write}]}]}
      read: {}
  b:
    concurrency: 8
    service_time: 10ms
    routes:
      write: {service_time: 3ms}
traffic:
  - {name: c, from: client, url: "http://a:80/", rate: 400/s, mix: {compose: 1, read: 3}}
)");
  const double a = static_cast<double>(service(r, "default/a").requests);
  const double b = static_cast<double>(service(r, "default/b").requests);
  EXPECT_GT(a, 600);
  EXPECT_NEAR(b / a, 0.25, 0.04);
  EXPECT_NEAR(service(r, "default/b").server_time_s.mean(), 3e-3, 0.2e-3);
}

TEST(AppsModel, ACallWithAProbabilityIsMadeForThatShareOfRequests) {
  const ClusterRunResult r = run(kCluster + workload("a") + workload("db") + kClient + R"(
apps:
  a: {concurrency: 8, calls: [{sequential: [{url: "http://db:80", probability: 0.3}]}]}
  db: {concurrency: 8, service_time: 100us}
traffic:
  - {name: c, from: client, url: "http://a:80/", rate: 500/s}
)");
  const double a = static_cast<double>(service(r, "default/a").requests);
  EXPECT_GT(a, 800);
  EXPECT_NEAR(static_cast<double>(service(r, "default/db").requests) / a, 0.3, 0.05);
  EXPECT_EQ(r.traffic[0].failed, 0u);
}

TEST(AppsModel, ACallsCountCanBeDrawnPerRequest) {
  const ClusterRunResult r =
      run(kCluster + workload("a") + workload("p") + workload("u") + kClient + R"(
apps:
  a:
    concurrency: 8
    calls:
      - parallel: [{url: "http://p:80", count: {distribution: poisson, mean: 2}}]
      - sequential: [{url: "http://u:80", count: {distribution: uniform, min: 0, max: 2}}]
  p: {concurrency: 8, service_time: 100us}
  u: {concurrency: 8, service_time: 100us}
traffic:
  - {name: c, from: client, url: "http://a:80/", rate: 400/s}
)");
  const double a = static_cast<double>(service(r, "default/a").requests);
  EXPECT_GT(a, 600);
  EXPECT_NEAR(static_cast<double>(service(r, "default/p").requests) / a, 2.0, 0.15);
  EXPECT_NEAR(static_cast<double>(service(r, "default/u").requests) / a, 1.0, 0.1);
}

TEST(AppsModel, ACycleBoundedByADepthLimitOrAProbabilityRunsAndEnds) {
  // Each client request to a makes three more, at depths 1, 2 and 3.
  const ClusterRunResult deep = run(kCluster + workload("a", 8080, "8080", 2) + kClient + R"(
apps:
  a: {concurrency: 16, service_time: 200us, calls: [{sequential: [{url: "http://a:80", max_depth: 3}]}]}
traffic:
  - {name: c, from: client, url: "http://a:80/", rate: 200/s}
)");
  const TrafficFigures& t = deep.traffic[0];
  EXPECT_GT(t.ok, 300u);
  EXPECT_EQ(t.failed, 0u);
  EXPECT_NEAR(static_cast<double>(service(deep, "default/a").requests) / static_cast<double>(t.ok),
              4.0, 0.1);
  // Half the time again: 1 / (1 - 0.5) = 2 requests to a per client request.
  const ClusterRunResult coin = run(kCluster + workload("a", 8080, "8080", 2) + kClient + R"(
apps:
  a: {concurrency: 16, service_time: 200us, calls: [{sequential: [{url: "http://a:80", probability: 0.5}]}]}
traffic:
  - {name: c, from: client, url: "http://a:80/", rate: 300/s}
)");
  EXPECT_EQ(coin.traffic[0].failed, 0u);
  EXPECT_NEAR(static_cast<double>(service(coin, "default/a").requests) /
                  static_cast<double>(coin.traffic[0].ok),
              2.0, 0.15);
}

TEST(AppsModel, ACycleThroughRoutesIsFoundAndOneThroughAnotherRouteIsNot) {
  const std::string base = kCluster + workload("a") + workload("b") + R"(
apps:
  a:
    routes:
      page: {calls: [{sequential: [{url: "http://b:80", route: lookup}]}]}
      leaf: {}
  b:
    routes:
      lookup: {calls: [{sequential: [{url: "http://a:80", route: ROUTE}]}]}
)";
  std::string leaf = base, page = base;
  leaf.replace(leaf.find("ROUTE"), 5, "leaf");
  page.replace(page.find("ROUTE"), 5, "page");
  EXPECT_EQ(build_errors(leaf), "");
  EXPECT_NE(build_errors(page).find("cycle, a -> b -> a"), std::string::npos) << build_errors(page);
}

TEST(AppsModel, ARouteThatNoAppBehindTheServiceHasIsAnError) {
  const std::string errors = build_errors(kCluster + workload("a") + workload("b") + kClient + R"(
apps:
  a: {calls: [{sequential: [{url: "http://b:80", route: "GET /nope"}]}]}
  b: {routes: {"GET /yes": {}}}
traffic:
  - {from: client, url: "http://b:80/", mix: {"GET /yes": 1, "GET /maybe": 2}, rate: 10/s}
)");
  EXPECT_NE(
      errors.find("route 'GET /nope' of Service default/b is not one of b's routes (GET /yes)"),
      std::string::npos)
      << errors;
  EXPECT_NE(errors.find("traffic[0].url: route 'GET /maybe'"), std::string::npos) << errors;
}

// --- connection pools ---------------------------------------------------------------

TEST(AppsModel, APoolOfOneConnectionMakesRequestsWaitForItAsAnMD1Queue) {
  // 100/s over one kept-alive connection held 5 ms per request (a constant
  // service): the client's requests queue for it as at an M/D/1 station with
  // utilisation 0.5, Wq = rho / (2 mu (1 - rho)) = 2.5 ms, counted as connecting.
  std::string cluster = kCluster;
  cluster.replace(cluster.find("duration: 3s"), 12, "duration: 21s");
  const ClusterRunResult r = run(cluster + workload("db", 5432, "5432") + kClient + R"(
apps:
  db: {concurrency: 8, service_time: 5ms, keepalive_requests: 0}
traffic:
  - {name: c, from: client, url: "http://db:80/", rate: 100/s, pool_size: 1}
)");
  const TrafficFigures& t = r.traffic[0];
  EXPECT_GT(t.ok, 1800u);
  EXPECT_EQ(t.failed, 0u);
  EXPECT_NEAR(t.connect_s.mean(), 2.5e-3, 0.35e-3);
  // One connection (and the DNS lookup's flow) through the Service all run long.
  EXPECT_EQ(r.datapath.service_translations, 2u);
}

}  // namespace
}  // namespace podwire::builder
