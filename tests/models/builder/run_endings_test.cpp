// How a cluster run's requests end and are counted: a client that runs out of
// local ports fails those requests (addr_unavailable) and the run goes on, at
// the rate the ephemeral range and TIME_WAIT allow; requests still in flight
// at the end are unfinished; `sent` and the statuses cover the same window.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "models/builder/cluster_model.hpp"
#include "tests/support/my_app_manifests.hpp"

namespace podwire::builder {
namespace {

// Service `web` (port 80) in front of 3 replicas in namespace my-app, and one
// client pod.
const std::string kManifests = test_support::kMyAppManifests + R"(apps:
  my-app/web-server: {concurrency: 8, service_time: 1ms}
)";

std::string cluster(const std::string& run, const std::string& dns = "") {
  return "run: " + run + "\ncluster:\n  nodes: [{name: worker, count: 3, cpus: 8}]\n" + dns +
         kManifests;
}

// The independent figure: one client address has ip_local_port_range's
// 60999 - 32768 + 1 ports toward one Service address and port, each held 60 s
// (TCP_TIMEWAIT_LEN) by the client, which closes first, so it opens at most
// 28232 / 60 = 470.5 connections per second; at 1,000 requests/s without
// keep-alive the other 529.5/s find no port. The ports run out 28.2 s in and
// come back from 60 s on, those taken in the first 28.2 s, so the minute from
// 30 s to 90 s holds exactly one range's worth of connections.
TEST(RunEndings, OneClientToOneServicePortSustainsTheEphemeralRangeOverTimeWait) {
  const ClusterScenario s =
      scenario::parse_cluster_scenario(cluster("{seed: 1, duration: 90s, warmup: 30s}") + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 1000/s, keep_alive: false}
)",
                                       "test.yaml");
  ClusterModel m(s);
  const ClusterRunResult r = m.run();
  const TrafficFigures& t = r.traffic[0];
  constexpr double kPorts = 60999 - 32768 + 1;
  const double window_s = 60;
  const double ok_per_s = static_cast<double>(t.ok) / window_s;
  const auto no_port = t.by_status[static_cast<int>(app::RequestStatus::addr_unavailable)];
  const double no_port_per_s = static_cast<double>(no_port) / window_s;
  const double offered_per_s = static_cast<double>(t.ok + t.failed + t.unfinished) / window_s;
  std::printf(
      "[ ports    ] ok %.1f/s (formula %.1f/s), addr_unavailable %.1f/s of %.1f/s, "
      "first at %.2f s\n",
      ok_per_s, kPorts / 60, no_port_per_s, offered_per_s,
      t.first_addr_unavailable ? t.first_addr_unavailable->seconds() : -1.0);
  EXPECT_FALSE(r.stopped);
  EXPECT_NEAR(ok_per_s, kPorts / 60, kPorts / 60 * 0.01);
  // What is offered beyond it fails (Poisson arrivals: the offered rate is 1,000/s +- 0.5%).
  EXPECT_NEAR(no_port_per_s, offered_per_s - kPorts / 60, 5);
  EXPECT_NEAR(no_port_per_s, 1000 - kPorts / 60, 1000 * 0.02);
  EXPECT_EQ(t.failed, no_port);
  ASSERT_TRUE(t.first_addr_unavailable.has_value());
  EXPECT_NEAR(t.first_addr_unavailable->seconds(), kPorts / 1000, 0.5);
  EXPECT_EQ(r.first_addr_unavailable, t.first_addr_unavailable);
  EXPECT_EQ(r.addr_unavailable, no_port);
  EXPECT_EQ(t.sent, t.ok + t.failed + t.unfinished);
}

