// kubernetes#81775: IPVS with conn_reuse_mode 0 (what kube-proxy set before
// kernels 5.9) sends a new connection whose client tuple it still tracks to
// the real server the old connection went to, even when that pod has been
// replaced by a rolling update; connections then fail. A client without
// keep-alive at 400 connections/s cycles through the 28,232 ephemeral ports
// in about 70 s, inside IPVS's 120 s TIME_WAIT, so its ports come back while
// IPVS still remembers them.
#include <gtest/gtest.h>

#include <string>

#include "models/builder/cluster_model.hpp"
#include "models/scenario/scenario_document.hpp"
#include "tests/support/web_cluster.hpp"

namespace podwire::builder {
namespace {

ClusterRunResult rolling_update(int conn_reuse_mode) {
  test_support::WebCluster c;
  c.run = "{seed: 3, duration: 130s, warmup: 0s}";
  c.workers = 2;
  c.replicas = 4;
  c.web_spec = "        strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n";
  c.web_container = "                readinessProbe: {tcpSocket: {port: http}, periodSeconds: 1}\n";
  c.apps = "web: {concurrency: 8, service_time: 1ms}";
  c.traffic =
      "  - {name: requests, from: client, url: \"http://web/\", rate: 400/s, keep_alive: false}\n";
  // After the ports have wrapped once; the old pods are gone by 100 s.
  c.churn = "  events: [{at: 72s, rollout: deployment/web}]\n";
  const ClusterScenario s = scenario::parse_cluster_scenario(
      c.text(), "ipvs-reuse.yaml",
      {"cluster.proxy.mode=ipvs",
       "cluster.proxy.ipvs_conn_reuse_mode=" + std::to_string(conn_reuse_mode),
       "cluster.dns.client_cache=true"});
  ClusterModel m(s);
  return m.run();
}

TEST(IpvsConnectionReuse, ReusedPortsReachDeletedPodsUnderConnReuseMode0) {
  const ClusterRunResult reuse = rolling_update(0);
  const ClusterRunResult reschedule = rolling_update(1);
  ASSERT_EQ(reuse.churn.lifecycle.rollouts_done, 1u);
  ASSERT_EQ(reschedule.churn.lifecycle.rollouts_done, 1u);
  const auto failed = [](const ClusterRunResult& r) { return r.traffic[0].sent - r.traffic[0].ok; };
  std::printf("conn_reuse_mode 0: %llu of %llu failed; 1: %llu of %llu\n",
              static_cast<unsigned long long>(failed(reuse)),
              static_cast<unsigned long long>(reuse.traffic[0].sent),
              static_cast<unsigned long long>(failed(reschedule)),
              static_cast<unsigned long long>(reschedule.traffic[0].sent));
  // Scheduled afresh, the rollout loses almost nothing (0.07% here).
  EXPECT_LT(failed(reschedule), reschedule.traffic[0].sent / 200);
  // Reusing the old real servers, connections on recycled ports go to pods
  // that are gone for as long as IPVS remembers them.
  EXPECT_GT(failed(reuse), 50 * (failed(reschedule) + 1));
}

}  // namespace
}  // namespace podwire::builder
