// Whole cluster scenarios, built and run: each Kubernetes networking concept
// behaves as it does in a cluster, with its cost, and Service server times
// agree with the Jackson-network estimate where its assumptions hold.
#include "models/builder/cluster_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "tests/support/build_errors.hpp"
#include "tests/support/my_app_manifests.hpp"

namespace podwire::builder {
namespace {

const std::string& kManifests = test_support::kMyAppManifests;

const std::string kCluster = R"(
run: {seed: 3, duration: 4s, warmup: 1s}
cluster:
  nodes: [{name: worker, count: 3, cpus: 4}]
)";

const std::string kWebApp = R"(
apps:
  my-app/web-server: {concurrency: 4, service_time: 1ms}
)";

ClusterRunResult run(const std::string& text, const std::vector<std::string>& overrides = {}) {
  const ClusterScenario s = scenario::parse_cluster_scenario(text, "test.yaml", overrides);
  ClusterModel m(s);
  return m.run();
}

using test_support::build_errors;

TEST(ClusterModel, AClientPodReachesAServiceByItsShortName) {
  const ClusterRunResult r = run(kCluster + kManifests + kWebApp + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 200/s, keep_alive: false}
)");
  ASSERT_EQ(r.traffic.size(), 1u);
  const TrafficFigures& t = r.traffic[0];
  EXPECT_GT(t.ok, 500u);
  EXPECT_EQ(t.failed, 0u);
  // ndots:5 puts web.my-app.svc.cluster.local first in the search list: one
  // A query per lookup, nothing else (fortio asks for IPv4 only).
  EXPECT_EQ(r.dns_queries, r.dns_lookups);
  EXPECT_EQ(r.dns.nxdomain, 0u);
  // Every request went through the ClusterIP to one of the pods.
  EXPECT_GE(r.datapath.service_translations, t.sent);
  EXPECT_GT(t.dns_s.mean(), 0.0);
  EXPECT_GT(t.connect_s.mean(), 0.0);
  // The constant 1 ms service and the default server program's 2.5 us of CPU
  // (nginx's profile), nothing queued, plus accepting the connection and
  // reading the request on the program's thread: at most a wake-up, accept(),
  // epoll_wait() and recv(), 6 us (docs/parameters.md).
  EXPECT_GT(t.at_server_s.mean(), 1e-3 + 2.5e-6);
  EXPECT_LT(t.at_server_s.mean(), 1e-3 + 2.5e-6 + 6e-6);
}

// A normal service time's negative draws count as 0, so the mean time at the
// server is E[max(0, X)] = mu Phi(mu / sigma) + sigma phi(mu / sigma): 2.79 ms
// for mu 2 ms and sigma 4 ms, not the 2 ms a normal's mean would give.
TEST(ClusterModel, ANormalServiceTimeCountsItsNegativeDrawsAsZero) {
  const ClusterRunResult r = run(kCluster + kManifests + R"(
apps:
  my-app/web-server: {concurrency: 64, service_time: {distribution: normal, mean: 2ms, stddev: 4ms}}
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 500/s}
)");
  const TrafficFigures& t = r.traffic[0];
  EXPECT_GT(t.ok, 1000u);
  EXPECT_EQ(t.failed, 0u);
  const double z = 0.5;
  const double phi = std::exp(-z * z / 2) / std::sqrt(2 * M_PI);
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  const double expected = 2e-3 * cdf + 4e-3 * phi;
  EXPECT_NEAR(t.at_server_s.mean() / expected, 1.0, 0.08) << t.at_server_s.mean();
}

TEST(ClusterModel, AOneThreadServerReadsARequestAfterAcceptingItsConnection) {
  // 500 us of user work per connection on one thread: a request on a new
  // connection waits for it, less the half round trip between the client's
  // handshake ACK and its request.
  const ClusterRunResult r = run(kCluster + kManifests + R"(
apps:
  my-app/web-server: {concurrency: 4, service_time: 1ms, threads: 1, cpu_per_connection: 500us}
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 50/s, keep_alive: false}
)");
  const TrafficFigures& t = r.traffic[0];
  EXPECT_GT(t.ok, 100u);
  EXPECT_GT(t.at_server_s.mean(), 1e-3 + 400e-6);
  EXPECT_LT(t.at_server_s.mean(), 1e-3 + 520e-6);
}

TEST(ClusterModel, AnExternalNameCostsAQueryPerSearchDomainFirst) {
  const ClusterRunResult r = run(kCluster + kManifests + kWebApp + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://example.com/", rate: 10/s, keep_alive: false}
)");
  ASSERT_GT(r.dns_lookups, 0u);
  // my-app.svc.cluster.local, svc.cluster.local, cluster.local, then as given:
  // four candidates, an A query each (fortio's).
  EXPECT_EQ(r.dns_queries, 4 * r.dns_lookups);
  EXPECT_EQ(r.dns.nxdomain, 3 * r.dns_lookups);  // one for each of the three search domains
  EXPECT_GT(r.dns.forwarded + r.dns.cache_hits, 0u);
}