// Keep-alive reuses one connection: the same load needs no new ports.
TEST(RunEndings, KeepAliveNeedsNoNewPorts) {
  const ClusterRunResult r = [] {
    const ClusterScenario s =
        scenario::parse_cluster_scenario(cluster("{seed: 1, duration: 3s, warmup: 1s}") + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 1000/s, keep_alive: true}
)",
                                         "test.yaml");
    ClusterModel m(s);
    return m.run();
  }();
  EXPECT_EQ(r.addr_unavailable, 0u);
  EXPECT_FALSE(r.first_addr_unavailable.has_value());
  EXPECT_GT(r.traffic[0].ok, 1900u);
}

// With ndots:0 the pod asks for `web` as written first; CoreDNS forwards it
// upstream, which answers with an address outside the cluster that never
// answers: every request is still connecting when the run ends. They are
// counted, not lost, and the scenario gets a warning before it runs.
TEST(RunEndings, RequestsStillInFlightAtTheEndAreUnfinished) {
  const ClusterScenario s = scenario::parse_cluster_scenario(
      cluster("{seed: 1, duration: 3s, warmup: 1s}", "  dns: {ndots: 0}\n") + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 100/s, keep_alive: false}
)",
      "test.yaml");
  ClusterModel m(s);
  const ClusterRunResult r = m.run();
  const TrafficFigures& t = r.traffic[0];
  EXPECT_GT(t.unfinished, 150u);
  EXPECT_EQ(t.ok, 0u);
  EXPECT_EQ(t.failed, 0u);
  EXPECT_EQ(t.unfinished, t.sent);
  EXPECT_EQ(t.by_status[static_cast<int>(app::RequestStatus::unfinished)], t.unfinished);
  EXPECT_EQ(r.unfinished, t.unfinished);
  for (const TrafficBin& b : t.seconds) EXPECT_EQ(b.failed, 0u);
  std::string notices;
  for (const std::string& n : m.notices()) notices += n + "\n";
  EXPECT_NE(notices.find("traffic[0].url: with ndots:0 the pod's resolver asks for 'web' first, "
                         "which is outside cluster.local"),
            std::string::npos)
      << notices;
  EXPECT_NE(notices.find("write 'web.my-app.svc.cluster.local' in full"), std::string::npos)
      << notices;
}

TEST(RunEndings, TheDefaultNdotsResolvesAShortNameInsideTheClusterWithoutAWarning) {
  const ClusterScenario s =
      scenario::parse_cluster_scenario(cluster("{seed: 1, duration: 2s, warmup: 1s}") + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 100/s}
  - {name: d, from: my-app/client, url: "http://web.my-app/", rate: 100/s}
)",
                                       "test.yaml");
  ClusterModel m(s);
  EXPECT_TRUE(m.notices().empty()) << m.notices()[0];
}

// `sent` counts the same requests as ok, failed and unfinished: those that
// started after the warm-up; the warm-up's are apart, and together they are
// every request the clients made.
TEST(RunEndings, SentOkFailedAndUnfinishedShareTheMeasuredWindow) {
  const ClusterScenario s =
      scenario::parse_cluster_scenario(cluster("{seed: 1, duration: 4s, warmup: 1s}") + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 200/s, keep_alive: false}
)",
                                       "test.yaml");
  ClusterModel m(s);
  const ClusterRunResult r = m.run();
  const TrafficFigures& t = r.traffic[0];
  EXPECT_EQ(t.sent, t.ok + t.failed + t.unfinished);
  EXPECT_NEAR(static_cast<double>(t.sent), 600, 90);
  EXPECT_NEAR(static_cast<double>(t.warmup_sent), 200, 50);
  EXPECT_EQ(t.sent + t.warmup_sent, m.requests().size());
  std::uint64_t by_status = 0;
  for (std::uint64_t n : t.by_status) by_status += n;
  EXPECT_EQ(by_status, t.sent);
  // A request in flight at the end of a run is unfinished, not lost: a run
  // that stops at a random moment has a few.
  EXPECT_LE(t.unfinished, 5u);
}

}  // namespace
}  // namespace podwire::builder
