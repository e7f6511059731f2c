// UDP exchanges and pipelined connections, against what queueing says of
// them: fire-and-forget datagrams are all received below the receiver's
// capacity and lost beyond it by exactly the excess; a request/response
// datagram takes a round trip and the service time, and a lost one times out
// and is sent again; a pipelined connection carries N requests a round trip,
// up to the server's rate, and a slow answer holds back those behind it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

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

// A Deployment NAME on `node` whose container declares UDP `port`, and its
// Service with that UDP port.
std::string udp_workload(const std::string& name, int port, int replicas = 1,
                         const std::string& node = "worker-1") {
  const std::string p = std::to_string(port);
  return "  - inline: {apiVersion: apps/v1, kind: Deployment, metadata: {name: " + name +
         "}, spec: {replicas: " + std::to_string(replicas) +
         ", selector: {matchLabels: {app: " + name +
         "}}, template: {metadata: {labels: {app: " + name + "}}, spec: {" +
         (node.empty() ? "" : "nodeSelector: {kubernetes.io/hostname: " + node + "}, ") +
         "containers: [{name: c, image: x, ports: [{containerPort: " + p +
         ", protocol: UDP}]}]}}}}\n"
         "  - inline: {apiVersion: v1, kind: Service, metadata: {name: " +
         name + "}, spec: {selector: {app: " + name + "}, ports: [{port: " + p +
         ", protocol: UDP}]}}\n";
}

const std::string kClientPod =
    "  - inline: {apiVersion: v1, kind: Pod, metadata: {name: client, labels: {app: client}}, "
    "spec: {nodeName: worker-0, containers: [{name: c, image: x}]}}\n";

// --- fire and forget ------------------------------------------------------------

// A receiver that takes 1 ms a datagram (cpu_per_request 0: its own work is
// only the kernel's read, a few microseconds): 1000 datagrams/s.
ClusterRunResult statsd_at(double rate) {
  std::string cluster = kCluster;
  cluster.replace(cluster.find("duration: 3s"), 12, "duration: 6s");
  return run(cluster + udp_workload("statsd", 8125) + kClientPod + R"(
apps:
  statsd: {concurrency: 1, service_time: 1ms, cpu_per_request: 0s}
traffic:
  - {name: metrics, from: client, url: "udp://statsd:8125", request_size: 120B, rate: )" +
             std::to_string(static_cast<int>(rate)) + "/s}\n");
}

TEST(UdpApps, FireAndForgetDatagramsAreAllReceivedBelowTheReceiversCapacity) {
  const ClusterRunResult r = statsd_at(700);
  const ServiceFigures& s = service(r, "default/statsd");
  // The sender is done as the datagram is handed over: every request ok, in
  // about its client's CPU, never waiting for the receiver.
  EXPECT_GT(r.traffic[0].sent, 3000u);
  EXPECT_EQ(r.traffic[0].ok, r.traffic[0].sent);
  EXPECT_LT(r.traffic[0].total_s.mean(), 10e-6);
  EXPECT_EQ(s.datagrams_sent, r.traffic[0].sent);
  // At most the last one or two are still on their way at the end.
  EXPECT_LE(s.datagrams_lost(), 2u);
  EXPECT_EQ(s.receive_drops, 0u);
  // Received at the offered rate (5 s after the warm-up), served as an M/D/1
  // queue at utilisation 0.7: the estimate and the simulation agree.
  EXPECT_NEAR(static_cast<double>(s.datagrams_received) / 5.0, 700, 700 * 0.05);
  EXPECT_NEAR(s.estimate_server_time_s, s.server_time_s.mean(), 0.1 * s.server_time_s.mean());
}

TEST(UdpApps, BeyondTheReceiversCapacityTheExcessIsLostAtItsReceiveQueue) {
  const ClusterRunResult r = statsd_at(1500);
  const ServiceFigures& s = service(r, "default/statsd");
  EXPECT_EQ(r.traffic[0].ok, r.traffic[0].sent);  // nothing hangs: the senders never wait
  // The receiver takes its capacity, 1 / (1 ms + its read), and the receive
  // queue drops the rest: 1500 - 1000 a second.
  const double received_per_s = static_cast<double>(s.datagrams_received) / 5.0;
  EXPECT_NEAR(received_per_s, 1000, 1000 * 0.02);
  EXPECT_NEAR(static_cast<double>(s.receive_drops) / 5.0, 500, 500 * 0.06);
  EXPECT_EQ(s.datagrams_lost(), s.datagrams_sent - s.datagrams_received);
  EXPECT_LE(s.datagrams_lost() - s.receive_drops, 2u);
  // A full queue of rmem_default (212992 B) at 120 + 576 B a datagram, 306
  // datagrams, ahead of each one taken in: about 306 ms at the server.
  EXPECT_NEAR(s.server_time_s.mean(), 306 * 1e-3, 0.05 * 306e-3);
  EXPECT_TRUE(std::isinf(s.estimate_server_time_s));  // saturated
}