// The pod's own dnsConfig (the common tuning for external names): ndots:1
// sends example.com out as given first, one candidate instead of four.
TEST(ClusterModel, APodsDnsConfigNdotsCutsAnExternalNamesQueries) {
  std::string manifests = kManifests;
  const std::string plain = "spec: {containers: [{name: curl, image: curl}]}";
  manifests.replace(manifests.find(plain), plain.size(),
                    "spec: {dnsConfig: {options: [{name: ndots, value: '1'}]}, containers: "
                    "[{name: curl, image: curl}]}");
  const ClusterRunResult r = run(kCluster + manifests + kWebApp + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://example.com/", rate: 10/s, keep_alive: false}
)");
  ASSERT_GT(r.dns_lookups, 0u);
  EXPECT_EQ(r.dns_queries, r.dns_lookups);
  EXPECT_EQ(r.dns.nxdomain, 0u);
}

TEST(ClusterModel, AFullyQualifiedNameIsOneCandidate) {
  const ClusterRunResult r = run(kCluster + kManifests + kWebApp + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web.my-app.svc.cluster.local./", rate: 50/s, keep_alive: false}
)");
  EXPECT_EQ(r.dns_queries, r.dns_lookups);
  EXPECT_EQ(r.traffic[0].failed, 0u);
}

TEST(ClusterModel, KeepAliveResolvesAndConnectsOncePerConnection) {
  const ClusterRunResult r = run(kCluster + kManifests + kWebApp + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", users: 2, think_time: 5ms}
)");
  EXPECT_GT(r.traffic[0].ok, 200u);
  EXPECT_LE(r.dns_lookups, 2u);  // one per connection, two users
}

// ab calls getaddrinfo() once before its loop and keeps the address; fortio,
// the default client, asks at every connection, as an HTTP library does.
TEST(ClusterModel, AnAbClientResolvesItsTargetOnceAFortioClientPerConnection) {
  const std::string traffic = R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 100/s, keep_alive: false, client: CLIENT}
)";
  const auto with = [&](const std::string& client) {
    std::string t = traffic;
    t.replace(t.find("CLIENT"), 6, client);
    return run(kCluster + kManifests + kWebApp + t);
  };
  const ClusterRunResult ab = with("ab");
  EXPECT_GT(ab.traffic[0].ok, 250u);
  EXPECT_EQ(ab.traffic[0].failed, 0u);
  EXPECT_EQ(ab.dns_lookups, 1u);
  const ClusterRunResult fortio = with("fortio");
  EXPECT_GE(fortio.dns_lookups, fortio.traffic[0].sent);
}

const std::string kNodePortService = R"(
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: web-np, namespace: my-app}
      spec:
        type: NodePort
        selector: {app: web-server}
        ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
)";

TEST(ClusterModel, ANodePortAnswersOnEveryNode) {
  std::string text = kCluster + kManifests + kNodePortService + kWebApp + "traffic:\n";
  for (int i = 0; i < 3; ++i) {
    text += "  - {name: n" + std::to_string(i) + ", url: \"http://worker-" + std::to_string(i) +
            ":30080/\", rate: 50/s}\n";
  }
  const ClusterRunResult r = run(text);
  for (const TrafficFigures& t : r.traffic) {
    EXPECT_GT(t.ok, 100u) << t.name;
    EXPECT_EQ(t.failed, 0u) << t.name;
  }
  EXPECT_GT(r.datapath.snat, 0u);  // Cluster policy masquerades
}

// A server's calls go through glibc's getaddrinfo(): an A and an AAAA
// question for each name tried, not fortio's A alone.
TEST(ClusterModel, AServersCallsAskForAAndAaaa) {
  const ClusterRunResult r = run(kCluster + kManifests + kNodePortService + R"(
apps:
  my-app/web-server:
    concurrency: 4
    service_time: 1ms
    calls: [{sequential: [{url: "http://web:80", max_depth: 1}]}]
traffic:
  - {name: n, url: "http://worker-0:30080/", rate: 100/s, keep_alive: false}
)");
  EXPECT_GT(r.traffic[0].ok, 250u);
  EXPECT_EQ(r.traffic[0].failed, 0u);
  EXPECT_GT(r.dns_lookups, 0u);
  EXPECT_EQ(r.dns_queries, 2 * r.dns_lookups);
}

