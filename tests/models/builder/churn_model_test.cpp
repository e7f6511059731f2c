// Churn in whole cluster runs: readiness gates traffic, a rollout under load
// fails requests unless a preStop sleep outlasts the propagation, a failed
// node's pods time out until the control plane moves them, and the network
// programming latency grows with the rules for full iptables restores and
// stays flat for nftables.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "models/builder/cluster_model.hpp"
#include "models/scenario/scenario_document.hpp"
#include "tests/support/build_errors.hpp"
#include "tests/support/web_cluster.hpp"

namespace podwire::builder {
namespace {

using engine::Time;

std::string scenario(const std::string& web_extra, const std::string& churn,
                     const std::string& run = "", int replicas = 6,
                     const std::string& traffic_extra = "") {
  test_support::WebCluster c;
  c.run = run.empty() ? "{seed: 5, duration: 20s, warmup: 0s}" : run;
  c.workers = 3;
  c.replicas = replicas;
  c.web_spec = "        strategy: {rollingUpdate: {maxSurge: 2, maxUnavailable: 0}}\n";
  c.web_container =
      "                readinessProbe: {tcpSocket: {port: http}, periodSeconds: 1}\n" + web_extra;
  c.client = test_support::WebCluster::Client::deployment;
  c.apps = "web: {concurrency: 4, service_time: 2ms}";
  c.traffic =
      "  - {name: requests, from: client, url: \"http://web/\", rate: 200/s, keep_alive: false" +
      traffic_extra + "}\n";
  c.churn = churn;
  return c.text();
}

struct ChurnRun {
  ClusterRunResult result;
  // Every pod that served a request: the first time a request reached it.
  std::map<std::uint32_t, Time> first_served;
  std::map<int, Time> ready_at;  // from the churn events
};

ChurnRun run(const std::string& text, const std::vector<std::string>& overrides = {}) {
  const ClusterScenario s = scenario::parse_cluster_scenario(text, "churn.yaml", overrides);
  ClusterModel m(s);
  ChurnRun out;
  m.requests().finished.connect(
      [](void* ctx, const app::RequestRecord& r) {
        auto& first = *static_cast<std::map<std::uint32_t, Time>*>(ctx);
        if (r.server != 0 && r.server_arrived != Time::zero()) {
          const auto it = first.find(r.server);
          if (it == first.end() || r.server_arrived < it->second)
            first[r.server] = r.server_arrived;
        }
      },
      &out.first_served);
  out.result = m.run();
  for (const churn::ChurnEvent& e : out.result.churn.events) {
    if (e.kind == churn::ChurnEventKind::ready) out.ready_at[e.pod] = e.at;
  }
  return out;
}

const std::string kRollout = "  events: [{at: 3s, rollout: deployment/web}]\n";

TEST(ChurnModel, NoRequestReachesAPodBeforeItIsReady) {
  const ChurnRun r = run(scenario("", kRollout));
  ASSERT_TRUE(r.result.churn.present);
  EXPECT_EQ(r.result.churn.lifecycle.rollouts_done, 1u);
  int new_pods_serving = 0;
  for (const auto& [pod, ready] : r.ready_at) {
    const auto served =
        r.first_served.find(ClusterModel::kPodIdBase + static_cast<std::uint32_t>(pod));
    if (served == r.first_served.end()) continue;
    ++new_pods_serving;
    EXPECT_GE(served->second, ready) << "pod " << pod;
  }
  EXPECT_GE(new_pods_serving, 5);  // the new pods took over
}

TEST(ChurnModel, RolloutWithoutPreStopRefusesConnectionsAndAPreStopSleepFixesIt) {
  const ChurnRun plain = run(scenario("", kRollout));
  const ChurnRun fixed =
      run(scenario("                lifecycle: {preStop: {sleep: {seconds: 5}}}\n", kRollout));
  const TrafficFigures& a = plain.result.traffic[0];
  const TrafficFigures& b = fixed.result.traffic[0];
  // Every request was answered one way or the other.
  EXPECT_EQ(a.ok + a.failed, a.sent);
  EXPECT_EQ(b.ok + b.failed, b.sent);
  // Without the sleep, SIGTERM closes the listener while kube-proxy on the
  // client's node still sends new connections there: refused.
  EXPECT_GT(a.by_status[static_cast<int>(app::RequestStatus::refused)], 0u);
  EXPECT_EQ(b.failed, 0u);
  EXPECT_EQ(fixed.result.churn.lifecycle.rollouts_done, 1u);
  EXPECT_EQ(fixed.result.churn.lifecycle.killed_at_grace, 0u);
}

TEST(ChurnModel, RetriesHideMostRefusedConnections) {
  // Each attempt takes a random endpoint, so a retry rarely meets a stale one
  // again. One run's refusals are a few dozen, so eight seeds are summed.
  std::uint64_t plain_failed = 0, retried_failed = 0, retries = 0;
  for (int seed = 1; seed <= 8; ++seed) {
    const std::string r = "{seed: " + std::to_string(seed) + ", duration: 20s, warmup: 0s}";
    plain_failed += run(scenario("", kRollout, r)).result.traffic[0].failed;
    const ChurnRun retried = run(scenario("", kRollout, r, 6, ", retries: 2"));
    retried_failed += retried.result.traffic[0].failed;
    retries += retried.result.traffic[0].retries;
  }
  EXPECT_GT(retries, plain_failed / 2);
  EXPECT_LT(retried_failed * 5, plain_failed);
}

TEST(ChurnModel, AFailedNodesPodsTimeOutUntilTheyMoveWithNewAddresses) {
  const ChurnRun r = run(scenario("", R"(  events: [{at: 2s, fail: node/worker-1}]
  lifecycle: {node_monitor_grace_period: 5s, eviction_timeout: 10s}
)",
                                  "{seed: 5, duration: 30s, warmup: 0s}", 6, ", timeout: 500ms"));
  const TrafficFigures& t = r.result.traffic[0];
  EXPECT_GT(t.by_status[static_cast<int>(app::RequestStatus::timeout)], 0u);
  EXPECT_EQ(t.by_status[static_cast<int>(app::RequestStatus::refused)], 0u);
  // Failures only between the failure and the endpoints update (5 s later,
  // plus the propagation), none after. A request counts in the second it
  // started: one on its way to worker-1 at 2 s (a few ms long, at 200/s)
  // fails in second 1.
  for (std::size_t s = 0; s < t.seconds.size(); ++s) {
    if (s < 1 || s > 8) {
      EXPECT_EQ(t.seconds[s].failed, 0u) << "second " << s;
    }
  }
  if (t.seconds.size() > 1) {
    EXPECT_LE(t.seconds[1].failed, 2u);
  }
  // The two pods of worker-1 were evicted at 17 s and replaced elsewhere.
  int evicted = 0, created = 0;
  for (const churn::ChurnEvent& e : r.result.churn.events) {
    if (e.kind == churn::ChurnEventKind::evicted && e.node == 2) ++evicted;
    if (e.kind == churn::ChurnEventKind::created) {
      ++created;
      EXPECT_NE(e.node, 2);
      EXPECT_GE(e.at, Time::s(17));
    }
  }
  EXPECT_GE(evicted, 2);
  EXPECT_EQ(created, evicted);
}

TEST(ChurnModel, RandomDeletionsArriveAtTheirRateAndNodesFailAfterTheirMtbf) {
  const ChurnRun r = run(scenario("", R"(  random:
    - {delete: deployment/web, rate: 30/min}
    - {fail: nodes, mtbf: 100s, start: 5s}
)",
                                  "{seed: 5, duration: 200s, warmup: 0s}", 6, ", timeout: 1s"));
  int deletions = 0, failures = 0;
  Time first_failure = Time::max();
  for (const churn::ChurnEvent& e : r.result.churn.events) {
    if (e.kind == churn::ChurnEventKind::terminating && e.owner >= 0) ++deletions;
    if (e.kind == churn::ChurnEventKind::node_failed) {
      ++failures;
      first_failure = std::min(first_failure, e.at);
    }
  }
  // 100 expected deletions (Poisson: sd 10), more for pods evicted from failed nodes.
  EXPECT_GE(deletions, 70);
  EXPECT_LE(deletions, 200);
  // Four nodes, each failing after an exponential time of mean 100 s from 5 s.
  EXPECT_GE(failures, 1);
  EXPECT_LE(failures, 4);
  EXPECT_GE(first_failure, Time::s(5));
}

