// trafficDistribution: PreferClose keeps a client on endpoints in its node's
// zone (the EndpointSlice controller hints each endpoint for its own zone and
// kube-proxy keeps the hinted ones), falls back to every endpoint when its
// zone has none, and PreferSameNode keeps it on its node's endpoints.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "models/builder/cluster_model.hpp"
#include "models/scenario/scenario_document.hpp"

namespace podwire::builder {
namespace {

// Workers dealt over zones a and b (worker-0 a, worker-1 b, ...); the client
// node in zone `client_zone`; 4 web pods, one per worker.
std::string scenario(const std::string& distribution, const std::string& client_zone,
                     const std::string& web_zones = "[zone-a, zone-b]") {
  return R"(run: {seed: 2, duration: 4s, warmup: 1s}
cluster:
  nodes:
    - {name: client, cpus: 4, zone: )" +
         client_zone + R"(, labels: {role: client}}
    - {name: worker, count: 4, cpus: 4, zone: )" +
         web_zones + R"(, labels: {role: worker}}
manifests:
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 4
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            nodeSelector: {role: worker}
            affinity:
              podAntiAffinity:
                requiredDuringSchedulingIgnoredDuringExecution:
                  - {labelSelector: {matchLabels: {app: web}}, topologyKey: kubernetes.io/hostname}
            containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        selector: {app: web}
        ports: [{port: 80, targetPort: 8080}]
)" + (distribution.empty() ? "" : "        trafficDistribution: " + distribution + "\n") +
         R"(  - inline:
      apiVersion: v1
      kind: Pod
      metadata: {name: client}
      spec: {nodeSelector: {role: client}, containers: [{name: c, image: curl}]}
apps:
  web: {concurrency: 4, service_time: 1ms}
traffic:
  - {from: client, url: "http://web:80/", rate: 400/s, keep_alive: false}
)";
}

// Requests served per zone of the serving pod's node.
std::map<std::string, int> served_by_zone(const std::string& text) {
  const scenario::ClusterScenario s = scenario::parse_cluster_scenario(text, "zones.yaml");
  ClusterModel m(s);
  std::map<std::uint32_t, int> by_endpoint;
  m.requests().finished.connect(
      [](void* ctx, const app::RequestRecord& r) {
        if (r.status == app::RequestStatus::ok && r.parent == 0)
          ++(*static_cast<std::map<std::uint32_t, int>*>(ctx))[r.server];
      },
      &by_endpoint);
  m.run();
  std::map<std::string, int> out;
  for (const auto& [endpoint, n] : by_endpoint) {
    const kube::PodState& pod = m.cluster().pods()[endpoint - ClusterModel::kPodIdBase];
    const kube::NodeState& node = m.cluster().nodes()[static_cast<std::size_t>(pod.node)];
    out[node.labels.at("topology.kubernetes.io/zone")] += n;
  }
  return out;
}

TEST(TrafficDistribution, PreferCloseKeepsAClientInItsZone) {
  const std::map<std::string, int> close = served_by_zone(scenario("PreferClose", "zone-a"));
  EXPECT_GT(close.at("zone-a"), 1000);
  EXPECT_EQ(close.count("zone-b"), 0u);
  // Without it kube-proxy spreads over both zones, about evenly.
  const std::map<std::string, int> any = served_by_zone(scenario("", "zone-a"));
  ASSERT_EQ(any.size(), 2u);
  EXPECT_NEAR(any.at("zone-a"), any.at("zone-b"), 0.2 * any.at("zone-a"));
}

TEST(TrafficDistribution, AZoneWithoutEndpointsFallsBackToEveryEndpoint) {
  const std::map<std::string, int> r = served_by_zone(scenario("PreferClose", "zone-c"));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_GT(r.at("zone-a"), 300);
  EXPECT_GT(r.at("zone-b"), 300);
}

TEST(TrafficDistribution, AnUnknownValueIsAnError) {
  try {
    const scenario::ClusterScenario s =
        scenario::parse_cluster_scenario(scenario("PreferFar", "zone-a"), "zones.yaml");
    ClusterModel m(s);
    FAIL() << "accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("PreferFar"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace podwire::builder