// The web pods behind a NodePort, each request calling the headless
// web-direct on a new connection: the lookups that reach kube-dns are the
// servers' own. `app` adds lines to the web-server app.
std::string calls_to_headless(const std::string& manifests, const std::string& app) {
  return kCluster + manifests + kNodePortService + R"(
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: web-direct, namespace: my-app}
      spec: {clusterIP: None, selector: {app: web-server}, ports: [{port: 8080}]}
apps:
  my-app/web-server:
    concurrency: 4
    service_time: 1ms
)" + app +
         R"(    calls: [{sequential: [{url: "http://web-direct:8080", max_depth: 1, keep_alive: false}]}]
traffic:
  - {name: n, url: "http://worker-0:30080/", rate: 100/s}
)";
}

// An app whose calls go through Go's resolver asks A and AAAA from a socket
// each, where glibc sends both from one: each lookup of a headless Service's
// name makes one more conntrack entry toward kube-dns, and the DNS queries
// are the only packets translated but for the NodePort's few kept-alive
// connections.
TEST(ClusterModel, GosResolverTakesASocketPerQuestion) {
  const auto with = [&](const std::string& resolver) {
    return run(calls_to_headless(kManifests, "    resolver: " + resolver + "\n"));
  };
  const ClusterRunResult glibc = with("glibc");
  const ClusterRunResult go = with("go");
  for (const ClusterRunResult* r : {&glibc, &go}) {
    EXPECT_GT(r->traffic[0].ok, 250u);
    EXPECT_EQ(r->traffic[0].failed, 0u);
    EXPECT_EQ(r->dns_queries, 2 * r->dns_lookups);
  }
  const double lookups = static_cast<double>(go.dns_lookups);
  EXPECT_GT(lookups, 250);
  EXPECT_NEAR(static_cast<double>(glibc.dns_lookups), lookups, 0.02 * lookups);
  const double more = static_cast<double>(go.datapath.service_translations) -
                      static_cast<double>(glibc.datapath.service_translations);
  EXPECT_NEAR(more, lookups, 0.05 * lookups);
}

// A JVM keeps an answer 30 s and a failure 10 s, whatever the TTL (5 s from
// CoreDNS): in a 12 s run each of the three web-server pods asks for the
// Service once (an A and an AAAA query, through glibc), and twice for a name
// that does not exist (fully qualified: one name tried).
TEST(ClusterModel, AJavaAppsCallsResolveOnceEveryThirtySeconds) {
  const ClusterRunResult r = run(kCluster + kManifests + kNodePortService + R"(
apps:
  my-app/web-server:
    concurrency: 4
    service_time: 1ms
    resolver: java
    calls:
      - sequential:
          - {url: "http://web:80", max_depth: 1, keep_alive: false}
          - {url: "http://gone.my-app.svc.cluster.local.:80", max_depth: 1}
traffic:
  - {name: n, url: "http://worker-0:30080/", rate: 100/s, keep_alive: false}
)",
                                 {"run.duration=12s"});
  EXPECT_GT(r.traffic[0].ok, 1000u);
  EXPECT_GT(r.dns_lookups, 2 * r.traffic[0].ok);
  EXPECT_EQ(r.dns_queries, 3u * (2 + 2 * 2));
  EXPECT_EQ(r.dns.nxdomain, 3u * 2 * 2);
}

struct Lookups {
  double seconds = 0;
  std::uint64_t count = 0;
};

