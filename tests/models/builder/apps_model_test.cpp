// Applications as microservices: call graphs checked before they run (cycles),
// the ports a Service already says, and node labels a nodeSelector relies on.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "models/builder/call_graph.hpp"
#include "models/builder/cluster_model.hpp"
#include "tests/support/build_errors.hpp"

namespace podwire::builder {
namespace {

using test_support::build_errors;

const std::string kCluster = R"(
run: {seed: 3, duration: 3s, warmup: 1s}
cluster:
  nodes: [{name: worker, count: 3, cpus: 4}]
manifests:
)";

// A Deployment NAME (pods labelled app: NAME) and its Service NAME, port 80 to
// `target_port`; the container declares `container_port` (0: no port).
std::string workload(const std::string& name, int container_port = 8080,
                     const std::string& target_port = "8080", int replicas = 1,
                     const std::string& pod_spec = "") {
  const std::string ports =
      container_port > 0 ? ", ports: [{containerPort: " + std::to_string(container_port) + "}]"
                         : "";
  return "  - inline:\n"
         "      apiVersion: apps/v1\n"
         "      kind: Deployment\n"
         "      metadata: {name: " +
         name + "}\n      spec:\n        replicas: " + std::to_string(replicas) +
         "\n        selector: {matchLabels: {app: " + name +
         "}}\n        template:\n          metadata: {labels: {app: " + name +
         "}}\n          spec: {" + pod_spec + "containers: [{name: c, image: x" + ports +
         "}]}\n"
         "  - inline: {apiVersion: v1, kind: Service, metadata: {name: " +
         name + "}, spec: {selector: {app: " + name +
         "}, ports: [{port: 80, targetPort: " + target_port + "}]}}\n";
}

const std::string kClient = R"(  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: client}
      spec:
        selector: {matchLabels: {app: client}}
        template:
          metadata: {labels: {app: client}}
          spec: {containers: [{name: c, image: x}]}
)";

