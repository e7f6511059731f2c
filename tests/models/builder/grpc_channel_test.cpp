// gRPC channels: HTTP/2 streams multiplexed on one connection per address,
// the ClusterIP imbalance it brings, and round robin over a headless Service.
#include <gtest/gtest.h>

#include <map>
#include <set>
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