// The pod's dnsConfig options, read as glibc reads them (a server's calls
// resolve through glibc): single-request waits for the A answer before it
// asks AAAA, so a lookup takes two round trips to CoreDNS instead of one;
// single-request-reopen also asks it from a new socket (one more conntrack
// entry, seen through a headless Service, whose calls are not translated);
// no-aaaa asks A alone.
TEST(ClusterModel, ThePodsResolverOptionsDecideHowGlibcAsks) {
  const auto with = [&](const std::string& option) {
    std::string manifests = kManifests;
    const std::string plain =
        "spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: "
        "8080}]}]}";
    if (!option.empty()) {
      manifests.replace(manifests.find(plain), plain.size(),
                        "spec: {dnsConfig: {options: [{name: " + option +
                            "}]}, containers: [{name: web, image: nginx, ports: [{name: http, "
                            "containerPort: 8080}]}]}");
    }
    const ClusterScenario s =
        scenario::parse_cluster_scenario(calls_to_headless(manifests, ""), "test.yaml", {});
    ClusterModel m(s);
    Lookups looked;
    m.dns_looked_up.connect(
        [](void* ctx, const app::DnsLookupRecord& r) {
          auto& l = *static_cast<Lookups*>(ctx);
          l.seconds += (r.finished - r.started).seconds();
          ++l.count;
        },
        &looked);
    ClusterRunResult r = m.run();
    return std::make_pair(r, looked.seconds / static_cast<double>(looked.count));
  };
  const auto [plain, plain_dns] = with("");
  const auto [single, single_dns] = with("single-request");
  const auto [reopen, reopen_dns] = with("single-request-reopen");
  const auto [no_aaaa, no_aaaa_dns] = with("no-aaaa");
  for (const ClusterRunResult* r : {&plain, &single, &reopen, &no_aaaa}) {
    EXPECT_GT(r->dns_lookups, 250u);
    EXPECT_EQ(r->traffic[0].failed, 0u);
  }
  EXPECT_EQ(plain.dns_queries, 2 * plain.dns_lookups);
  EXPECT_EQ(single.dns_queries, 2 * single.dns_lookups);
  EXPECT_EQ(no_aaaa.dns_queries, no_aaaa.dns_lookups);
  // A lookup: one round trip to CoreDNS, or two.
  std::printf("lookup: %.1f us, single-request %.1f us, reopen %.1f us, no-aaaa %.1f us\n",
              plain_dns * 1e6, single_dns * 1e6, reopen_dns * 1e6, no_aaaa_dns * 1e6);
  EXPECT_GT(plain_dns, 0.0);
  EXPECT_NEAR(single_dns / plain_dns, 2.0, 0.25);
  EXPECT_NEAR(reopen_dns / plain_dns, 2.0, 0.25);
  EXPECT_NEAR(no_aaaa_dns / plain_dns, 1.0, 0.1);
  // The same conntrack entries with single-request; one more per lookup when
  // the AAAA question reopens.
  const double lookups = static_cast<double>(reopen.dns_lookups);
  EXPECT_NEAR(static_cast<double>(single.datapath.service_translations),
              static_cast<double>(plain.datapath.service_translations), 0.05 * lookups);
  EXPECT_NEAR(static_cast<double>(reopen.datapath.service_translations) -
                  static_cast<double>(plain.datapath.service_translations),
              lookups, 0.05 * lookups);
}

std::string load_balancer(const std::string& policy) {
  // One web-server pod on three nodes: Local may only use its node.
  return kCluster + kManifests + R"(
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: shop, namespace: my-app}
      spec:
        type: LoadBalancer
        externalTrafficPolicy: )" +
         policy + R"(
        selector: {app: web-server}
        ports: [{port: 80, targetPort: 8080}]
)" + kWebApp +
         R"(
traffic:
  - {name: users, url: "http://shop.my-app.lb/", rate: 300/s, keep_alive: false}
)";
}

std::string one_replica(std::string text) {
  text.replace(text.find("replicas: 3"), 11, "replicas: 1");
  return text;
}

TEST(ClusterModel, LoadBalancerLocalPolicyNeverTakesASecondHop) {
  const ClusterRunResult local = run(one_replica(load_balancer("Local")));
  const ClusterRunResult cluster = run(one_replica(load_balancer("Cluster")));
  EXPECT_GT(local.traffic[0].ok, 500u);
  EXPECT_EQ(local.traffic[0].failed, 0u);
  EXPECT_GT(cluster.traffic[0].ok, 500u);
  // Only DNS (the client pod is idle here) could cross nodes otherwise: under
  // Local the balancer's traffic reaches the endpoint's own node and stays.
  EXPECT_EQ(local.datapath.encapsulated, 0u);
  EXPECT_EQ(local.datapath.snat, 0u);
  EXPECT_GT(cluster.datapath.encapsulated, 0u);  // two nodes in three forward to the endpoint
  EXPECT_GT(cluster.datapath.snat, 0u);
}

TEST(ClusterModel, NetworkPolicyDropsWhatItDoesNotAllow) {
  const std::string policy = R"(
  - inline:
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: only-frontend, namespace: my-app}
      spec:
        podSelector: {matchLabels: {app: web-server}}
        ingress: [{from: [{podSelector: {matchLabels: {role: frontend}}}]}]
)";
  const ClusterRunResult r = run(kCluster + kManifests + policy + kWebApp + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 20/s, keep_alive: false}
)");
  EXPECT_EQ(r.traffic[0].ok, 0u);
  EXPECT_GT(r.datapath.policy_drops, 0u);
}

TEST(ClusterModel, PortForwardGoesThroughTheApiServerAndTheKubelet) {
  const ClusterRunResult r = run(kCluster + kManifests + kWebApp + R"(
traffic:
  - {name: pf, port_forward: {target: my-app/svc/web, port: 80}, rate: 50/s}
)");
  EXPECT_GT(r.traffic[0].ok, 100u);
  EXPECT_EQ(r.traffic[0].failed, 0u);
  // API server 200 us and kubelet 100 us each way, plus 1 ms of service.
  EXPECT_GT(r.traffic[0].total_s.mean(), 1e-3 + 2 * 300e-6);
  EXPECT_EQ(r.datapath.service_translations, 0u);  // the kubelet dials the pod's localhost
}