// The 1-based line of the first line of `text` holding `needle`.
int line_of(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

ClusterRunResult run(const std::string& text) {
  const scenario::ClusterScenario s = scenario::parse_cluster_scenario(text, "test.yaml");
  ClusterModel m(s);
  return m.run();
}

const ServiceFigures& service(const ClusterRunResult& r, const std::string& name) {
  for (const ServiceFigures& f : r.services) {
    if (f.name == name) return f;
  }
  ADD_FAILURE() << "no service row " << name;
  return r.services.front();
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

// --- the estimate -----------------------------------------------------------------

// The estimate's server time against the simulated one, at low load.
void expect_estimate_within(const ServiceFigures& f, double fraction) {
  EXPECT_GT(f.requests, 100u) << f.name;
  EXPECT_NEAR(f.estimate_server_time_s, f.server_time_s.mean(), fraction * f.server_time_s.mean())
      << f.name;
}

TEST(AppsModel, TheEstimateFollowsARouteMixAndTheCallsProbabilitiesAndDepths) {
  // 10 s, so that the drawn calls' count is within a few per cent of its mean.
  std::string cluster = kCluster;
  cluster.replace(cluster.find("duration: 3s"), 12, "duration: 11s");
  const ClusterRunResult r = run(cluster + workload("web", 8080, "8080", 2) + workload("db") +
                                 workload("loop", 8080, "8080", 2) + kClient + R"(
apps:
  web:
    concurrency: 16
    routes:
      fast: {service_time: 1ms, calls: [{sequential: [{url: "http://db:80", probability: 0.3}]}]}
      slow:
        service_time: {distribution: exponential, mean: 5ms}
        calls: [{parallel: [{url: "http://db:80", count: {distribution: poisson, mean: 2}}]}]
  db: {concurrency: 8, service_time: 200us}
  loop: {concurrency: 16, service_time: 300us, calls: [{sequential: [{url: "http://loop:80", max_depth: 2}]}]}
traffic:
  - {name: c, from: client, url: "http://web:80/", rate: 200/s, mix: {fast: 3, slow: 1}}
  - {name: l, from: client, url: "http://loop:80/", rate: 100/s}
)");
  const ServiceFigures& web = service(r, "default/web");
  const ServiceFigures& db = service(r, "default/db");
  const ServiceFigures& loop = service(r, "default/loop");
  EXPECT_NEAR(web.estimate_arrival_per_s, 200, 1e-9);
  // 150/s fast with 0.3 calls each, 50/s slow with 2 each.
  EXPECT_NEAR(db.estimate_arrival_per_s, 150 * 0.3 + 50 * 2, 1e-9);
  EXPECT_NEAR(loop.estimate_arrival_per_s, 300, 1e-9);  // depths 0, 1 and 2
  expect_estimate_within(web, 0.10);
  expect_estimate_within(db, 0.10);
  expect_estimate_within(loop, 0.10);
  // And the simulation sends what the estimate says.
  EXPECT_NEAR(static_cast<double>(db.requests) / static_cast<double>(web.requests), 145.0 / 200,
              0.06);
}

TEST(AppsModel, TheEstimateSplitsAServiceOverTheAppsBehindItByTheirPods) {
  // Bookinfo's shape: three versions behind one Service, two of which call on.
  // A connection per request, so that kube-proxy's choice spreads requests
  // (a kept-alive connection stays with the pod it was opened to).
  const std::string versions = R"(  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: VERSION}
      spec:
        replicas: REPLICAS
        selector: {matchLabels: {app: reviews, version: VERSION}}
        template:
          metadata: {labels: {app: reviews, version: VERSION}}
          spec: {containers: [{name: c, image: x, ports: [{containerPort: 9080}]}]}
)";
  std::string manifests;
  for (const auto& [v, n] : {std::pair{"v1", "1"}, {"v2", "2"}, {"v3", "1"}}) {
    std::string m = versions;
    for (std::size_t at; (at = m.find("VERSION")) != std::string::npos;) m.replace(at, 7, v);
    m.replace(m.find("REPLICAS"), 8, n);
    manifests += m;
  }
  const ClusterRunResult r = run(kCluster + manifests + workload("ratings") + kClient + R"(
  - inline: {apiVersion: v1, kind: Service, metadata: {name: reviews},
             spec: {selector: {app: reviews}, ports: [{port: 9080}]}}
apps:
  v1: {concurrency: 4, service_time: 1ms}
  v2: {concurrency: 4, service_time: 2ms, calls: [{sequential: [{url: "http://ratings:80"}]}]}
  v3: {concurrency: 4, service_time: 3ms, calls: [{sequential: [{url: "http://ratings:80"}]}]}
  ratings: {concurrency: 4, service_time: 500us}
traffic:
  - {name: c, from: client, url: "http://reviews:9080/", rate: 200/s, keep_alive: false}
)");
  const ServiceFigures& reviews = service(r, "default/reviews");
  const ServiceFigures& ratings = service(r, "default/ratings");
  EXPECT_EQ(reviews.pods, 4);
  EXPECT_NEAR(ratings.estimate_arrival_per_s, 200 * 0.75, 1e-9);
  expect_estimate_within(reviews, 0.10);
  expect_estimate_within(ratings, 0.10);
  EXPECT_NEAR(static_cast<double>(ratings.requests) / static_cast<double>(reviews.requests), 0.75,
              0.06);
}

TEST(AppsModel, NodePortAndLoadBalancerEntryTrafficIsTheServicesAndEstimated) {
  const ClusterRunResult r = run(kCluster + workload("web", 8080, "8080", 2) + R"(
  - inline: {apiVersion: v1, kind: Service, metadata: {name: web-np},
             spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}}
  - inline: {apiVersion: v1, kind: Service, metadata: {name: web-lb},
             spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}}
apps:
  web: {concurrency: 4, service_time: {distribution: exponential, mean: 2ms}}
traffic:
  - {name: n0, url: "http://worker-0:30080/", rate: 100/s}
  - {name: n1, url: "http://worker-1:30080/", rate: 100/s}
  - {name: lb, url: "http://web-lb.default.lb/", rate: 100/s}
)");
  ASSERT_EQ(r.services.size(), 2u);
  const ServiceFigures& np = service(r, "default/web-np");
  const ServiceFigures& lb = service(r, "default/web-lb");
  EXPECT_NEAR(np.estimate_arrival_per_s, 200, 1e-9);
  EXPECT_NEAR(lb.estimate_arrival_per_s, 100, 1e-9);
  // Both reach the same pods: each row's estimate waits behind all 300/s.
  expect_estimate_within(np, 0.10);
  expect_estimate_within(lb, 0.10);
  // nginx's 2.5 us of CPU per request (the default program) is service too.
  EXPECT_NEAR(np.estimate_utilisation, 300.0 / 2 * (2e-3 + 2.5e-6) / 4, 1e-9);
}

// --- gRPC channels ------------------------------------------------------------------

// Which server pods answered each client pod's requests, by endpoint id.
struct ServedBy {
  std::map<std::uint32_t, std::map<std::uint32_t, int>> servers;  // client -> server -> requests
  void on_request(const app::RequestRecord& r) {
    if (r.status == app::RequestStatus::ok && r.parent == 0) ++servers[r.client][r.server];
  }
};

