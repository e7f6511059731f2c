// How long connections live: a server closes a kept-alive connection after
// nginx's keepalive_requests (1,000 since nginx 1.19.10) and keepalive_timeout
// (75 s), telling the client with its last answer ("Connection: close"); a
// client closes after its own keep_alive: {max_requests, idle_timeout}.
#include <gtest/gtest.h>

#include <string>

#include "models/builder/cluster_model.hpp"
#include "models/scenario/scenario_document.hpp"
#include "tests/support/app_workloads.hpp"

namespace podwire::builder {
namespace {

using kube::Diagnostic;
using test_support::kClient;
using test_support::workload;

struct Connections {
  std::uint64_t ok = 0, failed = 0, opened = 0;  // requests that opened a connection
};

Connections run(const std::string& app, const std::string& traffic,
                const std::string& duration = "21s") {
  const std::string text = "run: {seed: 3, duration: " + duration +
                           ", warmup: 0s}\ncluster:\n  nodes: [{name: worker, count: 3, cpus: "
                           "4}]\nmanifests:\n" +
                           workload("db", 5432, "5432") + kClient + "apps:\n  db: " + app +
                           "\ntraffic:\n  - " + traffic + "\n";
  const scenario::ClusterScenario s = scenario::parse_cluster_scenario(text, "keep-alive.yaml");
  ClusterModel m(s);
  Connections c;
  m.requests().finished.connect(
      [](void* ctx, const app::RequestRecord& r) {
        auto& c = *static_cast<Connections*>(ctx);
        if (r.status == app::RequestStatus::ok) {
          ++c.ok;
        } else if (r.status != app::RequestStatus::unfinished) {
          ++c.failed;
        }
        if (r.status == app::RequestStatus::ok && !r.reused_connection) ++c.opened;
      },
      &c);
  m.run();
  return c;
}

TEST(KeepAlive, NginxClosesAConnectionAfter1000RequestsAndTheClientOpensAnother) {
  const Connections c = run("{concurrency: 8, service_time: 5ms}",
                            "{from: client, url: \"http://db:80/\", rate: 100/s, pool_size: 1}");
  ASSERT_GT(c.ok, 2000u);
  EXPECT_EQ(c.failed, 0u);  // the last answer says so: no request is sent into the close
  EXPECT_EQ(c.opened, (c.ok + 999) / 1000);
  // Without the limit, one connection serves the whole run.
  const Connections unlimited =
      run("{concurrency: 8, service_time: 5ms, keepalive_requests: 0}",
          "{from: client, url: \"http://db:80/\", rate: 100/s, pool_size: 1}");
  EXPECT_EQ(unlimited.opened, 1u);
}

TEST(KeepAlive, TheClientsOwnLimitsCloseConnections) {
  const Connections per_ten =
      run("{concurrency: 8, service_time: 1ms}",
          "{from: client, url: \"http://db:80/\", rate: 100/s, pool_size: 1, "
          "keep_alive: {max_requests: 10}}",
          "5s");
  ASSERT_GT(per_ten.ok, 400u);
  EXPECT_EQ(per_ten.failed, 0u);
  EXPECT_EQ(per_ten.opened, (per_ten.ok + 9) / 10);
  // One request every 200 ms on average, idle connections closed after 20 ms:
  // nearly every request opens a connection (a gap under 20 ms has
  // probability 1 - exp(-0.1), about 10%).
  const Connections idle = run(
      "{concurrency: 8, service_time: 1ms}",
      "{from: client, url: \"http://db:80/\", rate: 5/s, keep_alive: {idle_timeout: 20ms}}", "60s");
  ASSERT_GT(idle.ok, 200u);
  EXPECT_GT(idle.opened, 0.8 * static_cast<double>(idle.ok));
  EXPECT_LT(idle.opened, idle.ok);
}

TEST(KeepAlive, TheServersIdleTimeoutClosesConnectionsTheClientKept) {
  const Connections c = run("{concurrency: 8, service_time: 1ms, keepalive_timeout: 20ms}",
                            "{from: client, url: \"http://db:80/\", rate: 5/s}", "60s");
  ASSERT_GT(c.ok, 200u);
  EXPECT_GT(c.opened, 0.8 * static_cast<double>(c.ok));
  // A request that meets the server's close in flight fails, as with any
  // HTTP/1.1 server; the close is usually seen first.
  EXPECT_LT(c.failed, c.ok / 20);
}

TEST(KeepAlive, AMisspelledLimitIsToldWithTheFieldsThereAre) {
  const std::string text =
      "run: {seed: 3, duration: 1s}\ncluster:\n  nodes: [{name: worker, cpus: 4}]\nmanifests:\n" +
      workload("db", 5432, "5432") + kClient +
      "traffic:\n  - {from: client, url: \"http://db:80/\", rate: 5/s, keep_alive: {max_request: "
      "10}}\n";
  const scenario::ClusterScenario s = scenario::parse_cluster_scenario(text, "keep-alive.yaml");
  std::string notices;
  for (const Diagnostic& d : s.diagnostics.sorted()) notices += d.to_string() + "\n";
  EXPECT_NE(notices.find("traffic[0].keep_alive.max_request: unknown field 'max_request' is "
                         "ignored; did you mean traffic[0].keep_alive.max_requests? (known fields: "
                         "max_requests, idle_timeout)"),
            std::string::npos)
      << notices;
}

}  // namespace
}  // namespace podwire::builder