// The web pods behind a headless Service, asked by name at `rate`, a new
// connection each.
std::string headless_web(const std::string& rate) {
  return kCluster + kManifests + R"(
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: web-direct, namespace: my-app}
      spec: {clusterIP: None, selector: {app: web-server}, ports: [{port: 8080}]}
)" + kWebApp +
         R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web-direct:8080/", rate: )" +
         rate + R"(, keep_alive: false}
)";
}

TEST(ClusterModel, AHeadlessServiceResolvesToPodsWithoutTranslation) {
  const ClusterRunResult r = run(headless_web("100/s"));
  EXPECT_GT(r.traffic[0].ok, 200u);
  EXPECT_EQ(r.traffic[0].failed, 0u);
  // Only the DNS queries to the kube-dns ClusterIP were translated.
  EXPECT_LE(r.datapath.service_translations, r.dns_queries);
}

// Each question Go's resolver asks (fortio's: an A query per name tried) goes
// out of a new socket, whose source port Linux's UDP autobind draws at random
// from ip_local_port_range (28,232 ports); a query on a tuple that conntrack
// still holds (UDP entries outlive this run) takes the entry's translation,
// any other makes a new one. With a headless Service only the DNS queries to
// kube-dns are translated, so their count is the number of distinct ports
// among n draws: 28,232 (1 - e^(-n / 28,232)).
TEST(ClusterModel, EachLookupsSocketTakesARandomSourcePortAndANewConntrackEntryWithIt) {
  const ClusterRunResult r = run(headless_web("1500/s"));
  ASSERT_EQ(r.traffic[0].failed, 0u);
  ASSERT_EQ(r.dns_queries,
            r.dns_lookups);  // one name tried each, an A query on a socket of its own
  const double n = static_cast<double>(r.dns_lookups);
  const double ports = 60999 - 32768 + 1;
  const double distinct = ports * (1 - std::exp(-n / ports));
  std::printf("%.0f lookups: %llu translated, %.0f distinct ports expected\n", n,
              static_cast<unsigned long long>(r.datapath.service_translations), distinct);
  EXPECT_GT(n, 5000);
  EXPECT_NEAR(static_cast<double>(r.datapath.service_translations) / distinct, 1.0, 0.02);
}

TEST(ClusterModel, AnExternalNameServiceIsACnameForwardedUpstream) {
  const ClusterRunResult r = run(kCluster + kManifests + R"(
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: search, namespace: my-app}
      spec: {type: ExternalName, externalName: search.example.com}
)" + kWebApp + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://search/", rate: 5/s, keep_alive: false}
)");
  EXPECT_EQ(r.dns_queries, r.dns_lookups);  // search.my-app.svc.cluster.local answers (a CNAME)
  EXPECT_GT(r.dns.forwarded + r.dns.cache_hits, 0u);
}

TEST(ClusterModel, ServiceServerTimesMatchTheJacksonEstimate) {
  // Poisson clients, exponential service, random endpoint choice: each pod of
  // a Service is an M/M/c queue fed by a thinned Poisson stream.
  const std::string text = R"(
run: {seed: 11, duration: 150s, warmup: 10s}
cluster:
  nodes: [{name: worker, count: 3, cpus: 16}]
manifests:
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: front}
      spec:
        replicas: 2
        selector: {matchLabels: {app: front}}
        template:
          metadata: {labels: {app: front}}
          spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
  - inline: {apiVersion: v1, kind: Service, metadata: {name: front}, spec: {selector: {app: front}, ports: [{port: 80, targetPort: 8080}]}}
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: back}
      spec:
        replicas: 3
        selector: {matchLabels: {app: back}}
        template:
          metadata: {labels: {app: back}}
          spec: {containers: [{name: c, image: x, ports: [{containerPort: 9090}]}]}
  - inline: {apiVersion: v1, kind: Service, metadata: {name: back}, spec: {selector: {app: back}, ports: [{port: 9090}]}}
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: load}
      spec:
        replicas: 1
        selector: {matchLabels: {app: load}}
        template:
          metadata: {labels: {app: load}}
          spec: {containers: [{name: c, image: x}]}
apps:
  front:
    concurrency: 2
    service_time: {distribution: exponential, mean: 5ms}
    calls: [{sequential: [{url: "http://back:9090", keep_alive: false}]}]
  back:
    concurrency: 1
    service_time: {distribution: exponential, mean: 4ms}