std::string grpc_cluster(const std::string& service_spec, const std::string& traffic) {
  return kCluster + workload("greeter", 50051, "50051", 4) +
         R"(  - inline: {apiVersion: v1, kind: Service, metadata: {name: greeter-h}, spec: {)" +
         service_spec + R"(selector: {app: greeter}, ports: [{port: 50051}]}}
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: client}
      spec:
        replicas: 3
        selector: {matchLabels: {app: client}}
        template:
          metadata: {labels: {app: client}}
          spec: {containers: [{name: c, image: x}]}
apps:
  greeter: {concurrency: 16, service_time: {distribution: exponential, mean: 5ms}}
traffic:
  - )" + traffic +
         "\n";
}

TEST(AppsModel, AGrpcChannelMultiplexesEveryRequestOnOneConnectionThatKubeProxyPinsToOnePod) {
  const scenario::ClusterScenario s = scenario::parse_cluster_scenario(
      grpc_cluster(
          "", R"({name: c, from: client, url: "http://greeter:80/", protocol: grpc, rate: 900/s})"),
      "test.yaml");
  ClusterModel m(s);
  ServedBy served;
  m.requests().finished.connect<&ServedBy::on_request>(&served);
  const ClusterRunResult r = m.run();
  EXPECT_GT(r.traffic[0].ok, 1500u);
  EXPECT_EQ(r.traffic[0].failed, 0u);
  // About 1.5 requests in flight per client pod at once, all on its one
  // connection: one Service translation per client pod for it, and one for
  // the pod's DNS lookup of the name (its A and AAAA queries share a socket).
  EXPECT_EQ(r.datapath.service_translations, 3u + 3u);
  ASSERT_EQ(served.servers.size(), 3u);
  std::set<std::uint32_t> used;
  for (const auto& [client, servers] : served.servers) {
    EXPECT_EQ(servers.size(), 1u);
    used.insert(servers.begin()->first);
  }
  EXPECT_LE(used.size(), 3u);  // of 4 server pods
}

TEST(AppsModel, RoundRobinOverAHeadlessServiceSpreadsAGrpcClientsRequestsOverEveryPod) {
  const scenario::ClusterScenario s = scenario::parse_cluster_scenario(
      grpc_cluster(
          "clusterIP: None, ",
          R"({name: c, from: client, url: "http://greeter-h:50051/", protocol: grpc, lb: round_robin, rate: 900/s})"),
      "test.yaml");
  ClusterModel m(s);
  ServedBy served;
  m.requests().finished.connect<&ServedBy::on_request>(&served);
  const ClusterRunResult r = m.run();
  EXPECT_EQ(r.traffic[0].failed, 0u);
  ASSERT_EQ(served.servers.size(), 3u);
  for (const auto& [client, servers] : served.servers) {
    ASSERT_EQ(servers.size(), 4u);
    int total = 0;
    for (const auto& [server, n] : servers) total += n;
    // Dealt in turn: equal but for those still in flight at the end.
    for (const auto& [server, n] : servers) EXPECT_NEAR(n, total / 4.0, 3.0);
  }
  // pick_first on the same headless name takes the first address only.
  const scenario::ClusterScenario first = scenario::parse_cluster_scenario(
      grpc_cluster(
          "clusterIP: None, ",
          R"({name: c, from: client, url: "http://greeter-h:50051/", protocol: grpc, rate: 900/s})"),
      "test.yaml");
  ClusterModel pf(first);
  ServedBy one;
  pf.requests().finished.connect<&ServedBy::on_request>(&one);
  pf.run();
  for (const auto& [client, servers] : one.servers) EXPECT_EQ(servers.size(), 1u);
}

TEST(AppsModel, GrpcFieldsThatMeanNothingForAChannelAreErrors) {
  const std::string base = kCluster + workload("greeter") + kClient;
  EXPECT_NE(build_errors(base + R"(traffic:
  - {from: client, url: "http://greeter:80/", lb: round_robin, rate: 10/s}
)")
                .find("say protocol: grpc"),
            std::string::npos);
  EXPECT_NE(build_errors(base + R"(traffic:
  - {from: client, url: "http://greeter:80/", protocol: grpc, keep_alive: false, rate: 10/s}
)")
                .find("traffic[0].keep_alive: not modelled for a gRPC channel"),
            std::string::npos);
  EXPECT_NE(build_errors(base + R"(traffic:
  - {from: client, url: "http://greeter:80/", protocol: thrift, rate: 10/s}
)")
                .find("expected http or grpc, got 'thrift'"),
            std::string::npos);
}

}  // namespace
}  // namespace podwire::builder