TEST(UdpApps, KubeProxyClearsTheFlowsOfARemovedEndpointSoDatagramsReachTheNewPods) {
  // A rollout replaces both receivers. Each client pod's socket is one flow,
  // pinned by conntrack to an old pod; kube-proxy deletes the UDP entries of
  // endpoints it removes (a UDP flow has no RST to end it), and the next
  // datagram of each flow is translated to a new pod. What is lost is what
  // went to an old pod from its SIGTERM until the client's node programmed
  // the change: well under a second of the 5 s after it.
  std::string cluster = kCluster;
  cluster.replace(cluster.find("duration: 3s"), 12, "duration: 8s");
  const ClusterRunResult r = run(cluster + udp_workload("statsd", 8125, 2, "") + kClient + R"(
apps:
  statsd: {concurrency: 1, service_time: 20us}
traffic:
  - {name: metrics, from: client, url: "udp://statsd:8125", rate: 2000/s}
churn:
  events:
    - {at: 3s, rollout: deployment/statsd}
)");
  const ServiceFigures& s = service(r, "default/statsd");
  EXPECT_GT(r.churn.udp_entries_cleared, 0u);
  EXPECT_GT(s.datagrams_lost(), 0u);
  EXPECT_LT(static_cast<double>(s.datagrams_lost()), 2000 * 1.0);
  EXPECT_EQ(s.receive_drops, 0u);
  EXPECT_EQ(r.traffic[0].ok, r.traffic[0].sent);  // lost, not failed
}

TEST(UdpApps, TheEstimateCoversDatagramsAServerSendsAndItsPipelinedCalls) {
  // A web tier that calls a cache over one pipelined connection per pod and
  // sends a metric per request: the traffic equations give each the web's
  // rate, and at low load the M/G/1 estimates match the server times.
  std::string cluster = kCluster;
  cluster.replace(cluster.find("duration: 3s"), 12, "duration: 11s");
  const ClusterRunResult r =
      run(cluster + workload("web", 8080, "8080", 2) + workload("cache", 6379, "6379") +
          udp_workload("statsd", 8125) + kClient + R"(
apps:
  web:
    concurrency: 8
    service_time: {distribution: exponential, mean: 1ms}
    calls:
      - sequential: [{url: "http://cache:80", pool_size: 1, pipeline: 8}]
      - sequential: [{url: "udp://statsd:8125", request_size: 60B}]
  cache: {concurrency: 1, threads: 1, service_time: 40us, keepalive_requests: 0}
  statsd: {concurrency: 1, threads: 1, service_time: 60us}
traffic:
  - {from: client, url: "http://web:80", rate: 1000/s}
)");
  for (const char* name : {"default/web", "default/cache", "default/statsd"}) {
    const ServiceFigures& f = service(r, name);
    EXPECT_GT(f.requests, 5000u) << name;
    EXPECT_NEAR(f.estimate_arrival_per_s, 1000, 1e-6) << name;
    EXPECT_NEAR(f.estimate_server_time_s, f.server_time_s.mean(), 0.1 * f.server_time_s.mean())
        << name;
  }
}