traffic:
  - {name: load, from: load, url: "http://front/", rate: 300/s, keep_alive: false}
)";
  const ClusterRunResult r = run(text);
  ASSERT_EQ(r.services.size(), 2u);
  const ServiceFigures& back = r.services[0].name == "default/back" ? r.services[0] : r.services[1];
  for (const ServiceFigures& s : r.services) {
    ASSERT_FALSE(std::isnan(s.estimate_server_time_s)) << s.name;
    EXPECT_GT(s.requests, 20000u) << s.name;
    // front: 150/s per pod on 2 slots of 5 ms (rho 0.375); back: 300/s over 3
    // pods, 100/s each on one slot of 4 ms (rho 0.4). Calls leave a front pod
    // as its departures, a Poisson stream (Burke), and each opens its own
    // connection, so kube-proxy's random choice thins it into Poisson streams.
    EXPECT_NEAR(s.server_time_s.mean(), s.estimate_server_time_s, 0.05 * s.estimate_server_time_s)
        << s.name;
  }
  EXPECT_NEAR(back.estimate_arrival_per_s, 300.0, 1e-9);
  // 100/s per pod of 4 ms of service and the server program's 2.5 us of CPU.
  EXPECT_NEAR(back.estimate_utilisation, 100 * (4e-3 + 2.5e-6), 1e-9);
}

TEST(ClusterModel, BuildProblemsAreReportedWithTheirPlace) {
  const std::string e = build_errors(kCluster + kManifests + R"(
apps:
  my-app/nope: {concurrency: 1}
  my-app/web-server:
    calls: [{sequential: [{url: "http://cart:7070"}]}]
traffic:
  - {from: my-app/ghost, url: "http://web/", rate: 1/s}
)");
  EXPECT_NE(e.find("apps.my-app/nope: no workload"), std::string::npos) << e;
  EXPECT_NE(e.find("calls Service 'cart', which does not exist in namespace 'my-app'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("traffic[0].from: no running pods of a workload 'ghost'"), std::string::npos)
      << e;
  EXPECT_NE(e.find("test.yaml:"), std::string::npos) << e;
}

TEST(ClusterModel, UnschedulablePodsAreErrorsNamingTheWorkload) {
  std::string manifests = kManifests;
  // Pods of 3.95 CPUs on nodes of 4: only the node without a CoreDNS pod
  // (100m each, two of them) has room, for one.
  manifests.replace(manifests.find("image: nginx,"), 13,
                    "image: nginx, resources: {requests: {cpu: 3950m}},");
  const std::string e = build_errors(kCluster + manifests + kWebApp);
  EXPECT_NE(
      e.find(
          "Deployment my-app/web-server: 2 of 3 pods cannot be scheduled: 0/3 nodes are available: "
          "3 Insufficient cpu"),
      std::string::npos)
      << e;
}

}  // namespace
}  // namespace podwire::builder

namespace podwire::app {
namespace {

TEST(IngressRoutes, HostThenLongestPathWithExactBeforePrefix) {
  const std::vector<IngressRoute> routes{
      {"", "/", false, 0},
      {"", "/v2", false, 1},
      {"shop.example.com", "/", false, 2},
      {"shop.example.com", "/cart", true, 3},
      {"shop.example.com", "/cart", false, 4},
      {"*.example.com", "/", false, 5},
  };
  EXPECT_EQ(match_ingress_route(routes, "other.org", "/"), 0);
  EXPECT_EQ(match_ingress_route(routes, "other.org", "/v2/hello"), 1);
  EXPECT_EQ(match_ingress_route(routes, "other.org", "/v2"), 1);
  EXPECT_EQ(match_ingress_route(routes, "other.org", "/v20"), 0);          // element-wise prefixes
  EXPECT_EQ(match_ingress_route(routes, "shop.example.com", "/cart"), 3);  // Exact wins a tie
  EXPECT_EQ(match_ingress_route(routes, "shop.example.com", "/cart/items"), 4);
  EXPECT_EQ(match_ingress_route(routes, "shop.example.com", "/"), 2);
  EXPECT_EQ(match_ingress_route(routes, "blog.example.com", "/x"), 5);  // wildcard before any-host
  EXPECT_EQ(match_ingress_route(routes, "a.b.example.com", "/x"),
            0);  // a wildcard covers one label
  EXPECT_EQ(match_ingress_route({{"shop.example.com", "/", false, 0}}, "other.org", "/"), -1);
}

}  // namespace
}  // namespace podwire::app