std::string build_errors_in(const std::string& text) {
  return test_support::build_errors(text, "churn.yaml");
}

TEST(ChurnModel, BadChurnIsReportedWithItsLineAndField) {
  const std::string text = scenario("", R"(  events:
    - {at: 5s, rollout: deployment/nope}
    - {at: 6s, scale: daemonset/x, replicas: 2}
    - {at: 7s}
    - {at: 8s, fail: deployment/web}
  random:
    - {delete: deployment/web, mtbf: 1h}
)");
  const std::string errors = build_errors_in(text);
  // The line each entry is on.
  const auto line_of = [&](const std::string& entry) {
    const std::string before = text.substr(0, text.find(entry));
    return std::to_string(std::count(before.begin(), before.end(), '\n') + 1);
  };
  // Parse errors first (the model is not built while they stand).
  EXPECT_NE(errors.find("churn.yaml:" + line_of("- {at: 7s}") +
                        ":7: error: churn.events[2]: expected exactly one of rollout, "
                        "scale, delete, "
                        "crash or fail"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("churn.events[3]: fail takes a node: fail: node/NAME"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("churn.random[0].mtbf: pod deletions and crashes take rate"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("churn.yaml:" + line_of("- {delete: deployment/web, mtbf") +
                        ":7: error: churn.random[0].rate: missing"),
            std::string::npos)
      << errors;
  const std::string unknown =
      build_errors_in(scenario("", "  events: [{at: 5s, rollout: deployment/nope}]\n"));
  EXPECT_NE(unknown.find("churn.events[0]: no Deployment named 'nope' in namespace 'default'"),
            std::string::npos)
      << unknown;
  const std::string pod = build_errors_in(scenario("", "  events: [{at: 5s, crash: pod/x}]\n"));
  EXPECT_NE(pod.find("churn.events[0]: no Pod named 'x' in namespace 'default'"), std::string::npos)
      << pod;
}

// The programming latency of one change with a table of `fillers` other
// Services, full iptables restores every sync.
double programming_p50(const std::string& mode, int fillers, bool partial) {
  const ChurnRun r =
      run(scenario("", "  events: [{at: 2s, delete: deployment/web}]\n",
                   "{seed: 5, duration: 8s, warmup: 0s}", 2),
          {"cluster.proxy.mode=" + mode, "cluster.proxy.filler_services=" + std::to_string(fillers),
           "cluster.proxy.sync.iptables_partial=" + std::string(partial ? "true" : "false")});
  EXPECT_GT(r.result.churn.programmed, 0u);
  return r.result.churn.programming_p50_s;
}

TEST(ChurnModel, ProgrammingLatencyGrowsWithRulesForFullIptablesRestoresAndStaysFlatForNftables) {
  const double ipt_small = programming_p50("iptables", 1000, false);
  const double ipt_big = programming_p50("iptables", 20000, false);
  const double nft_small = programming_p50("nftables", 1000, false);
  const double nft_big = programming_p50("nftables", 20000, false);
  EXPECT_GT(ipt_big, ipt_small * 1.2) << ipt_small << " " << ipt_big;
  EXPECT_NEAR(nft_big, nft_small, 0.02 * nft_small + 1e-3);
  EXPECT_LT(nft_big, ipt_big);
}

}  // namespace
}  // namespace podwire::builder

namespace podwire::builder {
namespace {

TEST(ChurnModel, AnIngressControllerFollowsTheEndpointsOfARollout) {
  const std::string path = std::string(PODWIRE_SOURCE_DIR) + "/scenarios/ingress-fanout.yaml";
  const std::string text = scenario::read_scenario_file(path) +
                           "\nchurn:\n  events: [{at: 3s, rollout: deployment/web}]\n";
  const ClusterScenario s = scenario::parse_cluster_scenario(text, path, {"run.duration=40s"});
  ClusterModel m(s);
  // Who served the v1 traffic (through the controller) in the last 10 s.
  struct Late {
    const ClusterModel* model;
    std::map<std::string, int> served;
  } late{&m, {}};
  m.requests().finished.connect(
      [](void* ctx, const app::RequestRecord& r) {
        auto& l = *static_cast<Late*>(ctx);
        if (r.parent != 0 && r.started > Time::s(30) && r.status == app::RequestStatus::ok) {
          ++l.served[l.model->endpoint_name(r.server)];
        }
      },
      &late);
  const ClusterRunResult r = m.run();
  ASSERT_EQ(r.churn.lifecycle.rollouts_done, 1u);
  // Every backend pod serving at the end is one the rollout created.
  std::set<std::string> created;
  for (const churn::ChurnEvent& e : r.churn.events) {
    if (e.kind == churn::ChurnEventKind::created) {
      const kube::PodState& p = m.cluster().pods()[static_cast<std::size_t>(e.pod)];
      created.insert(p.namespace_ + "/" + p.name);
    }
  }
  int web_pods = 0;
  for (const auto& [name, n] : late.served) {
    if (name.find("/web-") == std::string::npos || name.find("/web2-") != std::string::npos)
      continue;
    ++web_pods;
    EXPECT_TRUE(created.contains(name)) << name << " served " << n << " requests after the rollout";
  }
  EXPECT_GT(web_pods, 0);
  for (std::size_t sec = 30; sec < r.traffic[0].seconds.size(); ++sec) {
    EXPECT_EQ(r.traffic[0].seconds[sec].failed, 0u) << sec;
  }
}

}  // namespace
}  // namespace podwire::builder