TEST(UdpApps, DatagramsFromOutsideReachALoadBalancersOrANodesUdpPort) {
  for (const std::string& how : {std::string("LoadBalancer"), std::string("NodePort")}) {
    const std::string url =
        how == "LoadBalancer" ? "udp://statsd.default.lb:8125" : "udp://worker-0:30125";
    const ClusterRunResult r = run(
        kCluster +
        "  - inline: {apiVersion: apps/v1, kind: Deployment, metadata: {name: statsd}, spec: "
        "{selector: {matchLabels: {app: statsd}}, template: {metadata: {labels: {app: statsd}}, "
        "spec: {containers: [{name: c, image: x, ports: [{containerPort: 8125, protocol: "
        "UDP}]}]}}}}\n"
        "  - inline: {apiVersion: v1, kind: Service, metadata: {name: statsd}, spec: {type: " +
        how +
        ", selector: {app: statsd}, ports: [{port: 8125, nodePort: 30125, protocol: UDP}]}}\n"
        "apps:\n  statsd: {service_time: 50us}\ntraffic:\n  - {url: \"" +
        url + "\", rate: 500/s}\n");
    const ServiceFigures& s = service(r, "default/statsd");
    EXPECT_GT(s.datagrams_sent, 500u) << how;
    EXPECT_LE(s.datagrams_lost(), 2u) << how;
    EXPECT_LE(s.datagrams_received - s.requests, 2u) << how;  // the last may be in service
  }
}

// --- request and response -----------------------------------------------------

TEST(UdpApps, ARequestResponseDatagramTakesARoundTripAndTheServiceTime) {
  const ClusterRunResult r = run(kCluster + udp_workload("echo", 7) + kClientPod + R"(
apps:
  echo: {concurrency: 4, service_time: 2ms, cpu_per_request: 0s, response_size: 64B}
traffic:
  - {name: echo, from: client, url: "udp://echo:7", reply: true, request_size: 64B, rate: 200/s}
)");
  const TrafficFigures& t = r.traffic[0];
  EXPECT_GT(t.ok, 300u);
  EXPECT_EQ(t.failed, 0u);
  // No connection: nothing before the datagram leaves. The server holds it
  // for its service time; the rest is the round trip between two nodes,
  // tens of microseconds.
  EXPECT_LT(t.connect_s.mean(), 1e-9);
  EXPECT_NEAR(t.at_server_s.mean(), 2e-3, 2e-3 * 0.01);
  EXPECT_GT(t.network_s.mean(), 5e-6);
  EXPECT_LT(t.network_s.mean(), 100e-6);
  EXPECT_NEAR(t.total_s.mean(), t.at_server_s.mean() + t.network_s.mean(), 1e-9);
  EXPECT_NEAR(service(r, "default/echo").estimate_server_time_s,
              service(r, "default/echo").server_time_s.mean(), 0.05 * 2e-3);
}

TEST(UdpApps, AnUnansweredDatagramIsSentAgainAfterTheTimeoutThenFails) {
  // No pod behind the Service: every datagram is lost, each attempt waits
  // its timeout, and the request fails after 1 + retries of them.
  const ClusterRunResult r = run(kCluster + kClientPod + R"(
  - inline: {apiVersion: v1, kind: Service, metadata: {name: echo},
             spec: {selector: {app: nobody}, ports: [{port: 7, protocol: UDP}]}}
traffic:
  - {name: echo, from: client, url: "udp://echo:7", reply: true, timeout: 200ms, retries: 2,
     rate: 20/s, stop: 2s}
)");
  const TrafficFigures& t = r.traffic[0];
  EXPECT_GT(t.sent, 5u);
  EXPECT_EQ(t.ok, 0u);
  EXPECT_EQ(t.by_status[static_cast<int>(app::RequestStatus::timeout)], t.sent);
  EXPECT_EQ(t.retries, 2 * t.sent);
}

TEST(UdpApps, ARequestResponseClientDefaultsToTheGlibcResolversTimeoutAndAttempts) {
  const scenario::ClusterScenario s =
      scenario::parse_cluster_scenario(kCluster + udp_workload("echo", 7) + kClientPod + R"(
traffic:
  - {from: client, url: "udp://echo:7", reply: true, rate: 20/s}
  - {from: client, url: "udp://echo:7", rate: 20/s}
)",
                                       "test.yaml");
  EXPECT_EQ(s.traffic[0].timeout, engine::Time::s(5));  // resolv.conf(5): timeout:5
  EXPECT_EQ(s.traffic[0].retries, 1);                   // attempts:2
  EXPECT_FALSE(s.traffic[1].reply);
}