namespace podwire::builder {
namespace {

TEST(ClusterModel, AnIngressControllerFansOutByPath) {
  const ClusterRunResult r =
      run(std::string(R"(
run: {seed: 1, duration: 3s, warmup: 1s}
cluster:
  nodes: [{name: worker, count: 3, cpus: 4}]
manifests:
  - )") + PODWIRE_SOURCE_DIR +
          R"(/scenarios/manifests/ingress-nginx/cloud/deploy.yaml
  - )" + PODWIRE_SOURCE_DIR +
          R"(/scenarios/manifests/gke-samples/load-balancing-ingress/web-deployment.yaml
  - )" + PODWIRE_SOURCE_DIR +
          R"(/scenarios/manifests/gke-samples/load-balancing-ingress/web-service.yaml
  - )" + PODWIRE_SOURCE_DIR +
          R"(/scenarios/manifests/gke-samples/load-balancing-ingress/web-deployment-v2.yaml
  - )" + PODWIRE_SOURCE_DIR +
          R"(/scenarios/manifests/gke-samples/load-balancing-ingress/web-service-v2.yaml
  - )" + PODWIRE_SOURCE_DIR +
          R"(/scenarios/manifests/gke-samples/load-balancing-ingress/fanout-ingress.yaml
apps:
  ingress-nginx/ingress-nginx-controller: {role: ingress, port: 80, cpu_per_request: 100us}
  web: {service_time: 1ms}
  web2: {service_time: 3ms}
traffic:
  - {name: v1, url: "http://ingress-nginx-controller.ingress-nginx.lb/", rate: 100/s}
  - {name: v2, url: "http://ingress-nginx-controller.ingress-nginx.lb/v2/x", rate: 100/s}
)");
  ASSERT_EQ(r.traffic.size(), 2u);
  EXPECT_GT(r.traffic[0].ok, 150u);
  EXPECT_GT(r.traffic[1].ok, 150u);
  std::uint64_t web = 0, web2 = 0;
  for (const ServiceFigures& s : r.services) {
    if (s.name == "default/web") web = s.requests;
    if (s.name == "default/web2") web2 = s.requests;
  }
  EXPECT_EQ(web, r.traffic[0].ok);   // / went to web
  EXPECT_EQ(web2, r.traffic[1].ok);  // /v2/... to web2
  // One pod each, one slot, constant service, Poisson arrivals: M/D/1 waits
  // (Pollaczek-Khinchine, rho S / 2(1 - rho)) of 0.056 ms and 0.643 ms.
  const double web_wait = 0.1 * 1e-3 / (2 * 0.9), web2_wait = 0.3 * 3e-3 / (2 * 0.7);
  EXPECT_NEAR(r.traffic[1].total_s.mean() - r.traffic[0].total_s.mean(),
              2e-3 + web2_wait - web_wait, 0.25e-3);
}

}  // namespace
}  // namespace podwire::builder

namespace podwire::builder {
namespace {

// A client opening a connection per request to `web`, with 10,000 filler
// Services in the proxy's tables and the scenario's Services first or last.
ClusterRunResult with_fillers(const std::string& mode, const std::string& position) {
  return run(kCluster + kManifests + kWebApp + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 100/s, keep_alive: false}
)",
             {"cluster.proxy.mode=" + mode, "cluster.proxy.filler_services=10000",
              "cluster.proxy.measured_position=" + position});
}

TEST(ProxyModes, IptablesWalksToTheServicesPositionNftablesDoesNot) {
  const double first = with_fillers("iptables", "first").traffic[0].total_s.mean();
  const double last = with_fillers("iptables", "last").traffic[0].total_s.mean();
  // 10,000 more KUBE-SERVICES rules on each connection's SYN, and on the DNS
  // queries' first packets to kube-dns, which sits at the end too.
  const double walk = 10000 * proxy::ProxyModeCosts{}.iptables_rule.seconds();
  EXPECT_GT(last - first, walk);
  EXPECT_LT(last - first, 3 * walk + 0.1e-3);
  const double nft_first = with_fillers("nftables", "first").traffic[0].total_s.mean();
  const double nft_last = with_fillers("nftables", "last").traffic[0].total_s.mean();
  EXPECT_NEAR(nft_first, nft_last, 5e-6);
  for (const char* mode : {"ipvs", "ebpf"}) {
    EXPECT_NEAR(with_fillers(mode, "first").traffic[0].total_s.mean(),
                with_fillers(mode, "last").traffic[0].total_s.mean(), 5e-6)
        << mode;
  }
}

TEST(ProxyModes, KeepAliveHidesThePosition) {
  const auto keep = [](const std::string& position) {
    return run(
        kCluster + kManifests + kWebApp + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", users: 1, think_time: 10ms}
)",
        {"cluster.proxy.filler_services=10000", "cluster.proxy.measured_position=" + position});
  };
  const ClusterRunResult first = keep("first"), last = keep("last");
  // One connection for the whole run: only its first packet walked the chain.
  EXPECT_NEAR(first.traffic[0].total_s.mean(), last.traffic[0].total_s.mean(), 2e-6);
}

}  // namespace
}  // namespace podwire::builder

