// The Jackson-network estimate of applications with routes, mixes, drawn
// calls, several apps behind one Service, and traffic entering by a
// LoadBalancer or a nodePort, against the simulation at low load.
#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace podwire::builder