TEST(UdpApps, BadUdpEntriesAreLocatedErrors) {
  const std::string base = kCluster + udp_workload("echo", 7) + workload("web") + kClientPod;
  EXPECT_NE(build_errors(base + "traffic:\n  - {from: client, url: \"udp://echo:8\", rate: 1/s}\n")
                .find(":5: error: traffic[0].url: Service default/echo has no UDP port 8 (its "
                      "ports: 7/UDP); a udp:// URL needs a port with protocol: UDP"),
            std::string::npos);
  EXPECT_NE(
      build_errors(base + "traffic:\n  - {from: client, url: \"udp://echo:7\", timeout: 1s, rate: "
                          "1/s}\n")
          .find("traffic[0].timeout: nothing waits for a datagram sent without a reply"),
      std::string::npos);
  EXPECT_NE(
      build_errors(base + "traffic:\n  - {from: client, url: \"udp://echo:7\", pipeline: 4, rate: "
                          "1/s}\n")
          .find("traffic[0].pipeline: a UDP socket has no connections"),
      std::string::npos);
  EXPECT_NE(build_errors(base + "traffic:\n  - {from: client, url: \"udp://echo:7\", request_size: "
                                "70000B, rate: 1/s}\n")
                .find("traffic[0].request_size: a UDP datagram holds at most 65507B over IPv4"),
            std::string::npos);
  EXPECT_NE(build_errors(base + "traffic:\n  - {from: client, url: \"udp://echo\", rate: 1/s}\n")
                .find("a udp:// URL needs a port"),
            std::string::npos);
  EXPECT_NE(
      build_errors(base + "traffic:\n  - {from: client, url: \"http://web:80\", reply: true, rate: "
                          "1/s}\n")
          .find("traffic[0].reply: reply is for udp:// URLs"),
      std::string::npos);
  // An app sent datagrams must have a UDP port to take them on.
  // (A headless Service takes any port: only the pods can say.)
  EXPECT_NE(build_errors(kCluster + workload("web") + kClientPod +
                         "  - inline: {apiVersion: v1, kind: Service, metadata: {name: web-h}, "
                         "spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80, "
                         "targetPort: 8080}]}}\napps:\n  web: {}\ntraffic:\n  - {from: client, "
                         "url: \"udp://web-h:9\", rate: 1/s}\n")
                .find("apps.web.port: datagrams are sent to web (a udp:// URL), but its pods "
                      "declare no UDP container port"),
            std::string::npos);
}

// --- pipelining ---------------------------------------------------------------

// A Redis-like server (one request at a time, 50 us each, no limit on a
// connection's requests) and 16 closed-loop users sharing one connection.
// Nodes 50 us of fibre from their switch: a round trip of about 200 us.
ClusterRunResult redis_with_pipeline(int pipeline) {
  std::string cluster = kCluster;
  cluster.replace(cluster.find("cluster:\n"), 9, "cluster:\n  topology: {link_delay: 50us}\n");
  return run(
      cluster +
      workload("redis", 6379, "6379", 1, "nodeSelector: {kubernetes.io/hostname: worker-1}, ") +
      kClientPod +
      R"(
apps:
  redis: {concurrency: 1, service_time: 50us, keepalive_requests: 0}
traffic:
  - {name: get, from: client, url: "http://redis:80", users: 16, pool_size: 1, pipeline: )" +
      std::to_string(pipeline) + "}\n");
}

TEST(PipelinedPools, OneConnectionCarriesNRequestsARoundTripUpToTheServersRate) {
  // Without pipelining one request is outstanding: a round trip and the
  // service each. With N outstanding, N a cycle until the server is the
  // bottleneck: throughput min(N / (RTT + s), 1 / s).
  const ClusterRunResult one = redis_with_pipeline(1);
  const double cycle = one.traffic[0].network_s.mean() + one.traffic[0].at_server_s.mean();
  const double service = one.traffic[0].at_server_s.mean();  // nothing queues at N = 1
  ASSERT_GT(one.traffic[0].ok, 1000u);
  EXPECT_NEAR(static_cast<double>(one.traffic[0].ok) / 2.0, 1 / cycle, 0.03 / cycle);
  EXPECT_GT(cycle, 1.5 * service);  // a round trip worth pipelining over
  for (int n : {2, 8}) {
    const ClusterRunResult r = redis_with_pipeline(n);
    EXPECT_EQ(r.traffic[0].failed, 0u);
    const double expected = std::min(n / cycle, 1 / service);
    EXPECT_NEAR(static_cast<double>(r.traffic[0].ok) / 2.0, expected, 0.05 * expected) << n;
  }
}