namespace podwire::builder {
namespace {

TEST(ProxyModes, AFullConntrackTableDropsNewConnectionsAndCountsThem) {
  // A connection per request leaves an entry in TIME_WAIT for 120 s on each
  // node it crosses: 300 entries fill up after about 150 connections.
  const ClusterRunResult r = run(kCluster + kManifests + kWebApp + R"(
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 200/s, keep_alive: false}
)",
                                 {"cluster.conntrack_max=300"});
  EXPECT_GT(r.datapath.conntrack_drops, 0u);
  // Measured from 1 s on, when the table is full: no new connection gets
  // through (their SYNs are dropped and retried in vain).
  EXPECT_GT(r.traffic[0].sent, 500u);
  EXPECT_EQ(r.traffic[0].ok, 0u);
  std::uint64_t drops = 0;
  for (const NodeFigures& n : r.nodes) {
    EXPECT_LE(n.conntrack_entries, 300u) << n.name;
    drops += n.conntrack_drops;
  }
  EXPECT_EQ(drops, r.datapath.conntrack_drops);
}

TEST(ProxyModes, IptablesSaturatesTheClientNodesCpuBeforeNftables) {
  // One node of 4 hardware threads, two physical cores; 8,000 new
  // connections a second to a Service behind 10,000 others. iptables walks
  // 10,000 rules (about 260 us) on each SYN: more than 2 core-seconds per
  // second. nftables pays one lookup, and both ends' kernels pay a short
  // connection's host stack work (about 60 us, host-stack-costs.md 7.4):
  // about 0.5 core-seconds, with the server's 0.8 well within two cores.
  const auto at = [](const std::string& mode) {
    return run(R"(
run: {seed: 3, duration: 1s, warmup: 200ms}
cluster:
  nodes: [{name: solo, cpus: 4}]
)" + kManifests + R"(
apps:
  my-app/web-server: {concurrency: 64, service_time: 100us}
traffic:
  - {name: load, from: my-app/client, url: "http://web/", rate: 8000/s, keep_alive: false}
)",
               {"cluster.proxy.mode=" + mode, "cluster.proxy.filler_services=10000",
                "cluster.proxy.measured_position=last", "cluster.dns.client_cache=true"});
  };
  const ClusterRunResult iptables = at("iptables");
  const ClusterRunResult nftables = at("nftables");
  ASSERT_EQ(iptables.nodes.size(), 1u);
  const double capacity = 4 * iptables.simulated.seconds();
  EXPECT_GT(iptables.nodes[0].kernel_cpu_s / capacity, 0.95);  // saturated
  EXPECT_LT(nftables.nodes[0].kernel_cpu_s / capacity, 0.35);
  // Saturation shows as queueing in every request's network part.
  EXPECT_GT(iptables.traffic[0].network_s.mean(), 10 * nftables.traffic[0].network_s.mean());
  EXPECT_LT(iptables.traffic[0].ok, nftables.traffic[0].ok);
}

}  // namespace
}  // namespace podwire::builder

namespace podwire::builder {
namespace {

// kube-proxy resyncs whether or not anything changed — every syncPeriod in
// IPVS mode and in iptables mode up to 1.16, once an hour since — so a run
// without churn has them too, each a full restore on one of the node's
// cores; eBPF's agent has no periodic resync.
TEST(ClusterModel, EveryNodesProxyResyncsOnItsPeriodWithoutAnyChurn) {
  const std::string text = kCluster + kManifests + kWebApp;
  struct Case {
    std::string mode, version;
    std::uint64_t full_syncs;
  };
  for (const Case& k : {Case{"iptables", "1.16", 2}, Case{"iptables", "1.36", 0},
                        Case{"ipvs", "1.36", 2}, Case{"ebpf", "1.36", 0}}) {
    const ClusterScenario s = scenario::parse_cluster_scenario(
        text, "test.yaml",
        {"run.duration=65s", "cluster.proxy.mode=" + k.mode, "cluster.proxy.version=" + k.version});
    ClusterModel m(s);
    m.run();
    for (std::size_t n = 0; n < m.node_count(); ++n) {
      const proxy::SyncCounters& c = m.proxy_sync(n).counters();
      EXPECT_EQ(c.full_syncs, k.full_syncs) << k.mode << " " << k.version << " node " << n;
      if (k.mode == "iptables" && k.full_syncs > 0) {
        EXPECT_GE(c.busy, engine::Time::ms(2 * 130)) << "node " << n;
      }
    }
  }
}

}  // namespace
}  // namespace podwire::builder