// Two users sharing one connection to a backend that serves two requests at
// once, each asking for a slow route (5 ms) or a fast one (100 us) at random.
struct Answers {
  struct Seen {
    std::uint64_t id;
    bool slow;
    engine::Time started, finished;
  };
  std::vector<Seen> seen;
  void on_request(const app::RequestRecord& r) {
    if (r.parent == 0 && r.status == app::RequestStatus::ok)
      seen.push_back(Seen{r.id, r.service() > engine::Time::ms(1), r.started, r.finished});
  }
};

Answers slow_and_fast(const std::string& pool) {
  const scenario::ClusterScenario s = scenario::parse_cluster_scenario(
      kCluster +
          workload("back", 8080, "8080", 1, "nodeSelector: {kubernetes.io/hostname: worker-1}, ") +
          kClientPod + R"(
apps:
  back:
    concurrency: 2
    keepalive_requests: 0
    routes:
      slow: {service_time: 5ms}
      fast: {service_time: 100us}
traffic:
  - {from: client, url: "http://back:80", users: 2, mix: {slow: 1, fast: 1},
     client: {program: fortio, cpu_per_request: 0s}, )" +
          pool + "}\n",
      "test.yaml");
  ClusterModel m(s);
  Answers a;
  m.requests().finished.connect<&Answers::on_request>(&a);
  m.run();
  std::sort(a.seen.begin(), a.seen.end(),
            [](const Answers::Seen& x, const Answers::Seen& y) { return x.id < y.id; });
  return a;
}

// Mean time of the fast requests sent while a slow one was outstanding.
double fast_behind_slow_s(const Answers& a, int* count) {
  double sum = 0;
  *count = 0;
  for (std::size_t j = 0; j < a.seen.size(); ++j) {
    if (a.seen[j].slow) continue;
    bool behind = false;
    for (std::size_t i = 0; i < j; ++i)
      behind |= a.seen[i].slow && a.seen[i].finished > a.seen[j].started;
    if (!behind) continue;
    ++*count;
    sum += (a.seen[j].finished - a.seen[j].started).seconds();
  }
  return *count > 0 ? sum / *count : 0;
}

TEST(PipelinedPools, ASlowAnswerHoldsBackTheFastOnesPipelinedBehindIt) {
  // One pipelined connection answers in the order it was asked: no answer
  // comes before that of a request sent before it.
  const Answers pipelined = slow_and_fast("pool_size: 1, pipeline: 2");
  ASSERT_GT(pipelined.seen.size(), 300u);
  for (std::size_t i = 1; i < pipelined.seen.size(); ++i)
    EXPECT_LE(pipelined.seen[i - 1].finished, pipelined.seen[i].finished) << i;
  int held = 0;
  const double fast_held = fast_behind_slow_s(pipelined, &held);
  EXPECT_GT(held, 50);
  // A fast request sent behind a slow one waits for it: on average half the
  // slow one's 5 ms at least (it was sent at some point during it), where
  // alone it would take its 100 us and a round trip.
  EXPECT_GT(fast_held, 2e-3);
  // On two connections of a pool the fast ones pass the slow ones.
  const Answers pooled = slow_and_fast("pool_size: 2");
  int passing = 0;
  const double fast_free = fast_behind_slow_s(pooled, &passing);
  EXPECT_GT(passing, 50);
  EXPECT_LT(fast_free, 300e-6);
}

TEST(PipelinedPools, PipelineIsForKeptAliveHttpConnections) {
  const std::string base = kCluster + workload("web") + kClientPod;
  EXPECT_NE(build_errors(base + "traffic:\n  - {from: client, url: \"http://web:80\", pipeline: 4, "
                                "keep_alive: false, rate: 1/s}\n")
                .find("traffic[0].pipeline: pipelining sends on kept-alive connections"),
            std::string::npos);
  EXPECT_NE(build_errors(base + "traffic:\n  - {from: client, url: \"http://web:80\", protocol: "
                                "grpc, pipeline: 4, rate: 1/s}\n")
                .find("traffic[0].pipeline: not modelled for a gRPC channel"),
            std::string::npos);
  EXPECT_NE(
      build_errors(base + "traffic:\n  - {from: client, url: \"http://web:80\", pipeline: 0, rate: "
                          "1/s}\n")
          .find("traffic[0].pipeline: expected an integer from 1 to 10000, got '0'"),
      std::string::npos);
}

}  // namespace
}  // namespace podwire::builder
